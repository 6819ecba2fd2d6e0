#!/bin/sh
# bench/recover.sh: the datacenter-loss recovery (#21) on a standby laid out elsewhere, side by
# side with the download alone and the plan's way by hand, same set, same store (s3rver, or
# with STORE=sftp a private sshd, on loopback), alternating, RUNS times (default 3): wall and
# client CPU (user + system), min and median, and the ratios of medians. Prints figures;
# asserts nothing. From a build tree:
#   PDR=./patronus-dr srcdir=.. SIZE=512 RUNS=3 sh ../bench/recover.sh
#   PDR=./patronus-dr srcdir=.. SIZE=256 RUNS=3 STORE=sftp sh ../bench/recover.sh
# PHASES=1 first prints one recover's output lines stamped with the seconds since it began.
# STREAM=1: the primary also streams to the store after its set (a snapshot, then a segment of
# STREAM_MB MiB, default 8), so recover restores the database from the stream's newer point;
# each recover's line then also says the bytes it fetched (the sum of its "Fetching ... (N
# bytes)" lines), and the restored database is compared with the primary's (.dump).
#   recover      patronus-dr restore all --from-remote STORE --yes (list, fetch, verify, restore
#                database, config and keys, forensic copies)
#   fetch        patronus-dr fetch --from STORE NAME: list, fetch and verify the set, no restore
#   download     the set's four files and nothing else: S3, curl --aws-sigv4 GETs; SFTP, curl
#                sftp:// (libcurl and libssh2, as patronus-dr) and OpenSSH's sftp -b (the goal:
#                recover <= 1.1 x the download alone by curl); and curl's download followed by
#                sync(1) of the files (durable, as patronus-dr's download is: it fsyncs)
#   by hand      the plan's way: the same download (S3: curl; SFTP: sftp -b), sha256sum -c of
#                the manifest, sqlite3 integrity_check, cp of the database, tar xzf of the
#                config, openssl enc -d | tar xzf of the keys
# Needs curl, sqlite3, openssl, /usr/bin/time; S3: tests/s3/node_modules (npm ci --prefix
# tests/s3); SFTP: /usr/sbin/sshd, ssh-keygen, sftp.
set -u
: "${PDR:=./patronus-dr}"
: "${srcdir:=.}"
SIZE=${SIZE:-512}
RUNS=${RUNS:-3}
STORE=${STORE:-s3}
case $STORE in s3|sftp) ;; *) echo "bench/recover.sh: STORE is s3 or sftp"; exit 64 ;; esac
[ "${STREAM:-0}" = 1 ] && [ "$STORE" != s3 ] && { echo "bench/recover.sh: STREAM=1 counts the stream on s3rver's folder: STORE=s3 only"; exit 64; }
PDR=$(cd "$(dirname "$PDR")" && pwd)/$(basename "$PDR")
srcdir=$(cd "$srcdir" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/pdr-bench.XXXXXX")
S3_PID= SSH_PID= PROXY_PID=
export LC_ALL=C.UTF-8 TZ=UTC
skip() { echo "bench/recover.sh: $*"; exit 77; }
ok() { :; }
fail() { echo "FAIL $*"; }
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
trap 'stop_sshd; stop_s3rver; rm -rf "$T"' EXIT
[ -x /usr/bin/time ] || skip "no /usr/bin/time (Debian package time)"

now() { date +%s.%3N; }

make_host "$T/h"
echo "# making a database of $SIZE MiB"
sqlite3 "$T/h/var/lib/patronus/sdwan.db" "CREATE TABLE filler(b);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $SIZE)
INSERT INTO filler SELECT randomblob(1048576) FROM n;"
if [ "$STORE" = s3 ]; then
	start_s3rver "$T/store" || skip "cannot start s3rver"
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
	unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
	REMOTE="remote:
  s3: {endpoint: \"http://127.0.0.1:$S3_PORT\", bucket: pdr, prefix: \"bench/\", region: us-east-1}"
	SERVER="s3rver on 127.0.0.1:$S3_PORT"
else
	start_sshd "$T/ssh" || skip "cannot start sshd"
	command -v sftp >/dev/null || skip "no sftp (openssh-client)"
	mkdir -p "$T/sftp-root"
	REMOTE="remote:
  sftp: {url: \"sftp://$(id -un)@127.0.0.1:$SSH_PORT$T/sftp-root\", identity: $SSH_KEY, known_hosts: $SSH_KNOWN}"
	SERVER="sshd on 127.0.0.1:$SSH_PORT"
	# curl checks the host key by the SHA-256 of its blob (base64), as known_hosts holds it.
	HOSTSHA=$(cut -d' ' -f2 "$T/ssh/host_key.pub" | base64 -d | openssl dgst -sha256 -binary | base64)
fi
printf '%s\n' "$REMOTE" >>"$T/h/dr.yaml"
"$PDR" --config "$T/h/dr.yaml" backup --type daily >"$T/backup.log" 2>&1 || { echo "backup failed:"; tail -5 "$T/backup.log"; exit 1; }
grep -i "failed\|queued" "$T/backup.log" && { echo "the off-site copy failed"; exit 1; }
name=$(ls "$T/h/backup/patronus/daily" | sed -n 's/\.db$//p')
if [ "${STREAM:-0}" = 1 ]; then
	# A connection held open, as the service holds one: the WAL stays, the second round is a
	# segment of the same generation (no checkpoint meanwhile: the service's stream would
	# have captured the frames before one).
	"${WRITER:-$(dirname "$PDR")/tests/stream-writer}" "$T/h/var/lib/patronus/sdwan.db" 600 -1 0 &
	HP=$!
	sleep 1
	sqlite3 "$T/h/var/lib/patronus/sdwan.db" "INSERT INTO filler VALUES (randomblob(100))"
	"$PDR" --config "$T/h/dr.yaml" stream --once >>"$T/stream.log" 2>&1 || { echo "stream failed"; exit 1; }
	sqlite3 "$T/h/var/lib/patronus/sdwan.db" "PRAGMA wal_autocheckpoint = 0; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL
	    SELECT i + 1 FROM n WHERE i < ${STREAM_MB:-8}) INSERT INTO filler SELECT randomblob(1048576) FROM n;" \
	    >/dev/null
	"$PDR" --config "$T/h/dr.yaml" stream --once >>"$T/stream.log" 2>&1 || { echo "stream failed"; exit 1; }
	kill "$HP"; wait "$HP" 2>/dev/null
	[ -n "${DEBUG:-}" ] && cat "$T/stream.log" "$T/h/backup/patronus/stream/status"
	sqlite3 "$T/h/var/lib/patronus/sdwan.db" .dump >"$T/primary.dump"
	echo "# the stream: $(ls -d "$T/store/pdr/bench/stream"/*/ | wc -l) generations," \
	    "$(find "$T/store/pdr/bench/stream" -name '*.seg._S3rver_object' | wc -l) segments," \
	    "$(cat "$T/store/pdr/bench/stream"/*/*._S3rver_object | wc -c) bytes"
fi
bytes=$(cat "$T/h/backup/patronus/daily/$name"* | wc -c)
KEY=$T/key
cp "$T/h/etc/patronus/backup-encryption-key" "$KEY"
chmod 600 "$KEY"
echo "# set $name: $bytes bytes in 4 files; $SERVER; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"

# The standby: other paths than the primary's, only dr.yaml and the key.
S=$T/s
standby() {
	rm -rf "$S" "$T/hand"
	mkdir -p "$S/state" "$T/hand"
	cp "$KEY" "$S/key"
	chmod 600 "$S/key"
	{ printf 'database: %s/db/sdwan.db\nconfig_dir: %s/conf\nwireguard_dir: %s/wg\n' "$S" "$S" "$S"
	  printf 'backup_dir: %s/backups\nencryption_key: %s/key\nstate_dir: %s/state\n' "$S" "$S" "$S"
	  printf 'log_file: %s/backup.log\n%s\n' "$S" "$REMOTE"; } >"$S/dr.yaml"
}

if [ "$STORE" = s3 ]; then
	cat >"$T/download.sh" <<SH
set -e
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \\
	    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$T/hand/$name\$suf" \\
	    "http://127.0.0.1:$S3_PORT/pdr/bench/daily/$name\$suf"
done
SH
	cp "$T/download.sh" "$T/fetch-hand.sh"
else
	cat >"$T/download.sh" <<SH
set -e
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	curl -sS -f --key "$SSH_KEY" --hostpubsha256 "$HOSTSHA" -o "$T/hand/$name\$suf" \\
	    "sftp://$(id -un)@127.0.0.1:$SSH_PORT$T/sftp-root/daily/$name\$suf"
done
SH
	printf 'get %s/sftp-root/daily/%s* %s/hand/\n' "$T" "$name" "$T" >"$T/sftp.batch"
	cat >"$T/fetch-hand.sh" <<SH
set -e
sftp -q -b "$T/sftp.batch" -i "$SSH_KEY" -P "$SSH_PORT" -o UserKnownHostsFile="$SSH_KNOWN" \\
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes "$(id -un)@127.0.0.1" >/dev/null
SH
fi
cat >"$T/hand.sh" <<SH
set -e
sh "$T/fetch-hand.sh"
cd "$T/hand"
grep -E '^[0-9a-f]{64}  ' "$name-manifest.txt" | sed 's|  .*/|  |' | sha256sum -c --quiet
[ "\$(sqlite3 "$name.db" 'PRAGMA integrity_check')" = ok ]
mkdir -p "$S/db" "$T/hand/root"
cp "$name.db" "$S/db/sdwan.db"
tar -C "$T/hand/root" -xzf "$name-config.tar.gz"
openssl enc -d -aes-256-cbc -salt -pbkdf2 -pass file:"$KEY" -in "$name-wireguard.tar.gz.enc" |
    tar -C "$T/hand/root" -xzf -
SH

# timed KEY LABEL CMD...: run CMD, print and keep wall and client CPU (user + system).
timed() {
	key=$1 label=$2; shift 2
	/usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@" >"$T/out" 2>"$T/err" ||
		{ echo "$label failed:"; tail -5 "$T/err"; }
	read -r wall usr sys rss <"$T/time"
	cpu=$(echo "$usr $sys" | awk '{ printf "%.2f", $1 + $2 }')
	printf '%-44s %8.2f s %8.2f s %8d KiB\n' "$label" "$wall" "$cpu" "$rss"
	echo "$wall $cpu" >>"$T/res.$key"
	echo "$label" >"$T/label.$key"
}

# stat KEY COLUMN: "min median" of a column (1 wall, 2 CPU) over the runs.
stat() {
	cut -d' ' -f"$2" "$T/res.$1" | sort -g | awk '{ v[NR] = $1 } END {
		printf "%s %s", v[1], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# PHASES=1: one more recover, each line of its output (stdout and the log on stderr) stamped
# with the seconds since it began, to see where the time goes.
if [ "${PHASES:-0}" = 1 ]; then
	echo "# where the time goes: one recover, each output line stamped with seconds since start"
	standby
	"$PDR" --config "$S/dr.yaml" restore all --from-remote "$STORE" --yes 2>&1 |
	    perl -MTime::HiRes=time -ne 'BEGIN { $t0 = time } printf "%7.3f %s", time - $t0, $_'
fi

run=1
while [ "$run" -le "$RUNS" ]; do
	echo
	echo "# run $run of $RUNS, load $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-44s %10s %10s %12s\n' "what" "wall" "CPU u+s" "peak RSS"
	standby
	timed recover "restore all --from-remote $STORE --yes" "$PDR" --config "$S/dr.yaml" \
	    restore all --from-remote "$STORE" --yes
	if [ "${STREAM:-0}" = 1 ]; then
		echo "  fetched: $(cat "$T/out" "$T/err" | sed -n 's/.*Fetching .* (\([0-9]*\) bytes)$/\1/p' |
		    awk '{ s += $1 } END { printf "%.0f bytes in %d files", s, NR }')"
		sqlite3 "$S/db/sdwan.db" .dump | cmp -s - "$T/primary.dump" ||
			echo "FAIL: the restored database is not the primary's last state"
	else
		cmp -s "$T/h/backup/patronus/daily/$name.db" "$S/db/sdwan.db" ||
			echo "FAIL: the restored database is not the set's"
	fi
	standby
	timed fetch "fetch --from $STORE NAME (list, fetch, verify)" "$PDR" --config "$S/dr.yaml" \
	    fetch --from "$STORE" "$name"
	standby
	if [ "$STORE" = s3 ]; then
		timed download "download alone (curl, 4 GETs)" sh "$T/download.sh"
	else
		timed download "download alone (curl sftp://, 4 files)" sh "$T/download.sh"
		cmp -s "$T/h/backup/patronus/daily/$name.db" "$T/hand/$name.db" || echo "FAIL: curl's download differs"
		standby
		timed sftpb "download alone (OpenSSH sftp -b)" sh "$T/fetch-hand.sh"
	fi
	standby
	timed durable "download (curl), then sync(1) of the files" sh -c "sh '$T/download.sh' && sync '$T'/hand/*"
	standby
	timed hand "the plan's way by hand" sh "$T/hand.sh"
	run=$((run + 1))
done

echo
echo "# summary over $RUNS runs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %16s %16s\n' "what" "wall min/median" "CPU min/median"
for k in recover fetch download durable sftpb hand; do
	[ -f "$T/res.$k" ] || continue
	set -- $(stat $k 1) $(stat $k 2)
	printf '%-44s %7.2f %7.2f s %7.2f %7.2f s\n' "$(cat "$T/label.$k")" "$1" "$2" "$3" "$4"
done
med() { stat "$1" "$2" | cut -d' ' -f2; }
awk -v r="$(med recover 1)" -v d="$(med download 1)" -v h="$(med hand 1)" \
    -v rc="$(med recover 2)" -v dc="$(med download 2)" -v hc="$(med hand 2)" \
    -v f="$(med fetch 1)" -v fc="$(med fetch 2)" 'BEGIN {
	printf "\n%-40s %8s %8s   %s\n", "ratio of medians", "wall", "CPU", "goal (wall)"
	printf "%-40s %8.2f %8.2f   <= 1.1\n", "recover / download alone", r / d, (dc > 0 ? rc / dc : 0)
	printf "%-40s %8.2f %8.2f\n", "fetch / download alone", f / d, (dc > 0 ? fc / dc : 0)
	printf "%-40s %8.2f %8.2f\n", "recover / by hand", r / h, (hc > 0 ? rc / hc : 0)
}'
if [ -f "$T/res.durable" ]; then
	awk -v r="$(med recover 1)" -v s="$(med durable 1)" -v rc="$(med recover 2)" \
	    -v sc="$(med durable 2)" 'BEGIN {
		printf "%-40s %8.2f %8.2f\n", "recover / download then sync", r / s, (sc > 0 ? rc / sc : 0)
	}'
fi
if [ -f "$T/res.sftpb" ]; then
	awk -v r="$(med recover 1)" -v s="$(med sftpb 1)" -v rc="$(med recover 2)" \
	    -v sc="$(med sftpb 2)" 'BEGIN {
		printf "%-40s %8.2f %8.2f\n", "recover / OpenSSH sftp -b", r / s, (sc > 0 ? rc / sc : 0)
	}'
fi
