#!/bin/sh
# tui-drill.sh: a drill of database-corruption on a demo sandbox, declaration to close, in
# tmux at 80x24: simulated steps, an engine action with its output, a decision, ticks, a skip
# with a reason, a note, prompts answered; the screen checked at each point, the record after.
# Also: the layout after a resize to 200x60, and the help.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

D="$T/sandbox"
demo_sandbox "$D"
DB="$D/var/lib/patronus/dr/incidents.db"
S=drill
# The Prometheus textfile: run rewrites it when it declares, the TUI when it closes.
M="$T/textfile/patronus_dr.prom"
mkdir -p "$T/textfile"
printf 'metrics_file: %s\n' "$M" >>"$D/dr.yaml"
# gauge NAME: the value of sample NAME (with its labels) in the metrics file, or nothing.
gauge() { [ -f "$M" ] && awk -v k="$1" '$1 == k { print $2 }' "$M"; }

# run without a terminal is refused before anything is declared
run "$PDR" --config "$D/dr.yaml" run database-corruption --drill </dev/null
expect_rc 64 "run without a terminal"
expect_match "$T/err" "needs a terminal" "run says it needs a terminal"
run "$PDR" --config "$D/dr.yaml" run
expect_rc 64 "run without a runbook id"

tui_start $S 80 24 "$PDR" --config "$D/dr.yaml" run database-corruption --drill
tui_wait $S '^ DRILL +DRILL-[0-9]{8}-[0-9]{4}-database-corruption +Database corruption' \
	"80x24: header with DRILL, the id and the title"
tui_has $S '^RTO [0-9:]+/30:00 left [0-9:]+ +RPO 15m met: loses 1[01]m +Step 1/15$' \
	"80x24: RTO clock, RPO in words (the demo's newest set, 10 minutes before the detection) and the step, in 80 columns"
tui_has $S 'database-corruption: the schedule cannot keep RPO target 15m: backups every 1h' \
	"80x24: the status line says why"
tui_has $S 'Step 1/15: Stop services' "80x24: the current step"
tui_has $S '^> +1 Stop services' "80x24: the step list marks the current step"
tui_has $S '\$ sudo systemctl stop patronus-sdwan' "80x24: the command shown before it runs"
tui_has $S 'Drill: simulated, not run' "80x24: the drill rule of the step"
tui_has $S 'x run .*d done .*s skip .*n note.*\? help +q quit *$' "80x24: the key footer"
ID=$(newest_incident "$DB")
case $ID in DRILL-*) ok "the drill is in the record: $ID" ;; *) fail "no drill in the record: '$ID'" ;; esac
[ "$(gauge 'patronus_dr_drill_rto_target_seconds{runbook="database-corruption"}')" = 1800 ] &&
	ok "metrics: the declared drill's gauges are written at once" ||
	{ fail "metrics: no drill gauge after declaring"; cat "$M"; }
[ -z "$(gauge 'patronus_dr_drill_last_success{runbook="database-corruption"}')" ] &&
	ok "metrics: no result for a drill still open" || fail "metrics: a result for an open drill"

# the RTO clock moves
c1=$(tui_screen $S | sed -n 's/^RTO \([0-9:]*\)\/.*/\1/p')
tui_wait_gone $S "^RTO $c1/" "the RTO clock ticks"

# help lists every key; any key closes it
tui_keys $S '?'
tui_wait $S 'cancel the running command' "? opens the help"
tui_has $S 'the incident.s timeline' "help lists t"
tui_keys $S Space
tui_wait_gone $S 'cancel the running command' "a key closes the help"

# 1 stop-services: simulated in a drill, never run
tui_keys $S x
tui_wait $S 'Result: simulated \(drill\)' "x on a destructive step in a drill: simulated"
tui_has $S '^~ +1 Stop services' "the step list shows the simulated step"
tui_keys $S d
tui_wait $S 'Step 2/15: Back up the corrupted' "d moves to step 2, the forensic copy"

# 2 forensic-copy: skipped with a reason
tui_keys $S s
tui_wait $S 'Reason for skipping' "s asks for a reason"
tui_keys $S Enter
tui_wait $S 'A skip needs a reason' "an empty reason is refused"
tui_keys $S s
tui_wait $S 'Reason for skipping' "s asks again"
tui_type $S "sandbox copy kept by the drill"
tui_keys $S Enter
tui_wait $S 'Step 3/15: Assess damage' "the skip moves on"
tui_has $S '^- +2 Back up the corrupted' "the list shows the step skipped"

# 3 assess: an engine action (read-only, so it runs in the drill) with its output
tui_has $S '\$ patronus-dr --config' "the engine action's command line is shown"
tui_has $S "dr\\.yaml assess" "the engine action's command words are shown"
tui_keys $S x
tui_wait $S '^ended: (exit|signal)' "the action ran to its end"
tui_has $S '^── Output of step 3 \((exit|signal)' "the output pane names its exit status"
lines=$(tui_screen $S | sed -n '/Output of step 3/,/^ended:/p' | grep -cv -e 'Output of step' -e '^ended:' -e '^ *$')
if [ "$lines" -ge 1 ]; then ok "the action's output is on the screen ($lines lines)"; else fail "no output lines of the action"; tui_screen $S; fi
tui_keys $S d
if tui_screen $S | grep -q 'Mark the step done anyway'; then tui_keys $S y; fi
tui_wait $S 'Step 4/15: Read the integrity check' "on to the decision"

# 4 integrity: a decision from a list
tui_has $S '\( \) anything other than ok' "the decision's answers are listed"
tui_keys $S j Enter
tui_wait $S 'Step 5/15: Review the salvage dump' "the answer leads to its step"

# 5 review-dump: ticks
tui_keys $S Space
tui_wait $S '\[x\] Read the report beside' "space ticks the first item"
tui_has $S '\[ \] Noted which tables' "the second is not ticked yet"
tui_keys $S Space
tui_wait $S '\[x\] Noted which tables' "space ticks the second item"

# a note on this step
tui_keys $S n
tui_wait $S 'Note for the record' "n opens the line editor"
tui_type $S "dump looks sane, 3 tables"
tui_keys $S Enter
tui_wait $S 'Note \([a-z0-9_-]+\): dump looks sane, 3 tables' "the note is shown on the step"
tui_keys $S d
tui_wait $S 'Step 6/15: Find the most recent' "d moves on after the ticks"

# 6..14: through the rest, with d (and y where it asks)
for want in 7 8 9 10 11 12 13 14 15; do
	tui_keys $S d
	tui_until $S "Step $want/15: |anyway\? \(y/n\)"
	if tui_screen $S | grep -q 'anyway? (y/n)'; then tui_keys $S y; fi
	tui_wait $S "Step $want/15: " "d to step $want" >/dev/null || break
done
tui_has $S 'Step 15/15: Document incident' "the last step: prompts"

# 15 document: three prompts answered with the line editor
tui_keys $S Enter
tui_wait $S 'What caused corruption' "Enter opens the first question"
tui_type $S "disk full during a write"
tui_keys $S Enter
tui_wait $S '> disk full during a write' "the first answer is shown"
tui_keys $S Enter
tui_type $S "none, backup was 5 minutes old"
tui_keys $S Enter
tui_wait $S '> none, backup was 5 minutes old' "the second answer is shown"
tui_keys $S Enter
tui_type $S "disk alerts"
tui_keys $S Enter
tui_wait $S '> disk alerts' "the third answer is shown"

# resize: 200x60, then back to 80x24
$TM resize-window -t $S -x 200 -y 60
tui_wait $S '^ DRILL +DRILL-.*Database corruption' "200x60: the header"
tui_has $S 'Step 15/15: Document incident' "200x60: the current step"
tui_has $S '\? help +q quit *$' "200x60: the footer"
rows=$(tui_screen $S | wc -l)
[ "$rows" -eq 60 ] && ok "200x60: the screen has 60 rows" || fail "200x60: $rows rows"
tui_has $S '^─{190,}' "200x60: the rules span the new width"
$TM resize-window -t $S -x 80 -y 24
tui_wait $S '^ DRILL +DRILL-' "back to 80x24: the header"
tui_has $S 'x? ?.*d done .*\? help +q quit *$' "back to 80x24: the footer"

# the timeline
tui_keys $S t
tui_wait $S '─ Timeline ─' "t opens the timeline"
tui_has $S 'prompt-answer: prevention: disk alerts' "the timeline has the answers"
tui_keys $S q
tui_wait_gone $S '─ Timeline ─' "q closes the timeline"

# done on the last step offers to close
tui_keys $S d
tui_wait $S 'Close the incident now\? \(y/n\)' "the last step offers to close"
tui_keys $S y
tui_wait $S '\[CLOSED\]' "the header says closed"
[ -n "$(gauge 'patronus_dr_drill_last_success{runbook="database-corruption"}')" ] &&
	ok "metrics: the drill's result is written when it closes, the TUI still open" ||
	{ fail "metrics: no drill result after the close"; cat "$M"; }
tui_keys $S q
tui_wait $S "^Drill $ID is closed; its report: " "the command says the drill is closed and how to get its report"
tui_wait $S '^\[exit 0\]$' "run exits 0"
hint=$(tui_joined $S | sed -n "s/^Drill $ID is closed; its report: //p")
case $hint in *" --config $D/dr.yaml report $ID") ok "the report hint carries --config: $hint" ;;
	*) fail "the report hint: '$hint'" ;; esac
paste_hint "$hint"
expect_rc 0 "the report hint pasted into a fresh shell works"
expect_match "$T/out" "^# Drill report: $ID\$" "it is the drill's report"
# the skipped forensic copy was never failed: it is skipped, not failed
expect_match "$T/out" '^\| forensic-copy — .* \| skipped: sandbox copy kept by the drill \|' "report: the skip with its reason"
expect_no_match "$T/out" 'OPERATIONAL|RESOLVED' "report: a drill never says OPERATIONAL or RESOLVED"
paste_hint "$(printf '%s' "$hint" | sed 's/ report / report --format status /')"
expect_match "$T/out" '^Subject: \[DRILL (PASSED|FAILED)\]' "status update of the drill: passed or failed, not resolved"
expect_match "$T/out" '^Simulated \(drill; nothing was changed\):$' "status update: the simulated steps listed apart"
sed -n '/^Actions Taken:/,/^$/p' "$T/out" >"$T/taken"
expect_no_match "$T/taken" 'Stop services' "status update: a simulated step is not an action taken"

# the record, event by event
events "$DB" "$ID" >"$T/ev"
expect_match "$T/ev" '^1\|\|declared\|.*"mode":"drill"' "record: declared as a drill"
expect_no_match "$T/ev" '\|clock\|rpo-breached' "record: no RPO breach recorded at the declaration"
expect_match "$T/ev" '\|stop-services\|step-done\|simulated \(drill\): sudo systemctl stop patronus-sdwan' "record: the simulated command"
expect_no_match "$T/ev" '\|stop-services\|command-started\|' "record: the simulated command never started"
expect_match "$T/ev" "\\|assess\\|command-started\\|patronus-dr --config $D/var/lib/patronus/dr/incidents/$ID/sandbox/dr.yaml assess" "record: the action's command, with the sandbox's settings"
expect_match "$T/ev" '\|assess\|output\|.' "record: the action's output"
expect_match "$T/ev" '\|assess\|exit\|\{"status":"(exit|signal)' "record: the action's exit status"
expect_match "$T/ev" '\|integrity\|decision\|.*"answer":"anything other than ok \(the database is corrupted\)".*"next":"review-dump"' "record: the decision"
expect_match "$T/ev" '\|review-dump\|check-ticked\|\{"index":0' "record: the first tick"
expect_match "$T/ev" '\|review-dump\|check-ticked\|\{"index":1' "record: the second tick"
expect_match "$T/ev" '\|review-dump\|note\|dump looks sane, 3 tables$' "record: the note"
expect_match "$T/ev" '\|forensic-copy\|step-skipped\|sandbox copy kept by the drill$' "record: the skip with its reason"
expect_match "$T/ev" '\|document\|prompt-answer\|.*"question_id":"cause".*"answer":"disk full during a write"' "record: prompt 1"
expect_match "$T/ev" '\|document\|prompt-answer\|.*"question_id":"data-lost"' "record: prompt 2"
expect_match "$T/ev" '\|document\|prompt-answer\|.*"question_id":"prevention".*disk alerts' "record: prompt 3"
expect_match "$T/ev" '\|\|closed\|drill complete$' "record: closed"
closed=$(sqlite3 "$DB" "SELECT closed_ms > 0 FROM incidents WHERE id = '$ID'")
[ "$closed" = 1 ] && ok "record: the incident row is closed" || fail "record: not closed ($closed)"
# every event the screen showed came from the record: no step-done before its step started
first_done=$(grep -n '|stop-services|step-done|' "$T/ev" | head -1 | cut -d: -f1)
first_start=$(grep -n '|stop-services|step-started|' "$T/ev" | head -1 | cut -d: -f1)
[ "${first_start:-99}" -lt "${first_done:-0}" ] && ok "record: step started before done" || fail "record: order"
# nothing live was touched: the sandbox database is where it was
[ -s "$D/var/lib/patronus/sdwan.db" ] && ok "the sandbox database is still there" || fail "sandbox database gone"

# the chain of the record holds, and the timeline reads back through the program
run "$PDR" --config "$D/dr.yaml" incidents verify "$ID"
expect_rc 0 "incidents verify: the chain of the drill's events holds"
run "$PDR" --config "$D/dr.yaml" incidents show "$ID"
expect_rc 0 "incidents show"
expect_match "$T/out" 'dump looks sane, 3 tables' "incidents show: the note"
expect_match "$T/out" 'sandbox copy kept by the drill' "incidents show: the skip reason"

# resume refuses a closed incident
run "$PDR" --config "$D/dr.yaml" resume "$ID"
expect_rc 64 "resume without a terminal"
tui_start resume 80 24 "$PDR" --config "$D/dr.yaml" resume "$ID"
tui_wait resume 'is closed' "resume refuses a closed drill"
tui_wait resume '^\[exit 65\]$' "resume of a closed drill exits 65"

# demo on a terminal opens the TUI on a new sandbox, a drill of database-corruption ready to
# start; a second demo resumes that drill
tui_start demo 80 24 "$PDR" demo --dir "$T/sb2"
tui_wait demo '^ DRILL +DRILL-[0-9]{8}-[0-9]{4}-database-corruption +Database corruption' "demo opens a drill in the TUI"
tui_has demo 'Step 1/15: Stop services' "demo: ready on the first step"
DID=$(newest_incident "$T/sb2/var/lib/patronus/dr/incidents.db")
tui_keys demo q
tui_wait demo "$DID stays open" "demo: q leaves the drill open"
tui_wait demo '^ *export PATRONUS_DR_CONFIG=' "demo printed the export tip before the TUI opened"
tip=$(tui_joined demo | sed -n 's/^ *\(export PATRONUS_DR_CONFIG=.*\)/\1/p' | head -1)
paste_hint "$tip; patronus-dr incidents list"
expect_match "$T/out" "^$DID( |\$)" "the export tip pasted into a fresh shell: commands use the sandbox"
hint=$(tui_joined demo | sed -n "s/^$DID stays open; continue with: //p")
case $hint in *"--config $T/sb2/dr.yaml resume $DID") ok "the resume hint carries --config: $hint" ;;
	*) fail "the resume hint: '$hint'" ;; esac
tui_paste pasted "$hint"
tui_wait pasted "^ DRILL +$DID " "the resume hint pasted into a fresh shell resumes the drill"
tui_keys pasted q
tui_wait pasted '^\[exit 0\]$' "and leaves it open again"
tui_start demo2 80 24 "$PDR" demo --dir "$T/sb2"
tui_wait demo2 "^ DRILL +$DID " "a second demo resumes the open drill"
tui_keys demo2 q
tui_wait demo2 '^\[exit 0\]$' "demo exits 0"
n=$(sqlite3 "$T/sb2/var/lib/patronus/dr/incidents.db" "SELECT count(*) FROM incidents")
[ "$n" = 1 ] && ok "demo declared one drill, not two" || fail "demo: $n incidents"

# a stray drill of another runbook, newer: demo resumes its own drill, leaves the stray
# alone and prints the command that closes it, which works pasted
stray=$("$top_builddir/tests/pdr-incident-fixture" "$T/sb2/var/lib/patronus/dr" declare \
	failover-drill drill "Quarterly failover test" 7200 3600)
tui_start demo3 80 24 "$PDR" demo --dir "$T/sb2"
tui_wait demo3 "^ DRILL +$DID " "demo resumes its own drill, not the newer stray one"
tui_keys demo3 q
tui_wait demo3 '^\[exit 0\]$' "demo exits 0"
chint=$(tui_joined demo3 | sed -n "s/^$stray (failover-drill) is open in this sandbox and stays so; if it was opened by mistake: //p")
[ -n "$chint" ] && ok "demo names the stray drill and how to close it" || fail "no close hint for $stray"
paste_hint "$chint"
expect_rc 0 "the close hint pasted into a fresh shell works: $chint"
[ "$(sqlite3 "$T/sb2/var/lib/patronus/dr/incidents.db" "SELECT closed_ms > 0 FROM incidents WHERE id = '$stray'")" = 1 ] &&
	ok "the stray drill is closed" || fail "the stray drill is still open"

finish
