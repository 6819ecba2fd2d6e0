#!/bin/sh
# bench/stream.sh: `patronus-dr stream` under a steady writer. Prints the lag from each
# commit (as the writer's wal hook saw it) to the segment holding it being durable (the
# stream's debug line), median and p95, and the writer's throughput flat out with and
# without the stream running, with CPU time (user+sys) and the load average beside them.
# Not a test: it asserts nothing. Builds tests/stream-writer with `make` if needed.
#   usage: [SECS=20] [INTERVAL_MS=5] [PDR=path/to/patronus-dr] [BENCH_DIR=dir] sh bench/stream.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
: "${PDR:=$srcdir/_build/patronus-dr}"
: "${SECS:=20}"
: "${INTERVAL_MS:=5}"
export LC_ALL=C TZ=UTC
builddir=$(dirname "$PDR")
W="$builddir/tests/stream-writer"
[ -x "$PDR" ] || { echo "bench: no binary at $PDR (build first or set PDR)"; exit 1; }
[ -x "$W" ] || make -s -C "$builddir" tests/stream-writer >/dev/null || exit 1
B=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pdr-bench.XXXXXX")
SP=
trap '[ -n "$SP" ] && kill -9 $SP 2>/dev/null; rm -rf "$B"' EXIT
DB="$B/sdwan.db"
C="$B/dr.yaml"
# the stream signs its files with the encryption key and does not start without one
(umask 077; openssl rand -base64 32 >"$B/key")
printf 'database: %s\nbackup_dir: %s\nencryption_key: %s/key\n' "$DB" "$B/backup" "$B" >"$C"

fresh_db() {
	rm -rf "$DB" "$DB-wal" "$DB-shm" "$B/backup"
	sqlite3 "$DB" "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, ts INTEGER,
	    v TEXT, n INTEGER); INSERT INTO t(ts, v, n) VALUES (0, 'first', 0);" >/dev/null
}
start_stream() {
	"$PDR" --config "$C" -v stream >"$B/stream.log" 2>&1 &
	SP=$!
	while ! grep -q "^pid $SP" "$B/backup/stream/status" 2>/dev/null; do sleep 0.05; done
}
# cpu_ms PID: user+sys CPU milliseconds of a running process.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
stop_stream() { kill -TERM "$SP"; wait "$SP"; SP=; }
commits() { sed -n 's/^commits \([0-9]*\) .*/\1/p' "$1"; }
wcpu() { sed -n 's/^cpu_ms //p' "$1"; }

echo "# $(uname -srm), $(nproc) CPUs; load:$(uptime | sed 's/.*load average//')"

# 1. Lag under a steady writer (a commit every INTERVAL_MS).
fresh_db
start_stream
"$W" "$DB" "$SECS" "$INTERVAL_MS" 1000 "$B/trace" >"$B/w.out" 2>"$B/w.err"
sleep 1.5
scpu=$(cpu_ms "$SP")
stop_stream
awk '
	FNR == NR {	# stream log: segment N frames A-B salt S durable_ms T
		if ($2 != "segment") next
		split($5, r, "-"); s = $7
		n[s]++; a[s, n[s]] = r[1]; b[s, n[s]] = r[2]; d[s, n[s]] = $9
		next
	}
	{		# trace: commit_ms salt1 frame
		s = $2; f = $3
		if (!(s in p)) p[s] = 1
		while (p[s] <= n[s] && b[s, p[s]] < f) p[s]++
		if (p[s] > n[s] || a[s, p[s]] > f) { miss++; next }
		print d[s, p[s]] - $1
	}
	END { if (miss) print "unmatched " miss > "/dev/stderr" }
' "$B/stream.log" "$B/trace" | sort -n >"$B/lags"
n=$(wc -l <"$B/lags")
med=$(awk -v n="$n" 'NR == int((n + 1) / 2)' "$B/lags")
p95=$(awk -v n="$n" 'NR == int(n * 0.95 + 0.5)' "$B/lags")
max=$(tail -1 "$B/lags")
segs=$(grep -c ' segment ' "$B/stream.log")
echo "lag commit -> durable segment: median ${med} ms, p95 ${p95} ms, max ${max} ms" \
    "($n commits every ${INTERVAL_MS} ms for ${SECS} s, $segs segments; stream CPU ${scpu} ms)"

# 2. Throughput flat out (no sleep between commits), without and with the stream.
fresh_db
"$W" "$DB" "$SECS" 0 1000 >"$B/w0.out" 2>"$B/w0.err"
c0=$(commits "$B/w0.out"); u0=$(wcpu "$B/w0.err")
fresh_db
start_stream
"$W" "$DB" "$SECS" 0 1000 >"$B/w1.out" 2>"$B/w1.err"
scpu=$(cpu_ms "$SP")
stop_stream
c1=$(commits "$B/w1.out"); u1=$(wcpu "$B/w1.err")
echo "writer flat out, ${SECS} s: without stream $c0 commits ($((c0 / SECS))/s, CPU ${u0} ms)," \
    "with stream $c1 commits ($((c1 / SECS))/s, CPU ${u1} ms; stream CPU ${scpu} ms):" \
    "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f%%", 100 * b / a }') of the throughput"
echo "# load:$(uptime | sed 's/.*load average//')"
