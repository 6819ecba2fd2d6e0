#!/bin/sh
# bench/offsite.sh: upload and fetch of a backup set to s3rver on loopback, side by side with
# `aws s3 cp` of the same files (when the AWS CLI is installed) and `curl --aws-sigv4 -T`.
# Prints figures; asserts nothing. Run from a build tree:
#   PDR=./patronus-dr srcdir=.. SIZE=1024 sh ../bench/offsite.sh
# SIZE: database size in MiB (default 1024); RUNS (default 3) repeats every transfer, and the
# summary gives min and median of wall and client CPU time (user + system) and ratios of medians.
# PDR_BASE: another patronus-dr binary (say, main's) whose upload is timed in every run too,
# interleaved with the others, for a before/after under the same load.
# Needs tests/s3/node_modules (npm ci --prefix tests/s3) and /usr/bin/time.
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

# timed KEY LABEL CMD...: run CMD, print wall and CPU (user + system) seconds of the client
# (the server's CPU is not counted: it is the same s3rver for every client), keep them.
timed() {
	key=$1 label=$2; shift 2
	/usr/bin/time -f "%e %U %S" -o "$T/time" "$@" >/dev/null 2>"$T/err" || { echo "$label failed:"; cat "$T/err"; }
	read -r wall usr sys <"$T/time"
	cpu=$(echo "$usr $sys" | awk '{ printf "%.2f", $1 + $2 }')
	printf '%-44s %8.2f s %8.2f s %8s MiB/s\n' "$label" "$wall" "$cpu" "$(rate "$bytes" "$wall")"
	echo "$wall $cpu" >>"$T/res.$key"
	echo "$label" >"$T/label.$key"
}

# stat KEY COLUMN: "min median" of a column (1 wall, 2 CPU) over the runs.
stat() {
	cut -d' ' -f"$2" "$T/res.$1" | sort -g | awk '{ v[NR] = $1 } END {
		printf "%s %s", v[1], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The same PUTs and GETs with curl --aws-sigv4, one request per file (no multipart).
cat >"$T/curl-up.sh" <<SH
for f in "$T/orig/$name"*; do
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "\$f" \
		"http://127.0.0.1:$S3_PORT/pdr/curl/\$(basename "\$f")" || exit 1
done
SH
cat >"$T/curl-down.sh" <<SH
for f in "$T/orig/$name"*; do
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
		-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$T/curl.get" \
		"http://127.0.0.1:$S3_PORT/pdr/curl/\$(basename "\$f")" || exit 1
done
SH
have_aws=false
if command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1; then
	have_aws=true
	export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
else
	echo "# no AWS CLI on this machine: compared with curl --aws-sigv4 only"
fi
cp -a "$dir" "$T/orig"

run=1
while [ "$run" -le "${RUNS:-3}" ]; do
	echo
	echo "# run $run of ${RUNS:-3}, load $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-44s %10s %10s %14s\n' "what" "wall" "CPU u+s" "rate"
	# patronus-dr: upload (the queued copy, no new backup), then fetch (download + verify).
	printf 's3 daily %s\n' "$name" >"$T/h/var/lib/patronus/dr/offsite-queue"
	timed up "patronus-dr backup --retry-offsite (upload)" "$PDR" --config "$C" backup --retry-offsite
	rm -rf "$dir"
	timed fetch "patronus-dr fetch (download + verify)" "$PDR" --config "$C" fetch "$name"
	timed verify "  of which verify alone" "$PDR" --config "$C" verify "$dir/$name.db"
	cmp -s "$T/orig/$name.db" "$dir/$name.db" || echo "FAIL: fetched database differs"
	if [ -n "${PDR_BASE:-}" ]; then
		printf 's3 daily %s\n' "$name" >"$T/h/var/lib/patronus/dr/offsite-queue"
		timed bup "PDR_BASE backup --retry-offsite (upload)" "$PDR_BASE" --config "$C" \
			backup --retry-offsite
	fi
	timed cup "curl --aws-sigv4 -T (upload, single PUTs)" sh "$T/curl-up.sh"
	timed cdown "curl --aws-sigv4 (download)" sh "$T/curl-down.sh"
	if $have_aws; then
		rm -rf "$T/awsget"
		timed aup "aws s3 cp --recursive (upload)" aws --endpoint-url \
			"http://127.0.0.1:$S3_PORT" s3 cp --recursive --quiet "$T/orig/" "s3://pdr/aws/"
		timed adown "aws s3 cp --recursive (download)" aws --endpoint-url \
			"http://127.0.0.1:$S3_PORT" s3 cp --recursive --quiet "s3://pdr/aws/" "$T/awsget/"
	fi
	run=$((run + 1))
done

echo
echo "# summary over ${RUNS:-3} runs, load now $(cut -d' ' -f1-3 /proc/loadavg); $($have_aws && aws --version 2>&1 | cut -d' ' -f1)"
printf '%-44s %16s %16s\n' "what" "wall min/median" "CPU min/median"
for k in up bup fetch verify cup cdown aup adown; do
	[ -f "$T/res.$k" ] || continue
	set -- $(stat $k 1) $(stat $k 2)
	printf '%-44s %7.2f %7.2f s %7.2f %7.2f s\n' "$(cat "$T/label.$k")" "$1" "$2" "$3" "$4"
done
if $have_aws; then
	med() { stat "$1" "$2" | cut -d' ' -f2; }
	bu=0 buc=0
	[ -f "$T/res.bup" ] && bu=$(med bup 1) buc=$(med bup 2)
	awk -v u="$(med up 1)" -v au="$(med aup 1)" -v uc="$(med up 2)" -v auc="$(med aup 2)" \
	    -v bu="$bu" -v buc="$buc" \
	    -v f="$(med fetch 1)" -v v="$(med verify 1)" -v ad="$(med adown 1)" \
	    -v fc="$(med fetch 2)" -v vc="$(med verify 2)" -v adc="$(med adown 2)" 'BEGIN {
		printf "\n%-40s %8s %8s   %s\n", "ratio of medians", "wall", "CPU", "goal (wall)"
		printf "%-40s %8.2f %8.2f   <= 1\n", "upload / aws s3 cp", u / au, uc / auc
		if (bu > 0)
			printf "%-40s %8.2f %8.2f\n", "PDR_BASE upload / aws s3 cp", bu / au, buc / auc
		printf "%-40s %8.2f %8.2f   <= 1\n", "fetch less verify / aws s3 cp", (f - v) / ad, (fc - vc) / adc
		printf "%-40s %8.2f %8.2f\n", "fetch with verify / aws s3 cp", f / ad, fc / adc
	}'
fi
