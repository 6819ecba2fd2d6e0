#!/bin/sh
# tui-screen.sh: nothing on the 80x24 screen is cut without a way to read it (#16): a
# 200-column output line, a 70-character step title, a 60-line description; a message
# goes with its step; three prompts answered and one re-edited land on the right
# questions; ? lists every key of the key table; a 60x20 terminal gets one line.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

mkdir -p "$T/state" "$T/rb"
cat >"$T/dr.yaml" <<YAML
state_dir: $T/state
backup_dir: $T/backup
runbook_dirs: [$T/rb]
YAML
TITLE70="Restore the configuration archive and then check every checksum in it."
[ ${#TITLE70} -eq 70 ] || { fail "the title has ${#TITLE70} characters, not 70"; }
LONG=$(i=1; while [ $i -le 40 ]; do printf 'W%03d-' $i; i=$((i + 1)); done)
{
	cat <<YAML
id: screen-test
title: Screen test procedure
rto: 10m
rpo: 15m
roles: [Operations Team]
steps:
  - id: long
    title: $TITLE70
    role: Operations Team
    drill: run
    run: "seq 1 12; i=1; while [ \$i -le 40 ]; do printf 'W%03d-' \$i; i=\$((i + 1)); done; echo"
  - id: sim
    title: Simulated in drills
    role: Operations Team
    drill: simulate
    run: echo never
  - id: desc
    title: A long description
    role: Operations Team
    description: |
YAML
	i=1
	while [ $i -le 60 ]; do printf '      DESC-%02d line of the description.\n' $i; i=$((i + 1)); done
	cat <<YAML
    checklist:
      - One item
  - id: ask
    title: Three questions
    role: Operations Team
    prompt:
      - id: first
        text: First question
      - id: second
        text: Second question
      - id: third
        text: Third question
YAML
} >"$T/rb/screen-test.yaml"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$T/rb/screen-test.yaml"
expect_rc 0 "the test runbook is valid"

S=scr
tui_start $S 80 24 "$PDR" --config "$T/dr.yaml" run screen-test --drill
tui_wait $S '^ DRILL ' "80x24: the TUI is up"
# the step pane: the lines right of the list's rule, joined
pane() { tui_screen $S | sed -n 's/^.*│ //p' | tr '\n' ' ' | tr -s ' '; }

# a 70-character title: cut in the list with an ellipsis, whole on its step
tui_has $S '^> ?1 Restore the configur.*…│' "the list marks the cut title with …"
pane | grep -qF "Step 1/4: $TITLE70" && ok "the 70-character title reads in full on its step" ||
	{ fail "the title is not whole on its step"; tui_screen $S | sed 's/^/  | /'; }

# a 200-column output line: wrapped, every character on the screen
tui_keys $S x
tui_wait $S 'W040-' "the command's output is shown"
tui_screen $S | tr -d '\n' | grep -qF -- "$LONG" && ok "the 200-column line reads in full (wrapped)" ||
	{ fail "the 200-column line is cut"; tui_screen $S | sed 's/^/  | /'; }
# the output pane: Tab to it (step list, then output), PgUp scrolls back, End follows again
tui_keys $S Tab Tab
tui_wait $S '^▶  Output of step 1' "Tab Tab: the output has the focus"
tui_keys $S PPage
tui_wait $S 'more lines: End' "PgUp scrolls the output back"
tui_keys $S End
tui_wait_gone $S 'more lines: End' "End follows the output again"
# keys that mean nothing in the output pane do nothing and say nothing
tui_keys $S Space
tui_screen $S >"$T/before"
tui_has $S '^▶  Output of step 1' "Space in the output: nothing"
tui_keys $S Escape
tui_wait_gone $S '^▶  Output' "Esc: back to the step"
tui_keys $S d
tui_wait $S 'Step 2/4: Simulated in drills' "d: step 2"

# a message belongs to its step
tui_keys $S x
tui_wait $S 'Simulated \(drill\): not run' "x in a drill: the simulated message"
tui_keys $S d
tui_wait $S 'Step 3/4: A long description' "d: step 3"
tui_has $S '.' "step 3 shown"
tui_wait_gone $S 'Simulated \(drill\)' "the message of step 2 is gone on step 3"

# a 60-line description: the pane starts at the title, scrolls to its end and back
tui_has $S '│ Step 3/4: A long description' "the pane starts at the step's title"
tui_has $S 'DESC-01 line' "the description's first line is shown"
tui_has $S 'more: PgDn' "the pane says there is more below"
tui_keys $S End
tui_wait $S 'DESC-60 line' "End: the description's last line"
tui_has $S '\[ \] One item' "End: the checklist after it"
tui_wait_gone $S 'Step 3/4: A long description' "End: the title scrolled away"
tui_keys $S Home
tui_wait $S '│ Step 3/4: A long description' "Home: back at the title"
n=0
while [ $n -lt 8 ]; do tui_keys $S NPage; n=$((n + 1)); done
tui_wait $S 'DESC-60 line' "PgDn reaches the end"
tui_keys $S C-u
tui_wait_gone $S 'DESC-60 line' "^U scrolls back up"

# a skip without a reason says so; the message goes with the step after the skip
tui_keys $S s
tui_wait $S 'Enter text' "s: the reason editor"
tui_keys $S Enter
tui_wait $S 'A skip needs a reason; not skipped' "an empty reason: not skipped"
tui_keys $S s
tui_wait $S 'Enter text' "s again"
tui_type $S "no time"
tui_keys $S Enter
tui_wait $S 'Step 4/4: Three questions' "skipped: step 4"
tui_wait_gone $S 'A skip needs a reason' "the stale message is gone on the next step"

# three prompts in order, the marked question receives the text, then one re-edited
tui_has $S '▶ \? First question' "the first question is marked"
for a in alpha beta gamma; do
	tui_keys $S Enter
	tui_wait $S 'Enter text' "Enter opens the editor ($a)"
	tui_type $S "$a"
	tui_keys $S Enter
	tui_wait $S "> $a" "the answer $a is shown"
done
tui_has $S '▶ \? Third question' "after the last answer the mark stays on the third question"
tui_keys $S Up Up
tui_wait $S '▶ \? First question' "Up Up: the first question is marked"
tui_keys $S Enter
tui_wait $S 'Enter text' "Enter on an answered question: the editor"
tui_has $S '│ alpha *│' "the editor holds the answer so far"
tui_keys $S BSpace BSpace BSpace BSpace BSpace
tui_type $S "omega"
tui_keys $S Enter
tui_wait $S '> omega' "the edited answer is shown"
tui_has $S '▶ \? First question' "the mark stays on the re-edited question (all answered)"
# typing at once replaces the answer so far (it is not appended to)
tui_keys $S Down
tui_wait $S '▶ \? Second question' "Down: the second question is marked"
tui_keys $S Enter
tui_wait $S 'Typing replaces the answer' "the editor says typing replaces the answer"
tui_type $S "delta"
tui_keys $S Enter
tui_wait $S '> delta' "the typed answer replaced the old one"
tui_has $S '▶ \? Second question' "the mark stays on the second question"
ID=$(newest_incident "$T/state/incidents.db")
sqlite3 "$T/state/incidents.db" "SELECT json_extract(payload, '\$.question_id') || '=' ||
    json_extract(payload, '\$.answer') FROM events WHERE incident_id = '$ID' AND
    kind = 'prompt-answer' AND seq IN (SELECT max(seq) FROM events WHERE incident_id = '$ID'
    AND kind = 'prompt-answer' GROUP BY json_extract(payload, '\$.question_id'))
    ORDER BY json_extract(payload, '\$.question_id')" >"$T/answers"
printf 'first=omega\nsecond=delta\nthird=gamma\n' >"$T/answers.want"
cmp -s "$T/answers" "$T/answers.want" && ok "the record: the final three answers on the right questions" ||
	{ fail "the record's answers:"; cat "$T/answers"; }
"$PDR" --config "$T/dr.yaml" incidents show "$ID" >"$T/show" 2>&1
expect_match "$T/show" 'omega' "incidents show has the re-edited answer"

# the timeline wraps its rows: a long note reads in full
NOTE="A note long enough to need two rows of the timeline: $(printf 'N%02d ' 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20)end"
tui_keys $S n
tui_wait $S 'Enter text' "n: the note editor"
tui_type $S "$NOTE"
tui_keys $S Enter
tui_wait $S 'Note recorded' "the note is recorded"
tui_keys $S t
tui_wait $S ' Timeline ' "t: the timeline"
tui_screen $S | sed -n 's/^│ *//; s/ *│$//p' | tr '\n' ' ' | tr -s ' ' | grep -qF "$NOTE" &&
	ok "the long note reads in full in the timeline (wrapped)" ||
	{ fail "the note is cut in the timeline"; tui_screen $S | sed 's/^/  | /'; }
tui_keys $S q
tui_wait_gone $S ' Timeline ' "q closes the timeline"

# ? lists every key of the key table (the help scrolls)
tui_keys $S '?'
tui_wait $S ' Keys ' "? opens the help"
: >"$T/help"
n=0
while [ $n -lt 20 ]; do
	tui_screen $S >"$T/page"
	cat "$T/page" >>"$T/help"
	# "FIRST-LAST of N:": the last page shows row N
	pos=$(grep -Eo '[0-9]+-[0-9]+ of [0-9]+:' "$T/page" | head -1)
	[ -n "$pos" ] || { fail "the help says which rows it shows"; break; }
	echo "$pos" | awk -F'[- :]' '{ exit !($2 == $4) }' && break
	tui_keys $S NPage
	tui_until_gone $S "$pos" || { fail "PgDn does not scroll the help from $pos"; break; }
	n=$((n + 1))
done
tui_keys $S q
tui_wait_gone $S ' Keys ' "q closes the help"
# the key column of the help rows: "│ KEY, KEY  text"
awk -F'│ ' 'NF > 1 && !/ of [0-9]+: / { print $2 }' "$T/help" | sed -n 's/^\(\([^ ]\| [^ ]\)\{1,\}\)  .*/\1/p' |
    sed 's/, /\n/g' | sort -u >"$T/helpkeys"
# the key names of the table's rows, from the source: a new row needs no change here
sed -n 's/^	{ [a-z]*, [^,]*, "\([^"]*\)".*/\1/p' "$srcdir/src/ui/tui-main-keys.c" | sort -u >"$T/tablekeys"
[ "$(wc -l <"$T/tablekeys")" -ge 20 ] && ok "the key table has $(wc -l <"$T/tablekeys") keys" ||
	fail "the key table was not read from the source"
missing=$(comm -23 "$T/tablekeys" "$T/helpkeys")
[ -z "$missing" ] && ok "the help lists every key of the table" || fail "the help lacks: $missing"
extra=$(comm -13 "$T/tablekeys" "$T/helpkeys")
[ -z "$extra" ] && ok "no key in the help beyond the table's" || fail "unknown keys in the help: $extra"

# the loop reaches the main screen only through its screen_ops (child, hangup, small, tick):
# tui.c names none of the main screen's functions, so the two files do not call each other
if grep -nE '\<(main_[a-z_]+|tui_main_[a-z_]+|tui_child_[a-z_]+)\(' "$srcdir/src/ui/tui.c" >"$T/cycle"; then
	fail "tui.c calls the main screen: $(cat "$T/cycle")"
else
	ok "tui.c calls no function of the main screen"
fi

# keys that mean nothing in the step list do nothing and say nothing
tui_keys $S Tab
tui_wait $S 'Enter select' "Tab: the step list"
tui_keys $S x d s
tui_has $S 'Step 4/4: Three questions' "x, d, s in the step list change nothing"
tui_screen $S | grep -Eq 'Open a step|Enter text|Mark done' && fail "a key in the list said something" ||
	ok "x, d, s in the step list say nothing"
tui_keys $S Escape

# a terminal smaller than 80x24: one line with the size needed; the clock keeps running
$TM resize-window -t $S -x 60 -y 20
tui_wait $S '^Terminal 60x20 is too small: needs 80x24\. q leaves\.$' "60x20: one line with the size needed"
c1=$(tui_screen $S | grep -o '^RTO [0-9:]*' | head -1)
wait_for "60x20: the RTO clock keeps running" 30 sh -c \
    "$TM capture-pane -p -t $S | grep -o '^RTO [0-9:]*' | head -1 | grep -vxF '$c1'"
$TM resize-window -t $S -x 80 -y 24
tui_wait $S '\? help +q quit *$' "80x24 again: the screen is back"
tui_has $S 'Step 4/4: Three questions' "80x24 again: the same step"
tui_keys $S q
tui_wait $S '^\[exit 0\]$' "q leaves"

# German at 80x24 (longer words): the footer ends in … where the help has the rest, the
# cut title in the list too, and the size line stays one line at 60x20
mkdir -p "$T/locale/de/LC_MESSAGES"
msgcat --use-first -o "$T/de.po" "$srcdir/po/de.po" $(ls "$srcdir"/po/de-*.pending.po 2>/dev/null)
msgfmt -o "$T/locale/de/LC_MESSAGES/patronus-dr.mo" "$T/de.po" || fail "the German catalogue compiles"
tui_start de 80 24 env LANGUAGE=de PATRONUS_DR_LOCALEDIR="$T/locale" "$PDR" --config "$T/dr.yaml" resume "$ID"
tui_wait de '^ ÜBUNG ' "German: the TUI is up"
tui_has de 'Schritt 4/4: Three questions' "German: the step"
tui_has de '^.{0,2}1 Restore the configur.*…│' "German: the cut title ends in …"
tui_has de '^Enter Antwort .* … +\? Hilfe +q Ende *$' "German: the keys that do not fit end in …"
$TM resize-window -t de -x 60 -y 20
tui_wait de '^Terminal 60x20 zu klein: braucht 80x24\. q beendet\.$' "German 60x20: one line with the size needed"
tui_keys de q
tui_wait de '^\[exit 0\]$' "q leaves"

# monochrome, no colour, no UTF-8: the cut mark and the question mark are ASCII
TUI_LC=C TUI_TERM=vt100 tui_start mono 80 24 env NO_COLOR=1 "$PDR" --config "$T/dr.yaml" resume "$ID"
tui_wait mono '^ DRILL ' "vt100, NO_COLOR, LC_ALL=C: the TUI is up"
tui_has mono '^\+ +1 Restore the configur.*~\|' "vt100: done is +, the cut title ends in ~"
tui_has mono '^- +3 A long description' "vt100: skipped is -"
tui_has mono '\| > \? First question' "vt100: the marked question is >"
tui_keys mono q
tui_wait mono '^\[exit 0\]$' "q leaves"
finish
