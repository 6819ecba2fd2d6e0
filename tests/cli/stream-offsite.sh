#!/bin/sh
# stream-offsite.sh: the stream copied off-site to SFTP (a private sshd) and S3 (s3rver behind
# the SigV4 checker, tests/s3/sigv4.py), both on loopback. While the test writer commits: the stores' objects,
# read back by independent clients (sftp; s3rver's files on disk), are byte-identical to the
# local files; both servers stopped: capture goes on, the status names the failing stores;
# restarted: the backlog goes up, nothing missing and nothing sent twice but the file in
# flight (sshd's sftp log, the proxy's PUTs); kill -9 of the stream while uploads are throttled,
# then a restart: no gap on either store. Datacenter loss: backup_dir removed, fetch --stream
# from each store, restore db --at T equals row for row the writer's state at T. A tampered
# segment on the store is named and the restore stops before it. Retention removes an old
# generation from both stores, never the newest. stream --once with a store down exits 75 naming it.
. "$srcdir/tests/cli/lib.sh"
# rpo lines read whole (tables.sh checks them at 80 columns)
COLUMNS=1000
export COLUMNS
. "$srcdir/tests/cli/pitr-lib.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 is not installed"
command -v python3 >/dev/null || skip "no python3"
command -v sftp >/dev/null || skip "no sftp client"

SP= WTP=
trap 'for p in $SP $WTP; do kill -9 "$p" 2>/dev/null; done; offsite_cleanup' EXIT

start_sshd "$T/ssh" || skip "cannot start sshd"
# The sftp server logs each file it opens (to sftp.log), to count uploads.
stop_sshd
[ -x /usr/lib/openssh/sftp-server ] || skip "no /usr/lib/openssh/sftp-server"
sed -i "s|^Subsystem sftp internal-sftp\$|Subsystem sftp /usr/lib/openssh/sftp-server -e -l INFO 2>>$SSH_DIR/sftp.log|" \
    "$SSH_DIR/sshd_config"
# restart_sshd: the same server again (same port, keys, files).
restart_sshd() {
	/usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config" 2>>"$SSH_DIR/sshd.log" &
	SSH_PID=$!
	wait_port "$SSH_PORT"
}
restart_sshd || skip "cannot restart sshd"
start_s3rver "$T/store" || skip "cannot start s3rver"
S3P=$S3_PORT
# Every S3 request goes through the SigV4 checker (botocore), which refuses as S3 does.
start_checker "$T/requests.log" || { fail "checker did not start"; finish; exit 1; }
PP=$CHECK_PORT
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER PATRONUS_DR_REMOTE_TIMEOUT=5
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_PROFILE PDR_TEST_MAX_SEND

R="$T/sftp-root"
mkdir -p "$R/live" "$T/r"
DB="$T/live/sdwan.db"
SB="$T/backup"
OBJ="$T/store/pdr/site-b/stream"
# remote_yaml PORT: both stores, S3 at PORT (the checker in front of s3rver).
remote_yaml() {
	cat <<YAML
remote:
  sftp: {url: "sftp://$(id -un)@127.0.0.1:$SSH_PORT$R", identity: $SSH_KEY, known_hosts: $SSH_KNOWN}
  s3: {endpoint: "http://127.0.0.1:$1", bucket: pdr, prefix: "site-b/", region: us-east-1}
YAML
}
mkdir -p "$T/live"
{ printf 'database: %s\nbackup_dir: %s\nstate_dir: %s/state\n' "$DB" "$SB" "$T"; remote_yaml "$PP"; } >"$T/live.yaml"
{ printf 'database: %s/r/x.db\nbackup_dir: %s\nstate_dir: %s/state2\nencryption_key: %s/no-key\n' \
    "$T" "$SB" "$T" "$T"; remote_yaml "$PP"; } >"$T/dr.yaml"
LC="$T/live.yaml"
CF="$T/dr.yaml"

status_key() { sed -n "s/^$1 //p" "$SB/stream/status" 2>/dev/null; }
gens() { ls "$1" 2>/dev/null | grep -E '^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$'; }

# caught_up DESC: wait (at most 30 s) until both stores hold the stream's newest segment.
caught_up() {
	i=0
	while [ $i -lt 300 ]; do
		g=$(status_key generation) q=$(status_key sequence)
		if [ -n "$q" ] && [ "$(status_key offsite_sftp_sequence)" = "$q" ] &&
		    [ "$(status_key offsite_s3_sequence)" = "$q" ] &&
		    [ "$(status_key offsite_sftp_generation)" = "$g" ] &&
		    [ "$(status_key offsite_s3_generation)" = "$g" ]; then
			ok "$1 (generation $g, segment $q)"; return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: $(grep -E '^(generation|sequence|offsite)' "$SB/stream/status" | tr '\n' ' ')"
}

# start_stream: the stream in the background ($SP), until its status names it.
start_stream() {
	"$PDR" --config "$LC" -v stream >>"$T/stream.log" 2>&1 &
	SP=$!
	i=0
	while [ "$(status_key pid)" != "$SP" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ "$(status_key pid)" = "$SP" ] || { fail "the stream did not start"; cat "$T/stream.log"; }
}

# same_copies DESC: every local stream file is on both stores byte for byte (sftp read back
# with the sftp client; S3 from s3rver's files), and each store's chain has no gap.
same_copies() {
	rm -rf "$T/back"
	mkdir -p "$T/back"
	printf 'lcd %s\nget -r %s/stream\n' "$T/back" "$R" >"$T/batch"
	sftp_batch "$T/batch" >"$T/sftp.out" 2>&1 || { fail "$1: sftp get -r: $(cat "$T/sftp.out")"; return; }
	(cd "$SB/stream" && sha256sum -- */snapshot.db */snapshot.sha256 */*.seg) >"$T/sum.local"
	(cd "$T/back/stream" && sha256sum -- */snapshot.db */snapshot.sha256 */*.seg) >"$T/sum.sftp" 2>/dev/null
	(cd "$OBJ" && sha256sum -- */snapshot.db._S3rver_object */snapshot.sha256._S3rver_object \
	    */*.seg._S3rver_object) 2>/dev/null | sed 's/\._S3rver_object$//' >"$T/sum.s3"
	n=$(wc -l <"$T/sum.local")
	for st in local sftp s3; do sort -o "$T/sum.$st" "$T/sum.$st"; done
	for st in sftp s3; do
		# The store may hold more (a generation the stream's retention removed here): not less.
		miss=$(comm -23 "$T/sum.local" "$T/sum.$st" | head -3)
		[ "$n" -gt 2 ] && [ -z "$miss" ] && ok "$1: $st holds all $n local files, byte for byte" ||
			fail "$1: $st lacks or differs: $miss"
	done
}

# --- 1. both stores, a writer committing, the stream running ------------------------------
"$WRITER" write "$DB" 0 "$T/log0" || { fail "the writer creates the database"; finish; exit 1; }
start_stream
"$WRITER" write "$DB" 700 "$T/log" >"$T/writer.err" 2>&1 &
WTP=$!
sleep 1
[ "$(status_key offsite_sftp_error)" = "-" ] && [ "$(status_key offsite_s3_error)" = "-" ] &&
	ok "no store error while both run" || fail "store errors: $(grep offsite_ "$SB/stream/status")"

# --- 2. both servers stopped mid-stream --------------------------------------------------
stop_sshd
kill "$S3_PID"; wait "$S3_PID" 2>/dev/null
down_seq=$(status_key sequence)
i=0
while { [ "$(status_key offsite_sftp_error)" = "-" ] || [ "$(status_key offsite_s3_error)" = "-" ] ||
    [ "$(status_key sequence)" -lt $((down_seq + 5)) ]; } && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(status_key sequence)" -ge $((down_seq + 5)) ] &&
	ok "capture goes on with both stores down (segment $down_seq -> $(status_key sequence))" ||
	fail "capture stalled: $down_seq -> $(status_key sequence)"
e1=$(status_key offsite_sftp_error) e2=$(status_key offsite_s3_error)
[ "$e1" != "-" ] && [ -n "$e1" ] && ok "status names the failing sftp store: $e1" || fail "no sftp error in status"
[ "$e2" != "-" ] && [ -n "$e2" ] && ok "status names the failing s3 store: $e2" || fail "no s3 error in status"
c1=$(status_key caught_up_ms)
i=0
while [ "$(status_key caught_up_ms)" -le "$c1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(status_key caught_up_ms)" -gt "$c1" ] &&
	ok "the stream keeps catching up with the stores down (lag $(status_key lag_ms) ms)" ||
	fail "caught_up_ms stands still at $c1"
run "$PDR" --config "$LC" rpo
expect_match "$T/out" "^off-site sftp: (up to .* \\(.* behind the stream\\)|nothing copied yet)$" "rpo: the sftp copy's point"
expect_match "$T/out" "^off-site s3: FAILING: " "rpo: the failing s3 store"
n=$(grep -c "off-site copy to sftp is failing" "$T/stream.log")
[ "$n" -eq 1 ] && ok "the sftp failure is logged once, not once per segment" || fail "logged $n times"
restart_sshd || fail "sshd restarted"
node "$srcdir/tests/s3/node_modules/s3rver/bin/s3rver.js" --silent --address 127.0.0.1 --port "$S3P" \
	--directory "$T/store" --configure-bucket pdr >>"$T/store.log" 2>&1 &
S3_PID=$!
wait_port "$S3P" || fail "s3rver restarted"
wait "$WTP"; WTP=
caught_up "the backlog went up to both stores after the restart"
[ "$(status_key offsite_sftp_error)" = "-" ] && [ "$(status_key offsite_s3_error)" = "-" ] &&
	ok "the errors are cleared" || fail "errors remain: $(grep _error "$SB/stream/status")"
grep -q "off-site copy to s3 works again" "$T/stream.log" && ok "the recovery is logged" || fail "no recovery line"
same_copies "after the outage"
# Each file went up once, but for the file in flight when a store failed (the servers' stop, or
# a transient failure), tried again on each retry: never the backlog again (sftp-server's log
# of opens, the proxy's PUTs, which it records even while s3rver is down).
for st in sftp s3; do
	if [ $st = sftp ]; then
		grep -o 'open "[^"]*/stream/[^"]*\.part" flags WRITE' "$SSH_DIR/sftp.log" | sed 's/^open "//; s/\.part".*//'
	else
		grep '"method": "PUT"' "$T/requests.log" | grep -o '/stream/[^"?]*'
	fi | sort | uniq -c >"$T/ups.$st"
	nup=$(awk '{ s += $1 } END { print s + 0 }' "$T/ups.$st")
	nf=$(wc -l <"$T/ups.$st")
	ndup=$(awk '$1 > 1' "$T/ups.$st" | wc -l)
	if [ "$nf" -gt 10 ] && [ "$ndup" -le 2 ]; then
		ok "$st: $nup uploads of $nf files ($ndup sent again: in flight at a failure)"
	else
		fail "$st: $nup uploads of $nf files; sent more than once: $(awk '$1 > 1' "$T/ups.$st" | head -5)"
	fi
done
g=$(status_key generation)
[ "$(cat "$SB/stream/$g/.offsite-sftp")" = "$(status_key sequence)" ] &&
	ok "the sftp progress file holds the newest segment" || fail "progress: $(cat "$SB/stream/$g/.offsite-sftp")"

# --- 3. kill -9 of the stream while uploads are throttled, then a restart -------------------
kill -TERM "$SP"; wait "$SP"; rc=$?; SP=
expect_rc 0 "the stream stops on SIGTERM with both stores up"
export PDR_TEST_MAX_SEND=20000
start_stream
unset PDR_TEST_MAX_SEND
sqlite3 "$DB" "CREATE TABLE IF NOT EXISTS pad(b); INSERT INTO pad VALUES (randomblob(30000));" &&
sqlite3 "$DB" "INSERT INTO pad VALUES (randomblob(30000)); INSERT INTO pad VALUES (randomblob(30000));"
sleep 1
for k in 1 2 3; do sqlite3 "$DB" "INSERT INTO pad VALUES (randomblob(20000));"; sleep 0.2; done
q=$(status_key sequence) s=$(status_key offsite_sftp_sequence)
kill -9 "$SP"; wait "$SP" 2>/dev/null; SP=
[ "$s" -lt "$q" ] 2>/dev/null && ok "killed -9 with uploads behind (sftp $s of $q)" ||
	ok "killed -9 (sftp $s of $q)"
start_stream
caught_up "after kill -9 and a restart, both stores caught up"
same_copies "after kill -9: no gap"
kill -TERM "$SP"; wait "$SP"; rc=$?; SP=
expect_rc 0 "the stream stops on SIGTERM after the restart"
"$PDR" --config "$LC" stream --once >>"$T/stream.log" 2>&1 && ok "stream --once with both stores" || fail "stream --once"
caught_up "after --once"
for f in "$SB"/stream/*/*.seg; do echo "${f##*/} $(seg_time "$f")"; done | sort -n -k2 >"$T/segs"

# --- 4. datacenter loss: everything local is gone ------------------------------------------
cp -a "$SB" "$T/backup.orig"
newest=$(gens "$SB/stream" | tail -1)
last_ms=$(awk 'END { print $2 }' "$T/segs")
pts=$(awk 'NR % 9 == 3 { print $2 }' "$T/segs" | head -4)
for from in s3 sftp; do
	rm -rf "$SB"
	run "$PDR" --config "$CF" fetch --stream --from $from
	expect_rc 0 "fetch --stream --from $from"
	expect_match "$T/out" "^restorable: from .* to " "fetch --from $from prints the restorable window"
	n=$(ls "$SB/stream/$newest"/*.seg | wc -l)
	[ "$n" -eq "$(ls "$T/backup.orig/stream/$newest"/*.seg | wc -l)" ] &&
		ok "$from: all $n segments of the newest generation fetched" || fail "$from: $n segments"
	run "$PDR" --config "$CF" fetch --stream --from $from
	expect_match "$T/out" "^Fetched 0 files .* \\([0-9]+ already there\\)$" "$from: a second fetch skips what is there"
	for t in $pts $last_ms; do
		run "$PDR" --config "$CF" restore db --at "$(ms_arg "$t")" --yes
		expect_rc 0 "$from: restore db --at $(ms_arg "$t")"
		k=$(restored_k "$T/r/x.db")
		start=$(awk -v k="$k" '$1 == k { print $2 }' "$T/log")
		nxt=$(awk -v k="$((k + 1))" '$1 == k { print $3 }' "$T/log")
		if [ -n "$start" ] && [ "$start" -le "$t" ] && { [ -z "$nxt" ] || [ "$nxt" -gt "$((t - 1000))" ]; }; then
			same_state "$from: at $(ms_arg "$t") row for row the writer's state after commit $k" "$T/r/x.db" "$k"
		else
			fail "$from: at $t: commit $k (begun $start, next ended $nxt)"
		fi
	done
	same "$from: the newest point holds all 700 commits" "$(restored_k "$T/r/x.db")" 700
done

# --- 5. a tampered segment on the store ---------------------------------------------------
segs=$(ls "$R/stream/$newest" | grep -c '\.seg$')
m=$(( (segs + 1) / 2 ))
mf="$R/stream/$newest/$(printf %08d $m).seg"
printf 'X' | dd of="$mf" bs=1 seek=200 conv=notrunc 2>/dev/null
rm -rf "$SB"
run "$PDR" --config "$CF" fetch --stream --from sftp
expect_rc 1 "fetch of a tampered stream exits 1"
expect_match "$T/out" "^generation $newest: the chain stops at .*/$(printf %08d $m)\\.seg: " "fetch names the tampered segment"
run "$PDR" --config "$CF" restore db --at "$(ms_arg "$last_ms")" --yes
expect_match "$T/err" "$(printf %08d $m)\\.seg" "restore names the tampered segment"
expect_match "$T/out" "^point reached: .* \\(segment $((m - 1)) of" "restore stops at segment $((m - 1))"
cp "$T/backup.orig/stream/$newest/$(printf %08d $m).seg" "$mf"

# --- 6. retention: an old generation goes from both stores, the newest never -----------------
rm -rf "$SB"
cp -a "$T/backup.orig" "$SB"
ng=$(gens "$SB/stream" | wc -l)
if [ "$ng" -lt 2 ]; then
	# A new generation: the WAL checkpointed away while the stream is down.
	sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES (100000, 'x');" >/dev/null
	"$PDR" --config "$LC" stream --once >>"$T/stream.log" 2>&1 || fail "stream --once for a new generation"
fi
old=$(gens "$SB/stream" | head -1)
newest=$(gens "$SB/stream" | tail -1)
[ "$old" != "$newest" ] && ok "two generations: $old, $newest" || fail "one generation only"
sleep 2
printf 'stream: {retention: 1s}\n' >>"$CF"
run "$PDR" --config "$CF" prune --remote --dry-run
expect_match "$T/out" "^would remove sftp stream/$old: " "prune --remote --dry-run names the old generation (sftp)"
expect_match "$T/out" "^would remove s3 stream/$old: " "... and on s3"
[ -d "$R/stream/$old" ] && ok "--dry-run removes nothing" || fail "--dry-run removed $old"
run "$PDR" --config "$CF" prune --remote
expect_rc 0 "prune --remote"
[ ! -e "$R/stream/$old" ] && ok "sftp: $old removed" || fail "sftp: $old still there"
[ -z "$(ls "$OBJ/$old" 2>/dev/null)" ] && ok "s3: $old removed" || fail "s3: $old still there: $(ls "$OBJ/$old")"
[ -f "$R/stream/$newest/snapshot.db" ] && [ -f "$OBJ/$newest/snapshot.db._S3rver_object" ] &&
	ok "the newest generation $newest is kept on both" || fail "the newest generation went"
expect_no_match "$T/out" "stream/$newest" "prune never names the newest"

# --- 7. --once with a store down: the local copy is made, the exit status says which store ---
stop_sshd
sqlite3 "$DB" "INSERT INTO t VALUES (100001, 'y');" >/dev/null
p0="$(status_key generation) $(status_key sequence)"
run "$PDR" --config "$LC" stream --once
expect_rc 75 "stream --once with the sftp store down"
expect_match "$T/err" "off-site copy of the stream to sftp://.* failed: " "--once names the failing store"
expect_no_match "$T/err" "to s3://" "--once does not blame the store that worked"
# (sqlite3 closing the last connection checkpointed the WAL away: a new generation, maybe.)
p1="$(status_key generation) $(status_key sequence)"
[ "$p1" != "$p0" ] && ok "--once captured locally all the same ($p0 -> $p1)" || fail "nothing new: $p1"
[ "$(status_key offsite_s3_generation) $(status_key offsite_s3_sequence)" = "$p1" ] && ok "--once copied to s3" ||
	fail "s3 behind: $(grep offsite_s3 "$SB/stream/status")"

# --- 8. every S3 request of the stream, fetch and prune passed the SigV4 checker -------------
check_log "$T/requests.log" "stream, fetch --stream, prune --remote"

# --- 9. a store that refuses the signature: its code shown, retried with a growing backoff ---
stop_checker
start_checker "$T/refused.log" || fail "checker did not start"
sed "s#127.0.0.1:$PP\"#127.0.0.1:$CHECK_PORT\"#" "$LC" >"$T/refused.yaml"
sqlite3 "$DB" "INSERT INTO t VALUES (100002, 'z');" >/dev/null
run env AWS_SECRET_ACCESS_KEY=wrong "$PDR" --config "$T/refused.yaml" stream --once
expect_rc 75 "stream --once with a store that refuses the signature"
expect_match "$T/err" "to s3://.* failed: .*HTTP 403 SignatureDoesNotMatch: The request signature .*\(check AWS_SECRET_ACCESS_KEY\)" \
	"--once shows the store's code and message, and what to check"
n0=$(wc -l <"$T/refused.log")
AWS_SECRET_ACCESS_KEY=wrong "$PDR" --config "$T/refused.yaml" stream >"$T/refused-stream.log" 2>&1 &
SP=$!
i=0
while ! status_key offsite_s3_error | grep -q SignatureDoesNotMatch && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
status_key offsite_s3_error | grep -q 'HTTP 403 SignatureDoesNotMatch' &&
	ok "the stream's status names the refusal" || fail "status: $(status_key offsite_s3_error)"
# New segments all along; the passes at the store come 1 s, 2 s, 4 s apart, not per segment.
for k in $(seq 1 40); do sqlite3 "$DB" "INSERT INTO t VALUES ($((100010 + k)), 'w');" >/dev/null; sleep 0.2; done
kill -TERM "$SP"; wait "$SP"; SP=
n=$(grep -c "off-site copy to s3 is failing" "$T/refused-stream.log")
[ "$n" -eq 1 ] && ok "the refusal is logged once" || fail "logged $n times"
# gaps: seconds between the first requests of successive passes (a pass: requests < 0.5 s apart).
"$CHECK_PY" -c 'import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[1])][int(sys.argv[2]):]
starts = [x for i, x in enumerate(t) if i == 0 or x - t[i - 1] > 0.5]
print(len(t), " ".join("%.1f" % (b - a) for a, b in zip(starts, starts[1:])))' "$T/refused.log" "$n0" >"$T/gaps"
read -r nreq gaps <"$T/gaps"
echo "# $nreq requests in 8 s of refusals, passes apart by: $gaps s"
echo "$gaps" | awk '{ for (i = 1; i <= NF && i <= 3; i++) if ($i < 2 ^ (i - 1) * 0.9) exit 1; exit NF < 2 }' &&
	ok "the passes back off: at least 1 s, 2 s, 4 s apart ($gaps)" || fail "no backoff: passes apart by $gaps s"

finish
