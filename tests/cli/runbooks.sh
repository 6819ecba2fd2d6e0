#!/bin/sh
# runbooks.sh: the shipped runbooks lint clean and are listed; every broken
# runbook of tests/data/runbooks-bad is refused at the right place with exit 65.
. "$srcdir/tests/cli/lib.sh"

bad="$srcdir/tests/data/runbooks-bad"
ids="single-node-failure database-corruption datacenter-loss config-deletion
security-incident wireguard-keys-lost wireguard-keys-compromised complete-rebuild
failover-drill monthly-backup-test degraded-mode checklist-daily checklist-weekly
checklist-monthly checklist-quarterly"

# A settings file whose runbook folder is empty, so only the source tree's count;
# backups every 5 minutes meet every RPO target (pitr-lint.sh tests the warning).
mkdir -p "$T/empty"
printf 'runbook_dirs: [%s/empty]\nbackup_dir: %s/bk\nbackup_interval: 5m\n' "$T" "$T" >"$T/dr.yaml"

# Every shipped runbook lints clean.
run "$PDR" --config "$T/dr.yaml" runbooks lint "$srcdir"/runbooks/*.yaml
expect_rc 0 "every shipped runbook lints clean"
[ -s "$T/err" ] && fail "lint of the shipped runbooks printed problems" || ok "no problems printed"
for id in $ids; do
	expect_match "$T/out" "runbooks/$id\\.yaml: ok \\([0-9]+ steps\\)" "$id lints clean"
done
n=$(ls "$srcdir"/runbooks/*.yaml | wc -l)
[ "$n" -eq 15 ] && ok "15 runbooks shipped" || fail "15 runbooks shipped (found $n)"

# The list (the default verb) shows each with its RTO and RPO.
run "$PDR" --config "$T/dr.yaml" runbooks
expect_rc 0 "runbooks lists"
cp "$T/out" "$T/list"
expect_match "$T/list" '^ID +RTO +RPO +STEPS +TITLE$' "list has a header"
for id in $ids; do
	expect_match "$T/list" "^$id +[0-9]+[smhd][0-9smhd]* +([0-9]+[smhd][0-9smhd]*|-) +[0-9]+ +[A-Z]" \
	    "list shows $id with RTO, RPO and steps"
done
expect_match "$T/list" '^single-node-failure +15m +5m ' "single node failure: RTO 15m, RPO 5m"
expect_match "$T/list" '^database-corruption +30m +15m ' "database corruption: RTO 30m, RPO 15m"
expect_match "$T/list" '^datacenter-loss +2h +1h ' "datacenter loss: RTO 2h, RPO 1h"
expect_match "$T/list" '^config-deletion +20m +1h ' "configuration deletion: RTO 20m, RPO 1h"
expect_match "$T/list" '^security-incident +4h +1h ' "security incident: RTO 4h, RPO 1h"
expect_match "$T/list" '^failover-drill +2h +1h ' "failover test: RTO 2h, RPO 1h"
run "$PDR" --config "$T/dr.yaml" runbooks list
cmp -s "$T/out" "$T/list" && ok "runbooks list = runbooks" || fail "runbooks list = runbooks"

# A folder of dr.yaml overrides a shipped runbook by id; a broken file there is
# reported while the others are still listed.
mkdir -p "$T/local"
sed 's/^title: .*/title: Local corruption procedure/' "$srcdir/runbooks/database-corruption.yaml" \
    >"$T/local/database-corruption.yaml"
cp "$bad/bad-drill.yaml" "$T/local/"
printf 'runbook_dirs: [%s/local]\n' "$T" >"$T/dr2.yaml"
run "$PDR" --config "$T/dr2.yaml" runbooks list
expect_rc 65 "a broken runbook in a folder: exit 65"
expect_match "$T/out" '^database-corruption +30m +15m +[0-9]+ +Local corruption procedure$' \
    "a runbook folder overrides a shipped runbook by id"
expect_match "$T/out" '^complete-rebuild ' "the other runbooks are still listed"
expect_match "$T/err" '/local/bad-drill\.yaml:7:12: drill: expected run, simulate or skip' \
    "the broken file is reported with FILE:LINE:COLUMN"

# show: the steps as text; --expand inlines use: runbooks.
run "$PDR" --config "$T/dr.yaml" runbooks show database-corruption
expect_rc 0 "show database-corruption"
expect_match "$T/out" '^database-corruption: Database corruption$' "show names the runbook"
expect_match "$T/out" '^RTO 30m, RPO 15m, 15 steps expected to take 37m, from ' \
    "show gives RTO, RPO, steps and their expected time"
expect_match "$T/out" '\[forensic-copy\]' "show lists the forensic copy step"
expect_match "$T/out" '> restore-db incident-start=\$\{incident\.detected\}' "show gives the action and its parameters"
expect_match "$T/out" '\? What caused corruption\? \[cause\]' "show gives the prompt questions"
expect_match "$T/out" '- ok \(the database is not corrupted\) -> start-services' "show gives decide answers"
run "$PDR" --config "$T/dr.yaml" runbooks show datacenter-loss
expect_match "$T/out" 'the steps of runbook complete-rebuild' "show names a used runbook"
run "$PDR" --config "$T/dr.yaml" runbooks show --expand failover-drill
expect_rc 0 "show --expand failover-drill"
expect_match "$T/out" '\[failover\.rebuild\.recover\]' "expand nests use: (failover-drill > datacenter-loss > complete-rebuild)"
expect_match "$T/out" '- no -> failover\.rebuild\.dns' "expanded decide targets carry the prefix"
run "$PDR" --config "$T/dr.yaml" runbooks show no-such-runbook
expect_rc 66 "show of an unknown id"
run "$PDR" --config "$T/dr.yaml" runbooks show "$bad/bad-role.yaml"
expect_rc 65 "show of a broken file"

# Usage errors.
run "$PDR" --config "$T/dr.yaml" runbooks frobnicate
expect_rc 64 "unknown verb"
run "$PDR" --config "$T/dr.yaml" runbooks lint
expect_rc 64 "lint without a file"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$T/nonexistent.yaml"
expect_rc 66 "lint of a missing file"

# The catalogue of broken runbooks: file, position, message (grep -E).
# Each file has exactly one problem, except many-errors (all are reported).
while IFS='|' read -r file pos msg; do
	[ -z "$file" ] && continue
	run "$PDR" --config "$T/dr.yaml" runbooks lint "$bad/$file.yaml"
	expect_rc 65 "$file refused"
	expect_match "$T/err" "^$bad/$file\\.yaml:$pos: $msg\$" "$file: $pos: $msg"
	n=$(wc -l <"$T/err")
	[ "$n" -eq 1 ] && ok "$file: one problem reported" || fail "$file: $n problems reported, expected 1"
done <<'TABLE'
syntax|3:4|YAML syntax: did not find expected ',' or ']' .*
empty|1:1|empty file: expected a runbook .*
not-a-mapping|1:1|a runbook is a mapping .*found a list
two-documents|9:1|a runbook file holds one YAML document.*
unknown-key-top|3:1|unknown key "owner" in a runbook
unknown-key-step|7:5|unknown key "timeout" in a step
unknown-key-answer|11:11|unknown key "goto" in an answer
duplicate-key|7:5|duplicate key "title" \(first at line 6\)
missing-rto|1:1|missing required key "rto" in a runbook
missing-step-title|5:5|missing required key "title" in a step
bad-id|1:5|id: "bad id" is not a valid id.*
bad-duration|3:6|rto: bad duration "30 minutes".*
bad-expect|7:13|expect: bad duration "soon".*
no-steps|4:8|steps: a runbook needs at least one step
duplicate-step-id|8:9|duplicate step id "a" \(first at line 5\)
no-work|5:5|a step needs work: one of run, action, checklist, decide, prompt or use
two-kinds|8:5|a step does one kind of work: run and checklist both given
id-not-first|5:5|a step begins with its id \(write "- id: a" first\)
unknown-action|7:13|unknown action "restore-everything"
unknown-param|9:7|action "restore-db" has no parameter "form" \(did you mean "from"\?\)
missing-param|7:13|action "evidence-collect" needs the parameter "dir".*
bad-flag|9:16|with: dry-run: expected true or false
with-without-action|8:5|with: gives the parameters of an action: step
decide-no-step|13:17|answer "no" leads to step "lsat", which does not exist
decide-last|15:11|answer "no" leads to no step .*
decide-one-answer|10:9|decide needs at least two answers
use-unknown|7:10|use: no runbook "no-such-runbook" in the runbook folders
use-cycle-a|7:10|use: "use-cycle-b" makes a cycle \(use-cycle-a -> use-cycle-b -> use-cycle-a\)
use-self|7:10|use: runbook "use-self" uses itself
undefined-var|7:10|undefined variable "\$\{databse\}" \(did you mean "database"\?\)
undefined-var-with|9:11|undefined variable "\$\{incident\.database\}"
unterminated-var|7:10|unterminated "\$\{".*
bad-role|8:11|role "Janitor" is not one of the runbook's roles
bad-drill|7:12|drill: expected run, simulate or skip
bad-confirm|7:14|confirm: expected true or false
checklist-not-list|7:16|checklist: expected a list, found a single value
prompt-no-text|8:9|missing required key "text" in a question
item-is-mapping|8:9|checklist: expected text, found a mapping.*
alias|7:16|this node is used again through a YAML alias; runbooks do not use aliases \(write it out\)
TABLE

# Every problem of a file is reported, in order, not only the first.
run "$PDR" --config "$T/dr.yaml" runbooks lint "$bad/many-errors.yaml"
expect_rc 65 "many-errors refused"
f="$bad/many-errors.yaml"
cat >"$T/want" <<WANT
$f:1:1: missing required key "title" in a runbook
$f:2:6: rto: bad duration "soon" (use e.g. 90s, 15m, 2h, 1h30m, 1d)
$f:6:10: undefined variable "\${nope}"
$f:7:5: a step begins with its id (write "- id: b" first)
$f:9:13: unknown action "fly"
WANT
cmp -s "$T/err" "$T/want" && ok "many-errors: all five problems, in order" ||
	{ fail "many-errors: all five problems, in order"; diff "$T/want" "$T/err"; }

# Several files: all are checked, the good ones still pass, exit 65.
run "$PDR" --config "$T/dr.yaml" runbooks lint "$bad/bad-drill.yaml" "$srcdir/runbooks/checklist-daily.yaml" \
    "$bad/no-work.yaml"
expect_rc 65 "a bad file among good ones: exit 65"
expect_match "$T/out" 'checklist-daily\.yaml: ok' "the good file is still checked"
expect_match "$T/err" 'no-work\.yaml:5:5:' "the file after a bad one is checked too"

# The example of patronus-dr-runbook(5) is a valid runbook.
sed -n '/^A short runbook:/,/^\.Ed/p' "$srcdir/man/patronus-dr-runbook.5" | sed '1,2d;$d' \
    >"$T/database-corruption.yaml"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$T/database-corruption.yaml"
expect_rc 0 "the man page's example lints clean"
expect_match "$T/out" 'database-corruption\.yaml: ok \(7 steps\)' "the example has its seven steps"

# A file is named after its id.
cp "$T/database-corruption.yaml" "$T/db.yaml"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$T/db.yaml"
expect_rc 65 "a file not named after its id is refused"
expect_match "$T/err" "^$T/db\.yaml:1:5: id \"database-corruption\" differs from the file name \(name the file database-corruption\.yaml\)\$" \
    "the id's position and the right file name are given"

# Every file of the catalogue is in the table above (so none is left untested).
for f in "$bad"/*.yaml; do
	b=$(basename "$f" .yaml)
	case $b in use-cycle-b|many-errors) continue ;; esac
	grep -q "^$b|" "$srcdir/tests/cli/runbooks.sh" && ok "catalogue: $b has an expectation" || fail "catalogue: $b has no expectation"
done
n=$(ls "$bad"/*.yaml | wc -l)
[ "$n" -ge 15 ] && ok "at least 15 broken runbooks ($n)" || fail "at least 15 broken runbooks ($n)"

finish
