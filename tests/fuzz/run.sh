#!/bin/sh
# run.sh SECONDS: build the libFuzzer targets in their own build folder
# (clang, ASan, UBSan) and fuzz them for SECONDS in all, split between them:
# the runbook loader, seeded with the shipped and the broken runbooks, and
# the page-level reader of SQLite files that assess salvages with, seeded
# with small databases made here by sqlite3. Exits non-zero when a fuzzer
# finds a crash.
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILDDIR:-$top/_fuzz}

[ -x "$top/configure" ] || (cd "$top" && ./bootstrap)
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$top/configure" -q --enable-fuzz CC=clang \
	    CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" >/dev/null
fi
make -s -j2 tests/fuzz/fuzz-runbook tests/fuzz/fuzz-pagescan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The corpora grow in the build folder; the seeds come from the source tree.
mkdir -p corpus artifacts
cp "$top"/runbooks/*.yaml "$top"/tests/data/runbooks-bad/*.yaml corpus/
./tests/fuzz/fuzz-runbook -max_total_time="$((secs / 2))" -max_len=16384 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=artifacts/ \
    -dict="$top/tests/fuzz/runbook.dict" corpus

# Small databases (512-byte pages): rowid and WITHOUT ROWID tables, an index,
# overflow chains, a freelist.
mkdir -p corpus-pagescan
if [ ! -s corpus-pagescan/seed-1.db ] && command -v sqlite3 >/dev/null; then
	for n in 1 2 3; do
		rm -f corpus-pagescan/seed-$n.db
		sqlite3 corpus-pagescan/seed-$n.db "PRAGMA page_size=512;
		    CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
		    CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
		    CREATE INDEX ti ON t(b);
		    CREATE TABLE gone(x);
		    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $n * 20)
		    INSERT INTO t SELECT x * 1000003, printf('%.*c', x * 7, 'b'), x / 3.0 FROM c;
		    INSERT INTO w VALUES('k', zeroblob(1500)), ('l', 'v');
		    INSERT INTO gone SELECT b FROM t; DROP TABLE gone;"
	done
fi
./tests/fuzz/fuzz-pagescan -max_total_time="$((secs - secs / 2))" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=artifacts/ corpus-pagescan
