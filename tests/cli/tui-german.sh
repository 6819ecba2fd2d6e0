#!/bin/sh
# tui-german.sh: the TUI in German (LANGUAGE=de, po/de.po compiled here) fits 80x24:
# the header, the clocks, the step and every key hint of the footer are there, uncut.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

mkdir -p "$T/locale/de/LC_MESSAGES"
msgfmt -o "$T/locale/de/LC_MESSAGES/patronus-dr.mo" "$srcdir/po/de.po" || { fail "po/de.po compiles"; finish; exit; }
D="$T/sandbox"
demo_sandbox "$D"
S=de
export PATRONUS_DR_LOCALEDIR="$T/locale"
tui_start $S 80 24 env LANGUAGE=de PATRONUS_DR_LOCALEDIR="$T/locale" "$PDR" --config "$D/dr.yaml" \
    run database-corruption --drill
tui_wait $S '^ ÜBUNG +DRILL-[0-9]{8}-[0-9]{4}-database-corruption' "80x24: German header with ÜBUNG and the id"
# (the RPO's words are new in #15; their German is in po/de-truth.pending.po until merged)
tui_has $S '^RTO [0-9:]+/30:00 noch [0-9:]+ +RPO ' "80x24: German RTO clock, then the RPO"
tui_has $S 'Schritt 1/15: ' "80x24: the current step in German"
tui_has $S 'x ausführen +d fertig +s auslassen +n Notiz +t Verlauf +Tab Liste +\? Hilfe +q Ende *$' \
    "80x24: every German key hint in the footer, uncut"
tui_screen $S >"$T/screen"
expect_no_match "$T/screen" ' (run|done|skip|note|timeline|help|quit)( |$)' "no English key hint left"

# The help screen in German, and the footers of a checklist and a prompt step.
tui_keys $S '?'
tui_wait $S 'Tasten' "? opens the German help"
tui_has $S 'den laufenden Befehl abbrechen' "help text in German"
tui_keys $S q
tui_wait_gone $S 'Jede Taste schließt' "any key closes the help"
# The list focus: Enter select, j/k move, Tab back.
tui_keys $S Tab
tui_wait $S 'Enter auswählen +j/k bewegen +Tab zurück +\? Hilfe +q Ende *$' "80x24: the German footer of the step list"
# Walk down the list to the last step, a prompt (the longest footer), and open it.
n=0
while [ $n -lt 15 ]; do
	tui_keys $S j
	n=$((n + 1))
done
tui_wait $S 'Schritt 15/15: ' "j walks down to step 15"
tui_keys $S Enter
tui_wait $S 'Enter Antwort +d fertig +s auslassen +n Notiz +t Verlauf +Tab Liste +\? Hilfe +q Ende *$' \
    "80x24: every German key hint of a prompt step (the longest footer), uncut"
tui_has $S 'noch keine Antwort: Enter' "the prompt in German"
tui_keys $S q
tui_wait $S '^\[exit 0\]' "q leaves"

finish
