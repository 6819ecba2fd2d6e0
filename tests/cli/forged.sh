#!/bin/sh
# forged.sh: anyone who can write backup_dir can make a set whose checksums are right. Without
# the HMAC line it fails verify ("unsigned") unless --allow-unsigned; restore never picks it by
# itself, and --from installs it only with --allow-unsigned, saying so. A key that others can
# read, or no key, stops a restore before anything changes (77, 66). A failure for want of
# the key is not remembered as a verdict on the set. Short keys and keys with a NUL are refused.
. "$srcdir/tests/cli/lib.sh"
# backups lines read whole (tables.sh checks them at 80 columns)
COLUMNS=1000
export COLUMNS
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
DB="$T/h/var/lib/patronus/sdwan.db"
BD="$T/h/backup/patronus"
KEY="$T/h/etc/patronus/backup-encryption-key"
t=1767225600
sqlite3 "$DB" "UPDATE users SET role = 'admin-good' WHERE name = 'admin'"
PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" backup --type daily --no-prune
expect_rc 0 "a signed set"
good="$BD/daily/patronus-daily-20260101-000000"

# forge SRC NEWNAME SQL: a copy of set SRC as NEWNAME (same tier folder) with SQL applied to
# its database, the checksum lines recomputed and renamed, and no HMAC line.
forge() {
	dir=$(dirname "$1"); old=$(basename "$1"); new=$2
	for s in .db -config.tar.gz -wireguard.tar.gz.enc; do cp "$1$s" "$dir/$new$s"; done
	sqlite3 "$dir/$new.db" "$3"
	{
		sed -e "/^HMAC-SHA256:/d" -e "/^[0-9a-f]\{64\}  /d" -e "s/$old/$new/g" "$1-manifest.txt"
		(cd "$dir" && sha256sum "$new.db" "$new-config.tar.gz" "$new-wireguard.tar.gz.enc")
	} >"$dir/$new-manifest.txt"
}
forge "$good" patronus-daily-20260102-000000 "UPDATE users SET role = 'admin-FORGED' WHERE name = 'admin'"
forged="$BD/daily/patronus-daily-20260102-000000"
grep -q HMAC "$forged-manifest.txt" && fail "the forged manifest has an HMAC line" || ok "forged set: checksums right, no HMAC line"
run plan_verify "$srcdir/tests/data/patronus-verify-backup.sh" "$forged.db"
expect_rc 0 "the plan's verify script passes the forgery (the reason for the HMAC)"

# verify: unsigned fails, --allow-unsigned warns.
run "$PDR" --config "$C" verify "$forged.db"
expect_rc 1 "verify fails an unsigned set"
expect_match "$T/out" '^FAILED +hmac .*unsigned' "the hmac line says unsigned"
run "$PDR" --config "$C" verify --allow-unsigned "$forged.db"
expect_rc 0 "verify --allow-unsigned passes it"
expect_match "$T/out" '^warning +hmac .*unsigned' "with a warning"
run "$PDR" --config "$C" backups
expect_match "$T/out" ' unsigned +daily/patronus-daily-20260102-000000' "backups calls it unsigned"
expect_match "$T/out" ' (complete|not verified) +daily/patronus-daily-20260101-000000' "and the signed set good"

# restore never picks it by itself: the older signed set is restored, the forgery named.
sqlite3 "$DB" "UPDATE users SET role = 'live' WHERE name = 'admin'"
run "$PDR" --config "$C" restore db --yes
expect_rc 0 "restore db with a newer unsigned set"
expect_match "$T/err" 'skipping patronus-daily-20260102-000000: unsigned' "the unsigned set is skipped and named"
expect_match "$T/out" 'restoring from patronus-daily-20260101-000000' "the signed set is restored"
[ "$(sqlite3 "$DB" "SELECT role FROM users WHERE name = 'admin'")" = admin-good ] &&
	ok "the live database holds the signed set's data" || fail "restored: $(sqlite3 "$DB" "SELECT role FROM users WHERE name = 'admin'")"

# --from an unsigned set: refused without --allow-unsigned, nothing changed; with it, said.
sum=$(sha256sum <"$DB")
run "$PDR" --config "$C" restore db --yes --from "$forged.db"
expect_rc 1 "restore --from an unsigned set without --allow-unsigned"
expect_match "$T/err" 'unsigned' "the refusal says unsigned"
[ "$(sha256sum <"$DB")" = "$sum" ] && ok "the refused restore changed nothing" || fail "the database changed"
# without --from, --allow-unsigned opens only the stream (restore db): never an unsigned set
run "$PDR" --config "$C" restore config --yes --allow-unsigned
expect_rc 64 "restore config --allow-unsigned without --from is a usage error"
run "$PDR" --config "$C" restore db --yes --allow-unsigned
expect_rc 0 "restore db --allow-unsigned without --from"
expect_match "$T/err" 'skipping patronus-daily-20260102-000000: unsigned' "still skips the unsigned set, naming it"
expect_match "$T/out" 'restoring from patronus-daily-20260101-000000' "and restores the signed one"
run "$PDR" --config "$C" restore db --yes --from "$forged.db" --allow-unsigned
expect_rc 0 "restore --from an unsigned set with --allow-unsigned"
expect_match "$T/out" "WARNING: .*patronus-daily-20260102-000000\.db is not authenticated \(its manifest has no HMAC line\)" \
	"says it installs an unauthenticated set"

# A set with a wrong HMAC (a forgery that kept a stale HMAC line).
forge "$good" patronus-daily-20260103-000000 "UPDATE sites SET name = 'evil' WHERE id = 1"
wrong="$BD/daily/patronus-daily-20260103-000000"
echo "HMAC-SHA256: $(printf '%064d' 0)" >>"$wrong-manifest.txt"
sum=$(sha256sum <"$DB")
chmod 644 "$KEY"
run "$PDR" --config "$C" restore db --yes --from "$wrong.db"
expect_rc 77 "restore --from with a key others can read: 77"
expect_match "$T/err" 'accessible by group or others' "says why"
run "$PDR" --config "$C" restore config --yes
expect_rc 77 "restore config with a key others can read: 77"
run "$PDR" --config "$C" restore db --yes --from "$forged.db" --allow-unsigned
expect_rc 77 "--allow-unsigned does not open a key others can read"
[ "$(sha256sum <"$DB")" = "$sum" ] && ok "nothing changed with the key readable by others" || fail "the database changed"
# A verify that fails for the key's mode is not remembered against the set.
run "$PDR" --config "$C" verify "$good.db"
expect_rc 77 "verify with a key others can read: 77"
expect_match "$T/out" '^Backup verification NOT DONE: 2 checks could not be made without a usable key; nothing is found wrong with the set$' \
	"its last line does not call the set failed"
expect_no_match "$T/out" 'verification FAILED' "nor says FAILED"
chmod 600 "$KEY"
run "$PDR" --config "$C" backups
expect_match "$T/out" ' (complete|not verified) +daily/patronus-daily-20260101-000000' \
	"after the mode is mended the set is not called corrupt"
mv "$KEY" "$KEY.away"
run "$PDR" --config "$C" restore db --yes
expect_rc 66 "restore db without a key file: 66"
run "$PDR" --config "$C" restore db --yes --from "$wrong.db"
expect_rc 66 "restore --from without a key file: 66"
expect_match "$T/err" 'offline copy' "says to put the key back first"
[ "$(sha256sum <"$DB")" = "$sum" ] && ok "nothing changed without the key" || fail "the database changed"
mv "$KEY.away" "$KEY"
run "$PDR" --config "$C" restore db --yes --from "$wrong.db"
expect_rc 1 "restore --from a set with a wrong HMAC: refused"
expect_match "$T/err" 'HMAC does not match' "says the HMAC does not match"
run "$PDR" --config "$C" restore db --yes
expect_rc 0 "restore db with the key back"
expect_match "$T/err" 'skipping patronus-daily-20260103-000000' "the wrong-HMAC set is skipped"
expect_match "$T/out" 'restoring from patronus-daily-20260101-000000' "the signed set is restored again"

# A new key: backup warns, and the older sets say "made with another key", not "corrupt".
cp "$KEY" "$T/key.old"
openssl rand -base64 32 >"$KEY"
PATRONUS_DR_NOW="@$((t + 4 * 86400))" run "$PDR" --config "$C" backup --type daily --no-prune
expect_rc 0 "backup with a new key"
expect_match "$T/err" 'encryption key changed since patronus-daily-[0-9-]+ .*keep it' \
	"backup warns that the key changed"
expect_match "$BD/daily/patronus-daily-20260105-000000-manifest.txt" '^Key-Fingerprint: [0-9a-f]{16}$' \
	"the manifest names its key's fingerprint"
run "$PDR" --config "$C" verify "$good.db"
expect_rc 1 "an older set does not verify with the new key"
expect_match "$T/out" '^FAILED +hmac .*made with another key \(fingerprint [0-9a-f]{16}; the key now is [0-9a-f]{16}\)' \
	"verify says made with another key"
expect_no_match "$T/out" 'HMAC does not match' "and not that the manifest was altered"
run "$PDR" --config "$C" backups
expect_match "$T/out" 'not verified +daily/patronus-daily-20260101-000000: made with another key' \
	"backups says made with another key, not corrupt"
cp "$T/key.old" "$KEY"
run "$PDR" --config "$C" verify "$good.db"
expect_rc 0 "with the old key back it verifies (nothing was stamped against it)"

# Keys that would be cut or are too short are refused.
cp "$KEY" "$T/key.good"
printf 'short\n' >"$KEY"
PATRONUS_DR_NOW="@$((t + 7200))" run "$PDR" --config "$C" backup --no-prune
[ "$rc" != 0 ] && ok "backup refuses a 5-character key (exit $rc)" || fail "backup took a 5-character key"
expect_match "$T/err" 'needs 16 at least' "says the key is too short"
printf 'abcdefgh\000ijklmnopqrstuvwxyz\n' >"$KEY"
PATRONUS_DR_NOW="@$((t + 7200))" run "$PDR" --config "$C" backup --no-prune
[ "$rc" != 0 ] && ok "backup refuses a key with a NUL byte (exit $rc)" || fail "backup took a key with a NUL byte"
expect_match "$T/err" 'NUL byte' "says the key holds a NUL byte"
cp "$T/key.good" "$KEY"

finish
