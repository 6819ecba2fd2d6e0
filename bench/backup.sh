#!/bin/sh
# bench/backup.sh: backup and verify of patronus-dr against the plan's scripts and a plain cp,
# on a generated database of SIZE MiB (default 1024). Prints wall time and peak RSS side by
# side. Not a test: it asserts nothing. Needs /usr/bin/time (Debian package "time").
#   usage: [SIZE=MiB] [PDR=path/to/patronus-dr] [BENCH_DIR=dir] sh bench/backup.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
: "${PDR:=$srcdir/_build/patronus-dr}"
: "${SIZE:=1024}"
export LC_ALL=C TZ=UTC
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)"; exit 1; }
[ -x "$PDR" ] || { echo "bench: no binary at $PDR (build first or set PDR)"; exit 1; }
B=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pdr-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT
. "$srcdir/tests/cli/backup-fixture.sh"
make_host "$B/h" 200
H="$B/h"
DB="$H/var/lib/patronus/sdwan.db"

# Fill path_health with about SIZE MiB of rows (each ~1 KiB of mixed text and blob).
echo "generating a database of about $SIZE MiB..."
rows=$((SIZE * 1024 * 1024 / 1370))
sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO path_health (path_id, at, latency_ms, loss)
SELECT i % 300, 1700000000 + i, hex(randomblob(250)) || printf('%0500d', i), (i % 100) / 1000.0 FROM n;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
dbsize=$(stat -c %s "$DB")
echo "database: $((dbsize / 1048576)) MiB ($dbsize bytes), $(nproc) CPUs"

plan_script "$srcdir/tests/data/patronus-backup.sh" "$B/plan-backup.sh"
cp "$srcdir/tests/data/patronus-verify-backup.sh" "$B/plan-verify.sh"

# measure LABEL CMD...: run CMD once with a warm page cache; print wall seconds and peak RSS.
measure() {
	label=$1; shift
	cat "$DB" >/dev/null
	/usr/bin/time -f "%e %M" -o "$B/time" "$@" >"$B/cmd.out" 2>&1
	rc=$?
	read -r wall rss <"$B/time"
	printf '%-34s %8.2f s %9d KiB  (exit %d)\n' "$label" "$wall" "$rss" "$rc"
	echo "$wall" >"$B/last"
}

echo
printf '%-34s %10s %13s\n' "what" "wall" "peak RSS"
measure "cp of the database file" cp "$DB" "$B/copy.db"
t_cp=$(cat "$B/last")
rm -f "$B/copy.db"
measure "cp with fsync (dd conv=fsync)" dd if="$DB" of="$B/copy.db" bs=1M conv=fsync status=none
t_cpsync=$(cat "$B/last")
rm -f "$B/copy.db"
measure "sqlite3 PRAGMA integrity_check" sqlite3 "$DB" "PRAGMA integrity_check"
measure "sha256sum of the database" sha256sum "$DB"
measure "plan's patronus-backup.sh" bash "$B/plan-backup.sh"
t_plan=$(cat "$B/last")
set -- "$H"/backup/patronus/*/patronus-*.db
plandb=$1
mkdir -p "$B/b2"
sed "s|^backup_dir: .*|backup_dir: $B/b2|" "$H/dr.yaml" >"$B/dr2.yaml"
measure "patronus-dr backup" "$PDR" --config "$B/dr2.yaml" backup --type hourly --no-prune
t_ours=$(cat "$B/last")
set -- "$B"/b2/hourly/patronus-*.db
ourdb=$1
measure "plan's patronus-verify-backup.sh" flock /tmp/checksums.txt bash "$B/plan-verify.sh" "$plandb"
t_pv=$(cat "$B/last")
measure "patronus-dr verify" "$PDR" --config "$B/dr2.yaml" verify "$ourdb"
t_ov=$(cat "$B/last")
grep -q 'verification successful' "$B/cmd.out" || { echo "verify failed:"; cat "$B/cmd.out"; }

echo
awk -v o="$t_ours" -v p="$t_plan" -v c="$t_cp" -v cs="$t_cpsync" -v ov="$t_ov" -v pv="$t_pv" 'BEGIN {
	printf "backup / plan backup  = %.2f   (goal <= 0.5)\n", o / p
	printf "backup / cp           = %.2f   (goal <= 1.5)\n", o / c
	printf "backup / cp+fsync     = %.2f   (ours fsyncs every file; cp does not)\n", o / cs
	printf "verify / plan verify  = %.2f   (goal <= 0.3)\n", ov / pv
}'
