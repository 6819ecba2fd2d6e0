#!/bin/sh
# run.sh SECONDS: build the libFuzzer targets (the runbook loader, the backup manifest
# parser, restore's whole-archive check, the page-level reader of SQLite files that assess
# salvages with, the stream's snapshot.sha256 and segment readers) in their own build folder (clang, ASan, UBSan) and fuzz them for SECONDS in
# all, split between them, each seeded from the source tree (the databases made by sqlite3).
# Exits non-zero when the fuzzer finds a crash.
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILDDIR:-$top/_fuzz}
targets="runbook manifest archive pagescan stream"
each=$((secs / 5))
[ "$each" -ge 1 ] || each=1

[ -x "$top/configure" ] || (cd "$top" && ./bootstrap)
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$top/configure" -q --enable-fuzz CC=clang \
	    CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" >/dev/null
fi
make -s -j2 tests/fuzz/fuzz-runbook tests/fuzz/fuzz-manifest tests/fuzz/fuzz-archive \
    tests/fuzz/fuzz-pagescan tests/fuzz/fuzz-stream

# The corpora grow in the build folder; the seeds come from the source tree.
mkdir -p corpus corpus-manifest corpus-archive corpus-pagescan corpus-stream artifacts
cp "$top"/runbooks/*.yaml "$top"/tests/data/runbooks-bad/*.yaml corpus/
# Manifests: the plan's script's shape and ours (fingerprint, HMAC), and a broken one.
sum=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
n=patronus-hourly-20260101-000000
printf 'Patronus SD-WAN Backup Manifest\n================================\n\nBackup Type: hourly\nTimestamp: 20260101-000000\nDate: Thu Jan  1 00:00:00 UTC 2026\nHostname: cp1\nVersion: unknown\n\nContents:\n- Database: %s.db (40K, 12 sites, 21 paths)\n- Configuration: %s-config.tar.gz\n- WireGuard Keys: %s-wireguard.tar.gz.enc (encrypted)\n\nChecksums (SHA256):\n%s  %s.db\n%s  %s-config.tar.gz\n%s  %s-wireguard.tar.gz.enc\n' \
    "$n" "$n" "$n" "$sum" "$n" "$sum" "$n" "$sum" "$n" >corpus-manifest/plan.txt
{ cat corpus-manifest/plan.txt; printf 'Key-Fingerprint: 0123456789abcdef\nHMAC-SHA256: %s\n' "$sum"; } \
    >corpus-manifest/ours.txt
head -c 400 corpus-manifest/ours.txt >corpus-manifest/cut.txt
# Archives: config trees as backup writes them (gzip tar under etc/patronus/), and plain tar.
tar -C "$top" -czf corpus-archive/runbooks.tar.gz --transform 's|^runbooks|etc/patronus|' runbooks
tar -C "$top" -cf corpus-archive/plain.tar --transform 's|^tests/data/runbooks-bad|etc/patronus|' \
    tests/data/runbooks-bad
# Small databases (512-byte pages): rowid and WITHOUT ROWID tables, an index,
# overflow chains, a freelist.
if [ ! -s corpus-pagescan/seed-1.db ] && command -v sqlite3 >/dev/null; then
	for i in 1 2 3; do
		rm -f corpus-pagescan/seed-$i.db
		sqlite3 corpus-pagescan/seed-$i.db "PRAGMA page_size=512;
		    CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
		    CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
		    CREATE INDEX ti ON t(b);
		    CREATE TABLE gone(x);
		    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $i * 20)
		    INSERT INTO t SELECT x * 1000003, printf('%.*c', x * 7, 'b'), x / 3.0 FROM c;
		    INSERT INTO w VALUES('k', zeroblob(1500)), ('l', 'v');
		    INSERT INTO gone SELECT b FROM t; DROP TABLE gone;"
	done
fi

# The stream's files (fuzz-stream.c: first byte 0/2 snapshot.sha256, 1/3 segment 1; 2 and 3
# allow unsigned): a snapshot.sha256 signed with the target's key for its generation, the
# same unsigned, and a PDRSEG01 segment of one 512-byte commit frame.
ssum="$sum  snapshot.db
Time-Ms: 1764244800000
Page-Size: 512
Wal-Salt: 1 2
Wal-Frame: 0
"
skey=$(printf 'patronus-dr stream HMAC-SHA256 key v1\000fuzz-key-fuzz-key' | openssl dgst -sha256 -r | cut -c1-64)
smac=$({ printf '20261127-120000-0a1b2c3d\000'; printf '%s' "$ssum"; } |
    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$skey" -r | cut -c1-64)
{ printf '\000'; printf '%s' "$ssum"; printf 'HMAC-SHA256: %s\n' "$smac"; } >corpus-stream/signed
{ printf '\002'; printf '%s' "$ssum"; } >corpus-stream/unsigned
{
	printf '\003PDRSEG01\000\000\002\000\000\000\000\001'
	printf '\000\000\000\000\000\000\000\001\000\000\001\232\300\000\000\000'
	printf '\000\000\000\000\000\000\000\001\000\000\000\001\000\000\000\002'
	head -c 64 /dev/zero
	printf '\000\000\000\001\000\000\000\001\000\000\000\001\000\000\000\002'
	head -c 520 /dev/zero
} >corpus-stream/segment

rc=0
for t in $targets; do
	case $t in
	runbook) corpus=corpus dict="-dict=$top/tests/fuzz/runbook.dict" len=16384 ;;
	manifest) corpus=corpus-manifest dict="-dict=$top/tests/fuzz/manifest.dict" len=16384 ;;
	archive) corpus=corpus-archive dict= len=65536 ;;
	pagescan) corpus=corpus-pagescan dict= len=65536 ;;
	stream) corpus=corpus-stream dict= len=65536 ;;
	esac
	echo "== fuzz-$t for $each s"
	# shellcheck disable=SC2086
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	./tests/fuzz/fuzz-$t -max_total_time="$each" -max_len="$len" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=artifacts/$t- \
	    $dict "$corpus" || rc=1
done
exit $rc
