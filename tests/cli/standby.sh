#!/bin/sh
# standby.sh: datacenter loss on the standby, with both stores on loopback (a private sshd and
# s3rver). A primary takes two sets and streams a newer point to both stores; then: rpo on the
# fresh standby names the stores and how to fetch; the listing shows both stores with ages and
# the stream (a hostile folder name never reaches the terminal); SFTP down -> fetch --latest
# uses S3 and names the skip; the newest set damaged on SFTP -> the same set from S3; damaged on
# S3 too -> the older set, each skip named, never "run again"; restore db says an off-site
# point is newer; restore all --from-remote at the same paths brings back the stream's point
# (newer than the newest set), the config and the keys; at other paths the archives' trees are
# mapped (and --to DIR); a NAME restores that set; progress on a terminal only; a store that
# lists an object that is gone, resets a connection mid-object, or ignores ranges; the stream
# alone; disk full on the standby named, nothing of the set left half there.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
. "$srcdir/tests/cli/standby-lib.sh"
standby_primary
sqlite3 "$DB" "CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(3000000));"

# --- the primary: two sets on both stores, then a stream point newer than both ---------------
run "$PDR" --config "$C" backup --type daily
expect_rc 0 "first backup, copied to both stores"
sleep 1
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000100, 'admin', 'in-set-2')"
run "$PDR" --config "$C" backup --type hourly
expect_rc 0 "second backup, copied to both stores"
OLD=$(ls "$R/daily" | sed -n "s/\\.db$//p")
NEW=$(ls "$B/hourly" | sed -n 's/\.db$//p')
[ -n "$OLD" ] && [ -n "$NEW" ] && ok "two sets: $OLD, $NEW" || fail "sets: $OLD $NEW"
for s in daily/"$OLD" hourly/"$NEW"; do
	[ -f "$R/$s-manifest.txt" ] && [ -f "$OBJ/$s-manifest.txt._S3rver_object" ] &&
		ok "$s is on both stores" || fail "$s is not on both stores"
done
sleep 1
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000200, 'admin', 'stream-only-1')"
"$PDR" --config "$C" stream --once >"$T/stream.log" 2>&1 && ok "stream --once: snapshot to both stores" ||
	{ fail "stream --once"; cat "$T/stream.log"; }
sqlite3 "$DB" "INSERT INTO audit_log (at, who, what) VALUES (1700000300, 'admin', 'stream-only-2')"
"$PDR" --config "$C" stream --once >>"$T/stream.log" 2>&1 && ok "stream --once: a segment to both stores" ||
	{ fail "stream --once (2)"; cat "$T/stream.log"; }
lose_primary

# --- rpo on the fresh standby: nothing here, the stores named and how to fetch ------------------
run "$PDR" --config "$C" rpo
expect_rc 66 "rpo on the fresh standby finds nothing here"
expect_match "$T/out" "^off-site: .* holds .* newer than anything here; patronus-dr --config '?$C'? fetch --latest brings the set, patronus-dr --config '?$C'? restore all --from-remote" \
    "rpo says the stores hold a newer point and how to bring it, with this run's --config"
hint=$(sed -n 's/.* newer than anything here; \(.*\) fetch --latest brings the set.*/\1/p' "$T/out")
paste_hint "$hint backups"
expect_rc 66 "its command pasted into a fresh shell reads the same settings (the standby's empty backup_dir)"

# --- the listing: both stores, each set with its age, the stream -------------------------------
# (wide: each line whole; tables.sh and offsite-sftp.sh check the listing at 80 columns)
run env COLUMNS=1000 "$PDR" --config "$C" fetch
expect_rc 0 "fetch lists both stores"
n=$(grep -cE "^$NEW +hourly +whole .* old\$" "$T/out")
[ "$n" -eq 2 ] && ok "the newest set is listed on both stores, with its age" || fail "listed $n times"
expect_match "$T/out" "^stream: [0-9]+ generations, [0-9]+ files; newest generation [0-9]{8}-[0-9]{6}-[0-9a-f]{8} \\(begun [0-9hms]+ ago\\), segment [0-9]+ " \
    "the stream of each store is listed"

# A folder under stream/ named with an escape sequence on a hostile store is not listed.
ESC=$(printf '\033')
mkdir -p "$R/stream/${ESC}[2J20991231-235959-deadbeef"
printf x >"$R/stream/${ESC}[2J20991231-235959-deadbeef/1.seg"
run "$PDR" --config "$C" fetch
expect_rc 0 "fetch lists a store holding a hostile folder name"
if grep -q "$ESC" "$T/out" "$T/err"; then fail "an escape sequence from the store reached the terminal"; else
	ok "no escape sequence from the store reaches the terminal"; fi
expect_no_match "$T/out" "20991231" "the hostile folder is not taken for a generation"
rm -rf "$R/stream/${ESC}[2J20991231-235959-deadbeef"

# --- SFTP down: S3 is used, the skip named ------------------------------------------------------
stop_sshd
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest with SFTP down"
expect_match "$T/out" "^skipped: sftp://.*: cannot be listed: " "the SFTP store is named as skipped"
expect_match "$T/out" "^Fetched $B/hourly/$NEW from s3://pdr/site-a/" "the newest set came from S3"
cmp -s "$B/hourly/$NEW.db" "$OBJ/hourly/$NEW.db._S3rver_object" && ok "fetched database identical" ||
	fail "fetched database differs"
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest again"
expect_match "$T/out" "^$B/hourly/$NEW is here already, verified and unchanged since\$" "a set here and verified is not fetched again"
expect_no_match "$T/out" "^Fetching hourly/" "nothing is downloaded twice"
restart_sshd || fail "sshd restarts"

# --- the newest set damaged on SFTP (same size): the same set from S3 ---------------------------
# The manifest comes first; its HMAC verifies under the key, so each file's SHA-256, computed
# as it arrives, is checked against the manifest's there and then.
rm -rf "$B"
cp "$R/hourly/$NEW.db" "$T/new.db.good"
printf 'XXXXXXXX' | dd of="$R/hourly/$NEW.db" bs=1 seek=200000 conv=notrunc 2>/dev/null
bad=$(sha256sum "$R/hourly/$NEW.db" | cut -c1-64)
good=$(sha256sum "$T/new.db.good" | cut -c1-64)
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest with the newest set damaged on SFTP"
expect_match "$T/out" "^skipped: $NEW on sftp://.*: damaged: .*/hourly/$NEW\.db: SHA-256 $bad of the download is not $good, the one its set's manifest gives \(whose HMAC verifies\): the object is damaged at rest" \
    "the damaged copy is named, with both digests"
expect_match "$T/out" "$NEW-manifest\.txt: the manifest's HMAC verifies: each file is checked against its SHA-256 there" \
    "the log says the manifest was authenticated first"
expect_match "$T/out" "^Fetched $B/hourly/$NEW from s3://" "the same set came from S3"
expect_no_match "$T/err" "run again" "damage is never 'run again'"
cmp -s "$B/hourly/$NEW.db" "$T/new.db.good" && ok "the installed copy is the intact one" ||
	fail "the installed copy is not the intact one"

# --- damaged on S3 too, its ETag the MD5 of the damaged bytes: the SHA-256 catches it ----------
rm -rf "$B"
printf 'XXXXXXXX' | dd of="$OBJ/hourly/$NEW.db._S3rver_object" bs=1 seek=200000 conv=notrunc 2>/dev/null
cp "$OBJ/hourly/$NEW.db._S3rver_object.md5" "$T/new.db.md5"
md5sum "$OBJ/hourly/$NEW.db._S3rver_object" | cut -c1-32 | tr -d '\n' >"$OBJ/hourly/$NEW.db._S3rver_object.md5"
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest with the newest set damaged on both stores"
expect_match "$T/out" "^skipped: $NEW on sftp://.*: damaged" "the SFTP copy is named"
expect_match "$T/out" "^skipped: $NEW on s3://.*: damaged: .*$NEW\.db: SHA-256 $bad of the download is not $good, the one its set's manifest gives" \
    "the S3 copy whose ETag is the MD5 of its damaged bytes is named by its SHA-256"
expect_match "$T/out" "^Fetched $B/daily/$OLD from sftp://" "the older set is used"
[ ! -e "$B/hourly/$NEW.db" ] && [ ! -e "$B/hourly/$NEW-manifest.txt" ] && [ -z "$(ls -A "$B/hourly" | grep "^\.")" ] &&
	ok "nothing of the damaged set is left in backup_dir" || fail "the damaged set left: $(ls -A "$B/hourly")"
expect_no_match "$T/err" "run again" "damage is never 'run again'"
run "$PDR" --config "$C" fetch --from s3 "$NEW"
expect_rc 1 "fetch NAME of a set damaged on the only store asked"
expect_match "$T/err" "damaged on every store" "says it is damaged, not to run again"

# --- no key to authenticate the manifest: the store's ETag (MD5) still names the damage -------
cp "$T/new.db.md5" "$OBJ/hourly/$NEW.db._S3rver_object.md5"
mv "$H/etc/patronus/backup-encryption-key" "$T/key.away"
run "$PDR" --config "$C" fetch --from s3 "$NEW"
expect_rc 1 "fetch NAME without the key, the object damaged at rest"
expect_match "$T/out" "$NEW-manifest\.txt: no key to check its HMAC with: each file is checked against what the store says of it" \
    "without the key, the log says the store's own check is used"
expect_match "$T/out" "^skipped: $NEW on s3://.*: damaged: .*$NEW\.db: MD5 [0-9a-f]{32} of the download is not the ETag [0-9a-f]{32}: the object is damaged at rest" \
    "without the key, the damaged object is named by its ETag"
[ -z "$(ls -A "$B/hourly" 2>/dev/null)" ] && ok "nothing of it is left in backup_dir" ||
	fail "left: $(ls -A "$B/hourly")"
openssl rand -base64 32 >"$H/etc/patronus/backup-encryption-key"
chmod 600 "$H/etc/patronus/backup-encryption-key"
run "$PDR" --config "$C" fetch --from s3 "$NEW"
expect_rc 1 "fetch NAME with another key, the object damaged at rest"
expect_match "$T/out" "$NEW-manifest\\.txt: it was made with another key \\(fingerprint [0-9a-f]{16}\\): each file is checked against what the store says of it" \
    "with another key, the log names the manifest's key by its fingerprint"
expect_match "$T/out" "^skipped: $NEW on s3://.*: damaged: .*MD5 [0-9a-f]{32} of the download is not the ETag" \
    "with another key, the damaged object is named by its ETag"
mv "$T/key.away" "$H/etc/patronus/backup-encryption-key"
cp "$T/new.db.good" "$R/hourly/$NEW.db"
cp "$T/new.db.good" "$OBJ/hourly/$NEW.db._S3rver_object"

# --- restore db with only an older set here: says the stores hold a newer point ---------------
run "$PDR" --config "$C" restore db --yes
expect_rc 0 "restore db from the older set fetched"
expect_match "$T/out" "^off-site: .* holds .* newer than anything here" "restore db says an off-site point is newer"

# --- restore all --from-remote at the same paths ----------------------------------------------
rm -rf "$B"
run "$PDR" --config "$C" restore all --from-remote --yes
expect_rc 0 "restore all --from-remote on the standby"
expect_match "$T/out" "^$NEW +hourly +whole " "the sets are listed"
expect_match "$T/out" "^fetched the stream from sftp://" "the stream was fetched"
expect_match "$T/out" "^stream: newest good point .* old\\), generation " "the stream's point is shown with its age"
expect_match "$T/out" "^database: from the stream, as at .* \\(newer than the newest set\\)$" \
    "the stream's point is newer than the newest set and used"
expect_match "$T/out" "^config and keys: from $NEW " "config and keys from the newest set"
expect_match "$T/out" "^restored: database, config and keys$" "all three restored"
left=$(ls -A "$(dirname "$DB")" | grep '\.fetch-')
[ -z "$left" ] && ok "no copy of the set's database is left beside the live one (the stream's went in)" ||
	fail "left beside the database: $left"
sqlite3 "$DB" .dump >"$T/standby.dump"
cmp -s "$T/standby.dump" "$T/primary.dump" && ok "the database holds the stream's newest point, row for row" ||
	fail "the database differs from the primary's last state"
sqlite3 "$DB" "SELECT what FROM audit_log WHERE what = 'stream-only-2'" | grep -q stream-only-2 &&
	ok "a row only the stream had is back" || fail "the stream-only row is missing"
cmp -s "$H/etc/wireguard/wg0.conf" "$T/primary-etc/wireguard/wg0.conf" && ok "the keys are back, identical" ||
	fail "wg0.conf differs"
cmp -s "$H/etc/patronus/config.yaml" "$T/primary-etc/patronus/config.yaml" &&
	cmp -s "$H/etc/patronus/backup-encryption-key" "$T/primary-etc/patronus/backup-encryption-key" &&
	ok "the config is back and the encryption key kept" || fail "the config or the key differs"

[ -z "$(ls -A "$B/hourly" 2>/dev/null)" ] && [ -z "$(ls -A "$B" | grep '^\.restore-parts-')" ] &&
	ok "the set's manifest and archives are not left in backup_dir (its database was not fetched)" ||
	fail "left in backup_dir: $(ls -A "$B" "$B/hourly" 2>/dev/null | tr '\n' ' ')"

# --- restore all without --from-remote: what is here (the stream, and the set fetched now) -----
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest brings the whole set"
run "$PDR" --config "$C" restore all --yes
expect_rc 0 "restore all from what is here"
expect_no_match "$T/out" "^Backup sets in " "no store is asked"
expect_match "$T/out" "^database: from the stream, as at " "the local stream's newest point, newer than the sets"
expect_match "$T/out" "^restored: database, config and keys$" "all three restored from here"
sqlite3 "$DB" .dump | cmp -s - "$T/primary.dump" && ok "the database is still the primary's last state" ||
	fail "the database differs after restore all from here"

# --- a standby laid out elsewhere: the archives' trees mapped onto its folders ------------------
S="$T/s"
mkdir -p "$S/state"
cp "$T/primary-etc/patronus/backup-encryption-key" "$S/key"
chmod 600 "$S/key"
{ printf 'database: %s/db/sdwan.db\nconfig_dir: %s/conf\nwireguard_dir: %s/wg\nbackup_dir: %s/backups\n' \
    "$S" "$S" "$S" "$S"
  printf 'encryption_key: %s/key\nlog_file: %s/backup.log\nstate_dir: %s/state\n' "$S" "$S" "$S"
  sed -n '/^remote:/,$p' "$C"; } >"$S/dr.yaml"
run "$PDR" --config "$S/dr.yaml" restore all --from-remote --yes
expect_rc 0 "restore all --from-remote on a standby at other paths"
expect_match "$T/out" "^the archive holds $H/etc/patronus; it is restored as $S/conf\$" "the config's tree is mapped, and said so"
expect_match "$T/out" "^the archive holds $H/etc/wireguard; it is restored as $S/wg\$" "the keys' tree is mapped, and said so"
sqlite3 "$S/db/sdwan.db" .dump | cmp -s - "$T/primary.dump" && ok "other paths: the database is the primary's last state" ||
	fail "other paths: the database differs"
cmp -s "$S/conf/config.yaml" "$T/primary-etc/patronus/config.yaml" &&
	cmp -s "$S/conf/tls/server.key" "$T/primary-etc/patronus/tls/server.key" &&
	ok "other paths: the config is back under config_dir" || fail "other paths: the config differs"
cmp -s "$S/wg/wg0.conf" "$T/primary-etc/wireguard/wg0.conf" && [ "$(stat -c %a "$S/wg/privatekey")" = 600 ] &&
	ok "other paths: the keys are back under wireguard_dir, private" || fail "other paths: the keys differ"
run "$PDR" --config "$S/dr.yaml" fetch --latest
expect_rc 0 "other paths: fetch --latest brings the whole set (restore all took the stream's point)"
run "$PDR" --config "$S/dr.yaml" restore config --to "$T/elsewhere" --yes
expect_rc 0 "restore config --to DIR"
cmp -s "$T/elsewhere/config.yaml" "$T/primary-etc/patronus/config.yaml" && ok "--to: the config is in DIR" ||
	fail "--to: the config is not in DIR"
cmp -s "$S/conf/config.yaml" "$T/primary-etc/patronus/config.yaml" && ok "--to leaves config_dir alone" ||
	fail "--to changed config_dir"
run "$PDR" --config "$S/dr.yaml" restore db --to "$T/x" --yes
expect_rc 64 "--to is refused for restore db"

# --- restore all --from-remote NAME: that set, not the stream -----------------------------------
rm -rf "$B"
run "$PDR" --config "$C" restore all --from-remote sftp "$OLD" --yes
expect_rc 0 "restore all --from-remote sftp NAME"
expect_match "$T/out" "/\\.sdwan\\.db\\.fetch-[A-Za-z0-9]{6}: written as the set was fetched" \
    "from SFTP, the database goes in from its copy written as it arrived"
cmp -s "$DB" "$R/daily/$OLD.db" && ok "the live database is the set's, byte for byte" ||
	fail "the live database differs from the set's"
run "$PDR" --config "$C" restore all --from-remote s3 "$OLD" --yes
expect_rc 0 "restore all --from-remote s3 NAME"
expect_no_match "$T/out" "^fetched the stream" "no stream for a named set"
expect_match "$T/out" "^database: from $OLD " "the database from the named set"
expect_match "$T/out" "^forensic copy: $DB\\.corrupted\\." "the live database kept first"
sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE what = 'in-set-2'" | grep -qx 0 &&
	ok "the named, older set's database is installed" || fail "not the older set's database"

# --- restore all --before (a runbook's restore_before: detected): only points taken before ------
nt=$(echo "$NEW" | sed -E 's/.*-([0-9]{4})([0-9]{2})([0-9]{2})-([0-9]{2})([0-9]{2})([0-9]{2})$/\1-\2-\3 \4:\5:\6/')
run "$PDR" --config "$C" restore all --from-remote --before "$nt" --yes
expect_rc 0 "restore all --from-remote --before the newest set's time"
expect_match "$T/out" "^only points before $nt" "says only earlier points count"
expect_match "$T/out" "^database: from $OLD " "neither the newest set nor the later stream is used"
sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE what = 'in-set-2'" | grep -qx 0 &&
	ok "--before: the older set's database is installed" || fail "--before: not the older set's database"

# --- progress: on a terminal only --------------------------------------------------------------
rm -rf "$B"
if command -v script >/dev/null 2>&1; then
	PDR_TEST_MAX_RECV=2000000 script -q -e -c "'$PDR' --config '$C' fetch --from sftp --latest" \
	    "$T/typescript" >/dev/null 2>&1
	tr '\r' '\n' <"$T/typescript" >"$T/progress"
	expect_match "$T/progress" "^$NEW\\.db: [0-9.]+[KM] of [0-9.]+M, [0-9.]+[KM]/s, [0-9hms]+ left" \
	    "on a terminal: bytes, rate and time left"
	expect_match "$T/progress" "^$NEW\\.db: [0-9.]+M in [0-9.]+m?s \\([0-9.]+[KM]/s\\)" "the line ends with the size, time and rate"
else
	echo "# no script(1) here: the progress line is not checked"
fi
rm -rf "$B"
run "$PDR" --config "$C" fetch --from s3 --latest
expect_no_match "$T/err" " left|/s\\)" "no progress when stderr is not a terminal"

# --- a proxy in front of s3rver that answers as bad stores do (badstore, standby-lib.sh) -------
trap 'badstore_stop; umount "$B" 2>/dev/null; offsite_cleanup' EXIT
badstore gone "$NEW-config.tar.gz"
rm -rf "$B"
run "$PDR" --config "$T/bad.yaml" fetch --from s3 --latest
expect_rc 0 "fetch --latest when an object of the newest set is gone"
expect_match "$T/out" "^skipped: $NEW on s3://.*: listed, but gone: .*404" "the gone object is named"
expect_match "$T/out" "^Fetched $B/daily/$OLD from s3://" "the older set is used"
[ -z "$(ls -A "$B/hourly" | grep "$NEW")" ] && ok "nothing of the set with a gone object is left" ||
	fail "left: $(ls -A "$B/hourly")"
badstore_stop

badstore cut "$NEW.db"
rm -rf "$B"
run "$PDR" --config "$T/bad.yaml" fetch --from s3 "$NEW"
expect_rc 69 "a connection reset mid-object: the download broke"
expect_match "$T/out" "^skipped: $NEW on s3://.*: the download broke: " "the broken download is named"
expect_no_match "$T/out" "damaged" "a reset is not taken for damage"
[ -s "$B/hourly/.$NEW.db.tmp" ] && ok "the part received is kept to resume" || fail "the part received is gone"
badstore_stop
run "$PDR" --config "$C" fetch --from s3 "$NEW"
expect_rc 0 "run again: the download resumes"
expect_match "$T/out" "Resuming s3://pdr/site-a/hourly/$NEW\\.db at byte [1-9]" "it resumes where the reset left it"
cmp -s "$B/hourly/$NEW.db" "$OBJ/hourly/$NEW.db._S3rver_object" && ok "the resumed database is the store's" ||
	fail "the resumed database differs"

# A part kept from an earlier download that is not the object's (a crash left a hole, or it is
# another's): the SHA-256 does not match, the kept part is named as what may differ, not the store.
rm -rf "$B"
mkdir -p "$B/hourly"
head -c 100000 /dev/zero >"$B/hourly/.$NEW.db.tmp"
run "$PDR" --config "$C" fetch --from s3 "$NEW"
expect_rc 69 "a kept part that is not the object's"
expect_match "$T/out" "^skipped: $NEW on s3://.*: the download broke: .*$NEW\\.db: SHA-256 [0-9a-f]{64} of the download is not [0-9a-f]{64}, the one its set's manifest gives; its first 100000 bytes were kept from an earlier, broken download" \
    "the kept part is named as what may differ"
expect_no_match "$T/out" "damaged" "a bad kept part is not taken for damage at rest"
[ ! -e "$B/hourly/.$NEW.db.tmp" ] && ok "the bad kept part is removed" || fail "the bad kept part is still there"
# The same without the key (the manifest cannot be authenticated): the ETag's MD5 differs, and
# the kept part is named all the same.
mkdir -p "$B/hourly"
head -c 100000 /dev/zero >"$B/hourly/.$NEW.db.tmp"
mv "$H/etc/patronus/backup-encryption-key" "$T/key.away"
run "$PDR" --config "$C" fetch --from s3 "$NEW"
mv "$T/key.away" "$H/etc/patronus/backup-encryption-key"
expect_rc 69 "a kept part that is not the object's, without the key"
expect_match "$T/out" "^skipped: $NEW on s3://.*: the download broke: .*$NEW\\.db: MD5 [0-9a-f]{32} of the download is not the ETag [0-9a-f]{32}; its first 100000 bytes were kept from an earlier, broken download" \
    "without the key, the kept part is named by the ETag's MD5"
[ ! -e "$B/hourly/.$NEW.db.tmp" ] && ok "that kept part is removed too" || fail "the kept part is still there"
run "$PDR" --config "$C" fetch --from s3 "$NEW"
expect_rc 0 "run again: fetched whole"
cmp -s "$B/hourly/$NEW.db" "$OBJ/hourly/$NEW.db._S3rver_object" && ok "then the database is the store's" ||
	fail "the database differs after the bad kept part"

badstore norange -
rm -rf "$B"
mkdir -p "$B/hourly"
head -c 100000 "$OBJ/hourly/$NEW.db._S3rver_object" >"$B/hourly/.$NEW.db.tmp"
run "$PDR" --config "$T/bad.yaml" fetch --from s3 "$NEW"
expect_rc 0 "a broken download resumed from a store that does not answer ranges"
expect_match "$T/out" "Cannot resume.*; downloading it whole" "says it downloads the object whole"
cmp -s "$B/hourly/$NEW.db" "$OBJ/hourly/$NEW.db._S3rver_object" && ok "the database fetched whole is the store's" ||
	fail "the database fetched whole differs"
badstore_stop

# --- no whole set on any store, the stream intact: the database alone, and exit 1 -------------
ls "$R"/*/patronus-*-manifest.txt* "$OBJ"/*/patronus-*-manifest.txt* >"$T/aside.list"
tar -cPf "$T/aside.tar" -T "$T/aside.list" && xargs rm -f <"$T/aside.list"
rm -rf "$B" "$H/var/lib/patronus/sdwan.db"
run "$PDR" --config "$C" restore all --from-remote --yes
expect_rc 1 "restore all with the stream alone"
expect_match "$T/err" "only the database can be restored \\(from the stream\\)" "says config and keys need a set"
sqlite3 "$DB" .dump | cmp -s - "$T/primary.dump" && ok "the database is the stream's newest point" ||
	fail "the database is not the stream's newest point"
tar -xPf "$T/aside.tar"

# --- disk full on the standby -----------------------------------------------------------------
rm -rf "$B"
mkdir -p "$B"
if mount -t tmpfs -o size=2m tmpfs "$B" 2>/dev/null; then
	run "$PDR" --config "$C" fetch --latest
	expect_rc 74 "fetch --latest onto a full disk"
	expect_match "$T/err" "No space left on device.*bytes free.*needs" "disk full is named, with the room needed"
	left=$(find "$B" -name "patronus-*" -o -name ".patronus-*" | head -3)
	[ -z "$left" ] && ok "nothing of the set is left half there" || fail "left: $left"
	expect_no_match "$T/out" "^skipped: .* on s3" "no other store tried for a full disk"
	umount "$B"
else
	echo "# cannot mount a small tmpfs here: the disk-full case is not run"
fi

check_log "$T/requests.log" "every S3 request passed the SigV4 checker"
finish
