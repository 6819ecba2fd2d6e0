#!/bin/sh
# tui-restore.sh: a real incident (not a drill) of database-corruption, the
# restore step run from the TUI: after the operator confirms in the TUI, the
# restore runs without asking again, keeps the forensic copy and puts back a
# database that passes the real sqlite3's integrity check. The restore itself
# records a "restored" event (set, its time, file, SHA-256 of what it
# installed) that incidents show lists and the report's achieved RPO uses,
# also when restore's output is not in the record or not in English.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

D="$T/demo"
demo_sandbox "$D"
C="$D/dr.yaml"
DB="$D/var/lib/patronus/sdwan.db"
# taken a minute before the incident: database-corruption restores only sets taken wholly
# before the detection (restore_before: detected), and one named in the declaring second is not
run env PATRONUS_DR_NOW="@$(($(date +%s) - 60))" "$PDR" --config "$C" backup --no-offsite
expect_rc 0 "a backup of the sandbox"
sites=$(sqlite3 "$DB" 'SELECT count(*) FROM sites')

# The damage the runbook is for: pages of the live file overwritten.
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
dd if=/dev/urandom of="$DB" bs=4096 seek=2 count=8 conv=notrunc 2>/dev/null
damaged=$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1 | head -1)
[ "$damaged" != ok ] && ok "the live database is damaged" || fail "the live database is damaged"
cp "$DB" "$T/damaged.db"

M="$T/patronus_dr.prom"
printf 'metrics_file: %s\n' "$M" >>"$C"
tui_start inc 100 30 "$PDR" --config "$C" run database-corruption
tui_wait inc 'INC-[0-9]{8}-[0-9]{4}-database-corruption' "an incident, not a drill, is declared"
grep -qx 'patronus_dr_incidents_open 1' "$M" 2>/dev/null && ok "metrics: one open incident, written when declared" ||
	{ fail "metrics: incidents_open after declaring"; grep incidents "$M"; }
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
tui_wait inc 'ended: exit 0' "the restore ends with exit 0"
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

# The restored event, written by the restore child into the TUI's incident.
STATE="$D/var/lib/patronus/dr"
set_db=$(grep -o 'restoring from patronus-[a-z]*-[0-9]*-[0-9]*' "$T/events" | head -1 | sed 's/.* //')
[ -n "$set_db" ] && ok "the restore named its set ($set_db)" || fail "the restore named its set"
stamp=$(echo "$set_db" |
	sed 's/.*-\([0-9]\{4\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)-\([0-9]\{2\}\)\([0-9]\{2\}\)\([0-9]\{2\}\)$/\1-\2-\3 \4:\5:\6/')
set_ms="$(date -d "$stamp" +%s)000"
sha=$(sha256sum "$DB" | cut -d' ' -f1)
expect_match "$T/events" "\\|restore\\|restored\\|\\{\"set\":\"[^\"]*/$set_db\\.db\",\"backup_ms\":$set_ms,\"file\":\"$DB\",\"sha256\":\"$sha\",\"part\":\"db\"\\}\$" \
	"a restored event in the restore step: the set, its time, the file and the SHA-256 of the installed database"
run "$PDR" --config "$C" incidents show "$id"
expect_rc 0 "incidents show"
expect_match "$T/out" "restore +restored backup .*/$set_db\\.db\$" "incidents show lists the restored event"
expect_match "$T/out" "^ +\\| .*\"sha256\":\"$sha\"" "incidents show gives the restored event's SHA-256"
run "$PDR" --config "$C" incidents verify "$id"
expect_rc 0 "the chain holds with the restore's own event in it"
run "$PDR" --config "$C" report "$id"
expect_rc 0 "report"
expect_match "$T/out" "^- \\*\\*RPO:\\*\\* target [^,]*, achieved [0-9hms]+ \\(backup of $stamp restored: .*/$set_db\\.db\\)" \
	"the report's achieved RPO ends at the restored set's time"

# Without the TUI and its recorded output: the achieved RPO can come only from the event.
FIX="$top_builddir/tests/pdr-incident-fixture"
inc2=$("$FIX" "$STATE" declare database-corruption incident "Database corruption" 1800 3600)
[ -n "$inc2" ] && ok "a second incident, declared without the TUI" || fail "a second incident"
run env PATRONUS_DR_INCIDENT="$inc2" PATRONUS_DR_STEP=restore-db "$PDR" --config "$C" \
	restore db --yes
expect_rc 0 "restore db under PATRONUS_DR_INCIDENT"
expect_no_match "$T/err" . "and nothing on stderr"
events "$STATE/incidents.db" "$inc2" >"$T/events2"
expect_match "$T/events2" "^2\\|restore-db\\|restored\\|.*\"backup_ms\":$set_ms," "the restore appended its restored event with the step"
run "$PDR" --config "$C" report "$inc2"
expect_match "$T/out" "^- \\*\\*RPO:\\*\\* target 1h00m, achieved [0-9hms]+ \\(backup of $stamp restored: .*/$set_db\\.db\\): MET" \
	"the achieved RPO from the event alone: no restore output is in this record"
expect_no_match "$T/out" "no database restore recorded" "and the RPO is not unknown"

# A closed incident takes no more events: the restore stands, the refusal is said.
"$FIX" "$STATE" close "$inc2" resolved || fail "close the second incident"
run env PATRONUS_DR_INCIDENT="$inc2" "$PDR" --config "$C" restore db --yes
expect_rc 0 "restore db under a closed incident still restores"
expect_match "$T/err" "closed" "and says the event could not be recorded"

finish
