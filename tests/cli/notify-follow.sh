#!/bin/sh
# notify-follow.sh: notifications follow the incident record (#17): declared, a step
# failed (its title and why), RTO at 50 %, 80 % and breached, closed, in order, each once,
# to notify.webhook and to notify.command (JSON on standard input); a webhook that hangs
# is bounded by notify.timeout, named, and what it missed is sent once it answers; a
# command that hangs is killed.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/webhook-lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "# SKIP python3 is not installed"; exit 77; }
trap 'webhook_stop; rm -rf "$T"' EXIT

FIX="$top_builddir/tests/pdr-incident-fixture"
S="$T/state"
export PATRONUS_DR_NO_SHIP=1	# these tests run the follower by hand
listen mute
mute=$port
cat >"$T/dr.yaml" <<EOF
state_dir: $S
notify:
  webhook: http://127.0.0.1:$mute/
  timeout: 1s
  command: "cat >>'$T/cmd.jsonl'; echo >>'$T/cmd.jsonl'"
EOF
fx() { "$FIX" "$S" "$@"; }
id=$(fx declare database-corruption drill "Database corruption" 1800 900)
fx event "$id" step-started assess "Assess damage (integrity check)" >/dev/null
fx event "$id" step-failed assess "exit 66" >/dev/null
fx event "$id" clock - rto-50 >/dev/null
fx event "$id" note - "a note is not notable" >/dev/null
fx event "$id" clock - rto-80 >/dev/null
fx event "$id" clock - rto-breached >/dev/null
fx event "$id" clock - rpo-breached >/dev/null
fx close "$id" "drill complete" >/dev/null

# The webhook never answers: bounded by the timeout, named, retried later; the command got all.
start=$(date +%s)
run "$PDR" --config "$T/dr.yaml" incidents ship "$id"
took=$(( $(date +%s) - start ))
expect_rc 75 "a webhook that hangs fails the shipment (to be retried)"
expect_match "$T/out" "notify: not sent \(retried\): notify: http://127.0.0.1:$mute/: " "the webhook and the failure are named"
[ "$took" -le 10 ] && ok "bounded by notify.timeout (${took}s)" || fail "took ${took}s"
[ "$(grep -c '^{' "$T/cmd.jsonl")" = 6 ] && ok "notify.command got six notifications" ||
    { fail "command got $(grep -c '^{' "$T/cmd.jsonl")"; cat "$T/cmd.jsonl"; }
python3 - "$T/cmd.jsonl" "$id" >"$T/kinds" <<'PY' || fail "command JSON"
import json, sys
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    j = json.loads(line)
    assert j["incident"] == sys.argv[2]
    print(j["event"], j["seq"], j["head"]["seq"], j["text"])
PY
expect_match "$T/kinds" '^declared 1 9 .*drill DRILL-[^ ]* declared: Database corruption \(RTO 30m' "1: declared"
expect_match "$T/kinds" '^step-failed 3 9 .*: step Assess damage \(integrity check\) failed: exit 66$' "2: the step failed, by title, with why"
expect_match "$T/kinds" '^clock 4 9 .*: 50% of the RTO \(30m00s\) used$' "3: 50 %"
expect_match "$T/kinds" '^clock 6 9 .*: 80% of the RTO \(30m00s\) used$' "4: 80 %"
expect_match "$T/kinds" '^clock 7 9 .*: RTO \(30m00s\) breached$' "5: breached"
expect_match "$T/kinds" '^closed 9 9 .*drill DRILL-[^ ]* closed: drill complete$' "6: closed, with its outcome"
expect_no_match "$T/kinds" 'note|rpo' "a note and the RPO breach are not posted"
[ "$(cut -d' ' -f2 "$T/kinds" | tr '\n' ' ')" = "1 3 4 6 7 9 " ] && ok "in the record's order" || fail "order: $(cut -d' ' -f2 "$T/kinds")"

# The webhook answers now: the six it missed are sent, the command gets nothing twice.
listen answer
sed -i "s|127.0.0.1:$mute/|127.0.0.1:$port/|" "$T/dr.yaml"
run "$PDR" --config "$T/dr.yaml" incidents ship "$id"
expect_rc 0 "the follower catches up"
[ "$(ls "$T"/post-*.json | wc -l)" = 6 ] && ok "the webhook got the six it missed" || fail "$(ls "$T"/post-*.json | wc -l) posts"
[ "$(grep -c '^{' "$T/cmd.jsonl")" = 6 ] && ok "the command got nothing twice" || fail "command: $(grep -c '^{' "$T/cmd.jsonl")"
run "$PDR" --config "$T/dr.yaml" incidents ship "$id"
[ "$(ls "$T"/post-*.json | wc -l)" = 6 ] && ok "nothing is sent twice" || fail "re-sent"

# A command that hangs is killed at the timeout and named.
id2=$(fx declare single-node-failure incident "Single node failure" 600 0)
sed -i "s|command: .*|command: \"sleep 37.123\"|" "$T/dr.yaml"
start=$(date +%s)
run "$PDR" --config "$T/dr.yaml" incidents ship "$id2"
took=$(( $(date +%s) - start ))
expect_rc 75 "a command that hangs fails the shipment"
expect_match "$T/out" "notify.command did not end within 1000 ms: killed" "named and killed"
[ "$took" -le 10 ] && ok "bounded (${took}s)" || fail "took ${took}s"
pgrep -f "^sleep 37.123$" >/dev/null && fail "the command is still running" || ok "nothing of it is left running"

# notify.command in dr.yaml, shown by config.
run "$PDR" --config "$T/dr.yaml" config
expect_match "$T/out" '^notify.command +sleep 37.123 ' "config shows notify.command"

finish
