#!/bin/sh
# truth.sh: what the program tells the operator holds (#15): every command it prints for
# the operator to run works pasted verbatim into a fresh shell (sh -c, only PATH set), with
# --config when the settings are not the default ones, even from a folder with a space;
# incidents close ends a drill opened by mistake as abandoned (not pass, not fail); a
# runbook's restore_before: detected makes restore and rpo use only points taken before
# the detection.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"
# rpo and drills lines read whole (tables.sh checks them at 80 columns)
COLUMNS=1000
export COLUMNS

FIX="$top_builddir/tests/pdr-incident-fixture"
make_sandbox "$T/sandbox"
# the same settings from a folder whose name needs quoting
mkdir -p "$T/my dir"
cp "$C" "$T/my dir/dr.yaml"
CQ="$T/my dir/dr.yaml"
M="$T/patronus_dr.prom"
printf 'metrics_file: %s\n' "$M" >>"$CQ"
STATE=$(sed -n 's/^state_dir: *//p' "$C" | tr -d '"')
[ -n "$STATE" ] || STATE="$D/var/lib/patronus/dr"

# --- demo's tips --------------------------------------------------------------------------
run "$PDR" demo --dir "$T/sandbox" --no-tui
expect_rc 0 "demo --no-tui on the sandbox"
cp "$T/out" "$T/demo.out"
for sub in config backups "runbooks list" drills; do
	line=$(grep -E "^  patronus-dr --config .* $sub\$" "$T/demo.out" | head -1 | sed 's/^  //')
	[ -n "$line" ] || { fail "demo names no '$sub' command"; continue; }
	paste_hint "$line"
	expect_rc 0 "demo's tip pasted: $line"
done
expect_no_match "$T/demo.out" '^  patronus-dr .*[A-Z]+-ID' "every tip is a real command, no placeholder to fill in"
# Off $PATH (the README's demo runs _build/patronus-dr from the clone): the tips name the
# program by its absolute path, and work pasted into a shell that has no patronus-dr.
run env PATH=/usr/bin:/bin "$PDR" demo --dir "$T/sandbox" --no-tui
expect_rc 0 "demo --no-tui, the program not in \$PATH"
self=$(cd "$(dirname "$PDR")" && pwd)/$(basename "$PDR")
line=$(grep -F "  $self --config " "$T/out" | grep ' backups$' | head -1 | sed 's/^  //')
[ -n "$line" ] && ok "off \$PATH the tip names the program by its path: $line" ||
	{ fail "off \$PATH the tips do not name $self"; sed 's/^/  | /' "$T/out" | tail -20; }
run env -i PATH=/usr/bin:/bin sh -c "$line"
expect_rc 0 "that tip pasted into a shell without patronus-dr in \$PATH works"
ptip=$(sed -n 's/^  \(export PATH=.*\)/\1/p' "$T/demo.out")
[ -z "$ptip" ] && ok "in \$PATH, no tip to set PATH" || fail "in \$PATH, a PATH tip: $ptip"
run env PATH=/usr/bin:/bin "$PDR" demo --dir "$T/sandbox" --no-tui
ptip=$(sed -n 's/^  \(export PATH=.*\)/\1/p' "$T/out")
etip=$(sed -n 's/^  \(export PATRONUS_DR_CONFIG=.*\)/\1/p' "$T/out")
run env -i PATH=/usr/bin:/bin sh -c "$ptip; $etip; patronus-dr config"
expect_rc 0 "off \$PATH, the demo's two export tips pasted, then plain 'patronus-dr config'"
expect_match "$T/out" "$T/sandbox/dr.yaml" "that reads the sandbox's settings"
tip=$(sed -n 's/^  \(export PATRONUS_DR_CONFIG=.*\)/\1/p' "$T/demo.out")
paste_hint "$tip; patronus-dr config"
expect_rc 0 "demo's export tip pasted, then a command without --config"
expect_match "$T/out" "$T/sandbox/dr.yaml" "the command reads the sandbox's settings"

# --- "done" says what the step left open: a command not run, items not ticked, questions ---
id=$("$FIX" "$STATE" declare database-corruption incident "Database corruption" 1800 900)
"$FIX" "$STATE" event "$id" step-started reconcile "Check for missed events" >/dev/null
"$FIX" "$STATE" check "$id" reconcile 0 "Checked the logs for events after the backup's time" >/dev/null
"$FIX" "$STATE" event "$id" step-done reconcile >/dev/null
"$FIX" "$STATE" event "$id" step-started start-services "Start services" >/dev/null
"$FIX" "$STATE" event "$id" step-done start-services >/dev/null
"$FIX" "$STATE" event "$id" step-started document "Document incident" >/dev/null
"$FIX" "$STATE" answer "$id" document cause "What caused corruption?" "a disk" >/dev/null
"$FIX" "$STATE" event "$id" step-done document >/dev/null
run "$PDR" --config "$CQ" report "$id"
expect_match "$T/out" '^\| reconcile — Check for missed events \| done; items ticked: 1 of 2 \|' \
	"report: a checklist done with an item unticked says so"
expect_match "$T/out" '^\| document — Document incident \| done; questions answered: 1 of 3 \|' \
	"report: a prompt done with questions unanswered says so"
expect_match "$T/out" '^\| start-services — Start services \| done; its command not run here \|' \
	"report: a command step marked done without running it says so"
run "$PDR" --config "$CQ" report "$id" --format status
expect_match "$T/out" '^- Document incident: done; questions answered: 1 of 3$' \
	"status update: the action taken says what it left open"
expect_match "$T/out" '^- Start services: done; its command not run here$' \
	"status update: a command never run is not an action taken without saying so"
run "$PDR" --config "$CQ" incidents show "$id"
expect_match "$T/out" '^  reconcile +done; items ticked: 1 of 2$' "incidents show: the same words"
# a restore of the configuration only: the RPO (the database's) stays unknown, and the report
# says why without denying the restore the record holds
"$FIX" "$STATE" event "$id" restored restore '{"set":"patronus-hourly-20261201-120000","backup_ms":1764590400000,"part":"config"}' >/dev/null
run "$PDR" --config "$CQ" report "$id"
expect_match "$T/out" 'RPO:\*\* target 15m00s, achieved: unknown \(no database restore recorded\)$' \
	"report: a config restore only leaves the RPO unknown, saying no database restore"
run "$PDR" --config "$CQ" report "$id" --format status
expect_match "$T/out" '^Data Loss: unknown \(no database restore in the record\)$' "status update: the same"
run "$PDR" --config "$CQ" report "$id" -o "$T/no/such/folder/report.md"
expect_rc 73 "report -o into a folder that does not exist: cannot create (73), not no input (66)"
"$FIX" "$STATE" close "$id" >/dev/null

# --- incidents close: a drill opened by mistake ---------------------------------------------
id=$("$FIX" "$STATE" declare database-corruption drill "Database corruption" 1800 900)
"$FIX" "$STATE" event "$id" step-started stop-services "Stop services" >/dev/null
run "$PDR" --config "$CQ" incidents close "$id"
expect_rc 64 "close without --reason"
expect_match "$T/err" "needs --reason" "says --reason is needed"
run "$PDR" --config "$CQ" incidents close "$id" --reason "wrong runbook <b>"
expect_rc 0 "incidents close ID --reason"
expect_match "$T/out" "is closed as abandoned: wrong runbook <b>" "says it is abandoned, with the reason"
expect_match "$M" '^patronus_dr_incidents_open 0$' "metrics rewritten at the close"
expect_no_match "$M" 'patronus_dr_drill_last_success\{runbook="database-corruption"\}' \
	"metrics: an abandoned drill is no drill result"
hint=$(sed -n 's/.*its report: //p' "$T/out")
case $hint in "patronus-dr --config '$T/my dir/dr.yaml' report $id") ok "the report hint quotes the folder with a space" ;;
	*) fail "the report hint: '$hint'" ;; esac
paste_hint "$hint"
expect_rc 0 "the report hint pasted into a fresh shell works"
expect_match "$T/out" '^> \*\*ABANDONED:\*\* the drill was closed as opened by mistake: wrong runbook &lt;b&gt;' \
	"the report: abandoned, the reason escaped"
expect_match "$T/out" '^\*\*Drill result: ABANDONED\*\*$' "the report: neither PASS nor FAIL"
expect_no_match "$T/out" '^- \[(PASS|FAIL)\]' "the report: no criteria scored"
vhint=$(sed -n 's/.*(check with `\(.*\)`)$/\1/p' "$T/out")
paste_hint "$vhint"
expect_rc 0 "the report's incidents verify hint pasted works: $vhint"
expect_match "$T/out" "^$id: the chain of [0-9]+ events holds" "and the chain holds"
run "$PDR" --config "$CQ" report "$id" --format status
expect_match "$T/out" '^Subject: \[ABANDONED\]' "status update: abandoned"
expect_no_match "$T/out" 'RESOLVED|OPERATIONAL|FAILED|PASSED' "status update: no verdict"
run "$PDR" --config "$CQ" drills database-corruption --ascii
expect_match "$T/out" "^1 +$id .* abandoned\$" "drills: abandoned, not PASS or FAIL"
run "$PDR" --config "$CQ" incidents show "$id"
expect_match "$T/out" '^Steps:' "incidents show: the steps' states"
expect_match "$T/out" '^  stop-services +started$' "incidents show: the step's state from the walk"
expect_match "$T/out" '^  restore +not reached$' "incidents show: a step not reached"
expect_match "$T/out" '^Abandoned: wrong runbook <b>$' "incidents show: abandoned, with the reason"
expect_match "$T/out" 'abandoned \(opened by mistake\): wrong runbook <b>' "incidents show: the event"
run "$PDR" --config "$CQ" incidents close "$id" --reason again
expect_rc 64 "closing a closed drill"
expect_match "$T/err" "already closed; nothing changed" "says it is closed already"
thint=$(sed -n 's/.*(its timeline: \(.*\))$/\1/p' "$T/err")
paste_hint "$thint"
expect_rc 0 "the timeline hint pasted works: $thint"
run "$PDR" --config "$CQ" incidents close DRILL-nope --reason x
expect_rc 66 "closing an unknown id"
run "$PDR" --config "$CQ" incidents show "$id" --reason x
expect_rc 64 "--reason with show"

# --- other hints the commands print ---------------------------------------------------------
run "$PDR" --config "$CQ" runbooks show no-such-runbook
expect_rc 66 "runbooks show of an unknown runbook"
rhint=$(sed -n 's/.*(see: \(.*\))$/\1/p' "$T/err")
paste_hint "$rhint"
expect_rc 0 "its hint pasted works: $rhint"
run "$PDR" --config "$CQ" restore db --at -1m --yes
expect_rc 66 "restore db --at without a stream"
bhint=$(sed -n 's/.*with --from (see: \(.*\))$/\1/p' "$T/err")
paste_hint "$bhint"
expect_rc 0 "its hint pasted works: $bhint"

mkdir -p "$T/cwd"
(cd "$T/cwd" && "$PDR" --config "$C" evidence collect "ev dir" >"$T/out" 2>"$T/err")
ehint=$(sed -n 's/.*; check it with: //p' "$T/out")
paste_hint "$ehint"
expect_rc 0 "evidence's check hint (a relative folder with a space) pasted works: $ehint"
expect_match "$T/out" ': OK$' "and sha256sum checks the evidence"

# --- restore_before: only points before the detection ---------------------------------------
# the demo's own history (sets 8 days to 10 minutes old) would stand in the way: only the two below
rm -f "$BK"/*/patronus-*
now=$(date +%s)
PATRONUS_DR_NOW="@$((now - 7200))" "$PDR" --config "$C" backup --no-prune >/dev/null 2>&1 ||
	fail "backup 2 hours ago"
PATRONUS_DR_NOW="@$((now - 600))" "$PDR" --config "$C" backup --no-prune >/dev/null 2>&1 ||
	fail "backup 10 minutes ago"
old=$(date -d "@$((now - 7200))" +%Y%m%d-%H%M%S)
new=$(date -d "@$((now - 600))" +%Y%m%d-%H%M%S)
det=$((now - 3600))
run "$PDR" --config "$C" rpo --incident-start "@$det.000" --target 15m
expect_match "$T/out" "^newest set that verifies: patronus-[a-z]+-$new " "rpo without a limit: the newest set"
run "$PDR" --config "$C" rpo --incident-start "@$det.000" --before "@$det.000" --target 15m
expect_rc 1 "rpo --before the detection: over the 15m target"
expect_match "$T/out" "^only points before .* count: later backups may hold the damage" "rpo says the limit"
expect_match "$T/out" "^newest set before that which verifies: patronus-[a-z]+-$old " \
	"rpo --before: the newest set taken before the detection"
expect_match "$T/out" '^data-loss window: 1h00m ' "rpo --before: the window from that set"
cp "$DB" "$T/live-before.db"
run "$PDR" --config "$C" restore db --before "@$det.000" --incident-start "@$det.000" --yes
expect_rc 0 "restore db --before the detection"
expect_match "$T/out" "^restoring from patronus-[a-z]+-$old" "restore --before: the set taken before the detection"
expect_match "$T/out" '^data-loss window: 1h00m \(backup of .*\.000, incident start .*\.000\)' \
	"restore --before: the window to the ms"
run "$PDR" --config "$C" restore db --before "@$((now - 86400))" --yes
expect_rc 66 "restore --before with no set that old"
expect_match "$T/err" "no backup set taken before the limit passes verify" "says none is old enough"
run "$PDR" --config "$C" restore db --at -1m --before -2m --yes
expect_rc 64 "--at with --before"
# the runbook key: lint takes detected and nothing else, at its place
mkdir -p "$T/rb"
sed 's/^restore_before: detected$/restore_before: later/' \
	"$srcdir/runbooks/database-corruption.yaml" >"$T/rb/database-corruption.yaml"
run "$PDR" runbooks lint "$T/rb/database-corruption.yaml"
expect_rc 65 "restore_before: later refused"
expect_match "$T/err" 'database-corruption\.yaml:[0-9]+:[0-9]+: restore_before: the only value is "detected"' \
	"named at its place"
run "$PDR" runbooks lint "$srcdir/runbooks/database-corruption.yaml" \
	"$srcdir/runbooks/security-incident.yaml" "$srcdir/runbooks/config-deletion.yaml"
expect_rc 0 "the three runbooks with restore_before: detected lint clean"

finish
