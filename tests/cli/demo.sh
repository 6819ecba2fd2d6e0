#!/bin/sh
# demo.sh: the demo sandbox's layout, database, keys, modes, dr.yaml, keep and --reset.
. "$srcdir/tests/cli/lib.sh"

D="$T/sandbox"

# count SQL: one number from the sandbox database.
count() { sqlite3 "$D/var/lib/patronus/sdwan.db" "$1"; }

# in_range DESC N LO HI: LO <= N <= HI.
in_range() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then ok "$1: $2 in [$3, $4]"
	else fail "$1: '$2' not in [$3, $4]"; fi
}

# same DESC A B: two strings are equal and not empty.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1"; else fail "$1: '$2' != '$3'"; fi
}

# mode_is FILE MODE: the file's permission bits.
mode_is() {
	m=$(stat -c %a "$1" 2>/dev/null)
	if [ "$m" = "$2" ]; then ok "mode $2: ${1#"$D"/}"; else fail "${1#"$D"/}: mode '$m', expected $2"; fi
}

# x25519_pub FILE: the X25519 public key of a base64 private key, by openssl alone.
x25519_pub() {
	{ printf '302e020100300506032b656e04220420' | xxd -r -p; base64 -d <"$1"; } >"$T/x25519.der"
	openssl pkey -inform DER -in "$T/x25519.der" -pubout -outform DER | tail -c 32 | base64
}

run "$PDR" demo --dir "$D" --no-tui
expect_rc 0 "demo makes a sandbox"
expect_match "$T/out" "^Made a demo sandbox in $D\\.\$" "demo says where"
expect_match "$T/out" "--config $D/dr\\.yaml config" "demo says what to try next"

# The layout (a contract).
for f in dr.yaml .patronus-dr-demo var/lib/patronus/sdwan.db etc/patronus/config.yaml \
    etc/patronus/tls/server.key etc/patronus/tls/server.crt etc/patronus/jwt-secret \
    etc/patronus/backup-encryption-key etc/wireguard/wg0.conf etc/wireguard/privatekey \
    etc/wireguard/publickey; do
	if [ -f "$D/$f" ] && [ -s "$D/$f" ]; then ok "layout: $f"; else fail "layout: $f missing or empty"; fi
done
for d in var/log/patronus; do
	if [ -d "$D/$d" ] && [ -z "$(ls -A "$D/$d")" ]; then ok "layout: empty folder $d"
	else fail "layout: $d is not an empty folder"; fi
done
# A host with history: six sets taken by the real engine, 8 days to 10 minutes old.
nsets=$(find "$D/backup/patronus" -name '*-manifest.txt' | wc -l)
same "history: six backup sets" "$nsets" 6
expect_match "$T/out" "backup/patronus \(6 sets taken as if 8 days to 10 minutes ago" \
	"demo says it made the sets"
run "$PDR" --config "$D/dr.yaml" backups --json
expect_rc 0 "backups lists the demo's sets"
states=$(grep -o '"state": "[a-z ]*"' "$T/out" | sort -u)
same "history: every set complete (verified when taken)" "$states" '"state": "complete"'
now=$(date +%s)
newest=$(grep -o '"epoch": [0-9]*' "$T/out" | head -1 | cut -d' ' -f2)
oldest=$(grep -o '"epoch": [0-9]*' "$T/out" | tail -1 | cut -d' ' -f2)
in_range "history: the newest set is about 10 minutes old (s)" "$((now - newest))" 590 700
in_range "history: the oldest set is about 8 days old (h)" "$(( (now - oldest) / 3600 ))" 191 193
mt=$(stat -c %Y "$(find "$D/backup/patronus" -name '*-manifest.txt' | sort | tail -1)")
[ -n "$mt" ] && [ $((now - mt)) -ge 590 ] && ok "history: files dated when their set was taken" ||
	fail "history: a manifest dated $mt, now $now"
tiers=$(grep -o '"tier": "[a-z]*"' "$T/out" | sort -u | wc -l)
in_range "history: sets in several tiers" "$tiers" 2 4
# the newest set lacks the last change: a restore shows a real data loss
last=$(sqlite3 "$D/var/lib/patronus/sdwan.db" "SELECT MAX(id) FROM audit_log")
bk=$(grep -m1 '"name"' "$T/out" | sed 's/.*"name": "\([^"]*\)", "dir": "\([^"]*\)".*/\2\/\1.db/')
inset=$(sqlite3 "$bk" "SELECT COUNT(*) FROM audit_log WHERE id = $last")
same "history: the live database has a change newer than every set" "$inset" 0
leftover=$(find "$T" -maxdepth 1 -name '.sandbox.*' | head -1)
[ -z "$leftover" ] && ok "no staging folder left beside the sandbox" || fail "left over: $leftover"

# Secrets: 0600, the plan's key format.
for f in etc/patronus/backup-encryption-key etc/patronus/jwt-secret etc/patronus/tls/server.key \
    etc/wireguard/privatekey etc/wireguard/wg0.conf; do
	mode_is "$D/$f" 600
done
expect_match "$D/etc/patronus/backup-encryption-key" '^[A-Za-z0-9+/]{43}=$' \
    "encryption key is base64 of 32 bytes, as openssl rand -base64 32 prints"
[ "$(wc -l <"$D/etc/patronus/backup-encryption-key")" -eq 1 ] &&
    ok "encryption key is one line" || fail "encryption key is not one line"
[ "$(base64 -d <"$D/etc/patronus/backup-encryption-key" | wc -c)" -eq 32 ] &&
    ok "encryption key decodes to 32 bytes" || fail "encryption key does not decode to 32 bytes"

# The database: sound, WAL, every table filled within the stated ranges.
same "integrity_check says ok" "$(count 'PRAGMA integrity_check')" ok
same "journal_mode is wal" "$(count 'PRAGMA journal_mode')" wal
same "no foreign key violation" "$(count 'PRAGMA foreign_key_check' | wc -l)" 0
in_range "sites" "$(count 'SELECT COUNT(*) FROM sites')" 10 99
in_range "paths" "$(count 'SELECT COUNT(*) FROM paths')" 100 999
in_range "path_health" "$(count 'SELECT COUNT(*) FROM path_health')" 1000 99999
in_range "policies" "$(count 'SELECT COUNT(*) FROM policies')" 1 100
in_range "users" "$(count 'SELECT COUNT(*) FROM users')" 1 100
in_range "audit_log" "$(count 'SELECT COUNT(*) FROM audit_log')" 1 9999
same "every path has health history" "$(count 'SELECT COUNT(*) FROM paths WHERE id NOT IN
    (SELECT path_id FROM path_health)')" 0
same "paths are up, degraded or down, all three present" \
    "$(count "SELECT group_concat(s) FROM (SELECT DISTINCT status s FROM paths ORDER BY s)")" \
    "degraded,down,up"
in_range "health spans days (hours from oldest to newest sample)" \
    "$(count "SELECT CAST((julianday(MAX(measured_at)) - julianday(MIN(measured_at))) * 24
    AS INTEGER) FROM path_health")" 24 24000
same "sites have distinct real WireGuard keys" \
    "$(count "SELECT COUNT(DISTINCT public_key) FROM sites WHERE length(public_key) = 44
    AND public_key LIKE '%='")" "$(count 'SELECT COUNT(*) FROM sites')"
same "the sandbox database lists what the plan's backup script reads" \
    "$(count 'SELECT COUNT(*) > 0 FROM sites') $(count 'SELECT COUNT(*) > 0 FROM paths')" "1 1"

# WireGuard: the public key is the X25519 public key of the private key.
priv=$(cat "$D/etc/wireguard/privatekey")
pub=$(cat "$D/etc/wireguard/publickey")
expect_match "$D/etc/wireguard/privatekey" '^[A-Za-z0-9+/]{43}=$' "private key as wg genkey prints it"
same "wg pubkey < privatekey = publickey" "$(wg pubkey <"$D/etc/wireguard/privatekey")" "$pub"
same "openssl X25519 of privatekey = publickey" "$(x25519_pub "$D/etc/wireguard/privatekey")" "$pub"
same "wg0.conf holds the private key" \
    "$(sed -n 's/^PrivateKey = //p' "$D/etc/wireguard/wg0.conf")" "$priv"
expect_match "$D/etc/wireguard/wg0.conf" '^ListenPort = 51820$' "wg0.conf listens on 51820"
npeers=$(grep -c '^\[Peer\]$' "$D/etc/wireguard/wg0.conf")
in_range "wg0.conf peers" "$npeers" 2 20
peer=$(sed -n 's/^PublicKey = //p' "$D/etc/wireguard/wg0.conf" | head -1)
same "a peer's key is a site's key in the database" \
    "$(count "SELECT COUNT(*) FROM sites WHERE public_key = '$peer'")" 1
if command -v wg-quick >/dev/null && wg-quick strip "$D/etc/wireguard/wg0.conf" >"$T/wg.strip" 2>/dev/null; then
	# wg's own parser: setconf syntax without a device, via wg-quick strip and a key check
	same "wg-quick strip keeps the private key" \
	    "$(sed -n 's/^PrivateKey = //p' "$T/wg.strip")" "$priv"
fi

# TLS: the certificate's key is the private key, and it is a real self-signed X.509.
same "server.crt holds server.key's public key" \
    "$(openssl x509 -in "$D/etc/patronus/tls/server.crt" -noout -pubkey)" \
    "$(openssl pkey -in "$D/etc/patronus/tls/server.key" -pubout)"
if openssl verify -CAfile "$D/etc/patronus/tls/server.crt" -partial_chain \
    "$D/etc/patronus/tls/server.crt" >/dev/null 2>&1; then ok "server.crt's signature verifies"
else fail "server.crt's signature does not verify"; fi

# dr.yaml: `config` shows every path from the sandbox, read from the file.
run "$PDR" --config "$D/dr.yaml" config
expect_rc 0 "config reads the sandbox's dr.yaml"
for kv in "database $D/var/lib/patronus/sdwan.db" "config_dir $D/etc/patronus" \
    "wireguard_dir $D/etc/wireguard" "backup_dir $D/backup/patronus" \
    "encryption_key $D/etc/patronus/backup-encryption-key" \
    "log_file $D/var/log/patronus/backup.log" "state_dir $D/var/lib/patronus/dr"; do
	k=${kv%% *}; v=${kv#* }
	expect_match "$T/out" "^$k +$v +$D/dr\\.yaml:[0-9]+\$" "config: $k in the sandbox"
done
expect_match "$T/out" "^runbook_dirs +\\[$(realpath -m "$srcdir/runbooks")\\] +$D/dr\\.yaml:" \
    "config: runbook_dirs is the source tree's when run from the build tree"
expect_match "$D/dr.yaml" '^# .*DEMO SANDBOX' "dr.yaml says it is a demo sandbox"

# Running again keeps the sandbox; --reset makes a new one.
key1=$(cat "$D/etc/patronus/backup-encryption-key")
run "$PDR" demo --dir "$D" --no-tui
expect_rc 0 "demo again"
expect_match "$T/out" "^Kept the demo sandbox in $D " "demo again says it kept the sandbox"
same "demo again keeps the key" "$(cat "$D/etc/patronus/backup-encryption-key")" "$key1"
echo "operator note" >"$D/var/log/patronus/note"
run "$PDR" demo --dir "$D" --reset --no-tui
expect_rc 0 "demo --reset"
expect_match "$T/out" "^Replaced the demo sandbox in $D with a new one" "--reset says it replaced"
key2=$(cat "$D/etc/patronus/backup-encryption-key")
[ -n "$key2" ] && [ "$key2" != "$key1" ] && ok "--reset makes a new key" || fail "--reset kept the old key"
[ ! -e "$D/var/log/patronus/note" ] && ok "--reset removed the old sandbox" || fail "old sandbox content left"
same "the new sandbox is sound" "$(count 'PRAGMA integrity_check')" ok
leftover=$(find "$T" -maxdepth 1 -name '.sandbox.*' | head -1)
[ -z "$leftover" ] && ok "no old or staging folder left after --reset" || fail "left over: $leftover"

# --reset refuses a folder demo did not make, and deletes nothing.
mkdir -p "$T/precious/sub"
echo data >"$T/precious/sub/file"
run "$PDR" demo --dir "$T/precious" --reset --no-tui
expect_rc 73 "--reset on a folder without the marker"
expect_match "$T/err" "precious: not a demo sandbox .*refusing to delete it" "--reset refusal says why"
[ "$(cat "$T/precious/sub/file" 2>/dev/null)" = data ] && ok "refused folder untouched" ||
    fail "refused folder was changed"
[ "$(ls -A "$T/precious")" = sub ] && ok "nothing added to the refused folder" ||
    fail "refused folder has new entries: $(ls -A "$T/precious")"
run "$PDR" demo --dir "$T/precious" --no-tui
expect_rc 73 "demo into a non-empty folder that is not a sandbox"
ln -s "$T/precious" "$T/link"
run "$PDR" demo --dir "$T/link" --reset --no-tui
expect_rc 73 "--reset through a symbolic link to a foreign folder"
[ "$(cat "$T/precious/sub/file" 2>/dev/null)" = data ] && ok "foreign folder behind a link untouched" ||
    fail "foreign folder behind a link was changed"
# A marker that is not a regular file does not count.
mkdir -p "$T/fake/.patronus-dr-demo" && echo keep >"$T/fake/x"
run "$PDR" demo --dir "$T/fake" --reset --no-tui
expect_rc 73 "--reset refuses a folder whose marker is not a file"
[ -f "$T/fake/x" ] && ok "folder with a fake marker untouched" || fail "folder with a fake marker changed"

# An existing empty folder is used; a file in the way is refused.
mkdir "$T/empty"
run "$PDR" demo --dir "$T/empty" --no-tui
expect_rc 0 "demo into an existing empty folder"
[ -f "$T/empty/dr.yaml" ] && ok "empty folder filled" || fail "empty folder not filled"
: >"$T/afile"
run "$PDR" demo --dir "$T/afile" --no-tui
expect_rc 73 "demo onto a file"

# A relative --dir becomes absolute paths in dr.yaml.
(cd "$T" && "$PDR" demo --dir rel/sb --no-tui >/dev/null 2>&1)
expect_match "$T/rel/sb/dr.yaml" "^database: \"$T/rel/sb/var/lib/patronus/sdwan\\.db\"\$" \
    "relative --dir gives absolute paths"

# The default folder honours XDG_DATA_HOME, else HOME.
XDG_DATA_HOME="$T/xdg" HOME="$T/home" run "$PDR" demo --no-tui
expect_rc 0 "demo without --dir"
[ -f "$T/xdg/patronus-dr/demo/dr.yaml" ] && ok "default folder under XDG_DATA_HOME" ||
    fail "no sandbox under XDG_DATA_HOME"
(unset XDG_DATA_HOME; HOME="$T/home" "$PDR" demo --no-tui >/dev/null 2>&1)
[ -f "$T/home/.local/share/patronus-dr/demo/dr.yaml" ] && ok "default folder under HOME" ||
    fail "no sandbox under HOME/.local/share"

(cd "$T" && XDG_DATA_HOME=relative HOME="$T/home2" "$PDR" demo --no-tui >/dev/null 2>&1)
[ -f "$T/home2/.local/share/patronus-dr/demo/dr.yaml" ] && ok "a relative XDG_DATA_HOME is ignored" ||
    fail "a relative XDG_DATA_HOME was used"
(unset XDG_DATA_HOME HOME; "$PDR" demo --no-tui >"$T/out" 2>"$T/err"); rc=$?
expect_rc 64 "demo without --dir, XDG_DATA_HOME or HOME"
expect_match "$T/err" "name a folder with --dir" "demo without a home says what to do"

# Usage errors.
run "$PDR" demo --dir "$T/new
line" --no-tui
expect_rc 64 "a folder name with a newline"
[ ! -e "$T/new
line" ] && ok "nothing made for a folder name with a newline" || fail "a folder with a newline was made"
run "$PDR" demo --bogus
expect_rc 64 "demo with an unknown option"
run "$PDR" demo extra
expect_rc 64 "demo with an extra argument"
run "$PDR" demo --dir
expect_rc 64 "demo --dir without a folder"

finish
