#!/bin/sh
# restore.sh: restore db, config and keys on a demo sandbox after the damage each is for,
# checked with sqlite3, cmp and the files themselves; set choice, confirmation, rpo.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"

make_sandbox "$T/s"
good_counts=$(counts "$DB")
take_backup
GOOD=$SET
cp "$DB" "$T/good.db"

# --- restore db after corruption -------------------------------------------------------
dd if=/dev/urandom of="$DB" bs=4096 seek=40 count=4 conv=notrunc 2>/dev/null
sqlite3 "$DB" "PRAGMA integrity_check" 2>&1 | grep -qx ok && fail "dd did not corrupt the database" ||
	ok "dd corrupted the database (sqlite3 integrity_check fails)"
cp "$DB" "$T/corrupt.db"

# No terminal and no --yes: refused, nothing changed.
run setsid -w "$PDR" --config "$C" restore db
expect_rc 64 "restore without --yes and without a terminal"
expect_match "$T/err" "--yes" "the refusal says how to go on"
cmp -s "$DB" "$T/corrupt.db" && ok "the database is untouched after the refusal" ||
	fail "the refusal changed the database"
ls "$DB".corrupted.* >/dev/null 2>&1 && fail "a forensic copy was made before confirmation" ||
	ok "no forensic copy before confirmation"

# On a terminal (script(1) gives it one) it shows what will be replaced and asks; "n" changes nothing.
if command -v script >/dev/null; then
	printf 'n\n' | script -qec "'$PDR' --config '$C' restore db" /dev/null >"$T/out" 2>&1
	rc=$?
	expect_rc 1 "restore db answered n on a terminal"
	expect_match "$T/out" "Replace the database $DB .* with $SET" "the question names what is replaced and by what"
	expect_match "$T/out" "not confirmed; nothing changed" "says nothing changed"
	cmp -s "$DB" "$T/corrupt.db" && ok "the database is untouched after n" || fail "n changed the database"
fi

run "$PDR" --config "$C" restore db --yes --incident-start "-5m"
expect_rc 0 "restore db --yes"
expect_match "$T/out" "restoring from $(basename "$SET" .db)" "names the set it restores from"
expect_match "$T/out" "^data-loss window: .*incident start" "prints the data-loss window against the incident start"
same "sqlite3 integrity_check of the restored database" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
same "row counts equal those before the damage" "$(counts "$DB")" "$good_counts"
same "the restored database is mode 600" "$(stat -c %a "$DB")" 600
same "owner kept" "$(stat -c %u:%g "$DB")" "$(id -u):$(id -g)"
set -- "$DB".corrupted.*
fz=$1
cmp -s "$fz" "$T/corrupt.db" && ok "forensic copy $(basename "$fz") holds the corrupted bytes" ||
	fail "forensic copy differs from the corrupted database"
[ ! -e "$DB-wal" ] || [ ! -s "$DB-wal" ] && ok "no stale -wal beside the restored database" ||
	fail "a stale -wal remains"
ls -a "$(dirname "$DB")" | grep -q '\.restore-' && fail "temporary file left" || ok "no temporary file left"

# --copy makes a byte copy, not a link; a second restore in the same second gets its own name.
run "$PDR" --config "$C" restore db --yes --copy
expect_rc 0 "restore db --copy"
n=$(ls "$DB".corrupted.* | grep -c -v -- '-wal$\|-shm$')
[ "$n" -ge 2 ] && ok "each restore keeps its own forensic copy ($n)" || fail "forensic copies: $n"
expect_no_match "$T/out" "hard link" "--copy does not link"

# A newer damaged set is skipped and named; --from a damaged set is refused.
sleep 1
take_backup
bad=$SET
dd if=/dev/urandom of="$bad" bs=4096 seek=20 count=2 conv=notrunc 2>/dev/null
run "$PDR" --config "$C" restore db --yes
expect_rc 0 "restore db with a damaged newest set"
expect_match "$T/err" "skipping $(basename "$bad" .db)" "the damaged set is skipped and named"
expect_no_match "$T/out" "restoring from $(basename "$bad" .db)" "the damaged set is not used"
cp "$DB" "$T/before-from.db"
run "$PDR" --config "$C" restore db --yes --from "$bad"
expect_rc 1 "--from a set that fails verify"
cmp -s "$DB" "$T/before-from.db" && ok "the refused --from changed nothing" || fail "refused --from changed the database"
rm -f "${bad%.db}"*

# --- restore config after deleted files --------------------------------------------------
tree_digest "$CFG" >"$T/cfg.good"
cp "$CFG/config.yaml" "$T/config.yaml.good"
key_sum=$(sha256sum <"$CFG/backup-encryption-key")
rm "$CFG/config.yaml" "$CFG/tls/server.key"
echo "left by the intruder" >"$CFG/stray.txt"
run setsid -w "$PDR" --config "$C" restore config
expect_rc 64 "restore config without --yes and without a terminal"
[ -f "$CFG/stray.txt" ] && ok "config untouched after the refusal" || fail "the refusal changed the config"
run "$PDR" --config "$C" restore config --yes
expect_rc 0 "restore config --yes"
cmp -s "$CFG/config.yaml" "$T/config.yaml.good" && ok "config.yaml is back, byte for byte" || fail "config.yaml differs"
[ -f "$CFG/tls/server.key" ] && ok "tls/server.key is back" || fail "tls/server.key missing"
same "tls/server.key is mode 600" "$(stat -c %a "$CFG/tls/server.key")" 600
[ ! -e "$CFG/stray.txt" ] && ok "the stray file is gone" || fail "the stray file remains"
same "the encryption key (left out of backups) is kept" "$(sha256sum <"$CFG/backup-encryption-key")" "$key_sum"
expect_match "$T/out" "^\+ $CFG/config.yaml$" "reports config.yaml added"
expect_match "$T/out" "^- $CFG/stray.txt$" "reports stray.txt removed"
expect_match "$T/out" "2 added, 0 changed, 1 removed" "counts added, changed, removed"
tree_digest "$CFG" >"$T/cfg.now"
cmp -s "$T/cfg.good" "$T/cfg.now" && ok "the whole config tree equals the one before the damage" ||
	{ fail "config tree differs"; diff "$T/cfg.good" "$T/cfg.now" | head; }
set -- "$D"/var/lib/patronus/dr/config-before-restore-*.tar.gz
[ -f "$1" ] && tar tzf "$1" | grep -q 'etc/patronus/stray.txt$' && ok "the damaged config was archived first ($(basename "$1"))" ||
	fail "no archive of the config before the restore"
set -- "$CFG".pre-restore-*
[ -f "$1/stray.txt" ] && ok "the old tree is kept beside it" || fail "old tree not kept"
ls -a "$D/etc" | grep -q '\.restore-' && fail "staging folder left" || ok "no staging folder left"
run "$PDR" --config "$C" check config
expect_rc 0 "check config passes after the restore"

# --- restore keys after deleted keys -----------------------------------------------------
cp "$WG/privatekey" "$T/privatekey.good"
cp "$WG/wg0.conf" "$T/wg0.conf.good"
rm "$WG/privatekey" "$WG/wg0.conf"
run "$PDR" --config "$C" restore keys --yes
expect_rc 0 "restore keys --yes"
cmp -s "$WG/privatekey" "$T/privatekey.good" && ok "privatekey is back" || fail "privatekey differs"
cmp -s "$WG/wg0.conf" "$T/wg0.conf.good" && ok "wg0.conf is back" || fail "wg0.conf differs"
same "privatekey is mode 600" "$(stat -c %a "$WG/privatekey")" 600
same "wg0.conf is mode 600" "$(stat -c %a "$WG/wg0.conf")" 600
if command -v wg >/dev/null; then
	same "publickey matches privatekey (wg pubkey)" "$(wg pubkey <"$WG/privatekey")" "$(cat "$WG/publickey")"
fi
expect_no_match "$T/out" "$(cat "$WG/privatekey")" "the private key is never printed"

# A key file readable by others is refused (77).
chmod 644 "$CFG/backup-encryption-key"
run "$PDR" --config "$C" restore keys --yes
expect_rc 77 "restore keys with a key file readable by others"
chmod 600 "$CFG/backup-encryption-key"

# --- the whole config folder gone, the encryption key with it ------------------------------
cp "$CFG/backup-encryption-key" "$T/key.offline"
rm -rf "$CFG"
# Without the key no set's origin can be checked: nothing is restored by itself...
run "$PDR" --config "$C" restore config --yes
expect_rc 66 "restore config when the whole folder (and the key) is gone: refused"
expect_match "$T/err" "put it back from its offline copy first" "says the key must come back first"
[ ! -e "$CFG" ] && ok "nothing was restored without the key" || fail "restored without the key"
# ...unless a set named with --from is accepted unauthenticated, which is said.
run "$PDR" --config "$C" restore config --yes --from "$GOOD" --allow-unsigned
expect_rc 0 "restore config --from --allow-unsigned when the key is gone"
cmp -s "$CFG/config.yaml" "$T/config.yaml.good" && ok "config.yaml is back without the key" || fail "config.yaml differs"
expect_match "$T/out" "WARNING: .* is not authenticated \(the key cannot be read\)" "says the set is not authenticated"
expect_match "$T/out" "WARNING: the encryption key .* is not in the restored config" "says the key must come back from its offline copy"
run "$PDR" --config "$C" restore keys --yes
expect_rc 66 "restore keys without the key"
cp "$T/key.offline" "$CFG/backup-encryption-key"
chmod 600 "$CFG/backup-encryption-key"
run "$PDR" --config "$C" restore keys --yes
expect_rc 0 "restore keys once the key is back"

# --- total loss: the database's folder is gone (with the state folder in it) ---------------
rm -rf "$(dirname "$DB")"
run "$PDR" --config "$C" restore db --yes
expect_rc 0 "restore db when its folder is gone"
same "sqlite3 integrity_check after a total loss" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
same "row counts after a total loss" "$(counts "$DB")" "$good_counts"

# --- rpo ---------------------------------------------------------------------------------
run "$PDR" --config "$C" rpo --target 1h
expect_rc 0 "rpo within a 1h target"
expect_match "$T/out" "^newest set that verifies: $(basename "$GOOD" .db)" "rpo names the newest good set"
run "$PDR" --config "$C" rpo --target 1h --incident-start "@$(($(date +%s) + 7200))"
expect_rc 1 "rpo over target when the incident started 2h after the backup"
expect_match "$T/out" "OVER the RPO target" "rpo says it is over"
run "$PDR" --config "$C" rpo --target soon
expect_rc 64 "rpo with a bad duration"
rm -f "$BK"/*/patronus-*
run "$PDR" --config "$C" rpo
expect_rc 66 "rpo with no backup set"
run "$PDR" --config "$C" restore db --yes
expect_rc 66 "restore db with no backup set"

finish
