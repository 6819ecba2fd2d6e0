#!/bin/sh
# restore.sh: time `restore db` of a large database against `cp` + `sync` of the same file,
# side by side (not a test: it prints figures). The set is made and verified first, as the
# target says ("given a set already verified").
# Usage: bench/restore.sh [PATRONUS-DR]; SIZE=1G (default) or e.g. SIZE=200M; RUNS=3.
set -eu
PDR=${1:-${PDR:-./patronus-dr}}
SIZE=${SIZE:-1G}
RUNS=${RUNS:-3}
B=$(mktemp -d "${TMPDIR:-/var/tmp}/pdr-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT

bytes=$(numfmt --from=iec "$SIZE")
"$PDR" demo --dir "$B/s" --no-tui >/dev/null
C="$B/s/dr.yaml"
DB="$B/s/var/lib/patronus/sdwan.db"
rows=$((bytes / 4096))
echo "filling $DB to about $SIZE ($rows rows of 4000 random bytes)..."
sqlite3 "$DB" "CREATE TABLE bulk (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < $rows) INSERT INTO bulk SELECT randomblob(4000) FROM n; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
echo "database: $(du -h "$DB" | cut -f1)"
echo "backing up and verifying the set..."
"$PDR" --config "$C" backup --no-prune >/dev/null
SET=$(ls -t "$B"/s/backup/patronus/*/patronus-*.db | head -1)
"$PDR" --config "$C" verify "$SET" >/dev/null
echo "set: $SET ($(du -h "$SET" | cut -f1)), verified"

# now_ms: a monotonic-enough wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# time_cp / time_restore: milliseconds of one run, the set's bytes read into the cache first
# so that both measure the same thing (a copy written and made durable).
time_cp() {
	cat "$SET" >/dev/null; sync
	t0=$(now_ms); cp "$SET" "$B/cp.db"; sync; t1=$(now_ms)
	rm -f "$B/cp.db"; sync
	echo $((t1 - t0))
}
time_restore() {
	cat "$SET" >/dev/null; sync
	t0=$(now_ms); "$PDR" --config "$C" restore db --yes >/dev/null; sync; t1=$(now_ms)
	rm -f "$DB".corrupted.*; sync
	echo $((t1 - t0))
}

i=0
while [ $i -lt "$RUNS" ]; do
	# Alternate the order, so that neither always runs on a cache the other warmed.
	if [ $((i % 2)) -eq 0 ]; then cp_ms=$(time_cp); rs_ms=$(time_restore)
	else rs_ms=$(time_restore); cp_ms=$(time_cp); fi
	echo "run $((i + 1)): cp+sync ${cp_ms} ms, restore db ${rs_ms} ms, ratio $(awk -v a=$rs_ms -v b=$cp_ms 'BEGIN { printf "%.2f", b ? a / b : 0 }') (target <= 1.30)"
	i=$((i + 1))
done
