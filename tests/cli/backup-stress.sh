#!/bin/sh
# backup-stress.sh: a backup under a writer that commits every few milliseconds completes
# with a consistent copy; SIGKILL at every checkpoint and at random moments never leaves a
# set that backups calls complete (or that has its manifest) but that fails verify.
. "$srcdir/tests/cli/lib.sh"
# table lines read whole (tables.sh checks them at 80 columns)
COLUMNS=1000
export COLUMNS
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
DB="$T/h/var/lib/patronus/sdwan.db"
BD="$T/h/backup/patronus"
# About 20 MB of health history, and a counter that every write transaction keeps equal
# to the number of audit rows: a copy that is not one snapshot breaks the equality.
sqlite3 "$DB" >/dev/null <<'SQL'
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO path_health (path_id, at, latency_ms, loss) SELECT i % 10, i, randomblob(300), 0 FROM n;
CREATE TABLE counter (n INTEGER);
INSERT INTO counter SELECT COUNT(*) FROM audit_log;
SQL

# The writer: one sqlite3 process fed a transaction every 2 ms until $T/stop exists.
writer() {
	i=0
	while [ ! -f "$T/stop" ]; do
		i=$((i + 1))
		echo "BEGIN IMMEDIATE; INSERT INTO audit_log (at, who, what) VALUES ($i, 'writer', hex(randomblob(64)));"
		echo "UPDATE counter SET n = n + 1; UPDATE sites SET endpoint = '$i' WHERE id = 1 + $i % 12; COMMIT;"
		sleep 0.002
	done | sqlite3 -cmd '.timeout 10000' "$DB" >/dev/null 2>"$T/writer.err"
}
before=$(sqlite3 "$DB" 'SELECT n FROM counter')
writer &
wpid=$!
sleep 0.3
t=1767225600
for k in 1 2 3 4 5; do
	PATRONUS_DR_NOW="@$((t + k * 3600))" run "$PDR" --config "$C" backup --no-prune
	expect_rc 0 "backup $k under a steady writer"
	set -- "$BD"/*/*"$(date -u -d "@$((t + k * 3600))" +%Y%m%d-%H%M%S)".db
	copy=$1
	inv=$(sqlite3 "$copy" 'SELECT (SELECT n FROM counter) = (SELECT COUNT(*) FROM audit_log)')
	[ "$inv" = 1 ] && ok "copy $k is one snapshot (counter equals audit rows)" || fail "copy $k is inconsistent"
	[ "$(sqlite3 "$copy" 'PRAGMA integrity_check')" = ok ] && ok "copy $k passes integrity_check" || fail "copy $k integrity"
	run "$PDR" --config "$C" verify "$copy"
	expect_rc 0 "copy $k verifies"
done
touch "$T/stop"
wait "$wpid"
after=$(sqlite3 "$DB" 'SELECT n FROM counter')
[ "$after" -gt "$before" ] && ok "the writer committed $((after - before)) transactions meanwhile" ||
	fail "the writer committed nothing"
[ -s "$T/writer.err" ] && { fail "the writer saw errors"; head -3 "$T/writer.err"; } || ok "the writer saw no errors"

# check_sets WHEN: every set with a manifest, and every set backups calls complete, verifies.
check_sets() {
	"$PDR" --config "$C" backups >"$T/list" 2>&1
	bad=0
	for m in "$BD"/*/patronus-*-manifest.txt; do
		[ -f "$m" ] || continue
		"$PDR" --config "$C" verify "${m%-manifest.txt}.db" >"$T/v" 2>&1 || {
			bad=$((bad + 1)); echo "  $1: $(basename "$m") fails verify:"; grep FAILED "$T/v" | head -3; }
	done
	grep -E ' complete +' "$T/list" | sed -E 's|.* complete +([a-z]+)/(patronus-[^:]*)$|\1/\2|' |
	while read -r s; do
		"$PDR" --config "$C" verify "$BD/$s.db" >/dev/null 2>&1 || echo "$s"
	done >"$T/badcomplete"
	[ -s "$T/badcomplete" ] && bad=$((bad + 1))
	return $bad
}

# SIGKILL at each checkpoint in turn, until a run gets through.
rm -rf "$BD"
n=1
t=1767312000
kills=0
while [ $n -le 200 ]; do
	PATRONUS_DR_NOW="@$((t + n * 60))" PDR_TEST_KILL_AT=$n "$PDR" --config "$C" backup --no-prune \
		>/dev/null 2>&1
	rc=$?
	[ $rc -eq 0 ] && break
	[ $rc -eq 137 ] || { fail "kill at checkpoint $n: exit $rc"; break; }
	kills=$((kills + 1))
	n=$((n + 1))
done
[ $kills -ge 10 ] && ok "killed at each of $kills checkpoints, then a run got through" || fail "only $kills kill points"
check_sets checkpoints && ok "after $kills kills: no set with a manifest fails verify, none called complete does" ||
	fail "a killed backup left a bad set"
[ "$(ls "$BD"/*/*-manifest.txt | wc -l)" -ge 1 ] && ok "the last run made a whole set" || fail "no whole set"
grep -q ' incomplete ' "$T/list" && ok "interrupted sets are listed as incomplete" || fail "no incomplete set listed"

# SIGKILL after random short delays, while the writer runs.
rm -f "$T/stop"
writer &
wpid=$!
k=0
while [ $k -lt 15 ]; do
	k=$((k + 1))
	PATRONUS_DR_NOW="@$((t + 86400 + k * 60))" "$PDR" --config "$C" backup --no-prune >/dev/null 2>&1 &
	bpid=$!
	sleep "0.$(awk -v s="$k" 'BEGIN { srand(s); printf "%03d", int(rand() * 400) }')"
	kill -9 "$bpid" 2>/dev/null
	wait "$bpid" 2>/dev/null
done
touch "$T/stop"
wait "$wpid"
check_sets random && ok "after 15 random kills: no bad set" || fail "a randomly killed backup left a bad set"

# Interrupted leftovers (their files are dated by the real clock) go when prune runs
# more than a day later.
PATRONUS_DR_NOW="@$(($(date +%s) + 2 * 86400))" run "$PDR" --config "$C" prune
expect_rc 0 "prune after the kills"
ls -A "$BD"/*/ | grep -q '^\.patronus-' && fail "temporary files left after prune" || ok "no temporary files after prune"
"$PDR" --config "$C" backups | grep -q ' incomplete ' && fail "incomplete sets left after prune" ||
	ok "no incomplete sets after prune"

finish
