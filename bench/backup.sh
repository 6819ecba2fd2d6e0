#!/bin/sh
# bench/backup.sh: backup and verify of patronus-dr against the plan's scripts and a plain cp,
# on a generated database of SIZE MiB (default 1024). Prints wall time and peak RSS side by
# side. Not a test: it asserts nothing. Needs /usr/bin/time (Debian package "time").
# RUNS (default 3) repeats every measurement; the summary gives min and median of wall and
# CPU time (user + system, fairer when other work shares the machine) and ratios of medians.
#   usage: [SIZE=MiB] [RUNS=n] [PDR=path/to/patronus-dr] [BENCH_DIR=dir] sh bench/backup.sh
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

# measure KEY LABEL CMD...: run CMD once with a warm page cache; print wall seconds, CPU
# seconds (user + system) and peak RSS; keep them in $B/res.KEY for the summary.
measure() {
	key=$1 label=$2; shift 2
	cat "$DB" >/dev/null
	/usr/bin/time -f "%e %U %S %M" -o "$B/time" "$@" >"$B/cmd.out" 2>&1
	rc=$?
	read -r wall usr sys rss <"$B/time"
	cpu=$(echo "$usr $sys" | awk '{ printf "%.2f", $1 + $2 }')
	printf '%-34s %8.2f s %8.2f s %9d KiB  (exit %d)\n' "$label" "$wall" "$cpu" "$rss" "$rc"
	echo "$wall $cpu $rss" >>"$B/res.$key"
	echo "$label" >"$B/label.$key"
}

# stat KEY COLUMN: "min median" of a column (1 wall, 2 CPU, 3 RSS) over the runs.
stat() {
	cut -d' ' -f"$2" "$B/res.$1" | sort -g | awk '{ v[NR] = $1 } END {
		printf "%s %s", v[1], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

plan_script "$srcdir/tests/data/patronus-backup.sh" "$B/plan-backup.sh"
cp "$srcdir/tests/data/patronus-verify-backup.sh" "$B/plan-verify.sh"
mkdir -p "$B/b2"
sed "s|^backup_dir: .*|backup_dir: $B/b2|" "$H/dr.yaml" >"$B/dr2.yaml"

run=1
while [ "$run" -le "${RUNS:-3}" ]; do
	echo
	echo "run $run of ${RUNS:-3}, load $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-34s %10s %10s %13s\n' "what" "wall" "CPU u+s" "peak RSS"
	rm -rf "$H"/backup/patronus/* "$B"/b2/*
	measure cp "cp of the database file" cp "$DB" "$B/copy.db"
	rm -f "$B/copy.db"
	measure dd "cp with fsync (dd conv=fsync)" dd if="$DB" of="$B/copy.db" bs=1M conv=fsync status=none
	rm -f "$B/copy.db"
	measure ic "sqlite3 PRAGMA integrity_check" sqlite3 "$DB" "PRAGMA integrity_check"
	measure sha "sha256sum of the database" sha256sum "$DB"
	measure plan "plan's patronus-backup.sh" bash "$B/plan-backup.sh"
	set -- "$H"/backup/patronus/*/patronus-*.db
	plandb=$1
	measure ours "patronus-dr backup" "$PDR" --config "$B/dr2.yaml" backup --type hourly --no-prune
	set -- "$B"/b2/hourly/patronus-*.db
	ourdb=$1
	measure pv "plan's patronus-verify-backup.sh" flock /tmp/checksums.txt bash "$B/plan-verify.sh" "$plandb"
	measure ov "patronus-dr verify" "$PDR" --config "$B/dr2.yaml" verify "$ourdb"
	grep -q 'verification successful' "$B/cmd.out" || { echo "verify failed:"; cat "$B/cmd.out"; }
	run=$((run + 1))
done

echo
echo "summary over ${RUNS:-3} runs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %16s %16s %10s\n' "what" "wall min/median" "CPU min/median" "max RSS"
for k in cp dd ic sha plan ours pv ov; do
	set -- $(stat $k 1) $(stat $k 2)
	rss=$(cut -d' ' -f3 "$B/res.$k" | sort -n | tail -1)
	printf '%-34s %7.2f %7.2f s %7.2f %7.2f s %7d KiB\n' "$(cat "$B/label.$k")" "$1" "$2" "$3" "$4" "$rss"
done
# med KEY COLUMN: the median alone.
med() { stat "$1" "$2" | cut -d' ' -f2; }
echo
awk -v o="$(med ours 1)" -v p="$(med plan 1)" -v c="$(med cp 1)" -v cs="$(med dd 1)" \
    -v ov="$(med ov 1)" -v pv="$(med pv 1)" -v oc="$(med ours 2)" -v pc="$(med plan 2)" \
    -v cc="$(med cp 2)" -v ovc="$(med ov 2)" -v pvc="$(med pv 2)" 'BEGIN {
	printf "%-22s %8s %8s   %s\n", "ratio of medians", "wall", "CPU", "goal (wall)"
	printf "%-22s %8.2f %8.2f   <= 0.5\n", "backup / plan backup", o / p, oc / pc
	printf "%-22s %8.2f %8.2f   <= 1.5\n", "backup / cp", o / c, oc / cc
	printf "%-22s %8.2f %8s   (ours fsyncs every file; cp does not)\n", "backup / cp+fsync", o / cs, "-"
	printf "%-22s %8.2f %8.2f   <= 0.3\n", "verify / plan verify", ov / pv, ovc / pvc
}'
