#!/bin/sh
# drill-unattended.sh: run --drill --unattended (no terminal) on a demo host with backup sets:
# the monthly backup test passes on good sets and fails naming the damaged file; the report,
# the Backup Test Report and the metrics are written; decisions take their default:, and a
# runbook that needs a person is refused at lint time and at start; a sandbox that cannot be
# made refuses the drill before anything is declared; restore-test alone; restores, key
# rotation and restore db --at with a sandbox's settings change only the sandbox; what a
# command prints reaches the terminal with its control characters escaped.
. "$srcdir/tests/cli/lib.sh"

D="$T/host"
"$PDR" demo --dir "$D" --no-tui >/dev/null 2>"$T/demo.err" || { fail "demo"; cat "$T/demo.err"; }
C="$D/dr.yaml"
M="$T/textfile/patronus_dr.prom"
mkdir -p "$T/textfile"
printf 'metrics_file: %s\n' "$M" >>"$C"
STATE="$D/var/lib/patronus/dr"
gauge() { [ -f "$M" ] && awk -v k="$1" '$1 == k { print $2 }' "$M"; }
ndrills() { sqlite3 "$STATE/incidents.db" "SELECT COUNT(*) FROM incidents" 2>/dev/null || echo 0; }
newest() { sqlite3 "$STATE/incidents.db" "SELECT id FROM incidents ORDER BY declared_ms DESC, rowid DESC LIMIT 1"; }
last_line() { tail -n 1 "$T/out"; }
live_sums() {
	(cd "$D" && echo var/lib/patronus/sdwan.db && find etc/patronus etc/wireguard -type f) |
	    sort | (cd "$D" && xargs sha256sum)
}
live_sums >"$T/before"
day=$(date +%Y%m%d)
BT="$D/var/log/patronus/backup-test-$day.log"

# 1. The monthly backup test on good sets: exit 0, PASS on the last line.
run "$PDR" --config "$C" run monthly-backup-test --drill --unattended </dev/null
expect_rc 0 "monthly backup test, unattended, good sets"
ID=$(newest)
last_line >"$T/last"
expect_match "$T/last" "^PASS: drill $ID of monthly-backup-test: " "the last line says PASS"
expect_match "$T/out" '^Testing backup: .*/daily/patronus-daily-[0-9-]*\.db$' "a random daily set was tested"
expect_match "$BT" '^Backup Test Report$' "the Backup Test Report is in the log folder"
expect_match "$BT" '^- Record Counts: [0-9]+ sites, [0-9]+ paths \(manifest: [0-9]+ sites, [0-9]+ paths\): PASS$' \
	"the report compares the counts with the manifest"
expect_match "$BT" '^- WireGuard Archive \(decrypted, read\): PASS$' "the WireGuard archive was decrypted"
expect_match "$BT" '^- Config Archive \(extracted, check config\): PASS' "the config was extracted and checked"
expect_match "$BT" '^- database restored to scratch, integrity check, counts: [0-9.]+ s$' "each part is timed"
expect_match "$BT" '^Status: SUCCESS$' "SUCCESS"
[ -s "$STATE/incidents/$ID/report.md" ] && ok "the drill report is written" || fail "no report.md"
expect_match "$STATE/incidents/$ID/report.md" '^# Drill report: ' "report.md is the drill report"
[ "$(gauge 'patronus_dr_drill_last_success{runbook="monthly-backup-test"}')" = 1 ] &&
	ok "metrics: the drill's success" || { fail "metrics: no success gauge"; cat "$M"; }
[ ! -e "$STATE/incidents/$ID/sandbox" ] && ok "the sandbox is removed when the drill closes" ||
	fail "the sandbox is left"
expect_match "$T/out" "sandbox .*/incidents/$ID/sandbox is removed" "run says the sandbox is removed"
[ -z "$(ls "$STATE" | grep restore-test)" ] && ok "the scratch folder is removed" || fail "scratch left"
sqlite3 "$STATE/incidents.db" "SELECT ifnull(step,''), kind, payload FROM events WHERE incident_id = '$ID'" >"$T/ev"
expect_match "$T/ev" '^restore-test\|exit\|\{"status":"exit 0"' "record: restore-test exited 0"
# the unattended walk is its steps' supervisor (#22): each run claimed, its exit naming it
claimed=$(sqlite3 "$STATE/incidents.db" "SELECT run FROM events WHERE incident_id = '$ID' AND step = 'restore-test' AND kind = 'run-claimed'")
[ -n "$claimed" ] && [ "$(sqlite3 "$STATE/incidents.db" "SELECT count(*) FROM events WHERE incident_id = '$ID' AND kind = 'exit' AND run = '$claimed'")" = 1 ] &&
	ok "record: restore-test's run is claimed and its exit names it" || fail "record: restore-test's run '$claimed'"
expect_match "$T/ev" '^findings\|step-skipped\|not checked \(unattended\)$' "record: the prompt not checked (unattended)"
expect_match "$T/ev" '^\|closed\|' "record: closed"
run env COLUMNS=1000 "$PDR" --config "$C" drills monthly-backup-test
expect_match "$T/out" "$ID .*PASS" "drills: the unattended drill passed"

# 2. A damaged set: exit 1, the damaged file named on the last line and in the report.
for f in "$D"/backup/patronus/daily/*.db; do
	printf 'DAMAGE' | dd of="$f" bs=1 seek=8192 conv=notrunc 2>/dev/null
done
run "$PDR" --config "$C" run monthly-backup-test --drill --unattended </dev/null
expect_rc 1 "monthly backup test, unattended, damaged sets"
ID2=$(newest)
last_line >"$T/last"
expect_match "$T/last" "^FAIL: drill $ID2 of monthly-backup-test: step restore-test .*failed: exit 1: FAIL: .*/daily/patronus-daily-[0-9-]*\\.db: [a-z]" \
	"the last line names the damaged file"
expect_match "$BT" '^Status: FAILURE$' "the Backup Test Report says FAILURE"
expect_match "$BT" '^Failed: checksum: .*/daily/patronus-daily-[0-9-]*\.db: SHA-256' "the report names the damaged file"
[ -s "$STATE/incidents/$ID2/report.md" ] && ok "the report is written for a failed drill" || fail "no report.md"
[ "$(gauge 'patronus_dr_drill_last_success{runbook="monthly-backup-test"}')" = 0 ] &&
	ok "metrics: the failure" || { fail "metrics: no failure gauge"; cat "$M"; }
run env COLUMNS=1000 "$PDR" --config "$C" drills monthly-backup-test
expect_match "$T/out" "$ID2 .*FAIL" "drills: the failed drill"

# restore-test alone: a named good set passes, an unknown one is missing input
good=$(ls "$D"/backup/patronus/hourly/*.db | head -1)
name=$(basename "$good" .db)
run "$PDR" --config "$C" restore-test --from "$name" -o "$T/bt.txt"
expect_rc 0 "restore-test --from a good set"
expect_match "$T/bt.txt" "^Backup Tested: $good\$" "restore-test: the named set"
run "$PDR" --config "$C" restore-test --from patronus-daily-19990101-000000
expect_rc 66 "restore-test --from an unknown set"
expect_match "$T/out" '^FAIL: no backup set to test$' "restore-test says why on its last line"

# 3. The live host was never touched.
live_sums >"$T/after"
cmp -s "$T/before" "$T/after" && ok "live database, config and keys: SHA-256 unchanged" ||
	{ fail "live files changed"; diff "$T/before" "$T/after"; }

# 4. A runbook that needs a person: refused at start, naming the step; nothing declared.
n=$(ndrills)
run "$PDR" --config "$C" run database-corruption --drill --unattended </dev/null
expect_rc 65 "a decide without default: refused unattended"
expect_match "$T/err" 'database-corruption.yaml:[0-9]+:[0-9]+: step "integrity" is a decide without default' \
	"the refusal names the file, line and step"
[ "$(ndrills)" = "$n" ] && ok "nothing declared" || fail "a drill was declared"
run "$PDR" --config "$C" run monthly-backup-test --unattended </dev/null
expect_rc 64 "--unattended without --drill"

# ... and at lint time, for a runbook that says unattended: true
mkdir -p "$T/rb"
cat >"$T/rb/ask.yaml" <<'EOF'
id: ask
title: Ask
rto: 10m
unattended: true
steps:
  - id: pick
    title: Pick one
    decide:
      question: Which?
      default: two
      answers:
        - answer: one
          next: s-one
        - answer: two
          next: s-two
  - id: s-one
    title: One
    run: printf 'esc\033[2Jx\n'; echo ran-one; exit 3
    drill: run
  - id: s-two
    title: Two
    run: echo ran-two
    drill: run
EOF
sed 's/      default: two/      default: three/' "$T/rb/ask.yaml" >"$T/bad-default.yaml"
sed '/      default: two/d' "$T/rb/ask.yaml" >"$T/no-default.yaml"
run "$PDR" --config "$C" runbooks lint "$T/rb/ask.yaml"
expect_rc 0 "lint: unattended: true with every decide defaulted"
run "$PDR" --config "$C" runbooks lint "$T/no-default.yaml"
expect_rc 65 "lint: unattended: true and a decide without default"
cat "$T/out" "$T/err" >"$T/lint"
expect_match "$T/lint" 'no-default.yaml:6:5: step "pick": a decide without default: cannot run unattended' \
	"lint: file:line:column and the step"
run "$PDR" --config "$C" runbooks lint "$T/bad-default.yaml"
expect_rc 65 "lint: a default that is not an answer"
cat "$T/out" "$T/err" >"$T/lint"
expect_match "$T/lint" 'bad-default.yaml:[0-9]+:[0-9]+: default: "three" is not one of the answers' \
	"lint: the default must be an answer"

# What drills leave behind is swept by the next run: the sandbox of a closed drill (its TUI
# died after the close) and the unfinished one of a run that died before declaring.
mkdir -p "$STATE/incidents/$ID/sandbox" "$STATE/incidents/.sandbox-999999/db"
: >"$STATE/incidents/$ID/sandbox/.patronus-dr-sandbox"

# 5. The default is taken; the path it leads to is run.
sed "s|^runbook_dirs: \[\(.*\)\]|runbook_dirs: [\1, \"$T/rb\"]|" "$C" >"$T/rb.yaml"
# ... and a decide without default that a used runbook brings in, named at the use: step
cat >"$T/rb/wrap.yaml" <<'EOF'
id: wrap
title: Wrap
rto: 30m
unattended: true
steps:
  - id: first
    title: First
    run: "true"
    drill: run
  - id: inner
    title: Inner
    use: database-corruption
EOF
run "$PDR" --config "$T/rb.yaml" runbooks lint "$T/rb/wrap.yaml"
expect_rc 65 "lint: unattended: true and a used runbook that needs a person"
cat "$T/out" "$T/err" >"$T/lint"
expect_match "$T/lint" 'wrap.yaml:10:5: step "inner" uses runbook "database-corruption", whose step "integrity" is a decide without default' \
	"lint names the use: step, the runbook and its step"
n=$(ndrills)
run "$PDR" --config "$T/rb.yaml" run wrap --drill --unattended </dev/null
expect_rc 65 "run --unattended refuses it too"
expect_match "$T/err" 'wrap.yaml:10:5: step "inner" uses runbook "database-corruption"' "naming the step"
[ "$(ndrills)" = "$n" ] && ok "nothing declared" || fail "a drill was declared"
rm "$T/rb/wrap.yaml"

run "$PDR" --config "$T/rb.yaml" run ask --drill --unattended </dev/null
expect_rc 0 "a decide's default taken unattended"
expect_match "$T/out" '^ran-two$' "the default's step ran"
expect_no_match "$T/out" 'ran-one' "the other answer's step did not"
A=$(newest)
sqlite3 "$STATE/incidents.db" "SELECT ifnull(step,''), kind, payload FROM events WHERE incident_id = '$A'" >"$T/ev"
expect_match "$T/ev" '^pick\|decision\|.*"answer":"two"' "record: the default answer"
[ ! -e "$STATE/incidents/$ID/sandbox" ] && ok "sweep: a closed drill's sandbox is removed" ||
	fail "sweep: a closed drill's sandbox is left"
[ ! -e "$STATE/incidents/.sandbox-999999" ] && ok "sweep: a dead run's unfinished sandbox is removed" ||
	fail "sweep: a dead run's sandbox is left"
# a failed command: FAIL with its status and last output line
sed 's/      default: two/      default: one/' "$T/rb/ask.yaml" >"$T/rb/ask-one.yaml"
sed -i 's/^id: ask$/id: ask-one/' "$T/rb/ask-one.yaml"
run "$PDR" --config "$T/rb.yaml" run ask-one --drill --unattended </dev/null
expect_rc 1 "a failed step fails the drill"
last_line >"$T/last"
expect_match "$T/last" '^FAIL: drill .* of ask-one: step s-one \(One\) failed: exit 3: ran-one$' \
	"the last line: the step, its exit status and its last output"
expect_match "$T/out" '^esc\\x1b\[2Jx$' "a command's control characters are shown escaped"
grep -q "$(printf '\033')" "$T/out" && fail "a raw ESC reached the terminal" || ok "no raw ESC on the terminal"

# defaults that lead round in a loop: a person would break it; unattended, it fails at once
cat >"$T/rb/loop.yaml" <<'EOF'
id: loop
title: Loop
rto: 10m
unattended: true
steps:
  - id: q
    title: Again?
    decide:
      question: Once more?
      default: again
      answers:
        - {answer: again, next: q}
        - {answer: stop, next: end}
  - id: end
    title: End
    run: echo end
    drill: run
EOF
run "$PDR" --config "$T/rb.yaml" run loop --drill --unattended </dev/null
expect_rc 1 "defaults in a loop fail the unattended drill"
last_line >"$T/last"
expect_match "$T/last" '^FAIL: drill .* of loop: the default answers lead round in a loop: step q comes again$' \
	"it says where the loop is"

# The record refuses a write the walk used to leave unchecked (a step's exit, through an
# aborting trigger that the step's own command puts in): the drill says FAIL, naming the
# record, instead of PASS or a crash.
cat >"$T/rb/noexit.yaml" <<YAML
id: noexit
title: The record refuses exits
rto: 10m
unattended: true
steps:
  - id: trap
    title: Put the trigger in
    run: sqlite3 "$STATE/incidents.db" "CREATE TRIGGER noexit BEFORE INSERT ON events WHEN NEW.kind = 'exit' BEGIN SELECT RAISE(ABORT, 'no exits here'); END;"
    drill: run
  - id: after
    title: After
    checklist: [Looked]
YAML
run "$PDR" --config "$T/rb.yaml" run noexit --drill --unattended </dev/null
sqlite3 "$STATE/incidents.db" "DROP TRIGGER IF EXISTS noexit"
expect_rc 1 "a drill whose record refused a write fails"
last_line >"$T/last"
expect_match "$T/last" '^FAIL: drill .* of noexit: the record cannot be written: .*no exits here' \
	"the last line names the record's refusal"

# restore db --at (the stream) in a drill's sandbox: for real there, the live stream untouched.
cat >"$T/rb/noop.yaml" <<'EOF'
id: noop
title: Sandbox only
rto: 10m
unattended: true
steps:
  - id: look
    title: Look
    checklist: [Looked]
EOF
"$PDR" --config "$T/rb.yaml" stream --once >/dev/null 2>&1
run "$PDR" --config "$T/rb.yaml" run noop --drill --unattended --keep-sandbox </dev/null
expect_rc 1 "a drill whose checklist nobody ticked fails, as its report says"
last_line >"$T/last"
expect_match "$T/last" "^FAIL: drill .* of noop: the drill report's success criteria not met: Every checklist item ticked" \
	"the last line names the criterion the drill report missed"
N=$(newest)
SB="$STATE/incidents/$N/sandbox"
[ -f "$SB/db/sdwan.db" ] && ok "--keep-sandbox keeps it after the drill" || fail "no kept sandbox"
sha256sum "$D/backup/patronus/stream/pause" "$D/backup/patronus/stream/status" >"$T/stream.sum" 2>/dev/null
live_sums >"$T/b2"
# --at in whole seconds is the instant the second begins: let the snapshot's second pass
sleep 1
run "$PDR" --config "$SB/dr.yaml" restore db --at "$(date '+%Y-%m-%d %H:%M:%S')" --yes
expect_rc 0 "restore db --at with the sandbox's settings"
expect_match "$T/out" "^restored $SB/db/sdwan.db from .*/stream/" "the stream's point is restored into the sandbox"
sha256sum -c --quiet "$T/stream.sum" >/dev/null 2>&1 && ok "the live stream's pause and status files are untouched" ||
	fail "the live stream's files changed"
live_sums >"$T/a2"
cmp -s "$T/b2" "$T/a2" && ok "restore db --at in the sandbox: live files unchanged" || fail "live files changed"

# restore config and keys, and keys rotate, with the sandbox's settings: in the sandbox only
rm "$SB/config/config.yaml"
run "$PDR" --config "$SB/dr.yaml" restore config --yes
expect_rc 0 "restore config in the sandbox"
[ -s "$SB/config/config.yaml" ] && ok "the sandbox's config.yaml is back" || fail "config.yaml not restored"
expect_match "$SB/config/config.yaml" . "the restored config.yaml has content"
run "$PDR" --config "$SB/dr.yaml" restore keys --yes
expect_rc 0 "restore keys in the sandbox"
before=$(sha256sum <"$SB/wireguard/privatekey")
run "$PDR" --config "$SB/dr.yaml" keys rotate
expect_rc 0 "keys rotate in the sandbox"
[ "$(sha256sum <"$SB/wireguard/privatekey")" != "$before" ] && ok "the sandbox's key is new" ||
	fail "the sandbox's key did not change"
live_sums >"$T/a3"
cmp -s "$T/b2" "$T/a3" && ok "restore config, restore keys, keys rotate in the sandbox: live files unchanged" ||
	{ fail "live files changed"; diff "$T/b2" "$T/a3"; }

# 6. No backup to find: the step that looks for one fails, and says why.
mkdir -p "$T/empty-backups"
sed "s|^backup_dir: .*|backup_dir: \"$T/empty-backups\"|" "$C" >"$T/empty.yaml"
run "$PDR" --config "$T/empty.yaml" backups
expect_rc 66 "backups with no set exits 66"
expect_match "$T/err" 'no backup sets in .*empty-backups, and no stream' "backups says why"
run "$PDR" --config "$T/empty.yaml" run monthly-backup-test --drill --unattended </dev/null
expect_rc 1 "the monthly test with no backup fails"
last_line >"$T/last"
expect_match "$T/last" '^FAIL: .*step list-backups .*exit 66: .*no backup sets in' "it fails at list-backups, saying why"

# 7. A sandbox that cannot be made: refused before anything is declared.
mkdir -p "$T/st2"
: >"$T/st2/incidents"
sed "s|^state_dir: .*|state_dir: \"$T/st2\"|" "$C" >"$T/st2.yaml"
run "$PDR" --config "$T/st2.yaml" run monthly-backup-test --drill --unattended </dev/null
expect_rc 73 "no sandbox (incidents is a file): refused"
expect_match "$T/err" 'no drill declared: its sandbox cannot be made: ' "says nothing was declared, and why"
n2=$(sqlite3 "$T/st2/incidents.db" "SELECT COUNT(*) FROM incidents" 2>/dev/null || echo 0)
[ "$n2" = 0 ] && ok "nothing declared there" || fail "$n2 declared"
# a state_dir inside the config folder: the sandbox would copy itself; refused
sed "s|^state_dir: .*|state_dir: \"$D/etc/patronus/dr-state\"|" "$C" >"$T/inside.yaml"
run "$PDR" --config "$T/inside.yaml" run monthly-backup-test --drill --unattended </dev/null
expect_rc 73 "state_dir inside config_dir: refused"
expect_match "$T/err" 'no drill declared: .*lies inside .*etc/patronus' "says why"
[ ! -e "$D/etc/patronus/dr-state/incidents.db" ] && ok "nothing declared there" || fail "declared"
rm -rf "$D/etc/patronus/dr-state"
# a full disk: a small tmpfs for state_dir (needs root and mount; said when not possible)
mkdir -p "$T/small"
if mount -t tmpfs -o size=256k tmpfs "$T/small" 2>/dev/null; then
	sed "s|^state_dir: .*|state_dir: \"$T/small/state\"|" "$C" >"$T/small.yaml"
	run "$PDR" --config "$T/small.yaml" run monthly-backup-test --drill --unattended </dev/null
	expect_rc 73 "no room for the sandbox: refused"
	expect_match "$T/err" 'no drill declared: .*the drill.s sandbox needs [0-9]+ KiB .* [0-9]+ KiB are free' \
		"says how much it needs and how much is free"
	[ -z "$(ls -A "$T/small/state/incidents" 2>/dev/null)" ] && ok "nothing left in the full state_dir" ||
		fail "left: $(ls -A "$T/small/state/incidents")"
	[ ! -e "$T/small/state/incidents.db" ] && ok "no record opened on the full disk" ||
		fail "a record was made"
	umount "$T/small"
else
	echo "# note: tmpfs cannot be mounted here; the full-disk case is not run"
fi

# Two unattended drills starting at once on a state_dir that has no record yet (a fresh
# standby; the timer's drill beside a person's): both are declared and come to a verdict
# (PASS, or FAIL for the sets damaged above). One of them failed with "database is locked"
# (exit 73) when SQLite refused the second switch of the new file to WAL.
sed "s#^state_dir:.*#state_dir: $T/fresh#" "$C" >"$T/fresh.yaml"
bad=0
for i in 1 2 3 4 5 6 7 8; do
	rm -rf "$T/fresh"
	"$PDR" --config "$T/fresh.yaml" run monthly-backup-test --drill --unattended \
	    >"$T/race1.out" 2>&1 &
	p1=$!
	"$PDR" --config "$T/fresh.yaml" run monthly-backup-test --drill --unattended \
	    >"$T/race2.out" 2>&1
	r2=$?
	wait "$p1"
	r1=$?
	n=$(sqlite3 "$T/fresh/incidents.db" "SELECT COUNT(*) FROM incidents" 2>/dev/null)
	if [ "$r1" -gt 1 ] || [ "$r2" -gt 1 ] || [ "$n" != 2 ]; then
		bad=$((bad + 1))
		echo "  | round $i: exit $r1 and $r2, $n drills recorded"
		grep -h 'patronus-dr:' "$T/race1.out" "$T/race2.out" | head -2 | sed 's/^/  | /'
	fi
done
[ "$bad" -eq 0 ] && ok "two drills started at once on a fresh state_dir are both recorded, 8 times of 8" ||
	fail "two drills started at once on a fresh state_dir: $bad rounds of 8 lost one"
finish
