#!/bin/sh
# notify-tui.sh: the incident's follower posts to notify.webhook from the record: a drill
# declared, then the highest RTO threshold the TUI records (a drill detected 31 minutes
# ago with an RTO of 30m: breached; 25 minutes ago: 80 %; 16 minutes ago: 50 %), each
# post naming the incident and carrying the chain head as the record has it.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"
. "$srcdir/tests/cli/webhook-lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "# SKIP python3 is not installed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "# SKIP sqlite3 is not installed"; exit 77; }
trap 'webhook_stop; $TM kill-server >/dev/null 2>&1; stop_supervisors; rm -rf "$T"' EXIT

D="$T/sandbox"
demo_sandbox "$D"
listen answer
printf 'notify:\n  webhook: http://127.0.0.1:%s/\n  timeout: 2s\n' "$port" >>"$D/dr.yaml"
# texts TEXT: wait (bounded by the clock, tui-lib.sh) for a POST whose text contains TEXT.
texts() {
	tui_poll $TUI_WAIT_MIN sh -c 'cat "$1"/post-*.json 2>/dev/null | grep -q -- "$2"' sh "$T" "$1"
}
# drill AGO WAIT POST: a drill detected AGO, until the TUI shows WAIT and a post has POST
# (the clock is recorded at the TUI's first tick); then leave it.
drill() {
	tui_start n 80 24 "$PDR" --config "$D/dr.yaml" run database-corruption --drill --detected "$1"
	tui_wait n "$2" "the TUI of a drill detected $1 shows the RTO clock"
	texts "$3" || { fail "no post with '$3'"; cat "$T"/post-*.json; }
	tui_keys n q
	tui_wait n '^\[exit 0\]' "q leaves"
	$TM kill-session -t n 2>/dev/null
}

drill -31m 'RTO .*OVER' 'RTO (30m[0-9s]*) breached'
texts 'drill DRILL-[0-9-]*database-corruption declared: Database corruption (RTO 30m' &&
    ok "declared posted" || { fail "no 'declared' post"; cat "$T"/post-*.json; }
texts 'RTO (30m[0-9s]*) breached' && ok "RTO breached posted" || { fail "no breached post"; cat "$T"/post-*.json; }
sleep 2
n=$(ls "$T"/post-*.json | wc -l)
[ "$n" -eq 2 ] && ok "two posts, each once: a late start says the highest threshold only" ||
    { fail "$n posts"; cat "$T"/post-*.json; }
for f in "$T"/post-*.json; do
	sed 1d "$f" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert list(j) == ["text", "incident", "event", "seq", "step", "head"], list(j)
assert j["incident"].startswith("DRILL-") and j["incident"] in j["text"]
assert isinstance(j["head"]["seq"], int) and len(j["head"]["hash"]) == 64
print(j["incident"], j["head"]["seq"], j["head"]["hash"])' >"$T/parsed" ||
	    fail "not the notification's JSON: $(cat "$f")"
	read -r iid hseq hhash <"$T/parsed"
	want=$(sqlite3 "$D/var/lib/patronus/dr/incidents.db" "SELECT hash FROM events WHERE incident_id='$iid' AND seq=$hseq")
	[ "$want" = "$hhash" ] && ok "the post's head is event $hseq of the record" ||
	    fail "head $hseq $hhash is not the record's ($want)"
done

rm -f "$T"/post-*.json
drill -25m 'RTO' '80% of the RTO'
texts '80% of the RTO (30m[0-9s]*) used' && ok "RTO 80% posted" || { fail "no 80% post"; cat "$T"/post-*.json; }
rm -f "$T"/post-*.json
drill -16m 'RTO' '50% of the RTO'
texts '50% of the RTO (30m[0-9s]*) used' && ok "RTO 50% posted" || { fail "no 50% post"; cat "$T"/post-*.json; }

finish
