#!/bin/sh
# run.sh SECONDS: build the libFuzzer target of the runbook loader in its own
# build folder (clang, ASan, UBSan) and fuzz it for SECONDS, seeded with the
# shipped and the broken runbooks. Exits non-zero when the fuzzer finds a crash.
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
make -s -j2 tests/fuzz/fuzz-runbook

# The corpus grows in the build folder; the seeds come from the source tree.
mkdir -p corpus artifacts
cp "$top"/runbooks/*.yaml "$top"/tests/data/runbooks-bad/*.yaml corpus/
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
./tests/fuzz/fuzz-runbook -max_total_time="$secs" -max_len=16384 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=artifacts/ \
    -dict="$top/tests/fuzz/runbook.dict" corpus
