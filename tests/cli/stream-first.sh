#!/bin/sh
# stream-first.sh: restore all --from-remote reads nothing twice (#21). Both stores on loopback
# (a private sshd whose sftp-server logs the bytes read, and s3rver behind the SigV4 checker,
# every request logged), a primary and a standby at other paths. The stream older than the
# newest set: not fetched (one ranged GET of its newest segment's header), the set fetched
# whole. The stream newer: only the set's manifest, config and keys are fetched (no GET of its
# database on S3, no "Fetching" of it from SFTP), the snapshot written into the rebuild's file
# as it arrives, nothing of the set left in backup_dir, and the database is the primary's last
# state row for row; SFTP down: all from S3, the skip named; an archive damaged on the store:
# the older set's parts. Only the newest stream generation is fetched. The stream damaged on
# both stores: each skip named, the whole set fetched and restored. Off-site retention dates a
# generation from its newest segment's header alone (Range: bytes=0-143 on S3, a few hundred
# bytes read on SFTP of a 2 MB segment); a header that does not authenticate keeps it.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
. "$srcdir/tests/cli/standby-lib.sh"
standby_primary
# The sftp server logs each file it closes with the bytes read (to sftp.log).
[ -x /usr/lib/openssh/sftp-server ] || skip "no /usr/lib/openssh/sftp-server"
stop_sshd
sed -i "s|^Subsystem sftp internal-sftp\$|Subsystem sftp /usr/lib/openssh/sftp-server -e -l INFO 2>>$SSH_DIR/sftp.log|" \
    "$SSH_DIR/sshd_config"
restart_sshd || skip "cannot restart sshd"
sqlite3 "$DB" "CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(3000000));"
# A connection held open, as the service holds one: the WAL stays, each stream --once continues
# the generation with a segment.
"$top_builddir/tests/stream-writer" "$DB" 600 -1 0 &
HP=$!
trap 'kill "$HP" 2>/dev/null; wait "$HP" 2>/dev/null; offsite_cleanup' EXIT

# A standby at other paths, asking the same stores.
S="$T/s"
mkdir -p "$S/state"
cp "$H/etc/patronus/backup-encryption-key" "$S/key"
chmod 600 "$S/key"
{ printf 'database: %s/db/sdwan.db\nconfig_dir: %s/conf\nwireguard_dir: %s/wg\nbackup_dir: %s/backups\n' \
    "$S" "$S" "$S" "$S"
  printf 'encryption_key: %s/key\nlog_file: %s/backup.log\nstate_dir: %s/state\n' "$S" "$S" "$S"
  sed -n '/^remote:/,$p' "$C"; } >"$S/dr.yaml"
SDB="$S/db/sdwan.db"

# new_requests MARK: the S3 requests logged since line MARK of requests.log.
new_requests() { tail -n +"$(($1 + 1))" "$T/requests.log"; }
# gets_of MARK FILE: how many GETs of an object named FILE (its whole name) since MARK.
gets_of() { new_requests "$1" | grep -c "\"method\": \"GET\", \"target\": \"/pdr/site-a/[a-z]*/$2\\(?[^\"]*\\)\\?\"" ; }

# --- the primary: a set, the stream, then a newer set ------------------------------------------
run "$PDR" --config "$C" backup --type daily
expect_rc 0 "first backup, copied to both stores"
OLD=$(ls "$B/daily" | sed -n 's/\.db$//p')
sleep 1
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000100, 'admin', 'stream-1')"
"$PDR" --config "$C" stream --once >"$T/stream.log" 2>&1 && ok "stream --once: a snapshot to both stores" ||
	{ fail "stream --once"; cat "$T/stream.log"; }
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000200, 'admin', 'stream-2');
    INSERT INTO filler VALUES (randomblob(2000000));"
"$PDR" --config "$C" stream --once >>"$T/stream.log" 2>&1 && ok "stream --once: a segment to both stores" ||
	{ fail "stream --once (2)"; cat "$T/stream.log"; }
sleep 1
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000300, 'admin', 'in-set-2')"
run "$PDR" --config "$C" backup --type hourly
expect_rc 0 "second backup, newer than the stream's point"
NEW=$(ls "$B/hourly" | sed -n 's/\.db$//p')
[ -n "$OLD" ] && [ -n "$NEW" ] && ok "two sets: $OLD, $NEW" || fail "sets: $OLD $NEW"
sqlite3 "$B/hourly/$NEW.db" .dump >"$T/new.dump"

# --- here (no --from-remote): a set newer than the stream's latest capture, the stream not read -
P="$T/p"
mkdir -p "$P/state"
cp -a "$B" "$P/backup"
sed -e "s|^database: .*|database: $P/db/sdwan.db|" -e "s|^config_dir: .*|config_dir: $P/conf|" \
    -e "s|^wireguard_dir: .*|wireguard_dir: $P/wg|" -e "s|^backup_dir: .*|backup_dir: $P/backup|" \
    -e "s|^state_dir: .*|state_dir: $P/state|" -e "s|^log_file: .*|log_file: $P/backup.log|" \
    -e '/^remote:/,$d' "$C" >"$P/dr.yaml"
run "$PDR" --config "$P/dr.yaml" restore all --yes
expect_rc 0 "restore all here with a set newer than the stream"
expect_match "$T/out" "^stream: its latest capture \\(.*, its signed headers\\) is not newer than $NEW: not used\$" \
    "the stream is not read past its segments' headers, and says so"
expect_match "$T/out" "^database: from $NEW " "the database from the set"
cat "$T/out" "$T/err" >"$T/both"
expect_no_match "$T/both" "rebuilding the database" "no rebuild from the stream"
sqlite3 "$P/db/sdwan.db" .dump | cmp -s - "$T/new.dump" && ok "here: the database is the newest set's" ||
	fail "here: the database is not the newest set's"

# --- the stream older than the newest set: the set is fetched whole ----------------------------
mark=$(wc -l <"$T/requests.log")
run "$PDR" --config "$S/dr.yaml" restore all --from-remote s3 --yes
expect_rc 0 "restore all --from-remote with a set newer than the stream"
expect_match "$T/out" "^skipped: the stream on s3://.*: its latest signed capture \\(.*\\) is not newer than the newest set $NEW: not fetched\$" \
    "says the stream is older than the set, from its newest segment's header, and does not fetch it"
expect_match "$T/out" "^database: no usable stream: the set is fetched whole\$" "so the set is fetched whole"
n=$(new_requests "$mark" | grep '"method": "GET", "target": "/pdr/site-a/stream/' | tee "$T/sg" | wc -l)
[ "$n" -eq 1 ] && grep -q '"Range", "bytes=0-143"' "$T/sg" &&
	ok "of the stream, one ranged GET of its newest segment's header alone" || fail "stream GETs: $(cat "$T/sg")"
expect_match "$T/out" "^fetched $NEW from s3://" "the whole set came from S3"
n=$(gets_of "$mark" "$NEW.db")
[ "$n" -ge 1 ] && ok "its database was downloaded ($n GETs)" || fail "no GET of $NEW.db"
sqlite3 "$SDB" .dump | cmp -s - "$T/new.dump" && ok "the database is the newest set's" ||
	fail "the database is not the newest set's"

# --- the stream newer than the newest set: the set's database is not downloaded ---------------
sleep 1
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000400, 'admin', 'stream-only');
    INSERT INTO filler VALUES (randomblob(2000000));"
"$PDR" --config "$C" stream --once >>"$T/stream.log" 2>&1 && ok "stream --once: a segment newer than the set" ||
	{ fail "stream --once (3)"; cat "$T/stream.log"; }
sqlite3 "$DB" .dump >"$T/primary.dump"
rm -rf "$S/backups" "$S/db" "$S/conf" "$S/wg"
mark=$(wc -l <"$T/requests.log")
run "$PDR" --config "$S/dr.yaml" restore all --from-remote s3 --yes
expect_rc 0 "restore all --from-remote s3 with the stream newer than the set"
expect_match "$T/out" "^database: from the stream \\(.*\\), newer than the newest set $NEW .*: only that set's manifest, config and keys are fetched\$" \
    "says only the set's manifest, config and keys are fetched"
expect_match "$T/out" "^fetched the manifest, config and keys of $NEW from s3://.* \\(not its database\\); they verify\$" \
    "the three parts came from S3 and verify"
n=$(gets_of "$mark" "$NEW.db")
[ "$n" -eq 0 ] && ok "no GET of the set's database on S3" || fail "$n GETs of $NEW.db"
for f in "$NEW-manifest.txt" "$NEW-config.tar.gz" "$NEW-wireguard.tar.gz.enc"; do
	n=$(gets_of "$mark" "$f")
	[ "$n" -ge 1 ] && ok "$f was downloaded" || fail "$f was not downloaded"
done
n=$(new_requests "$mark" | grep -c '"method": "GET", "target": "/pdr/site-a/stream/')
[ "$n" -ge 3 ] && ok "the stream's snapshot and segments were downloaded ($n GETs)" || fail "stream GETs: $n"
expect_match "$T/out" "^restored: database, config and keys\$" "all three restored"
cat "$T/out" "$T/err" >"$T/both"
expect_match "$T/both" "pitr-[A-Za-z0-9]{6}: written there as it was fetched, its SHA-256 as it arrived the one .* authenticates: not copied or read again" \
    "the stream's snapshot went into the rebuild's file as it arrived, not copied after"
sqlite3 "$SDB" .dump | cmp -s - "$T/primary.dump" && ok "the database is the primary's last state, row for row" ||
	fail "the database differs from the primary's last state"
cmp -s "$S/conf/config.yaml" "$H/etc/patronus/config.yaml" && ok "the config is back" || fail "the config differs"
cmp -s "$S/wg/wg0.conf" "$H/etc/wireguard/wg0.conf" && ok "the keys are back" || fail "the keys differ"
[ -z "$(ls -A "$S/backups/hourly" 2>/dev/null)" ] && ok "nothing of the set is left in backup_dir/hourly" ||
	fail "left: $(ls -A "$S/backups/hourly")"
[ -z "$(ls -A "$S/backups" | grep '^\.restore-parts-')" ] && ok "the parts folder is removed" ||
	fail "parts folder left: $(ls -A "$S/backups")"
run "$PDR" --config "$S/dr.yaml" backups
expect_no_match "$T/out" "$NEW" "backups does not list a set whose database was never fetched"

# --at a second after the set: the stream's point then is older than the set, which is fetched
# whole (the stream is fetched: with --at no capture time rules it out beforehand).
at=$(echo "$NEW" | sed -E 's/.*-([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{2})([0-9]{2})([0-9]{2})$/\1-\2-\3 \4:\5:\6/')
at=$(date -u -d "$at UTC + 1 second" '+%Y-%m-%d %H:%M:%S')
rm -rf "$S/backups" "$S/db"
run env TZ=UTC "$PDR" --config "$S/dr.yaml" restore all --from-remote s3 --at "$at" --yes
expect_rc 0 "restore all --from-remote --at a second after the set"
expect_match "$T/out" "^database: the stream's newest point \\(.*\\) is not newer than the newest set $NEW .*: the set is fetched whole\$" \
    "--at: the stream's point then is older than the set, which is fetched whole"
sqlite3 "$SDB" .dump | cmp -s - "$T/new.dump" && ok "--at: the database is the set's" ||
	fail "--at: the database is not the set's"

# The same over SFTP: no "Fetching" of the set's database.
rm -rf "$S/backups" "$S/db"
run "$PDR" --config "$S/dr.yaml" restore all --from-remote sftp --yes
expect_rc 0 "restore all --from-remote sftp with the stream newer than the set"
cat "$T/out" "$T/err" >"$T/both"
expect_no_match "$T/both" "Fetching hourly/$NEW\\.db" "the set's database is not fetched from SFTP"
expect_match "$T/both" "written there as it was fetched" "sftp: the snapshot went into the rebuild's file as it arrived"
expect_match "$T/both" "Fetching hourly/$NEW-manifest\\.txt" "its manifest is"
sqlite3 "$SDB" .dump | cmp -s - "$T/primary.dump" && ok "sftp: the database is the primary's last state" ||
	fail "sftp: the database differs"

# SFTP down: the stream and the set's parts come from S3, the skip named.
stop_sshd
rm -rf "$S/backups" "$S/db"
run "$PDR" --config "$S/dr.yaml" restore all --from-remote --yes
expect_rc 0 "restore all --from-remote with SFTP down"
expect_match "$T/out" "^fetched the stream from s3://" "the stream came from S3"
expect_match "$T/out" "^skipped: sftp://.*: cannot be listed: " "the SFTP store is named as skipped"
expect_match "$T/out" "^fetched the manifest, config and keys of $NEW from s3://" "the set's parts came from S3"
sqlite3 "$SDB" .dump | cmp -s - "$T/primary.dump" && ok "SFTP down: the database is the primary's last state" ||
	fail "SFTP down: the database differs"
restart_sshd || fail "sshd restarts"

# An archive on the store that is no longer the one its manifest authenticates: that set is skipped.
cp "$R/hourly/$NEW-config.tar.gz" "$T/config.good"
printf 'XXXX' | dd of="$R/hourly/$NEW-config.tar.gz" bs=1 seek=100 conv=notrunc 2>/dev/null
rm -rf "$S/backups" "$S/db"
run "$PDR" --config "$S/dr.yaml" restore all --from-remote sftp --yes
expect_rc 0 "restore all with the newest set's config damaged on SFTP"
expect_match "$T/out" "^skipped: $NEW from sftp://.*: damaged, fails verify: .*config" "the damaged archive is named"
expect_match "$T/out" "^fetched the manifest, config and keys of $OLD from sftp://" "the older set's parts are used"
sqlite3 "$SDB" .dump | cmp -s - "$T/primary.dump" && ok "the database is still the stream's newest point" ||
	fail "the database differs"
cp "$T/config.good" "$R/hourly/$NEW-config.tar.gz"

# --- the stream's newest generation only is fetched ---------------------------------------------
# The held connection closes: the WAL goes with it, and the next round begins a generation.
kill "$HP"; wait "$HP" 2>/dev/null
sleep 1
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000500, 'admin', 'new-gen')"
"$PDR" --config "$C" stream --once >>"$T/stream.log" 2>&1 && ok "stream --once: a new generation" ||
	{ fail "stream --once (4)"; cat "$T/stream.log"; }
sqlite3 "$DB" .dump >"$T/primary.dump"
ngen=$(ls "$R/stream" | grep -c '^[0-9]')
GEN=$(ls "$R/stream" | grep '^[0-9]' | tail -1)
[ "$ngen" -ge 2 ] && ok "the stores hold $ngen stream generations" || fail "generations: $ngen"
mark=$(wc -l <"$T/requests.log")
rm -rf "$S/backups" "$S/db"
run "$PDR" --config "$S/dr.yaml" restore all --from-remote s3 --yes
expect_rc 0 "restore all --from-remote s3 again"
n=$(new_requests "$mark" | grep '"method": "GET", "target": "/pdr/site-a/stream/' | grep -vc "/stream/$GEN/")
[ "$n" -eq 0 ] && ok "no file of an older generation is downloaded" || fail "$n GETs of older generations"
[ "$(ls "$S/backups/stream" | grep -c '^[0-9]')" -eq 1 ] && ok "only the newest generation is here" ||
	fail "here: $(ls "$S/backups/stream")"
sqlite3 "$SDB" .dump | cmp -s - "$T/primary.dump" && ok "the database is the primary's last state, from the new generation" ||
	fail "the database differs from the primary's last state"

# --- the stream damaged on both stores: each skip named, the set fetched whole -----------------
for g in $(ls "$R/stream" | grep '^[0-9]'); do
	cp "$R/stream/$g/snapshot.db" "$T/snap.$g"
	for f in "$R/stream/$g/snapshot.db" "$OBJ/stream/$g/snapshot.db._S3rver_object"; do
		printf 'XXXXXXXX' | dd of="$f" bs=1 seek=5000 conv=notrunc 2>/dev/null
	done
done
rm -rf "$S/backups" "$S/db"
run "$PDR" --config "$S/dr.yaml" restore all --from-remote --yes
expect_rc 0 "restore all --from-remote with the stream damaged"
expect_match "$T/out" "^skipped: stream generation $GEN on sftp://.*: .*snapshot" "the damaged generation on SFTP is named"
expect_match "$T/out" "^skipped: stream generation $GEN on s3://.*: .*snapshot" "the damaged generation on S3 is named"
expect_match "$T/out" "^skipped: the stream on s3://.*: .*no stream generation there is usable" "the stream of each store is skipped"
expect_match "$T/out" "^database: no usable stream: the set is fetched whole\$" "says the set is fetched whole"
expect_match "$T/out" "^fetched $NEW from sftp://" "the whole set is fetched"
expect_match "$T/out" "^database: from $NEW " "the database from the set"
cat "$T/out" "$T/err" >"$T/both"
expect_no_match "$T/both" "written there as it was fetched, its SHA-256" \
    "a damaged snapshot written as it arrived is not taken for the authenticated one"
sqlite3 "$SDB" .dump | cmp -s - "$T/new.dump" && ok "the database is the newest set's, row for row" ||
	fail "the database is not the newest set's"
for g in $(ls "$R/stream" | grep '^[0-9]'); do
	cp "$T/snap.$g" "$R/stream/$g/snapshot.db"
	cp "$T/snap.$g" "$OBJ/stream/$g/snapshot.db._S3rver_object"
done

# --- off-site retention dates a generation from its newest segment's header alone --------------
G1=$(ls "$R/stream" | grep '^[0-9]' | head -1)
SEG=$(ls "$R/stream/$G1" | grep '\.seg$' | tail -1)
size=$(stat -c %s "$R/stream/$G1/$SEG")
[ "$size" -gt 1000000 ] && ok "the old generation's newest segment is big ($size bytes)" || fail "segment of $size bytes"
sed 's/^stream:.*//' "$C" >"$T/prune.yaml"
printf 'stream: {retention: 1s}\n' >>"$T/prune.yaml"
mark=$(wc -l <"$T/requests.log")
: >"$SSH_DIR/sftp.log"
run "$PDR" --config "$T/prune.yaml" prune --remote
expect_rc 0 "prune --remote with stream.retention 1s"
expect_match "$T/out" "^remove +sftp stream/$G1: " "the old generation is removed from SFTP"
expect_match "$T/out" "^remove +s3 stream/$G1: " "the old generation is removed from S3"
expect_no_match "$T/out" "stream/$GEN" "the newest generation is kept"
new_requests "$mark" | grep "\"method\": \"GET\", \"target\": \"/pdr/site-a/stream/$G1/$SEG\"" >"$T/seg.gets"
[ "$(wc -l <"$T/seg.gets")" -eq 1 ] && grep -q '"Range", "bytes=0-143"' "$T/seg.gets" &&
	ok "S3: one GET of the segment, its header alone (Range: bytes=0-143)" ||
	fail "S3: the segment's GETs: $(cat "$T/seg.gets")"
read=$(sed -n "s|.*close \"[^\"]*/stream/$G1/$SEG\" bytes read \([0-9]*\) .*|\1|p" "$SSH_DIR/sftp.log" | head -1)
[ -n "$read" ] && [ "$read" -lt 100000 ] && ok "SFTP: $read bytes of the $size-byte segment read" ||
	fail "SFTP: bytes read of the segment: '$read' ($(grep "$SEG" "$SSH_DIR/sftp.log" | head -3))"
[ ! -e "$R/stream/$G1" ] && [ ! -e "$OBJ/stream/$G1" ] && ok "the old generation is gone from both stores" ||
	fail "the old generation is still there"

# A header that does not authenticate never dates a generation for removal.
GN=$(ls "$R/stream" | grep '^[0-9]' | tail -1)
F="20200101-000000-0badf00d"
mkdir -p "$R/stream/$F"
cp "$R/stream/$GN/snapshot.db" "$R/stream/$GN/snapshot.sha256" "$R/stream/$F/"
head -c 4096 /dev/urandom | { printf 'PDRSEG02'; cat; } >"$R/stream/$F/00000001.seg"
run "$PDR" --config "$T/prune.yaml" prune --remote --dry-run
expect_rc 0 "prune --remote --dry-run with a forged segment header"
expect_match "$T/err" "generation $F on sftp://.* is kept: .*HMAC does not match" "the forged generation is kept, and why"
[ -e "$R/stream/$F/00000001.seg" ] && ok "the forged generation is not removed" || fail "the forged generation was removed"
rm -rf "$R/stream/$F"

check_log "$T/requests.log" "every S3 request passed the SigV4 checker"
finish
