#!/bin/sh
# bench/offsite.sh: upload and fetch of a backup set to s3rver on loopback, side by side with
# `aws s3 cp` of the same files (when the AWS CLI is installed) and `curl --aws-sigv4 -T`.
# Prints figures; asserts nothing. Run from a build tree:
#   PDR=./patronus-dr srcdir=.. SIZE=1024 sh ../bench/offsite.sh
# SIZE: database size in MiB (default 1024). Needs tests/s3/node_modules (npm ci --prefix tests/s3).
set -u
: "${PDR:=./patronus-dr}"
: "${srcdir:=.}"
SIZE=${SIZE:-1024}
PDR=$(cd "$(dirname "$PDR")" && pwd)/$(basename "$PDR")
srcdir=$(cd "$srcdir" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/pdr-bench.XXXXXX")
S3_PID=
trap '[ -n "$S3_PID" ] && kill "$S3_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 TZ=UTC
skip() { echo "bench/offsite.sh: $*"; exit 77; }
passes=0 fails=0
ok() { :; }
fail() { echo "FAIL $*"; }
. "$srcdir/tests/cli/backup-fixture.sh"
# Reuse the test helpers for the server (their trap is replaced below).
. "$srcdir/tests/cli/offsite-lib.sh"
trap 'stop_s3rver; rm -rf "$T"' EXIT

# now: seconds since the epoch with milliseconds.
now() { date +%s.%3N; }
# secs START END: elapsed seconds.
secs() { echo "$1 $2" | awk '{ printf "%.2f", $2 - $1 }'; }
# rate BYTES SECONDS: MiB/s.
rate() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.1f", $1 / 1048576 / $2; else print "inf" }'; }

make_host "$T/h"
echo "# making a database of $SIZE MiB"
sqlite3 "$T/h/var/lib/patronus/sdwan.db" "CREATE TABLE filler(b);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $SIZE)
INSERT INTO filler SELECT randomblob(1048576) FROM n;"
start_s3rver "$T/store" || skip "cannot start s3rver"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1
C="$T/h/dr.yaml"
cat >>"$C" <<YAML
remote:
  s3: {endpoint: "http://127.0.0.1:$S3_PORT", bucket: pdr, prefix: "bench/"}
YAML
"$PDR" --config "$C" backup --type daily --no-offsite >/dev/null || { echo "backup failed"; exit 1; }
set -- "$T"/h/backup/patronus/daily/patronus-daily-*.db
name=$(basename "$1" .db)
dir=$T/h/backup/patronus/daily
bytes=$(cat "$dir/$name"* | wc -c)
echo "# set $name: $bytes bytes in 4 files; s3rver on 127.0.0.1:$S3_PORT; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"

# patronus-dr: upload (the queued copy, no new backup), then fetch (download + verify).
printf 's3 daily %s\n' "$name" >"$T/h/var/lib/patronus/dr/offsite-queue"
t0=$(now); "$PDR" --config "$C" backup --retry-offsite >/dev/null 2>"$T/err" || cat "$T/err"; t1=$(now)
up=$(secs "$t0" "$t1")
mv "$dir" "$T/orig"
t0=$(now); "$PDR" --config "$C" fetch "$name" >/dev/null 2>"$T/err" || cat "$T/err"; t1=$(now)
fe=$(secs "$t0" "$t1")
t0=$(now); "$PDR" --config "$C" verify "$dir/$name.db" >/dev/null; t1=$(now)
ve=$(secs "$t0" "$t1")
cmp -s "$T/orig/$name.db" "$dir/$name.db" || echo "FAIL: fetched database differs"
printf '%-44s %8ss %8s MiB/s\n' "patronus-dr backup --retry-offsite (upload)" "$up" "$(rate "$bytes" "$up")"
printf '%-44s %8ss %8s MiB/s\n' "patronus-dr fetch (download + verify)" "$fe" "$(rate "$bytes" "$fe")"
printf '%-44s %8ss\n' "  of which verify alone" "$ve"

# curl --aws-sigv4 -T, one PUT per file (no multipart), then GET.
t0=$(now)
for f in "$T/orig/$name"*; do
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$f" \
		"http://127.0.0.1:$S3_PORT/pdr/curl/$(basename "$f")" >/dev/null || echo "curl PUT failed"
done
t1=$(now); cu=$(secs "$t0" "$t1")
t0=$(now)
for f in "$T/orig/$name"*; do
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$T/curl.get" \
		"http://127.0.0.1:$S3_PORT/pdr/curl/$(basename "$f")" || echo "curl GET failed"
done
t1=$(now); cd_=$(secs "$t0" "$t1")
printf '%-44s %8ss %8s MiB/s\n' "curl --aws-sigv4 -T (upload)" "$cu" "$(rate "$bytes" "$cu")"
printf '%-44s %8ss %8s MiB/s\n' "curl --aws-sigv4 (download)" "$cd_" "$(rate "$bytes" "$cd_")"

# aws s3 cp, when the AWS CLI is here.
if command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1; then
	export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	t0=$(now)
	aws --endpoint-url "http://127.0.0.1:$S3_PORT" s3 cp --recursive --quiet "$T/orig/" "s3://pdr/aws/" ||
		echo "aws s3 cp upload failed"
	t1=$(now); au=$(secs "$t0" "$t1")
	t0=$(now)
	aws --endpoint-url "http://127.0.0.1:$S3_PORT" s3 cp --recursive --quiet "s3://pdr/aws/" "$T/awsget/" ||
		echo "aws s3 cp download failed"
	t1=$(now); ad=$(secs "$t0" "$t1")
	printf '%-44s %8ss %8s MiB/s\n' "aws s3 cp --recursive (upload)  [$(aws --version 2>&1 | cut -d' ' -f1)]" "$au" "$(rate "$bytes" "$au")"
	printf '%-44s %8ss %8s MiB/s\n' "aws s3 cp --recursive (download)" "$ad" "$(rate "$bytes" "$ad")"
else
	echo "# no AWS CLI on this machine: compared with curl --aws-sigv4 only"
fi
