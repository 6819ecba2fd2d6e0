#!/bin/sh
# run.sh SECONDS: build the libFuzzer targets (the runbook loader, the backup manifest
# parser, restore's whole-archive check) in their own build folder (clang, ASan, UBSan) and
# fuzz them for SECONDS in all, split between them, each seeded from the source tree.
# Exits non-zero when the fuzzer finds a crash.
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILDDIR:-$top/_fuzz}
targets="runbook manifest archive"
each=$((secs / 3))
[ "$each" -ge 1 ] || each=1

[ -x "$top/configure" ] || (cd "$top" && ./bootstrap)
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ]; then
	"$top/configure" -q --enable-fuzz CC=clang \
	    CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" >/dev/null
fi
make -s -j2 tests/fuzz/fuzz-runbook tests/fuzz/fuzz-manifest tests/fuzz/fuzz-archive

# The corpora grow in the build folder; the seeds come from the source tree.
mkdir -p corpus corpus-manifest corpus-archive artifacts
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

rc=0
for t in $targets; do
	case $t in
	runbook) corpus=corpus dict="-dict=$top/tests/fuzz/runbook.dict" len=16384 ;;
	manifest) corpus=corpus-manifest dict="-dict=$top/tests/fuzz/manifest.dict" len=16384 ;;
	archive) corpus=corpus-archive dict= len=65536 ;;
	esac
	echo "== fuzz-$t for $each s"
	# shellcheck disable=SC2086
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	./tests/fuzz/fuzz-$t -max_total_time="$each" -max_len="$len" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=artifacts/$t- \
	    $dict "$corpus" || rc=1
done
exit $rc
