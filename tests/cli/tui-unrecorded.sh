#!/bin/sh
# tui-unrecorded.sh: what the operator types is not lost when the record refuses it (a full
# disk, a locked record): a note, a skip reason and a prompt's answer come back in the editor,
# with the text, under "NOT RECORDED"; Enter tries again once the record takes writes, and
# then the text is in the record, once. The refusal is made with a trigger on the record's
# events (as drill-unattended.sh does), dropped to let the retry through. Another process
# holding the record's write lock does not freeze the TUI for the record's 15 s busy wait:
# the clock goes on, the note comes back unrecorded at once. tmux at 80x24.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

mkdir -p "$T/state"
cat >"$T/dr.yaml" <<YAML
state_dir: $T/state
backup_dir: $T/backup
runbook_dirs: [$srcdir/tests/data/runbooks]
YAML
REC="$T/state/incidents.db"
q() { sqlite3 -cmd '.timeout 5000' "$REC" "$1"; }
refuse() {
	q "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.kind = '$1'
	    BEGIN SELECT RAISE(ABORT, 'test: the record refuses this write'); END;"
}
allow() { q "DROP TRIGGER refuse;"; }

tui_start u 80 24 "$PDR" --config "$T/dr.yaml" run tui-test --drill
tui_wait u '^ DRILL +DRILL-.*TUI test procedure' "the drill is open"

# A note.
refuse note
tui_keys u n
tui_wait u 'Note for the record' "n opens the note editor"
tui_type u "the database host smells of smoke"
tui_keys u Enter
tui_wait u 'NOT RECORDED' "the refused note comes back in the editor"
tui_has u 'the database host smells of smoke' "with its text"
tui_has u 'refuses this write' "the status line says why"
allow
tui_keys u Enter
tui_wait u 'Note recorded\.' "Enter records it once the record takes writes"
[ "$(q "SELECT count(*) FROM events WHERE kind = 'note' AND payload = 'the database host smells of smoke'")" = 1 ] &&
	ok "the note is in the record, once" || fail "the note: $(q "SELECT count(*) FROM events WHERE kind = 'note'") notes"

# A skip reason.
refuse step-skipped
tui_keys u s
tui_wait u 'Reason for skipping' "s asks for a reason"
tui_type u "paged by phone instead"
tui_keys u Enter
tui_wait u 'NOT RECORDED' "the refused skip comes back in the editor"
tui_has u 'paged by phone instead' "with its reason"
allow
tui_keys u Enter
tui_wait u 'Step 2/4' "Enter skips once the record takes writes"
[ "$(q "SELECT count(*) FROM events WHERE kind = 'step-skipped' AND payload = 'paged by phone instead'")" = 1 ] &&
	ok "the skip is in the record, once" || fail "the skip is not recorded once"

# Esc gives the text up: nothing is recorded.
refuse note
tui_keys u n
tui_wait u 'Note for the record' "n again"
tui_type u "never mind"
tui_keys u Enter
tui_wait u 'NOT RECORDED' "refused again"
tui_keys u Escape
tui_wait_gone u 'NOT RECORDED' "Esc drops it"
allow
[ "$(q "SELECT count(*) FROM events WHERE payload = 'never mind'")" = 0 ] &&
	ok "a dropped note is not recorded" || fail "a dropped note was recorded"

# Another writer holds the record (a write transaction left open, here by sqlite3): the TUI
# gives up on its write within half a second, so its clock keeps running and the note comes
# back to be tried again; it used to wait the record's 15 s, the screen frozen.
mkfifo "$T/ctl"
sqlite3 "$REC" <"$T/ctl" >/dev/null 2>&1 &
holder=$!
exec 3>"$T/ctl"
echo "BEGIN IMMEDIATE;" >&3
locked=no
for i in $(seq 1 100); do
	if ! sqlite3 -cmd '.timeout 0' "$REC" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; then
		locked=yes; break; fi
	sleep 0.1
done
[ "$locked" = yes ] && ok "another process holds the record's write lock" || fail "the lock was not taken"
tui_keys u n
tui_wait u 'Note for the record' "n while the record is held"
tui_type u "written while it was held"
tui_keys u Enter
# The one bound below tui-lib's 30 s here, on purpose: the old busy wait froze the screen for
# 15 s, so "not frozen" can only be told by a bound under that (10 s, for a 500 ms wait).
c1=$(tui_screen u | sed -n 2p)
if tui_poll 10 tui_matches u 'NOT RECORDED'; then
	ok "the note comes back while the record is still held, not after the 15 s busy wait"
else
	fail "no NOT RECORDED within 10 s: the TUI waits on the record's lock"
	tui_screen u | sed 's/^/  | /'
fi
clock_moved() { [ "$(tui_screen u | sed -n 2p)" != "$c1" ]; }
tui_poll 10 clock_moved && ok "the clock keeps running while the record is held" ||
	fail "the clock stood still: $c1"
echo "ROLLBACK;" >&3
exec 3>&-
wait "$holder"
tui_keys u Enter
tui_wait u 'Note recorded\.' "Enter records it once the lock is gone"
[ "$(q "SELECT count(*) FROM events WHERE payload = 'written while it was held'")" = 1 ] &&
	ok "that note is in the record, once" || fail "that note is not recorded once"

# A prompt done with a question open: the question says how many of how many.
tui_keys u Tab k k k k j j j Enter
tui_wait u 'Step 4/4' "the prompt step is open"
tui_keys u d
tui_wait u 'Unanswered: 1 of 1 questions\. Mark the step done anyway\? \(y/n\)' \
	"d on an open question: 'Unanswered: 1 of 1 questions', on one line at 80 columns"
tui_keys u n

tui_keys u q
tui_wait u '^\[exit 0\]$' "q leaves"
run "$PDR" --config "$T/dr.yaml" incidents verify "$(q "SELECT id FROM incidents LIMIT 1")"
expect_rc 0 "the chain holds"
finish
