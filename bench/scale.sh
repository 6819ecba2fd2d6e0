#!/bin/sh
# bench/scale.sh: time and peak RSS of backup, verify, stream --once (the first snapshot, then
# an incremental segment of a quarter of the database), fetch, restore all --from-remote and a
# restore from the stream (restore db --at now) at several database sizes (default 1 and
# 4 GiB), per command and per GiB, to see that memory stays flat and time grows no faster
# than the data (#21). s3rver on loopback is the store. Prints figures; asserts nothing.
# From a build tree:
#   PDR=./patronus-dr srcdir=.. SIZES="1024 4096" sh ../bench/scale.sh
# SIZES in MiB. Needs tests/s3/node_modules (npm ci --prefix tests/s3) and /usr/bin/time;
# room for about four times the largest size under TMPDIR (or BENCH_DIR).
set -u
: "${PDR:=./patronus-dr}"
: "${srcdir:=.}"
SIZES=${SIZES:-"1024 4096"}
PDR=$(cd "$(dirname "$PDR")" && pwd)/$(basename "$PDR")
srcdir=$(cd "$srcdir" && pwd)
T=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pdr-bench.XXXXXX")
S3_PID= SSH_PID= PROXY_PID=
export LC_ALL=C.UTF-8 TZ=UTC
skip() { echo "bench/scale.sh: $*"; exit 77; }
ok() { :; }
fail() { echo "FAIL $*"; }
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
trap 'stop_s3rver; rm -rf "$T"' EXIT
[ -x /usr/bin/time ] || skip "no /usr/bin/time (Debian package time)"
start_s3rver "$T/store" || skip "cannot start s3rver"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3

# timed SIZE LABEL CMD...: run CMD, print wall, CPU, peak RSS, bytes it wrote to disk (the
# kernel's count of blocks written), and seconds per GiB.
timed() {
	mib=$1 label=$2; shift 2
	/usr/bin/time -f "%e %U %S %M %O" -o "$T/time" "$@" >"$T/out" 2>"$T/err" ||
		{ echo "$label failed:"; tail -5 "$T/err"; }
	read -r wall usr sys rss outb <"$T/time"
	awk -v l="$label" -v w="$wall" -v u="$usr" -v s="$sys" -v r="$rss" -v o="$outb" \
	    -v m="$mib" 'BEGIN {
		printf "%-36s %6d MiB %8.2f s %8.2f s %8.1f MiB %8.0f MiB %8.2f s/GiB\n", l, m, w,
		    u + s, r / 1024, o * 512 / 1048576, w * 1024 / m }'
}

printf '%-36s %10s %10s %10s %12s %12s %12s\n' "command" "database" "wall" "CPU u+s" "peak RSS" \
    "written" "wall/GiB"
for mib in $SIZES; do
	rm -rf "$T/h" "$T/s"
	make_host "$T/h"
	C="$T/h/dr.yaml"
	DB="$T/h/var/lib/patronus/sdwan.db"
	sqlite3 "$DB" "CREATE TABLE filler(b);
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $mib)
	INSERT INTO filler SELECT randomblob(1048576) FROM n;"
	# A service holds the WAL open: no checkpoint on close from here on, so that the
	# stream's second round continues its generation with one segment.
	nockpt=".dbconfig no_ckpt_on_close on"
	sqlite3 "$DB" "$nockpt" "PRAGMA wal_autocheckpoint=0; INSERT INTO sites(name) VALUES ('bench');" \
	    >/dev/null
	printf 'remote:\n  s3: {endpoint: "http://127.0.0.1:%s", bucket: pdr, prefix: "scale-%s/", region: us-east-1}\n' \
	    "$S3_PORT" "$mib" >>"$C"
	timed "$mib" "backup (with the S3 copy)" "$PDR" --config "$C" backup --type daily
	name=$(ls "$T/h/backup/patronus/daily" | sed -n 's/\.db$//p')
	timed "$mib" "verify" "$PDR" --config "$C" verify "$T/h/backup/patronus/daily/$name.db"
	timed "$mib" "stream --once (snapshot, S3 copy)" "$PDR" --config "$C" stream --once
	seg=$((mib / 4))
	sqlite3 "$DB" "$nockpt" "PRAGMA wal_autocheckpoint=0;
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $seg)
	INSERT INTO filler SELECT randomblob(1048576) FROM n;" >/dev/null
	timed "$mib" "stream --once ($seg MiB segment, S3)" "$PDR" --config "$C" stream --once
	gen=$(ls "$T/h/backup/patronus/stream" | grep -E '^[0-9]{8}-' | tail -1)
	[ -f "$T/h/backup/patronus/stream/$gen/00000001.seg" ] ||
		echo "(the second round did not continue the generation: no segment)"
	# The standby: other paths, dr.yaml and the key only.
	mkdir -p "$T/s/state"
	cp "$T/h/etc/patronus/backup-encryption-key" "$T/s/key"
	chmod 600 "$T/s/key"
	{ printf 'database: %s/s/db/sdwan.db\nconfig_dir: %s/s/conf\nwireguard_dir: %s/s/wg\n' "$T" "$T" "$T"
	  printf 'backup_dir: %s/s/backups\nencryption_key: %s/s/key\nstate_dir: %s/s/state\n' "$T" "$T" "$T"
	  sed -n '/^remote:/,$p' "$C"; } >"$T/s/dr.yaml"
	timed "$mib" "fetch --latest (download, verify)" "$PDR" --config "$T/s/dr.yaml" fetch --latest
	rm -rf "$T/s/backups"
	timed "$mib" "restore all --from-remote" "$PDR" --config "$T/s/dr.yaml" restore all --from-remote s3 --yes
	timed "$mib" "restore db --at now (the stream)" "$PDR" --config "$C" restore db --at now --yes
	sqlite3 "$DB" "PRAGMA quick_check; SELECT count(*) FROM filler" | tr '\n' ' ' |
		sed 's/^/# restored from the stream: quick_check, rows: /; s/ $/\n/'
	rm -f "$DB".corrupted.*
done
echo "# $(nproc) CPUs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
