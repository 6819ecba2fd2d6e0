#!/bin/sh
# crash.sh: kill -9 at every step of restore db and restore config (PDR_TEST_CRASH_AT makes
# the program SIGKILL itself there) and after growing delays: the live path always holds the
# old or the new content, never a mix; a forensic copy, when there is one, is whole; a rerun
# finishes the job and leaves no temporary behind.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"

make_sandbox "$T/s"
# A bigger database, so that the delayed kills land inside the copy.
sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
    INSERT INTO audit_log (at, actor, action, detail) SELECT 1700000000 + i, 'load', 'bulk', hex(randomblob(400)) FROM n" 2>"$T/sqlerr" ||
	sqlite3 "$DB" "CREATE TABLE bulk (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
	    INSERT INTO bulk SELECT randomblob(800) FROM n"
take_backup
cp "$SET" "$T/new.db"
dd if=/dev/urandom of="$DB" bs=4096 seek=30 count=4 conv=notrunc 2>/dev/null
cp "$DB" "$T/old.db"
printf 'stale wal bytes\n' >"$T/old.db-wal"

# db_reset: the damaged database with a stale -wal, no forensic copies, no temporaries.
db_reset() {
	rm -f "$DB" "$DB"-wal "$DB"-shm "$DB"-journal "$DB".corrupted.* "$(dirname "$DB")"/.sdwan.db.restore-*
	cp "$T/old.db" "$DB"
	cp "$T/old.db-wal" "$DB-wal"
}

# db_check WHEN: the live database is the old or the new one, whole; forensic copies are whole.
db_check() {
	if cmp -s "$DB" "$T/old.db"; then ok "$1: live database is the old one"
	elif cmp -s "$DB" "$T/new.db"; then ok "$1: live database is the new one"
	else fail "$1: live database is neither old nor new"; fi
	for f in "$DB".corrupted.*; do
		[ -e "$f" ] || continue
		case $f in
		*-wal) cmp -s "$f" "$T/old.db-wal" && ok "$1: forensic -wal is whole" || fail "$1: forensic -wal differs";;
		*-shm|*.tmp.*) ;;
		*) cmp -s "$f" "$T/old.db" && ok "$1: forensic copy is whole" || fail "$1: forensic copy $f differs";;
		esac
	done
	# A -wal beside the new database would be replayed into it.
	if cmp -s "$DB" "$T/new.db" && [ -e "$DB-wal" ]; then fail "$1: stale -wal beside the new database"; fi
}

# rerun WHEN: a restore after the crash completes and leaves nothing behind.
db_rerun() {
	run "$PDR" --config "$C" restore db --yes --from "$SET"
	expect_rc 0 "$1: rerun completes"
	cmp -s "$DB" "$T/new.db" && ok "$1: rerun installs the new database" || fail "$1: rerun result differs"
	ls -a "$(dirname "$DB")" | grep -q '\.restore-\|\.tmp\.' && fail "$1: temporaries left after rerun" ||
		ok "$1: no temporaries after rerun"
}

for step in db-forensic db-staged db-stale-removed db-installed; do
	db_reset
	PDR_TEST_CRASH_AT=$step "$PDR" --config "$C" restore db --yes --from "$SET" >"$T/out" 2>&1
	rc=$?
	expect_rc 137 "killed at $step"
	db_check "$step"
	db_rerun "$step"
done

# copy mode: the forensic copy is written under a temporary name first.
for step in db-forensic db-staged; do
	db_reset
	PDR_TEST_CRASH_AT=$step "$PDR" --config "$C" restore db --yes --copy --from "$SET" >"$T/out" 2>&1
	rc=$?
	expect_rc 137 "--copy killed at $step"
	db_check "--copy $step"
done

# delays CMD...: eleven kill delays spread over how long CMD takes here (0 to 100%).
delays() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	awk -v ns=$((t1 - t0)) 'BEGIN { for (k = 0; k <= 10; k++) printf "%.4f ", ns * k / 10 / 1e9 }'
}

# Kills after growing delays, wherever they land.
db_reset
for d in $(delays "$PDR" --config "$C" restore db --yes --copy --from "$SET"); do
	db_reset
	"$PDR" --config "$C" restore db --yes --copy --from "$SET" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	db_check "kill after ${d}s"
done
db_rerun "after the delayed kills"

# --- restore config ----------------------------------------------------------------------
rm -f "$CFG/config.yaml" "$CFG/tls/server.crt"
echo stray >"$CFG/stray.txt"
rm -rf "$CFG".pre-restore-*
tree_digest "$CFG" >"$T/cfg.old"
cp -a "$CFG" "$T/cfg-old"
run "$PDR" --config "$C" restore config --yes --from "$SET"
expect_rc 0 "restore config (to learn the new tree)"
tree_digest "$CFG" >"$T/cfg.new"

# cfg_reset: the damaged tree back, nothing beside it.
cfg_reset() {
	rm -rf "$CFG" "$CFG".pre-restore-* "$D"/etc/.patronus.restore-*
	cp -a "$T/cfg-old" "$CFG"
}

# cfg_check WHEN: the live tree is the old or the new one, whole.
cfg_check() {
	tree_digest "$CFG" >"$T/cfg.now"
	if cmp -s "$T/cfg.now" "$T/cfg.old"; then ok "$1: live config is the old tree"
	elif cmp -s "$T/cfg.now" "$T/cfg.new"; then ok "$1: live config is the new tree"
	else fail "$1: live config is a mix"; diff "$T/cfg.old" "$T/cfg.now" | head -5; fi
}

for step in extract-checked extract-entry extract-staged extract-swapped; do
	cfg_reset
	PDR_TEST_CRASH_AT=$step "$PDR" --config "$C" restore config --yes --from "$SET" >"$T/out" 2>&1
	rc=$?
	expect_rc 137 "config killed at $step"
	cfg_check "$step"
	run "$PDR" --config "$C" restore config --yes --from "$SET"
	expect_rc 0 "$step: rerun completes"
	tree_digest "$CFG" >"$T/cfg.now"
	cmp -s "$T/cfg.now" "$T/cfg.new" && ok "$step: rerun brings the new tree" || fail "$step: rerun tree differs"
	ls -a "$D/etc" | grep -q '^\.patronus\.restore-' && fail "$step: staging left after rerun" ||
		ok "$step: no staging folder after rerun"
	# Killed just after the swap, the staging folder held the only old tree: kept, and said.
	if [ $step = extract-swapped ]; then
		set -- "$CFG".pre-restore-interrupted-*
		tree_digest "$1" >"$T/cfg.kept"
		cmp -s "$T/cfg.kept" "$T/cfg.old" && ok "$step: the old tree is kept as $(basename "$1")" ||
			fail "$step: the old tree is lost"
		expect_match "$T/err" "left by an interrupted restore .*kept as $1" "$step: the rerun says where it is"
	fi
done
cfg_reset
for d in $(delays "$PDR" --config "$C" restore config --yes --from "$SET"); do
	cfg_reset
	"$PDR" --config "$C" restore config --yes --from "$SET" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cfg_check "config kill after ${d}s"
done

finish
