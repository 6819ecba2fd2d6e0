#!/bin/sh
# journal.sh: the incident record outlives its host (#17) against a real sshd and s3rver on
# loopback (s3rver behind the SigV4 checker): host A's record shipped to both stores (read
# back with the sftp client and S3 requests of curl's own SigV4), A's state_dir deleted, host B fetches, verifies
# against the witness, resumes writing and ships; A's stale copy that writes again is
# refused as a fork; a record rewritten with recomputed hashes and one rolled back fail
# `incidents verify`; a tampered journal is named and not installed; a store down and a
# shipper killed lose nothing; an event written by the program ships by itself.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/offsite-lib.sh"

command -v python3 >/dev/null || skip "no python3"
command -v sqlite3 >/dev/null || skip "no sqlite3"
FIX="$top_builddir/tests/pdr-incident-fixture"
export TZ=UTC
start_sshd "$T/ssh" || skip "cannot start sshd"
start_s3rver "$T/s3" || skip "cannot start s3rver"
# patronus-dr's S3 requests go through the SigV4 checker (botocore), which refuses as S3 does.
start_checker "$T/requests.log" || { fail "checker did not start"; finish; exit 1; }
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_PROFILE
R="$T/sftp-root"
mkdir -p "$R"

# conf DIR: a host's dr.yaml, with both stores.
conf() {
	mkdir -p "$1"
	cat >"$1/dr.yaml" <<YAML
state_dir: $1/state
backup_dir: $1/backup
remote:
  sftp: {url: "sftp://$(id -un)@127.0.0.1:$SSH_PORT$R", identity: $SSH_KEY, known_hosts: $SSH_KNOWN}
  s3: {endpoint: "http://127.0.0.1:$CHECK_PORT", bucket: pdr, prefix: "site/", region: us-east-1}
YAML
}
conf "$T/a"
conf "$T/b"
conf "$T/c"
A="$T/a/dr.yaml" B="$T/b/dr.yaml" C="$T/c/dr.yaml"
# The fixture writes through the model without the program's automatic shipping.
fx() { _h=$1; shift; PDR_FIXTURE_HOST=$_h "$FIX" "$@"; }
# head_seq KIND ID: the seq of the chain head a store holds for ID (empty when none).
head_seq() {
	if [ "$1" = s3 ]; then
		s3_get "site/record/$2/head.json" "$T/head.$1" 2>/dev/null || { echo; return; }
	else
		printf 'get %s/record/%s/head.json %s\n' "$R" "$2" "$T/head.$1" >"$T/batch"
		sftp_batch "$T/batch" >/dev/null 2>&1 || { echo; return; }
	fi
	sed -n 's/.*"seq":\([0-9]*\).*/\1/p' "$T/head.$1"
}

# --- Host A declares a drill and writes notes; `incidents ship` copies it to both stores.
id=$(fx host-a "$T/a/state" declare database-corruption drill "Database corruption" 1800 900)
[ -n "$id" ] && ok "host A declared $id" || fail "fixture declare"
for i in 1 2 3 4; do fx host-a "$T/a/state" event "$id" note - "note $i from A <b>&amp;</b>" >/dev/null; done
export PATRONUS_DR_NO_SHIP=1	# the automatic shipper is tested at the end
run "$PDR" --config "$A" incidents ship "$id"
expect_rc 0 "incidents ship"
expect_match "$T/out" "^sftp: .*events 1-5 \(5 new\), head [0-9a-f]{12}" "sftp got events 1-5"
expect_match "$T/out" "^s3: .*events 1-5 \(5 new\), head [0-9a-f]{12}" "s3 got events 1-5"
[ "$(head_seq sftp "$id")" = 5 ] && ok "the sftp client reads head.json at event 5" || fail "sftp head: $(head_seq sftp "$id")"
[ "$(head_seq s3 "$id")" = 5 ] && ok "S3 (curl's SigV4) reads head.json at event 5" || fail "s3 head: $(head_seq s3 "$id")"
s3_get "site/record/$id/events-0000000001-0000000005.jsonl" "$T/j.jsonl" &&
    [ "$(wc -l <"$T/j.jsonl")" = 5 ] && ok "the journal file holds five event lines" || fail "journal object"
grep -q '"payload":"note 4 from A <b>&amp;</b>"' "$T/j.jsonl" && ok "an event's text as written" || fail "payload in journal"
if command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1; then
	aws --endpoint-url "http://127.0.0.1:$S3_PORT" --region us-east-1 s3 cp \
	    "s3://pdr/site/record/$id/head.json" "$T/aws-head.json" >/dev/null 2>"$T/aws.err" &&
	    cmp -s "$T/aws-head.json" "$T/head.s3" && ok "the AWS CLI reads the same head" ||
	    { fail "aws s3 cp of the head"; cat "$T/aws.err"; }
fi
run "$PDR" --config "$A" incidents ship "$id"
expect_match "$T/out" "events 1-5 \(0 new\)" "shipping again sends nothing new"
run "$PDR" --config "$A" incidents verify "$id"
expect_rc 0 "verify on A"
expect_match "$T/out" "witness sftp: .* holds event 5 of 5, head [0-9a-f]{12}: matches" "the sftp witness agrees"
expect_match "$T/out" "matches its off-site witness" "verdict: matches the witness"
cp "$T/a/state/incidents.db" "$T/a-stale.db"

# --- The datacenter burns: A's state_dir is gone. Host B has only its dr.yaml.
rm -rf "$T/a/state"
run "$PDR" --config "$B" incidents fetch "$id"
expect_rc 0 "host B fetches the record"
expect_match "$T/out" "^$id: from sftp .*: 5 events, 5 new here; the chain holds to its head [0-9a-f]{12} \(shipped by " \
    "fetch says what it got and that the chain holds"
expect_match "$T/out" "continue with: patronus-dr --config $B resume $id" "the hint to resume carries --config"
run "$PDR" --config "$B" incidents verify "$id"
expect_rc 0 "B's fetched record verifies against the witness"
run "$PDR" --config "$B" incidents show "$id"
expect_match "$T/out" "note 4 from A" "A's notes are readable on B"
expect_match "$T/out" "^Host: +host-a" "the incident still says where it was declared"
# B continues the incident and ships: it holds the store's head, so it may write.
for i in 1 2; do fx host-b "$T/b/state" event "$id" note - "note $i from B" >/dev/null; done
run "$PDR" --config "$B" incidents ship "$id"
expect_rc 0 "B ships its new events"
expect_match "$T/out" "^s3: .*events 1-7 \(2 new\)" "two new events from B"
[ "$(head_seq sftp "$id")" = 7 ] && ok "the store's head is B's event 7" || fail "head after B: $(head_seq sftp "$id")"

# --- A's stale copy comes back and writes: the store holds events A does not have.
mkdir -p "$T/a/state" && cp "$T/a-stale.db" "$T/a/state/incidents.db"
fx host-a "$T/a/state" event "$id" note - "late note from A" >/dev/null
run "$PDR" --config "$A" incidents ship "$id"
expect_rc 75 "shipping a forked record fails"
expect_match "$T/out" "^sftp: FORKED: the record on .* reaches event 7 \(written on [^)]*\) that this record does not have" \
    "the fork is named, with the host that wrote"
[ "$(head_seq sftp "$id")" = 7 ] && ok "the fork did not move the store's head" || fail "head moved to $(head_seq sftp "$id")"
run "$PDR" --config "$A" incidents fetch "$id"
expect_rc 65 "fetching into a forked record is refused"
expect_match "$T/out" "NOT installed: .*event 6 differs between the copy and this record: the record forked there" \
    "the first differing event is named"
[ "$(sqlite3 "$T/a/state/incidents.db" "SELECT count(*) FROM events WHERE incident_id='$id'")" = 6 ] &&
    ok "A's own events are all kept (none dropped)" || fail "A's events changed"

# --- The witness: B's record rewritten with every hash recomputed.
cp "$T/b/state/incidents.db" "$T/b-good.db"
sqlite3 "$T/b/state/incidents.db" "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"
python3 - "$T/b/state/incidents.db" "$id" <<'EOF'
import hashlib, sqlite3, sys
db, iid = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
def ns(b):
    return str(len(b)).encode() + b":" + b + b","
prev = "0" * 64
rows = c.execute("SELECT seq, time_ms, operator, client, step, kind, payload FROM events "
                 "WHERE incident_id=? ORDER BY seq", (iid,)).fetchall()
for seq, t, op, cl, st, kind, payload in rows:
    if seq == 3:
        payload = "note 2 from A (rewritten)"
    h = hashlib.sha256()
    for f in ("pdr-event-1", prev, iid, str(seq), str(t), op or "", cl or "", st or "", kind, payload):
        h.update(ns(f.encode()))
    hx = h.hexdigest()
    c.execute("UPDATE events SET payload=?, prev_hash=?, hash=? WHERE incident_id=? AND seq=?",
              (payload, prev, hx, iid, seq))
    prev = hx
c.execute("UPDATE incidents SET last_hash=? WHERE id=?", (prev, iid))
c.commit()
EOF
run "$PDR" --config "$B" incidents verify --offline "$id"
expect_rc 0 "the rewritten chain holds locally (the hashes were recomputed)"
expect_match "$T/out" "--offline: the local chain alone was checked" "--offline says it checked the local chain alone"
run "$PDR" --config "$B" incidents verify "$id"
expect_rc 1 "verify with the witness finds the rewrite"
expect_match "$T/out" "witness sftp: REWRITTEN: event 7 of this record is not the one .* holds" "named REWRITTEN, by store"
expect_match "$T/out" "NOT the one its witness holds" "the verdict"

# --- Rolled back to an older copy: fewer events than the witness.
cp "$T/a-stale.db" "$T/b/state/incidents.db"
rm -f "$T/b/state/incidents.db-wal" "$T/b/state/incidents.db-shm"
run "$PDR" --config "$B" incidents verify "$id"
expect_rc 1 "verify finds the roll-back"
expect_match "$T/out" "witness s3: ROLLED BACK: .* has event 7 .*this record ends at event 5" "named ROLLED BACK"
cp "$T/b-good.db" "$T/b/state/incidents.db"

# --- A journal tampered with on a store is named and never installed.
jf=$(ls "$R/record/$id" | grep '^events-0000000006' | head -n 1)
sed 's/note 1 from B/note 1 from Mallory/' "$R/record/$id/$jf" >"$T/tampered.jsonl"
cp "$R/record/$id/$jf" "$T/intact.jsonl"
printf 'put %s %s/record/%s/%s\n' "$T/tampered.jsonl" "$R" "$id" "$jf" >"$T/batch"
sftp_batch "$T/batch" >/dev/null 2>&1 || fail "sftp put of the tampered journal"
run "$PDR" --config "$C" incidents fetch --from sftp "$id"
expect_rc 65 "a tampered journal is refused"
expect_match "$T/out" "NOT fetched: .*event 6 was changed after it was written" "the changed event is named"
[ ! -s "$T/c/state/incidents.db" ] || [ "$(sqlite3 "$T/c/state/incidents.db" "SELECT count(*) FROM events")" = 0 ] &&
    ok "nothing of it was installed" || fail "events installed from a tampered journal"
run "$PDR" --config "$C" incidents fetch "$id"
expect_rc 0 "without --from, the intact copy on S3 is used"
expect_match "$T/out" "from sftp: NOT fetched" "the tampered SFTP copy is still named"
expect_match "$T/out" "from s3 .*: 7 events, 7 new here" "the S3 copy is installed"
printf 'put %s %s/record/%s/%s\n' "$T/intact.jsonl" "$R" "$id" "$jf" >"$T/batch"
sftp_batch "$T/batch" >/dev/null 2>&1
# S3 keeps an MD5 per object: a changed object fails the transfer's check, nothing is installed.
obj=$(grep -rl "note 1 from B" "$T/s3" | head -n 1)
if [ -n "$obj" ]; then
	cp "$obj" "$T/s3obj" && sed -i 's/note 1 from B/note 1 from Mallory/' "$obj"
	rm -rf "$T/c/state"
	run "$PDR" --config "$C" incidents fetch --from s3 "$id"
	[ "$rc" -ne 0 ] && ok "a changed S3 object is refused (exit $rc)" || fail "changed S3 object fetched"
	[ ! -s "$T/c/state/incidents.db" ] || [ "$(sqlite3 "$T/c/state/incidents.db" "SELECT count(*) FROM events")" = 0 ] &&
	    ok "nothing of it was installed" || fail "events installed from a changed S3 object"
	cp "$T/s3obj" "$obj"
else
	fail "cannot find the S3 journal object in s3rver's folder"
fi
printf 'not json\n' >"$T/garbage.jsonl"
printf 'put %s %s/record/%s/events-0000000003-0000000003.jsonl\n' "$T/garbage.jsonl" "$R" "$id" >"$T/batch"
sftp_batch "$T/batch" >/dev/null 2>&1
rm -rf "$T/c/state"
run "$PDR" --config "$C" incidents fetch --from sftp "$id"
expect_rc 65 "a malformed journal file is refused"
expect_match "$T/out" "events-0000000003-0000000003.jsonl:1: not a journal event" "named with file and line"
printf 'rm %s/record/%s/events-0000000003-0000000003.jsonl\n' "$R" "$id" >"$T/batch"
sftp_batch "$T/batch" >/dev/null 2>&1

# --- A store down: the other gets everything, nothing is lost, the queue catches up.
stop_s3rver
for i in 3 4 5; do fx host-b "$T/b/state" event "$id" note - "note $i from B" >/dev/null; done
run "$PDR" --config "$B" incidents ship "$id"
expect_rc 75 "ship with S3 down"
expect_match "$T/out" "^s3: not shipped: " "S3 is named as not shipped"
expect_match "$T/out" "^sftp: .*events 1-10 \(3 new\)" "SFTP got the three new events"
# A background shipper retrying the dead store is killed: the record still has everything.
unset PATRONUS_DR_NO_SHIP
"$PDR" --config "$B" incidents ship --background "$id" &
sp=$!
sleep 2
kill -9 "$sp" 2>/dev/null
wait "$sp" 2>/dev/null
ok "a retrying shipper killed with SIGKILL"
start_s3rver "$T/s3" "$S3_PORT" || fail "s3rver did not restart"
export PATRONUS_DR_NO_SHIP=1
run "$PDR" --config "$B" incidents ship "$id"
expect_rc 0 "ship once S3 is back"
expect_match "$T/out" "^s3: .*events 1-10 \(3 new\)" "S3 catches up with the three"
rm -rf "$T/c/state"
run "$PDR" --config "$C" incidents fetch --from s3 "$id"
expect_rc 0 "a third host fetches from S3"
expect_match "$T/out" ": 10 events, 10 new here" "every event is there"

# --- Automatic shipping: an event the program writes is on the stores within seconds.
unset PATRONUS_DR_NO_SHIP
run "$PDR" --config "$B" report "$id" --format backup-test --record
[ "$rc" -eq 0 ] && ok "report --record appended a note (exit 0)" || { fail "report --record: exit $rc"; cat "$T/err"; }
n=0
while [ $n -lt 100 ] && [ "$(head_seq s3 "$id")" != 11 ]; do sleep 0.2; n=$((n + 1)); done
[ "$(head_seq s3 "$id")" = 11 ] && ok "the new event reached S3 by itself" || fail "s3 head stays at $(head_seq s3 "$id")"
n=0
while [ $n -lt 100 ] && [ "$(head_seq sftp "$id")" != 11 ]; do sleep 0.2; n=$((n + 1)); done
[ "$(head_seq sftp "$id")" = 11 ] && ok "and SFTP" || fail "sftp head stays at $(head_seq sftp "$id")"
# no shipper is left running once it caught up
n=0
while [ $n -lt 50 ] && pgrep -f "incidents ship --background $id" >/dev/null; do sleep 0.2; n=$((n + 1)); done
pgrep -f "incidents ship --background $id" >/dev/null && fail "a shipper is still running" || ok "the shipper ended by itself"

# A follower that holds the incident's lock (stuck on a store) never hangs a shipper in the
# foreground: it waits a bounded time, then says who holds what and exits 75.
export PATRONUS_DR_NO_SHIP=1
flock "$T/b/state/journal/.ship-lock-$id" sleep 60 &
holder=$!
sleep 0.5
run timeout 40 "$PDR" --config "$B" incidents ship "$id"
expect_rc 75 "ship while another shipper holds the lock gives up (exit 75), not a hang"
expect_match "$T/err" "another shipper of this incident has held .*ship-lock-$id" "and names the lock"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
# A store set up wrong is not "no store": verify says so and exits 78.
cp "$SSH_KEY" "$T/open-key" && chmod 644 "$T/open-key"
sed "s|identity: [^,]*,|identity: $T/open-key,|" "$B" >"$T/broken.yaml"
run "$PDR" --config "$T/broken.yaml" incidents verify "$id"
expect_rc 78 "verify with a broken store is a configuration error"
expect_no_match "$T/out" "no off-site store is configured" "not called 'no store configured'"
expect_match "$T/err" "open-key" "the refused key file is named"

# --- Bad input.
run "$PDR" --config "$B" incidents fetch --from ftp
expect_rc 64 "--from wants sftp or s3"
run "$PDR" --config "$C" incidents fetch NO-SUCH-INCIDENT
[ "$rc" -ne 0 ] && ok "an unknown incident is not fetched (exit $rc)" || fail "fetched an unknown incident"
expect_match "$T/out" "no record of NO-SUCH-INCIDENT" "named as absent"
printf 'state_dir: %s\n' "$T/d/state" >"$T/plain.yaml"
run "$PDR" --config "$T/plain.yaml" incidents fetch
expect_rc 78 "fetch without a store is a configuration error"

# Every S3 request of the shipping, fetching and verifying passed the SigV4 checker.
check_log "$T/requests.log" "the journal's S3 requests"

finish
