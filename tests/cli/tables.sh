#!/bin/sh
# tables.sh: every table command fits 80 columns when its output is not a terminal (#16),
# with long ids and paths (none cut without an ellipsis, ids kept whole on a line of their
# own); a set is named the way `backups` names it for verify and restore --from; an
# unknown name says which exist; rpo says its error once.
. "$srcdir/tests/cli/lib.sh"

FIX="$top_builddir/tests/pdr-incident-fixture"
# widest WIDTH FILE DESC: no line of FILE is wider than WIDTH columns
widest() {
	_w=$(wc -L <"$2")
	[ "$_w" -le "$1" ] && ok "$3: $_w columns" || { fail "$3: $_w columns, more than $1"; sed 's/^/  | /' "$2"; }
}

# A sandbox host under a long folder, so every path is long.
D="$T/a-folder-name-as-long-as-an-operator-might-give-it/patronus-dr-sandbox"
run "$PDR" demo --dir "$D" --no-tui
expect_rc 0 "demo sandbox under a long folder"
C="$D/dr.yaml"
# a runbook with a 60-character id and a long title, beside the shipped ones
RB=$(sed -n 's/^runbook_dirs: *\[\(.*\)\]$/\1/p' "$C" | cut -d, -f1)
LONGID=failover-of-the-secondary-datacenter-with-every-site-rejoining
mkdir -p "$T/rb"
cat >"$T/rb/$LONGID.yaml" <<YAML
id: $LONGID
title: Fail over to the secondary datacenter and bring every site back into the overlay network
rto: 2h
rpo: 1h
steps:
  - id: one
    title: The only step
    checklist: [done]
YAML
sed -i "s|^runbook_dirs: *\\[\\(.*\\)\\]\$|runbook_dirs: [\\1, $T/rb]|" "$C"
for t in hourly daily weekly monthly; do
	run "$PDR" --config "$C" backup --type $t
	expect_rc 0 "backup --type $t"
	sleep 1
done
STATE=$(sed -n 's/^state_dir: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$C")
BD=$(sed -n 's/^backup_dir: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$C")
fx() { "$FIX" "$STATE" "$@" || fail "fixture: $*"; }
d1=$(fx declare "$LONGID" drill "Long drill" 7200 3600)
fx event "$d1" step-started one "The only step"
fx close "$d1" "drill complete"
i1=$(fx declare database-corruption)

# at 80 columns (not a terminal), each table command
for cmd in "drills" "incidents list" "backups" "runbooks list" "rpo" "config"; do
	# shellcheck disable=SC2086
	"$PDR" --config "$C" $cmd >"$T/out" 2>"$T/err"
	widest 80 "$T/out" "$cmd at 80 columns"
done
"$PDR" --config "$C" incidents list >"$T/out"
expect_match "$T/out" "^$d1\$" "incidents list: the long id whole on its own line"
"$PDR" --config "$C" drills >"$T/out"
expect_match "$T/out" "^$d1\$" "drills: the long id whole on its own line"
expect_match "$T/out" '│' "drills: the chart is there"
"$PDR" --config "$C" runbooks list >"$T/out"
expect_match "$T/out" "^$LONGID\$" "runbooks list: the long id whole on its own line"
tr -d '\n' <"$T/out" | tr -s ' ' | grep -qF "Fail over to the secondary datacenter and bring every site back into the overlay network" &&
	ok "runbooks list: the long title whole (wrapped)" || fail "runbooks list: the long title is cut"
"$PDR" --config "$C" config >"$T/out"
tr -d '\n ' <"$T/out" | grep -qF "$BD$C:" && ok "config: the long backup_dir and its origin whole" ||
	{ fail "config: the long backup_dir is cut"; cat "$T/out"; }
"$PDR" --config "$C" backups >"$T/out"
NAME=$(sed -n 's|^    monthly/\(patronus-monthly-[0-9-]*\)$|\1|p' "$T/out" | head -1)
[ -n "$NAME" ] && ok "backups: the set's name whole under its row ($NAME)" || fail "backups: no set name"
# wider terminals get wider tables; --json is unchanged
run env COLUMNS=200 "$PDR" --config "$C" backups
expect_match "$T/out" " complete +monthly/$NAME\$" "COLUMNS=200: one line per set"
run env COLUMNS=200 "$PDR" --config "$C" backups --json
expect_match "$T/out" "\"name\": \"$NAME\"" "backups --json unchanged"
# German: the same, with its longer words
run env LANGUAGE=de "$PDR" --config "$C" backups
widest 80 "$T/out" "backups in German at 80 columns"

# three older copies, so that there are more sets than an error names
mkdir -p "$BD/hourly"
for k in 1 2 3; do
	for f in "$BD/monthly/$NAME"*; do
		cp "$f" "$BD/hourly/$(basename "$f" | sed "s/$NAME/patronus-hourly-2026010$k-000000/")"
	done
done
# verify by every naming form
cd "$BD" || exit 1
for form in "$NAME" "monthly/$NAME" "monthly/$NAME.db" "$BD/monthly/$NAME.db" "$BD/monthly/$NAME-manifest.txt"; do
	run "$PDR" --config "$C" verify "$form"
	expect_rc 0 "verify $form"
	expect_match "$T/out" "^Verifying backup: $BD/monthly/$NAME\\.db\$" "verify $form: that set"
done
cd "$BD/monthly" || exit 1
run "$PDR" --config "$C" verify "$NAME.db"
expect_rc 0 "verify NAME.db relative to the current folder"
run "$PDR" --config "$C" verify "./$NAME.db"
expect_rc 0 "verify ./NAME.db"
cd "$T" || exit 1
# an unknown name: exit 66, and the newest three names
run "$PDR" --config "$C" verify patronus-monthly-20200101-000000
expect_rc 66 "verify of an unknown set"
expect_match "$T/err" "patronus-monthly-20200101-000000: no such backup set .*the newest in $BD: [a-z]+/patronus-[a-z]+-[0-9-]+, [a-z]+/patronus-[a-z]+-[0-9-]+, [a-z]+/patronus-[a-z]+-[0-9-]+, \\.\\.\\.\$" \
    "the error names the newest three sets"
expect_match "$T/err" "monthly/$NAME" "the newest set is one of them"
# restore --from by TIER/NAME
run "$PDR" --config "$C" restore db --from "monthly/$NAME" --yes
expect_rc 0 "restore db --from TIER/NAME"
expect_match "$T/out" "^restoring from $NAME" "restore --from TIER/NAME: that set"
run "$PDR" --config "$C" restore db --from no-such-set --yes
expect_rc 66 "restore --from an unknown set"
expect_match "$T/err" "no-such-set: no such backup set" "restore --from an unknown set says so"

# rpo with nothing to restore: the error once, on stderr
mkdir -p "$T/empty"
printf 'state_dir: %s/empty/state\nbackup_dir: %s/empty/backup\nencryption_key: %s\n' "$T" "$T" \
    "$(sed -n 's/^encryption_key: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$C")" >"$T/empty.yaml"
run "$PDR" --config "$T/empty.yaml" rpo
expect_rc 66 "rpo with no set and no stream"
[ "$(grep -c 'no backup set passes verify' "$T/out" "$T/err" | awk -F: '{ s += $2 } END { print s }')" -eq 1 ] &&
	ok "rpo says its error once" || { fail "rpo's error:"; cat "$T/out" "$T/err"; }
finish
