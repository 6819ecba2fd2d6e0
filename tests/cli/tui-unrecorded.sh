#!/bin/sh
# tui-unrecorded.sh: what the operator types is not lost when the record refuses it (a full
# disk, a locked record): a note, a skip reason and a prompt's answer come back in the editor,
# with the text, under "NOT RECORDED"; Enter tries again once the record takes writes, and
# then the text is in the record, once. The refusal is made with a trigger on the record's
# events (as drill-unattended.sh does), dropped to let the retry through. tmux at 80x24.
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

tui_keys u q
tui_wait u '^\[exit 0\]$' "q leaves"
run "$PDR" --config "$T/dr.yaml" incidents verify "$(q "SELECT id FROM incidents LIMIT 1")"
expect_rc 0 "the chain holds"
finish
