#!/bin/sh
# tui-term.sh: the TUI under the terminal types it supports, with NO_COLOR (attributes only)
# and in a locale that is not UTF-8 (ASCII symbols).
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

mkdir -p "$T/state"
cat >"$T/dr.yaml" <<YAML
state_dir: $T/state
backup_dir: $T/backup
runbook_dirs: [$srcdir/tests/data/runbooks]
YAML

# tick_all NAME: tick the three items of step 1 and mark it done.
tick_all() {
	tui_keys "$1" Space
	tui_wait "$1" '\[x\] Paged' "$1: tick 1" >/dev/null
	tui_keys "$1" Space
	tui_wait "$1" '\[x\] Opened' "$1: tick 2" >/dev/null
	tui_keys "$1" Space
	tui_wait "$1" '\[x\] Told' "$1: tick 3" >/dev/null
	tui_keys "$1" d
	tui_wait "$1" 'Step 2/4' "$1: step 2"
}

for term in xterm xterm-256color screen tmux-256color vt100; do
	infocmp "$term" >/dev/null 2>&1 || { echo "# no terminfo for $term"; continue; }
	n=$(echo "$term" | tr -c 'a-z0-9\n' '_')
	TUI_TERM=$term tui_start "$n" 80 24 "$PDR" --config "$T/dr.yaml" run tui-test --drill
	tui_wait "$n" '^ DRILL +DRILL-.*TUI test procedure' "TERM=$term: header"
	tui_has "$n" 'Step 1/4: Before you start' "TERM=$term: current step"
	tui_has "$n" '\? help +q quit *$' "TERM=$term: footer"
	tui_has "$n" '^─{80}$' "TERM=$term: the rule under the header is drawn"
	tui_has "$n" '│ Step 1/4' "TERM=$term: the rule beside the step list is drawn"
	tick_all "$n"
	tui_has "$n" '^✓ +1 Before you start' "TERM=$term: UTF-8 tick in the step list"
	tui_keys "$n" q
	tui_wait "$n" '^\[exit 0\]$' "TERM=$term: q leaves"
done

# colours by default, none with NO_COLOR (bold and reverse stay)
tui_start col 80 24 "$PDR" --config "$T/dr.yaml" run tui-test --drill
tui_wait col '^ DRILL ' "colour: header"
$TM capture-pane -e -p -t col >"$T/col"
expect_match "$T/col" "$(printf '\033')\\[[0-9;]*(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)m" "colour: colour attributes are used"
tui_keys col q
tui_start nocol 80 24 env NO_COLOR=1 "$PDR" --config "$T/dr.yaml" run tui-test --drill
tui_wait nocol '^ DRILL ' "NO_COLOR: header"
$TM capture-pane -e -p -t nocol >"$T/nocol"
expect_no_match "$T/nocol" "$(printf '\033')\\[[0-9;]*(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)m" "NO_COLOR: no colour"
expect_match "$T/nocol" "$(printf '\033')\\[[0-9;]*7[;m]" "NO_COLOR: reverse video for the header"
tui_keys nocol q

# a locale that is not UTF-8: ASCII symbols
TUI_LC=C tui_start ascii 80 24 "$PDR" --config "$T/dr.yaml" run tui-test --drill
tui_wait ascii '^ DRILL ' "LC_ALL=C: header"
tui_has ascii '^-{80}$' "LC_ALL=C: ASCII rule under the header"
tui_has ascii '\| Step 1/4' "LC_ALL=C: ASCII rule beside the step list"
tick_all ascii
tui_has ascii '^\+ +1 Before you start' "LC_ALL=C: ASCII tick in the step list"
tui_keys ascii q
tui_wait ascii '^\[exit 0\]$' "LC_ALL=C: q leaves"

# the RTO clock past its target: OVER in the header; the record has the highest threshold
# crossed (a TUI opened late does not record the lower ones it implies)
tui_start over 80 24 "$PDR" --config "$T/dr.yaml" run tui-test --detected=-11m
tui_wait over '^RTO 11:0[0-9]/10:00 OVER 01:0[0-9]' "RTO past the target: OVER"
ID=$(sqlite3 "$T/state/incidents.db" "SELECT id FROM incidents WHERE mode = 'incident' ORDER BY declared_ms DESC LIMIT 1")
wait_for "record: rto-breached" 30 sh -c \
    "[ \$(sqlite3 '$T/state/incidents.db' \"SELECT count(*) FROM events WHERE incident_id = '$ID' AND kind = 'clock' AND payload = 'rto-breached'\") -eq 1 ]"
[ "$(sqlite3 "$T/state/incidents.db" "SELECT count(*) FROM events WHERE incident_id = '$ID' AND kind = 'clock' AND payload LIKE 'rto-%'")" -eq 1 ] &&
    ok "record: no lower RTO threshold besides it" || fail "record: lower RTO thresholds recorded too"
tui_keys over q
tui_wait over 'stays open' "q leaves"

# a terminal type terminfo does not know: refused before anything is declared
before=$(sqlite3 -cmd '.timeout 5000' "$T/state/incidents.db" "SELECT count(*) FROM incidents")
TUI_TERM=no-such-terminal tui_start bogus 80 24 "$PDR" --config "$T/dr.yaml" run tui-test
tui_wait bogus 'cannot use the terminal type "no-such-terminal"' "an unknown TERM is refused"
tui_wait bogus '^\[exit 64\]$' "an unknown TERM exits 64"
after=$(sqlite3 -cmd '.timeout 5000' "$T/state/incidents.db" "SELECT count(*) FROM incidents")
[ "$before" = "$after" ] && ok "nothing is declared on an unknown terminal" ||
	fail "incidents: $before before, $after after"

# A runbook's text with bidirectional controls (U+202E reverses what follows in a terminal
# that applies them) and an escape: the TUI shows each as '?', as it shows other controls.
mkdir -p "$T/rb-bidi"
cat >"$T/rb-bidi/bidi.yaml" <<'YAML'
id: bidi
title: "Bidi \u202e gnirts \u2066x\u2069 \e]0;T\a end"
rto: 10m
roles: [Ops]
steps:
  - {id: s1, title: "Step \u202e1", role: Ops, expect: 1m, checklist: [one]}
YAML
printf 'state_dir: %s/state\nbackup_dir: %s/backup\nrunbook_dirs: [%s/rb-bidi]\n' "$T" "$T" "$T" >"$T/bidi.yaml"
tui_start bidi 80 24 "$PDR" --config "$T/bidi.yaml" run bidi --drill
tui_wait bidi '^ DRILL +DRILL-.*Bidi \? gnirts \?x\? \?\]0;T\? end' "bidi: the header shows each control as ?"
tui_screen bidi >"$T/bidi.screen"
if grep -q "$(printf '\342\200\256')\|$(printf '\342\201\246')" "$T/bidi.screen"; then
	fail "bidi: a bidirectional control reached the terminal"; else
	ok "bidi: no bidirectional control reaches the terminal"; fi
tui_has bidi 'Step 1/1: Step \?1' "bidi: the step title too"
tui_keys bidi q
tui_wait bidi '^\[exit 0\]$' "bidi: q leaves"

finish
