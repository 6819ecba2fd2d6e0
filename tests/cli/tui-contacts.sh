#!/bin/sh
# tui-contacts.sh: the people in the loop on the 80x24 screen (#17): the current step's
# role holder and how to reach them under its Role line, and C listing every recovery
# contact from dr.yaml; a role without a contact says nothing.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"
trap '$TM kill-server >/dev/null 2>&1; rm -rf "$T"' EXIT

D="$T/sandbox"
demo_sandbox "$D"
cat >>"$D/dr.yaml" <<'EOF'
contacts:
  Database Administrator: {primary: "Carol Example <carol@example.com>", secondary: Dan, phone: "+49 30 555 0101"}
  Incident Commander: {primary: Alice, chat: "#patronus-incident"}
EOF
S=c
tui_start $S 80 24 "$PDR" --config "$D/dr.yaml" run database-corruption --drill
tui_wait $S 'Step 1/15: Stop services' "the drill opens on step 1"
tui_has $S 'Role: Operations Team' "step 1's role"
if tui_screen $S | grep -q 'Reach:'; then fail "a role without a contact shows a Reach line"; else
	ok "a role without a contact shows no Reach line"; fi
tui_keys $S x
tui_wait $S 'Result: simulated' "step 1 is simulated in a drill"
tui_keys $S d
tui_wait $S 'Step 2/15: ' "d to step 2 (the Database Administrator's)"
tui_has $S 'Role: Database Administrator' "step 2's role"
tui_has $S 'Reach: Carol Example <carol@example.com> \(primary\),' "how to reach the role's holders, on the step"
tui_has $S 'Dan \(secondary\), \+49 30 555 0101' "wrapped within the pane, nothing cut"
tui_screen $S >"$T/screen"
[ "$(wc -L <"$T/screen")" -le 80 ] && ok "the screen holds 80 columns" ||
	fail "a line wider than 80"
tui_keys $S C
tui_wait $S 'Recovery contacts' "C opens the recovery contacts"
tui_has $S 'Database Administrator' "the DBA is listed"
tui_has $S 'Alice \(primary\), #patronus-incident' "the Incident Commander with the chat"
tui_keys $S x
tui_wait $S 'Step 2/15: ' "any key closes it"
if tui_screen $S | grep -q 'Recovery contacts'; then fail "the contacts box stays"; else ok "the box is gone"; fi
tui_keys $S '?'
tui_wait $S 'recovery contacts' "? lists C"
tui_keys $S q
tui_keys $S q
tui_wait $S '^\[exit 0\]' "q leaves"

finish
