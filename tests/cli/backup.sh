#!/bin/sh
# backup.sh: our sets pass the plan's verify script and the real tools; the plan's sets pass
# our verify; inputs that are missing or unsafe are refused with the right exit status.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
KEY="$T/h/etc/patronus/backup-encryption-key"

run "$PDR" --config "$C" backup
expect_rc 0 "backup of the sandbox host"
set -- "$T"/h/backup/patronus/*/patronus-*.db
db=$1
[ -f "$db" ] && ok "a set was made: ${db#$T/}" || fail "no set made"
base=${db%.db}
name=$(basename "$base")
tierdir=$(basename "$(dirname "$db")")
case $name in patronus-"$tierdir"-[0-9]*-[0-9]*) ok "set named patronus-TIER-STAMP in its tier";;
	*) fail "set name $name in $tierdir";; esac
for f in "$db" "$base-config.tar.gz" "$base-wireguard.tar.gz.enc" "$base-manifest.txt"; do
	[ "$(stat -c %a "$f")" = 600 ] && ok "$(basename "$f") is mode 600" ||
		fail "$(basename "$f") is mode $(stat -c %a "$f")"
done
ls -A "$(dirname "$db")" | grep -q '^\.' && fail "temporary files left behind" || ok "no temporary files left"

# The plan's log lines, in its order, in log_file.
L="$T/h/var/log/patronus/backup.log"
for line in '^=== Patronus Backup Started: ' '^Backup type: ' '^Destination: ' '^Backing up database\.\.\.$' \
	'^Database backed up: ' '^Database size: ' '^Sites: 12, Paths: 21$' '^Backing up configuration\.\.\.$' \
	'^Configuration backed up: ' '^Backing up WireGuard keys\.\.\.$' '^WireGuard keys backed up \(encrypted\): ' \
	'^Manifest created: ' '^Cleaning up old backups\.\.\.$' '^Cleanup completed$' '^=== Patronus Backup Completed: '; do
	expect_match "$L" "$line" "log line /$line/"
done
grep -n -E '^(Backing up|Database backed up|Configuration backed|WireGuard keys backed|Manifest created)' "$L" |
	cut -d: -f1 | sort -n -c 2>/dev/null && ok "log lines in the plan's order" || fail "log lines out of order"
expect_no_match "$L" "$(head -1 "$KEY")" "the key never appears in the log"

# The plan's own verify script (run as it is) and the real tools.
cp "$srcdir/tests/data/patronus-verify-backup.sh" "$T/verify.sh"
run plan_verify "$T/verify.sh" "$db"
expect_rc 0 "the plan's verify script passes our set"
expect_match "$T/out" 'Checksums verified' "the plan's verify script checked our checksums"
(cd "$(dirname "$db")" && grep '^[0-9a-f]' "$name-manifest.txt" | sha256sum -c) >"$T/out" 2>&1
rc=$?; expect_rc 0 "sha256sum -c on the manifest's lines"
[ "$(grep -c ': OK$' "$T/out")" = 3 ] && ok "three checksum lines" || fail "three checksum lines: $(cat "$T/out")"
openssl enc -d -aes-256-cbc -pbkdf2 -pass "file:$KEY" -in "$base-wireguard.tar.gz.enc" | tar tz >"$T/wg.list"
rc=$?; expect_rc 0 "openssl enc -d | tar tz reads the WireGuard archive"
wgrel=$(echo "$T/h/etc/wireguard" | sed 's|^/||')
expect_match "$T/wg.list" "^$wgrel/\$" "WireGuard folder member named as GNU tar names it"
expect_match "$T/wg.list" "^$wgrel/privatekey\$" "WireGuard private key archived"
openssl enc -d -aes-256-cbc -pbkdf2 -pass "file:$KEY" -in "$base-wireguard.tar.gz.enc" |
	tar xzf - -C "$T" "$wgrel/privatekey" && cmp -s "$T/$wgrel/privatekey" "$T/h/etc/wireguard/privatekey" &&
	ok "decrypted private key equals the original" || fail "decrypted private key differs"
tar tzf "$base-config.tar.gz" | sort >"$T/ours.list"
rc=$?; expect_rc 0 "tar tzf reads the config archive"
tar czf "$T/gnu.tgz" -C / "$T/h/etc/patronus" 2>/dev/null
tar tzf "$T/gnu.tgz" | grep -v 'backup-encryption-key$' | sort >"$T/gnu.list"
cmp -s "$T/ours.list" "$T/gnu.list" && ok "config member names equal GNU tar's (key aside)" ||
	{ fail "config member names differ from GNU tar's"; diff "$T/gnu.list" "$T/ours.list"; }
expect_no_match "$T/ours.list" 'backup-encryption-key' "the encryption key is not in the config archive"
expect_match "$L" 'left out of the configuration archive' "the log says the key was left out"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] && ok "sqlite3 integrity_check on the copy" ||
	fail "sqlite3 integrity_check on the copy"
[ "$(sqlite3 "$db" 'SELECT COUNT(*) FROM sites')" = 12 ] && ok "the copy has the 12 sites" || fail "sites in copy"
expect_match "$base-manifest.txt" '^- Database: patronus-.*\.db \([0-9.]+[KMG]?, 12 sites, 21 paths\)$' "manifest contents line"
expect_match "$base-manifest.txt" '^HMAC-SHA256: [0-9a-f]{64}$' "manifest carries an HMAC line"
[ "$(grep -c '^[0-9a-f]' "$base-manifest.txt")" = 3 ] && ok "only the checksum lines start with a hex digit" ||
	fail "lines starting with a hex digit"
grep -q -F "$(head -1 "$KEY")" "$base-manifest.txt" "$db" && fail "key found in an artifact" || ok "key not in manifest or database"

run "$PDR" --config "$C" verify "$db"
expect_rc 0 "our verify passes our set"
expect_match "$T/out" '^ok +hmac ' "HMAC checked"
run "$PDR" --config "$C" verify --json "$db"
expect_rc 0 "verify --json"
expect_match "$T/out" '^\{"backup": ".*", "ok": true, "sites": 12, "checks": \[' "verify --json object"
run env COLUMNS=120 "$PDR" --config "$C" backups
expect_rc 0 "backups"
expect_match "$T/out" "^[0-9-]+ [0-9:]+ +$tierdir +[0-9.]+[KM] +12 +complete +$tierdir/$name\$" "backups shows the set complete (120 columns: one line)"
run "$PDR" --config "$C" backups
expect_match "$T/out" "^[0-9-]+ [0-9:]+ +$tierdir +[0-9.]+[KM] +12 +complete\$" "80 columns: the set's line"
expect_match "$T/out" "^    $tierdir/$name\$" "80 columns: its name below it, whole"

run "$PDR" --config "$C" backups --json
expect_rc 0 "backups --json"
expect_match "$T/out" "^ \{\"time\": \"[0-9-]+ [0-9:]+\", \"epoch\": [0-9]+, \"tier\": \"$tierdir\", \"name\": \"$name\", .*\"sites\": 12, \"state\": \"complete\", \"hmac\": true, \"why\": null\}\$" "backups --json describes the set"

# A set made by the plan's script fails our verify as unsigned (anyone who can write
# backup_dir could have made it), and passes with --allow-unsigned, with a warning.
make_host "$T/p"
plan_script "$srcdir/tests/data/patronus-backup.sh" "$T/plan.sh"
run bash "$T/plan.sh"
expect_rc 0 "the plan's backup script in the sandbox"
set -- "$T"/p/backup/patronus/*/patronus-*.db
pdb=$1
[ -f "$pdb" ] && ok "the plan's script made a set" || fail "the plan's script made no set"
run "$PDR" --config "$T/p/dr.yaml" verify "$pdb"
expect_rc 1 "our verify fails the plan's set: unsigned"
expect_match "$T/out" '^FAILED +hmac .*unsigned: the manifest has no HMAC line' "the line says unsigned"
run "$PDR" --config "$T/p/dr.yaml" verify --allow-unsigned "$pdb"
expect_rc 0 "verify --allow-unsigned passes the plan's set"
expect_match "$T/out" '^warning +hmac .*unsigned' "warned that the plan's manifest is unsigned"
expect_match "$T/out" '^ok +wireguard .*decrypted' "the plan's WireGuard archive decrypts"
run env COLUMNS=120 "$PDR" --config "$T/p/dr.yaml" backups
expect_match "$T/out" ' 12 +unsigned +[a-z]+/patronus-' "backups lists the plan's set as unsigned"

# Inputs: a key readable by others (77), a missing key (66), a missing database (66).
chmod 644 "$KEY"
run "$PDR" --config "$C" backup --type hourly
expect_rc 77 "key file readable by others"
expect_match "$T/err" 'accessible by group or others' "the message says why"
expect_no_match "$T/err" "$(head -1 "$KEY")" "the key is not printed"
chmod 600 "$KEY"
mv "$KEY" "$KEY.away"
run "$PDR" --config "$C" backup --type hourly
expect_rc 66 "missing key file"
mv "$KEY.away" "$KEY"
mv "$T/h/var/lib/patronus/sdwan.db" "$T/h/sdwan.db.away"
run "$PDR" --config "$C" backup --type hourly
expect_rc 66 "missing database"
mv "$T/h/sdwan.db.away" "$T/h/var/lib/patronus/sdwan.db"
[ -z "$(ls -A "$T/h/backup/patronus/hourly")" ] && ok "failed backups left nothing in hourly/" ||
	fail "failed backups left files: $(ls -A "$T/h/backup/patronus/hourly")"
run "$PDR" --config "$C" backup --type sometimes
expect_rc 64 "unknown --type"

# The manifest's Version line is what `patronus-sdwan --version` says, as in the plan: the
# binary at sdwan_binary (an absolute path), never one found through $PATH.
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "patronus-sdwan 1.2.3"\n' >"$T/bin/patronus-sdwan"
printf '#!/bin/sh\necho "evil from PATH"\ntouch %s/path-was-used\n' "$T" >"$T/bin/evil"
chmod +x "$T/bin/patronus-sdwan" "$T/bin/evil"
cp "$C" "$T/sdwan.yaml"
echo "sdwan_binary: $T/bin/patronus-sdwan" >>"$T/sdwan.yaml"
PATRONUS_DR_NOW=@1767229200 run "$PDR" --config "$T/sdwan.yaml" backup --type hourly --no-prune
expect_rc 0 "backup with patronus-sdwan installed"
expect_match "$T/h/backup/patronus/hourly/patronus-hourly-20260101-010000-manifest.txt" '^Version: patronus-sdwan 1\.2\.3$' \
	"manifest records patronus-sdwan --version"
expect_match "$base-manifest.txt" '^Version: unknown$' "without patronus-sdwan: Version: unknown"
rm -f "$T"/h/backup/patronus/hourly/patronus-hourly-20260101-010000*
cp "$T/bin/evil" "$T/bin/patronus-sdwan"
PATH="$T/bin:$PATH" PATRONUS_DR_NOW=@1767229200 run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "backup with a patronus-sdwan in \$PATH only"
expect_match "$T/h/backup/patronus/hourly/patronus-hourly-20260101-010000-manifest.txt" '^Version: unknown$' \
	"the one in \$PATH is not run"
[ ! -e "$T/path-was-used" ] && ok "nothing from \$PATH ran" || fail "a patronus-sdwan from \$PATH ran"
rm -f "$T"/h/backup/patronus/hourly/patronus-hourly-20260101-010000*

# Two backups in the same second: the second gets a name of its own (-2), the first is untouched.
PATRONUS_DR_NOW=@1767225600 run "$PDR" --config "$C" backup --type daily --no-prune
expect_rc 0 "backup at a fixed time"
PATRONUS_DR_NOW=@1767225600 run "$PDR" --config "$C" backup --type daily --no-prune
expect_rc 0 "a second backup in the same second"
run "$PDR" --config "$C" verify "$T/h/backup/patronus/daily/patronus-daily-20260101-000000.db"
expect_rc 0 "the first set of that second still verifies"
run "$PDR" --config "$C" verify "$T/h/backup/patronus/daily/patronus-daily-20260101-000000-2.db"
expect_rc 0 "the second set of that second, -2, verifies"
rm -f "$T"/h/backup/patronus/daily/patronus-daily-20260101-000000*
PATRONUS_DR_NOW=yesterday run "$PDR" --config "$C" backup
expect_rc 64 "a malformed PATRONUS_DR_NOW"

# A database locked past the bound: exit 74, a clear message, nothing left.
(echo "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE sites SET name = name WHERE id = 1; COMMIT;"
	while [ ! -f "$T/unlock" ]; do sleep 0.2; done) | sqlite3 "$T/h/var/lib/patronus/sdwan.db" >/dev/null &
lpid=$!
sleep 0.5
PDR_TEST_COPY_WAIT_MS=2000 run "$PDR" --config "$C" backup --type hourly
expect_rc 74 "database locked by another process"
expect_match "$T/err" 'database (is locked|stayed busy)' "the message says the database is locked"
touch "$T/unlock"
wait "$lpid"
[ -z "$(ls -A "$T/h/backup/patronus/hourly")" ] && ok "a locked database leaves nothing in hourly/" ||
	fail "locked database left files: $(ls -A "$T/h/backup/patronus/hourly")"

# The sandbox that `patronus-dr demo` makes backs up and verifies as it is.
run "$PDR" demo --dir "$T/demo" --no-tui
if [ "$rc" -eq 0 ]; then
	run "$PDR" --config "$T/demo/dr.yaml" backup
	expect_rc 0 "backup of the demo sandbox"
	set -- "$T"/demo/backup/patronus/*/patronus-*.db
	run "$PDR" --config "$T/demo/dr.yaml" verify "$1"
	expect_rc 0 "verify of the demo sandbox's set"
	run plan_verify "$srcdir/tests/data/patronus-verify-backup.sh" "$1"
	expect_rc 0 "the plan's verify script on the demo sandbox's set"
else
	fail "demo --dir --no-tui exit $rc"
fi

# A read-only backup folder: cannot create (73), nothing left.
if [ "$(id -u)" -ne 0 ]; then
	chmod 500 "$T/h/backup/patronus/hourly"
	run "$PDR" --config "$C" backup --type hourly
	expect_rc 73 "read-only tier folder"
	chmod 700 "$T/h/backup/patronus/hourly"
fi

finish
