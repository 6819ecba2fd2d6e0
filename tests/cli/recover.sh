#!/bin/sh
# recover.sh: assess (integrity check, salvage dump loaded back by sqlite3), keys rotate
# (checked with wg pubkey and openssl), evidence collect (sha256sum -c, modes, /proc content),
# check http (a real local HTTP server) and check config.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"

make_sandbox "$T/s"
lpid= hpid=
trap 'for p in $lpid $hpid; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# --- assess ------------------------------------------------------------------------------
run "$PDR" --config "$C" assess
expect_rc 0 "assess of an intact database"
expect_match "$T/out" "^ok .*integrity check passes" "assess says it is intact"
ls "$D"/var/lib/patronus/dr/salvage-* >/dev/null 2>&1 && fail "a dump without damage" || ok "no dump when intact"
run "$PDR" --config "$C" assess "$T/none.db"
expect_rc 66 "assess of a missing database"

tables="sites paths path_health policies users audit_log"
for t in $tables; do echo "$t $(sqlite3 "$DB" "SELECT count(*) FROM $t")"; done >"$T/rows.good"
cp "$DB" "$T/damaged.db"
pages=$(sqlite3 "$DB" "PRAGMA page_count")
# Damage pages in the second half, where the big tables' leaves are.
dd if=/dev/urandom of="$T/damaged.db" bs=4096 seek=$((pages / 2)) count=3 conv=notrunc 2>/dev/null
sqlite3 "$T/damaged.db" "PRAGMA integrity_check" 2>&1 | grep -qx ok && fail "dd did not damage the copy" ||
	ok "dd damaged the copy (sqlite3 integrity_check fails)"
run "$PDR" --config "$C" assess -o "$T/salvage.sql" "$T/damaged.db"
expect_rc 1 "assess of a damaged database"
expect_match "$T/out" "^DAMAGED " "assess says it is damaged"
expect_match "$T/out" "^salvage: [0-9]+ rows from 6 tables" "prints the rows recovered"
cp "$T/out" "$T/assess.out"
same "the dump is mode 600" "$(stat -c %a "$T/salvage.sql")" 600
run sqlite3 "$T/salvaged.db" ".read $T/salvage.sql"
expect_rc 0 "sqlite3 loads the salvage dump"
total_good=0; total_got=0
while read -r t n; do
	got=$(sqlite3 "$T/salvaged.db" "SELECT count(*) FROM $t")
	shown=$(awk -v t="$t" '$1 == t { print $2 }' "$T/assess.out")
	same "$t: rows in the loaded dump equal the rows assess printed" "$got" "$shown"
	[ "$got" -le "$n" ] || fail "$t: more rows salvaged ($got) than there were ($n)"
	total_good=$((total_good + n)); total_got=$((total_got + got))
done <"$T/rows.good"
[ "$total_got" -gt 0 ] && [ "$total_got" -lt "$total_good" ] &&
	ok "salvaged $total_got of $total_good rows (some lost to the damage, the rest read)" ||
	fail "salvaged $total_got of $total_good rows"
# Rows that survive are the original rows, byte for byte.
same "surviving sites rows equal the originals" \
	"$(sqlite3 "$T/salvaged.db" "SELECT group_concat(id || name, ',') FROM (SELECT * FROM sites ORDER BY id)")" \
	"$(sqlite3 "$DB" "SELECT group_concat(id || name, ',') FROM (SELECT * FROM sites ORDER BY id) WHERE id IN
	    (SELECT id FROM sites)" | head -c 100000)"
head -c 100 /dev/urandom >"$T/garbage.db"
run "$PDR" --config "$C" assess -o "$T/garbage.sql" "$T/garbage.db"
expect_rc 2 "assess of a file that is no database: almost nothing salvaged"

# --- keys rotate -------------------------------------------------------------------------
cp "$WG/wg0.conf" "$T/wg0.conf.old"
cp "$WG/privatekey" "$T/privatekey.old"
old_pub=$(cat "$WG/publickey")
run "$PDR" --config "$C" keys rotate
expect_rc 0 "keys rotate"
new_pub=$(sed -n 's/^new public key: //p' "$T/out")
[ -n "$new_pub" ] && [ "$new_pub" != "$old_pub" ] && ok "a new public key is printed" || fail "new public key '$new_pub'"
if command -v wg >/dev/null; then
	same "new public key is wg pubkey of the new private key" "$(wg pubkey <"$WG/privatekey")" "$new_pub"
fi
{ printf '302e020100300506032b656e04220420' | xxd -r -p; base64 -d <"$WG/privatekey"; } >"$T/x25519.der"
same "new public key is openssl's X25519 public key of the new private key" \
	"$(openssl pkey -inform DER -in "$T/x25519.der" -pubout -outform DER | tail -c 32 | base64)" "$new_pub"
same "publickey file holds the new public key" "$(cat "$WG/publickey")" "$new_pub"
same "wg0.conf's PrivateKey is the new private key" \
	"$(sed -n 's/^PrivateKey = //p' "$WG/wg0.conf")" "$(cat "$WG/privatekey")"
same "the rest of wg0.conf is unchanged" "$(grep -v '^PrivateKey' "$WG/wg0.conf")" "$(grep -v '^PrivateKey' "$T/wg0.conf.old")"
same "new privatekey is mode 600" "$(stat -c %a "$WG/privatekey")" 600
same "wg0.conf is mode 600" "$(stat -c %a "$WG/wg0.conf")" 600
set -- "$WG"/old-*
cmp -s "$1/wg0.conf" "$T/wg0.conf.old" && cmp -s "$1/privatekey" "$T/privatekey.old" &&
	ok "old wg0.conf and privatekey kept in $(basename "$1")" || fail "old files not kept"
same "kept folder is mode 700" "$(stat -c %a "$1")" 700
same "kept files are mode 600" "$(stat -c %a "$1"/* | sort -u | tr '\n' ' ')" "600 "
expect_no_match "$T/out" "$(cat "$WG/privatekey")" "the private key is never printed"
rm "$WG/wg0.conf"
run "$PDR" --config "$C" keys rotate
expect_rc 66 "keys rotate without wg0.conf"

# --- evidence collect --------------------------------------------------------------------
echo "login failure from 203.0.113.9" >"$D/var/log/patronus/auth.log"
python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T/port" &
lpid=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
port=$(cat "$T/port")
run "$PDR" --config "$C" evidence collect "$T/ev"
expect_rc 0 "evidence collect"
(cd "$T/ev" && sha256sum -c --quiet SHA256SUMS) >"$T/sumcheck" 2>&1 && ok "sha256sum -c passes on the manifest" ||
	{ fail "sha256sum -c"; head "$T/sumcheck"; }
cmp -s "$T/ev/logs/auth.log" "$D/var/log/patronus/auth.log" && ok "the logs are copied" || fail "logs not copied"
cmp -s "$T/ev/database/sdwan.db" "$DB" && ok "the database is copied" || fail "database not copied"
grep -q "  logs/auth.log\$" "$T/ev/SHA256SUMS" && grep -q "  database/sdwan.db\$" "$T/ev/SHA256SUMS" &&
	grep -q "  processes.txt\$" "$T/ev/SHA256SUMS" && ok "every item is in the manifest" || fail "manifest lacks items"
expect_match "$T/ev/processes.txt" "^$lpid +$$ " "the process list (from /proc) shows a known process and its parent"
expect_match "$T/ev/connections.txt" "^tcp +127\\.0\\.0\\.1:$port .*LISTEN +$lpid/" "connections show a listening socket and its process"
expect_match "$T/ev/recent-files.txt" "$D/var/log/patronus/auth.log\$" "recent files list a file changed today"
same "files are 0400" "$(find "$T/ev" -type f -exec stat -c %a {} + | sort -u | tr '\n' ' ')" "400 "
same "folders are 0500" "$(find "$T/ev" -type d -exec stat -c %a {} + | sort -u | tr '\n' ' ')" "500 "
kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null
run "$PDR" --config "$C" evidence collect "$T/ev"
expect_rc 73 "evidence collect into a folder that is not empty"
chmod -R u+w "$T/ev"

# --- check config ------------------------------------------------------------------------
run "$PDR" --config "$C" check config
expect_rc 0 "check config on the sandbox"
printf 'listen: 0.0.0.0:8081\nlog:\n  level: [info\n' >"$CFG/config.yaml"
run "$PDR" --config "$C" check config
expect_rc 1 "check config on broken YAML"
expect_match "$T/out" "config\\.yaml:[0-9]+:[0-9]+: " "the error names FILE:LINE:COLUMN"
: >"$CFG/config.yaml"
run "$PDR" --config "$C" check config
expect_rc 1 "check config on an empty file"
rm "$CFG/config.yaml"
run "$PDR" --config "$C" check config
expect_rc 66 "check config without config.yaml"

# --- check http --------------------------------------------------------------------------
mkdir "$T/www"
echo hello >"$T/www/index.html"
python3 -c 'import http.server, socketserver, functools, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
h.log_message = lambda *a: None
s = socketserver.TCPServer(("127.0.0.1", 0), h)
print(s.server_address[1], flush=True)
s.serve_forever()' "$T/www" >"$T/hport" 2>/dev/null &
hpid=$!
i=0; while [ ! -s "$T/hport" ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
hport=$(cat "$T/hport")
run "$PDR" --config "$C" check http "http://127.0.0.1:$hport/"
expect_rc 0 "check http on a live server"
expect_match "$T/out" "^ok http://127\\.0\\.0\\.1:$hport/: HTTP 200 in [0-9]+ ms" "prints status and latency"
run "$PDR" --config "$C" check http "http://127.0.0.1:$hport/missing"
expect_rc 1 "check http on a 404"
run "$PDR" --config "$C" check http --expect 404 "http://127.0.0.1:$hport/missing"
expect_rc 0 "check http --expect 404"
kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null
run "$PDR" --config "$C" check http --timeout 2s "http://127.0.0.1:$hport/"
expect_rc 1 "check http when nothing listens"
expect_match "$T/out" "^FAILED " "says it failed"
run "$PDR" --config "$C" check http --expect 99 "http://127.0.0.1:$hport/"
expect_rc 64 "check http with a bad --expect"

finish
