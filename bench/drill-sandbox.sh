#!/bin/sh
# bench/drill-sandbox.sh: what a drill's sandbox costs (run --drill lays it out before anything
# is declared): time and room on a generated database of SIZE MiB (default 1024), against a
# plain cp and dd conv=fsync of the database. The sandbox is measured through an unattended
# drill of a one-step runbook, so the figure includes declaring and closing the drill; the
# program's own debug line (-v) gives the database copy and the tree copy alone. Not a test:
# it asserts nothing. Needs /usr/bin/time (Debian package "time").
#   usage: [SIZE=MiB] [RUNS=n] [PDR=path/to/patronus-dr] [BENCH_DIR=dir] sh bench/drill-sandbox.sh
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
fs=$(df -T "$H" | awk 'NR == 2 { print $2 }')
echo "database: $((dbsize / 1048576)) MiB ($dbsize bytes), $(nproc) CPUs, file system $fs"

# a one-step runbook that needs no person, so that the drill is only its sandbox
mkdir -p "$B/rb"
cat >"$B/rb/noop.yaml" <<'EOF'
id: noop
title: Sandbox only
rto: 30m
unattended: true
steps:
  - id: look
    title: Look at the sandbox
    prompt:
      - {id: seen, text: What did you see?}
EOF
printf 'runbook_dirs: [%s]\n' "$B/rb" >>"$H/dr.yaml"

# measure LABEL CMD...: run CMD once with a warm page cache; print wall and CPU seconds and peak RSS.
measure() {
	label=$1; shift
	cat "$DB" >/dev/null
	/usr/bin/time -f "%e %U %S %M" -o "$B/time" "$@" >"$B/cmd.out" 2>&1
	rc=$?
	read -r wall usr sys rss <"$B/time"
	cpu=$(echo "$usr $sys" | awk '{ printf "%.2f", $1 + $2 }')
	printf '%-40s %8.2f s %8.2f s %9d KiB  (exit %d)\n' "$label" "$wall" "$cpu" "$rss" "$rc"
}

run=1
while [ "$run" -le "${RUNS:-3}" ]; do
	echo
	echo "run $run of ${RUNS:-3}, load $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-40s %10s %10s %13s\n' "what" "wall" "CPU u+s" "peak RSS"
	measure "cp of the database file" cp "$DB" "$B/copy.db"
	rm -f "$B/copy.db"
	measure "cp with fsync (dd conv=fsync)" dd if="$DB" of="$B/copy.db" bs=1M conv=fsync status=none
	rm -f "$B/copy.db"
	measure "run --drill --unattended (sandbox kept)" \
	    "$PDR" -v --config "$H/dr.yaml" run noop --drill --unattended --keep-sandbox
	grep -o 'sandbox .*: database [0-9]* bytes in [0-9]* ms; .*' "$B/cmd.out" | sed 's/^/    /'
	sb=$(find "$H/var/lib/patronus/dr/incidents" -maxdepth 2 -name sandbox -type d | tail -1)
	echo "    room taken by the sandbox: $(du -sk "$sb" | cut -f1) KiB (du), database $(stat -c %s "$sb"/db/sdwan.db) bytes"
	rm -rf "$H/var/lib/patronus/dr/incidents"
	run=$((run + 1))
done
