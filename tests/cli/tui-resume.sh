#!/bin/sh
# tui-resume.sh: a tick the record refuses is not shown and says why; a hung command
# cancelled with c while the clock moves; the terminal killed mid-step (tmux server killed: SIGHUP): the command goes on under its supervisor, and
# `resume` continues on the same step with every tick, note and output, shows the run alive
# (pid, age) and cancels it with c after asking; two TUIs on one incident seeing each other's
# notes.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

mkdir -p "$T/state" "$T/backup/daily"
cat >"$T/dr.yaml" <<YAML
state_dir: $T/state
backup_dir: $T/backup
database: $T/sdwan.db
runbook_dirs: [$srcdir/tests/data/runbooks]
YAML
DB="$T/state/incidents.db"
S=a

# a backup 5 minutes old, for the RPO window (its time is its name's, as restore reads it)
: >"$T/backup/daily/patronus-daily-$(date -d '-5 minutes' +%Y%m%d-%H%M%S)-manifest.txt"

tui_start $S 80 24 "$PDR" --config "$T/dr.yaml" run tui-test --detected=-2m
tui_wait $S '^INC-[0-9]{8}-[0-9]{4}-tui-test +TUI test procedure' "an incident (no DRILL) is declared"
tui_has $S '^RTO 0?2:0[0-9]/10:00 left 0?7:5[0-9]' "--detected=-2m starts the RTO clock 2 minutes back"
tui_has $S 'RPO 15m met: loses [23]m +Step 1/4$' "the RPO in words: a restore of the 5-minute-old backup loses the 3 minutes before the detection"
# a stream point newer than the backup (the stream stopped since): the clock follows it;
# without a running stream, hourly backups still cannot meet the 15m target
mkdir -p "$T/backup/stream"
now=$(date +%s%3N)
printf 'pid 1\ngeneration 20261127-000000-0a1b2c3d\nsequence 3\nsegment_ms %s\ncaught_up_ms %s\nlag_ms 100\ninterval_ms 1000\noldest_ms %s\n' \
    "$now" "$now" "$now" >"$T/backup/stream/status"
tui_wait $S 'RPO 15m met: loses nothing' "the RPO follows the stream's newer point, past the detection"
ID=$(newest_incident "$DB")

# a record that refuses the append (a trigger, as a full or broken disk would): the tick
# is not shown, the status line says why; once the record takes it again, the tick goes in
sqlite3 "$DB" "CREATE TRIGGER pdr_test_refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
tui_keys $S Space
tui_wait $S '^not recorded: .*incidents\.db: cannot append an event' \
    "a refused tick: 'not recorded' and the file on the status line"
# the status line wraps where the path's length puts it: the screen's lines joined
tui_screen $S | tr '\n' ' ' | grep -q 'cannot append an event: *refused by the test' &&
	ok "the status line says why: the record's own message" ||
	fail "the status line says why: no 'refused by the test'"
tui_has $S '\[ \] Paged the on-call' "a refused tick is not shown ticked"
sqlite3 "$DB" "DROP TRIGGER pdr_test_refuse;"

# ticks and a note on step 1
tui_keys $S Space
tui_wait $S '\[x\] Paged the on-call' "tick 1"
tui_keys $S Space
tui_wait $S '\[x\] Opened the incident channel' "tick 2"
tui_keys $S n
tui_wait $S 'Note for the record' "note editor"
tui_type $S "DBA paged at 03:12"
tui_keys $S Enter
tui_wait $S 'Note \([^)]*\): DBA paged at 03:12' "the note is on the step"
tui_keys $S d
tui_wait $S '1 of 3 items are not ticked' "d with an unticked item asks"
tui_keys $S y
tui_wait $S 'Step 2/4: A command that hangs' "on to the hanging step"

# a command that hangs: cancelled with c while the clock keeps moving
tui_has $S "\\\$ echo started $ID; sleep" "the command is shown with its variable substituted"
tui_keys $S x
tui_wait $S "^started $ID" "the command's output is shown while it runs"
tui_has $S '^\* +2 A command that hangs' "the step list shows it running"
tui_has $S 'c cancel' "the footer offers c while it runs"
c1=$(tui_screen $S | sed -n 's/^RTO \([0-9:]*\)\/.*/\1/p')
tui_wait_gone $S "^RTO $c1/" "the RTO clock moves while the command runs"
c2=$(tui_screen $S | sed -n 's/^RTO \([0-9:]*\)\/.*/\1/p')
tui_keys $S c
tui_wait $S 'ended: cancelled, signal (15|9)' "c cancels the hung command"
tui_has $S '^(!|✗) +2 A command that hangs' "the step list shows it failed"
tui_wait_gone $S "^RTO $c2/" "the clock still moves after the cancel"
wait_for "the hung command's process group is gone" 30 mine_gone "[s]tarted $ID"
events "$DB" "$ID" >"$T/ev"
expect_match "$T/ev" '\|slow\|exit\|\{"status":"signal (15|9)[^"]*","code":-1,"signal":(15|9),"cancelled":true' "record: the cancel"
expect_match "$T/ev" '\|slow\|step-failed\|signal' "record: the step failed"

# run it again and kill the terminal (the tmux server) in the middle of the step
tui_keys $S x
tui_wait $S "^started $ID" "the command runs again"
wait_for "the command runs" 30 mine_running "[s]tarted $ID"
pane=$($TM display -p -t $S '#{pane_pid}')
tui=$(pgrep -P "$pane" | head -1)
[ -n "$tui" ] && ok "the TUI's pid: $tui" || fail "no TUI process under the pane"
$TM kill-server
wait_for "the hangup ends the TUI" 30 sh -c "! kill -0 $tui"
# no grace sleep: the TUI is gone, so whatever it or its terminal sent has been sent. That the
# command lived on is shown below, race-free: resume finds the run alive and its end is the cancel.
mine_running "[s]tarted $ID" && ok "the command goes on after the hangup" ||
	fail "the hangup killed the command"
events "$DB" "$ID" >"$T/ev"
n=$(grep -c '|slow|exit|' "$T/ev")
[ "$n" -eq 1 ] && ok "record: no end for the run that goes on ($n exit)" || { fail "record: $n exits"; cat "$T/ev"; }
expect_no_match "$T/ev" '\|\|closed\|' "the incident stays open after the hangup"

# resume on a new terminal: the same step, the ticks, the note, the output
tui_start r 80 24 "$PDR" --config "$T/dr.yaml" resume
tui_wait r "^INC-.*tui-test" "resume opens the most recent open incident"
tui_has r 'Step 2/4: A command that hangs' "resume: on the same step"
tui_has r "^started $ID" "resume: the step's output"
tui_has r 'Running, run by [^ ]+ \(.*\), pid [0-9]+' "resume: the run is alive, with its pid"
tui_keys r c
tui_wait r 'Cancel that run\? \(y/n\)' "resume: c on another TUI's live run asks first"
tui_keys r y
tui_wait r 'Result: cancelled, signal' "resume: the step's result"
wait_for "the cancelled command is gone" 30 mine_gone "[s]tarted $ID"
events "$DB" "$ID" >"$T/ev"
n=$(grep -c '|slow|exit|.*"cancelled":true' "$T/ev")
[ "$n" -eq 2 ] && ok "record: the cancel after resume is recorded ($n cancels)" || { fail "record: $n cancels"; cat "$T/ev"; }
tui_keys r Tab k
tui_wait r '\[x\] Paged the on-call' "resume: tick 1 (step 1 through the list)"
tui_has r '\[x\] Opened the incident channel' "resume: tick 2"
tui_has r '\[ \] Told the stakeholders' "resume: the unticked item"
tui_has r 'Note \([^)]*\): DBA paged at 03:12' "resume: the note"
tui_keys r Tab
tui_wait r 'Step 2/4: A command that hangs' "Tab goes back to the current step"
events "$DB" "$ID" >"$T/ev"
expect_match "$T/ev" '\|\|resumed\|' "record: resumed"

# a second TUI on the same incident: each sees the other's notes
tui_start b 80 24 "$PDR" --config "$T/dr.yaml" resume "$ID"
tui_wait b 'Step 2/4: A command that hangs' "a second TUI on the same step"
tui_keys r n
tui_wait r 'Note for the record' "note editor in TUI 1"
tui_type r "from the first terminal"
tui_keys r Enter
tui_wait b 'Note \([^)]*\): from the first terminal' "TUI 2 shows TUI 1's note"
tui_keys b n
tui_wait b 'Note for the record' "note editor in TUI 2"
tui_type b "from the second terminal"
tui_keys b Enter
tui_wait r 'Note \([^)]*\): from the second terminal' "TUI 1 shows TUI 2's note"
tui_has r 'Note from [^:]*: from the second terminal' "TUI 1 announces the other's note"
# a step moved in one follows in the other
tui_keys r d
tui_wait r 'The command failed. Mark the step done anyway' "d after a failed command asks"
tui_keys r y
tui_wait r 'Step 3/4: A command that talks' "TUI 1 moves on"
tui_wait b 'Step 3/4: A command that talks' "TUI 2 follows"
tui_keys b x
tui_wait b '^ended: exit 0' "TUI 2 runs the step"
tui_has b '^line 3$' "stdout shown"
tui_has b '^to stderr$' "stderr shown"
tui_wait r '^to stderr$' "TUI 1 shows TUI 2's output"
tui_keys r q
tui_wait r "^$ID stays open; continue with: " "q leaves with the incident open"
hint=$(tui_joined r | sed -n "s/^$ID stays open; continue with: //p")
[ "$hint" = "patronus-dr --config $T/dr.yaml resume $ID" ] &&
	ok "the resume hint carries --config: $hint" || fail "the resume hint: '$hint'"
tui_paste rp "$hint"
tui_wait rp "^$ID +TUI test procedure" "the resume hint pasted into a fresh shell resumes the incident"
tui_keys rp q
tui_wait rp '^\[exit 0\]$' "and leaves it open again"
tui_keys b q
tui_wait b '^\[exit 0\]$' "TUI 2 leaves"
events "$DB" "$ID" >"$T/ev"
expect_match "$T/ev" '\|talk\|output\|line 1' "record: the talking step's output"
expect_match "$T/ev" '\|talk\|exit\|\{"status":"exit 0"' "record: its exit status"

# SIGTERM in the middle of a running step: the terminal is restored, the command goes on
tui_start term 80 24 "$PDR" --config "$T/dr.yaml" resume "$ID"
tui_wait term 'Step 3/4: A command that talks' "SIGTERM: resumed"
tui_keys term Tab k Enter
tui_wait term 'Step 2/4: A command that hangs' "Enter in the list opens a step"
tui_keys term x
tui_wait term "^started $ID" "SIGTERM: the command runs"
pane=$($TM display -p -t term '#{pane_pid}')
tui=$(pgrep -P "$pane" | head -1)
kill -TERM "$tui"
tui_wait term '^\[exit 0\]$' "SIGTERM: the TUI ends"
tui_wait_gone term 'Step 2/4' "SIGTERM: the terminal's normal screen is back"
mine_running "[s]tarted $ID" && ok "SIGTERM: the command goes on" ||
	fail "SIGTERM of the TUI killed the command"
# its supervisor, named by the claim, still records: a SIGTERM to it cancels the command
sup=$(sqlite3 "$DB" "SELECT json_extract(payload, '\$.pid') FROM events WHERE incident_id = '$ID'
    AND kind = 'run-claimed' ORDER BY seq DESC LIMIT 1")
kill -TERM "$sup"
wait_for "SIGTERM: the supervisor cancels the command" 30 mine_gone "[s]tarted $ID"
wait_for "SIGTERM: the supervisor ends" 30 sh -c "! kill -0 $sup"
events "$DB" "$ID" >"$T/ev"
expect_match "$T/ev" '\|slow\|step-failed\|signal 15.*; cancelled' "record: the supervisor's cancel"
expect_match "$T/ev" '\|slow\|cursor\|' "record: the cursor moved back to step 2"

finish
