#!/bin/sh
# verify-damage.sh: a catalogue of damaged sets; verify fails on each and names the right file.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
run "$PDR" --config "$C" backup --type daily
expect_rc 0 "a good set to damage"
set -- "$T"/h/backup/patronus/daily/patronus-daily-*.db
good=$(dirname "$1")
name=$(basename "$1" .db)
run "$PDR" --config "$C" verify "$good/$name.db"
expect_rc 0 "the good set verifies"

n=0
# fresh: copy the good set into a new folder; $D is the folder, $B the set's path without suffix.
fresh() {
	n=$((n + 1))
	D="$T/case$n"
	mkdir -p "$D"
	cp -p "$good/$name".* "$good/$name"-* "$D/"
	B="$D/$name"
}
# flip FILE: invert one byte in the middle of FILE.
flip() {
	sz=$(stat -c %s "$1")
	off=$((sz / 2))
	byte=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((255 - byte)))" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}
# truncate FILE: cut FILE to two thirds of its size.
trunc() {
	sz=$(stat -c %s "$1")
	truncate -s $((sz * 2 / 3)) "$1"
}
# expect_fail DESC SUFFIX [REASON-ERE]: verify exits 1 with a FAILED line naming $B$SUFFIX.
expect_fail() {
	run "$PDR" --config "$C" verify "$B.db"
	expect_rc 1 "$1: verify fails"
	pat="^FAILED +[a-z]+ +$(echo "$B$2" | sed 's/[.]/\\./g'): ${3:-}"
	expect_match "$T/out" "$pat" "$1: names $(basename "$B$2")"
}

fresh; flip "$B.db"; expect_fail "flipped byte in the database" .db
fresh; trunc "$B.db"; expect_fail "truncated database" .db
fresh; flip "$B-config.tar.gz"; expect_fail "flipped byte in the config archive" -config.tar.gz
fresh; trunc "$B-config.tar.gz"; expect_fail "truncated config archive" -config.tar.gz
fresh; flip "$B-wireguard.tar.gz.enc"; expect_fail "flipped byte in the WireGuard archive" -wireguard.tar.gz.enc
fresh; trunc "$B-wireguard.tar.gz.enc"; expect_fail "truncated WireGuard archive" -wireguard.tar.gz.enc 'bad decrypt'
fresh; sed -i 's/^Hostname: .*/Hostname: elsewhere/' "$B-manifest.txt"
expect_fail "edited manifest text" -manifest.txt 'HMAC does not match'
fresh; trunc "$B-manifest.txt"; expect_fail "truncated manifest" -manifest.txt
fresh; rm "$B.db"; expect_fail "missing database" .db
fresh; rm "$B-config.tar.gz"; expect_fail "missing config archive" -config.tar.gz
fresh; rm "$B-wireguard.tar.gz.enc"; expect_fail "missing WireGuard archive" -wireguard.tar.gz.enc
fresh; rm "$B-manifest.txt"; expect_fail "missing manifest" -manifest.txt 'manifest not readable'
fresh; perl -pi -e 's/^([0-9a-f])(?=[0-9a-f]{63}  .*-config\.tar\.gz$)/$1 eq "0" ? "1" : "0"/e' "$B-manifest.txt"
[ "$(grep -c '^[0-9a-f]' "$B-manifest.txt")" = 3 ] || fail "altered checksum line kept its shape"
expect_fail "altered checksum line (config)" -config.tar.gz 'SHA-256 .* does not match'
expect_match "$T/out" "^FAILED +hmac " "altered checksum line: the HMAC catches the edit"
fresh; sed -i '/-wireguard\.tar\.gz\.enc$/d' "$B-manifest.txt"
expect_fail "checksum line removed" -wireguard.tar.gz.enc 'the manifest has no checksum line'

# A database swapped for another valid one, checksum lines recomputed as a forger would.
fresh
sqlite3 "$T/other.db" "CREATE TABLE sites (id INTEGER PRIMARY KEY); CREATE TABLE paths (id INTEGER);
	INSERT INTO sites VALUES (1), (2), (3);"
cp "$T/other.db" "$B.db"
sum=$(cd "$D" && sha256sum "$name.db")
sed -i "s|^[0-9a-f]\{64\}  $name\.db\$|$sum|" "$B-manifest.txt"
(cd "$D" && grep '^[0-9a-f]' "$name-manifest.txt" | sha256sum -c --quiet) && ok "swapped database: sha256sum -c is fooled" ||
	fail "swapped database: checksum lines not recomputed"
expect_fail "swapped database, checksums recomputed" -manifest.txt 'HMAC does not match'
expect_match "$T/out" "^FAILED +sites +$(echo "$B.db" | sed 's/[.]/\\./g'): database has 3 sites, the manifest says 12" \
	"swapped database: the sites count disagrees with the manifest"

# Another key: the HMAC and the decryption both fail, named as made with another key (the
# manifest's Key-Fingerprint line), not as damage.
fresh
openssl rand -base64 32 >"$T/other.key"; chmod 600 "$T/other.key"
sed "s|^encryption_key: .*|encryption_key: $T/other.key|" "$C" >"$T/other.yaml"
run "$PDR" --config "$T/other.yaml" verify "$B.db"
expect_rc 1 "another key: verify fails"
expect_match "$T/out" "^FAILED +wireguard +.*-wireguard\.tar\.gz\.enc: cannot decrypt: the set was made with another key" \
    "another key: cannot decrypt, the key named as a cause"
expect_match "$T/out" "^FAILED +hmac +.*-manifest\.txt: made with another key" "another key: says so"
# Without the fingerprint line (an older set), the decryption itself shows the wrong key.
sed -i '/^Key-Fingerprint:/d' "$B-manifest.txt"
run "$PDR" --config "$T/other.yaml" verify "$B.db"
expect_rc 1 "another key, no fingerprint: verify fails"
# (a wrong key fails the padding check 255 times in 256; else the plaintext is no archive)
expect_match "$T/out" "^FAILED +wireguard +.*-wireguard\.tar\.gz\.enc: .*(bad decrypt|no readable archive): wrong key" \
    "another key, no fingerprint: cannot decrypt, the key named as a cause"
expect_match "$T/out" "^FAILED +hmac +.*-manifest\.txt: HMAC does not match" "another key, no fingerprint: HMAC mismatch"

# The right key, but what it decrypts is no archive (as a wrong key whose padding checks out
# gives): named as such, not as a decryption failure.
fresh
head -c 3000 /dev/urandom | openssl enc -aes-256-cbc -pbkdf2 -salt -pass "file:$(sed -n 's/^encryption_key: //p' "$C")" \
    -out "$B-wireguard.tar.gz.enc"
run "$PDR" --config "$C" verify "$B.db"
expect_rc 1 "not an archive inside: verify fails"
expect_match "$T/out" "^FAILED +wireguard +.*-wireguard\.tar\.gz\.enc: decrypted, but no readable archive: wrong key, or the file is damaged: " \
    "not an archive inside: decrypted, but no archive"
expect_match "$T/out" "^FAILED +checksum +.*-wireguard\.tar\.gz\.enc: " "not an archive inside: checksum fails too"

# Without the key: the plan's checks still run, HMAC and decryption cannot and fail.
fresh
sed "s|^encryption_key: .*|encryption_key: $T/none.key|" "$C" >"$T/none.yaml"
run "$PDR" --config "$T/none.yaml" verify "$B.db"
expect_rc 66 "no key: verify fails for want of the key (66), not as a verdict on the set"
expect_match "$T/out" "^FAILED +wireguard +.*: cannot decrypt: key file $T/none\.key" "no key: says which key is missing"
expect_match "$T/out" "^ok +checksum +.*-wireguard\.tar\.gz\.enc: " "no key: checksums still checked"

# verify of a damaged set is remembered: backups calls it corrupt.
mkdir -p "$T/h/backup/patronus/hourly"
cp -p "$good/$name".* "$good/$name"-* "$T/h/backup/patronus/hourly/"
flip "$T/h/backup/patronus/hourly/$name-config.tar.gz"
run "$PDR" --config "$C" verify "$T/h/backup/patronus/hourly/$name.db"
expect_rc 1 "damaged copy inside backup_dir"
run "$PDR" --config "$C" backups
expect_match "$T/out" " corrupt +hourly/$name: .*-config\.tar\.gz" "backups calls the damaged set corrupt"
expect_match "$T/out" " complete +daily/$name\$" "backups calls the good set complete"

run "$PDR" --config "$C" verify
expect_rc 64 "verify without a file"
run "$PDR" --config "$C" verify "$T/nothing.txt"
expect_rc 1 "verify of a name without .db"

finish
