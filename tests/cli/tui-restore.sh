#!/bin/sh
# tui-restore.sh: a real incident (not a drill) of database-corruption, the
# restore step run from the TUI: after the operator confirms in the TUI, the
# restore runs without asking again, keeps the forensic copy and puts back a
# database that passes the real sqlite3's integrity check.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

D="$T/demo"
demo_sandbox "$D"
C="$D/dr.yaml"
DB="$D/var/lib/patronus/sdwan.db"
run "$PDR" --config "$C" backup --no-offsite
expect_rc 0 "a backup of the sandbox"
sites=$(sqlite3 "$DB" 'SELECT count(*) FROM sites')

# The damage the runbook is for: pages of the live file overwritten.
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
dd if=/dev/urandom of="$DB" bs=4096 seek=2 count=8 conv=notrunc 2>/dev/null
damaged=$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1 | head -1)
[ "$damaged" != ok ] && ok "the live database is damaged" || fail "the live database is damaged"
cp "$DB" "$T/damaged.db"

tui_start inc 100 30 "$PDR" --config "$C" run database-corruption
tui_wait inc 'INC-[0-9]{8}-[0-9]{4}-database-corruption' "an incident, not a drill, is declared"
# The step list: Tab, down to "Restore from backup", Enter makes it current.
tui_keys inc Tab
i=0
while [ $i -lt 6 ]; do tui_keys inc j; i=$((i + 1)); done
tui_keys inc Enter
tui_wait inc 'Step 7/15: Restore from backup' "the restore step is current"
tui_wait inc 'restore db --yes' "the command shown is the one that runs after the TUI's confirmation"
tui_keys inc x
tui_wait inc '\(y/n\)' "the TUI asks before a destructive action"
tui_keys inc y
tui_wait inc 'ended: exit 0' "the restore ends with exit 0" 30
tui_has inc 'data-loss window' "the data-loss window is shown"

[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] && ok "the restored database passes integrity_check" ||
	fail "the restored database passes integrity_check"
[ "$(sqlite3 "$DB" 'SELECT count(*) FROM sites')" = "$sites" ] && ok "the restored database has its sites" ||
	fail "the restored database has its sites"
copy=$(ls "$D"/var/lib/patronus/sdwan.db.corrupted.* 2>/dev/null | grep -v -- '-wal$\|-shm$' | head -1)
if [ -n "$copy" ] && cmp -s "$copy" "$T/damaged.db"; then ok "the forensic copy holds the damaged file"; else
	fail "the forensic copy holds the damaged file ($copy)"; fi

tui_keys inc q
tui_wait inc '^\[exit 0\]' "q leaves the TUI"
id=$(newest_incident "$D/var/lib/patronus/dr/incidents.db")
events "$D/var/lib/patronus/dr/incidents.db" "$id" >"$T/events"
expect_match "$T/events" '\|restore\|command-started\|.*restore db --yes' "the record holds the command with --yes"
expect_match "$T/events" '\|restore\|exit\|.*"code":0,' "the record holds exit 0 of the restore"

finish
