#!/bin/sh
# tui-drill-restore.sh: a database-corruption drill walked to the end in tmux on a demo host
# with backup sets, its restore run for real in the drill's sandbox: the live database, config
# and keys keep their SHA-256; the sandbox's database is the set restored; the record holds
# `restored`; drills shows the achieved RPO; --keep-sandbox keeps the sandbox. On a host without
# backups, the step that looks for one fails (exit 66) with the reason on the screen.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

D="$T/host"
demo_sandbox "$D"
DB="$D/var/lib/patronus/dr/incidents.db"
S=rehearse

# live_sums: the SHA-256 of every live file a drill must not touch (a reader of
# the WAL-mode database may leave an empty -wal and a -shm beside it, as any reader does).
live_sums() {
	(cd "$D" && echo var/lib/patronus/sdwan.db && find etc/patronus etc/wireguard -type f) |
	    sort | (cd "$D" && xargs sha256sum)
}
live_sums >"$T/before"
[ "$(wc -l <"$T/before")" -ge 8 ] && ok "live files summed: $(wc -l <"$T/before")" ||
	fail "too few live files summed"; cat "$T/before" >/dev/null

# the newest set that verifies: what the restore must install
run "$PDR" --config "$D/dr.yaml" backups --json
newest=$(grep -m1 '"name"' "$T/out" | sed 's/.*"name": "\([^"]*\)", "dir": "\([^"]*\)".*/\2\/\1.db/')
[ -f "$newest" ] && ok "the newest set: ${newest##*/}" || fail "no newest set ($newest)"

tui_start $S 80 24 "$PDR" --config "$D/dr.yaml" run database-corruption --drill --keep-sandbox
tui_wait $S '^ DRILL +DRILL-[0-9]{8}-[0-9]{4}-database-corruption' "the drill is declared"
ID=$(newest_incident "$DB")
SB="$D/var/lib/patronus/dr/incidents/$ID/sandbox"
[ -f "$SB/dr.yaml" ] && [ -f "$SB/db/sdwan.db" ] && [ -f "$SB/config/config.yaml" ] &&
	[ -f "$SB/wireguard/privatekey" ] && ok "the sandbox is laid out before the first step" ||
	fail "no sandbox in $SB"
expect_match "$SB/dr.yaml" "^backup_dir: \"$D/backup/patronus\"\$" "the sandbox reads the live backups"
expect_match "$SB/dr.yaml" '^database: "db/sdwan.db"$' "the sandbox's database is its own"

# 1 stop-services: a run: command stays simulated
tui_keys $S x
tui_wait $S 'Result: simulated \(drill\)' "1: the run: command is simulated"
tui_keys $S d
tui_wait $S 'Step 2/15: Back up the corrupted' "2: forensic copy, first"
tui_keys $S x
tui_wait $S '^~ 2 Back up the corrupted' "2: simulated (its marker in the step list)"
tui_keys $S d
tui_wait $S 'Step 3/15: Assess' "3: assess"
tui_keys $S x
tui_wait $S '^ended: exit 0' "3: assess ran on the sandbox's database"
tui_keys $S d
tui_wait $S 'Step 4/15: Read the integrity' "4: the decision"
tui_keys $S j Enter
tui_wait $S 'Step 5/15: Review the salvage' "5: review"
tui_keys $S d
tui_wait $S 'anyway\? \(y/n\)' "5: done with items left asks"
tui_keys $S y
tui_wait $S 'Step 6/15: Find the most recent' "6: find the backup"
tui_keys $S x
tui_wait $S '^ended: exit 0' "6: backups lists the sets"
tui_has $S 'patronus-(hourly|daily)-' "6: the sets are on the screen"
tui_keys $S d
tui_wait $S 'Step 7/15: Restore from backup' "7: restore"
tui_keys $S x
tui_wait $S 'Run this command\?' "7: the restore asks first"
tui_keys $S y
tui_wait $S '^ended: exit 0' "7: the restore ran to its end"
tui_keys $S d
tui_wait $S 'Step 8/15: ' "8"
for want in 9 10 11 12 13; do
	tui_keys $S d
	tui_until $S "Step $want/15: |anyway\? \(y/n\)"
	if tui_screen $S | grep -q 'anyway? (y/n)'; then tui_keys $S y; fi
	tui_wait $S "Step $want/15: " "d to step $want" >/dev/null || break
done
tui_has $S 'Step 13/15: Assess data loss' "13: the data-loss step"
tui_keys $S x
tui_wait $S '^ended: exit' "13: rpo ran"
for want in 14 15; do
	tui_keys $S d
	tui_until $S "Step $want/15: |anyway\? \(y/n\)"
	if tui_screen $S | grep -q 'anyway? (y/n)'; then tui_keys $S y; fi
	tui_wait $S "Step $want/15: " "d to step $want" >/dev/null || break
done
tui_keys $S d
tui_until $S 'anyway\? \(y/n\)|Close the incident now\? \(y/n\)'
if tui_screen $S | grep -q 'anyway? (y/n)'; then tui_keys $S y; fi
tui_wait $S 'Close the incident now\? \(y/n\)' "the last step offers to close"
tui_keys $S y
tui_wait $S '\[CLOSED\]' "closed"
tui_keys $S q
tui_wait $S "sandbox is kept in" "the command says the sandbox is kept"
tui_wait $S '^\[exit 0\]$' "run exits 0"

# nothing live changed, byte for byte
live_sums >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "live database, config and keys: SHA-256 unchanged"
else fail "live files changed:"; diff "$T/before" "$T/after"; fi
wal="$D/var/lib/patronus/sdwan.db-wal"
[ ! -s "$wal" ] && ok "no WAL frames were written to the live database" || fail "live -wal holds frames"

# the record: the restore's command worked with the sandbox's settings, and said what it restored
events "$DB" "$ID" >"$T/ev"
expect_match "$T/ev" "\\|restore\\|command-started\\|patronus-dr --config $SB/dr.yaml restore db --yes" \
	"record: the restore ran with the sandbox's settings"
expect_match "$T/ev" '\|restore\|restored\|\{"set":' "record: restored"
expect_match "$T/ev" "\\|restore\\|restored\\|\\{\"set\":\"$newest\"" "record: the newest set that verifies was restored"
expect_match "$T/ev" "\\|restore\\|restored\\|.*\"file\":\"$SB/db/sdwan.db\"" "record: installed in the sandbox"
expect_match "$T/ev" '\|restore\|exit\|\{"status":"exit 0"' "record: the restore exited 0"
expect_no_match "$T/ev" "command-started\\|.*--config $D/dr\\.yaml (restore|keys)" "record: no restore with the live settings"

# the sandbox's database is the set restored
sb=$(sha256sum <"$SB/db/sdwan.db" | cut -d' ' -f1)
set=$(sha256sum <"$newest" | cut -d' ' -f1)
[ -n "$sb" ] && [ "$sb" = "$set" ] && ok "the sandbox's database is the restored set, byte for byte" ||
	fail "sandbox database $sb, set $set"
rec=$(sed -n 's/.*|restore|restored|.*"sha256":"\([0-9a-f]*\)".*/\1/p' "$T/ev")
[ "$rec" = "$sb" ] && ok "the record's SHA-256 is the sandbox database's" || fail "record $rec, file $sb"
ls "$SB/db" | grep -q 'sdwan.db.corrupted.' && ok "the forensic copy stayed in the sandbox" ||
	fail "no forensic copy in the sandbox"
ls "$D/var/lib/patronus" | grep -q corrupted && fail "a forensic copy beside the live database" ||
	ok "no forensic copy beside the live database"

# drills: the achieved RPO is measured from the restored set
run env COLUMNS=1000 "$PDR" --config "$D/dr.yaml" drills database-corruption
expect_rc 0 "drills"
expect_match "$T/out" "$ID .* 1[01]m[0-9][0-9]s/15m00s" "drills: the achieved RPO, about 10 minutes"
run "$PDR" --config "$D/dr.yaml" report "$ID"
expect_match "$T/out" 'RPO:\*\* target 15m00s, achieved 1[01]m[0-9][0-9]s' "report: the achieved RPO"

# the sandbox stays for inspection (--keep-sandbox), with its marker
[ -f "$SB/.patronus-dr-sandbox" ] && ok "the kept sandbox has its marker" || fail "sandbox not kept"

# A host without backups: the step that looks for one fails loudly, with the reason on screen.
mkdir -p "$T/nobackups"
sed "s|^backup_dir: .*|backup_dir: \"$T/nobackups\"|" "$D/dr.yaml" >"$T/nob.yaml"
S2=empty
tui_start $S2 80 24 "$PDR" --config "$T/nob.yaml" run database-corruption --drill
tui_wait $S2 '^ DRILL +DRILL-' "no backups: the drill is declared"
for want in 2 3 4 5 6; do
	tui_keys $S2 d
	tui_until $S2 "Step $want/15: |anyway\? \(y/n\)|Choose an answer first"
	if tui_screen $S2 | grep -q 'anyway? (y/n)'; then tui_keys $S2 y; fi
	if tui_screen $S2 | grep -q 'Choose an answer first'; then tui_keys $S2 j Enter; fi
	tui_wait $S2 "Step $want/15: " "no backups: to step $want" >/dev/null || break
done
tui_has $S2 'Step 6/15: Find the most recent' "no backups: the step that looks for a backup"
tui_keys $S2 x
tui_wait $S2 '^ended: exit 66' "no backups: it fails with exit 66"
tui_has $S2 'no backup sets in .*nobackups' "no backups: the reason is on the screen"
tui_keys $S2 q

finish
