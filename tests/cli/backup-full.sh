#!/bin/sh
# backup-full.sh: a full backup disk (a small tmpfs as backup_dir) at each step of a backup
# is reported as what it is: the file being written and "No space left on device", exit 73,
# never as a failure of the live database; nothing is left behind.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

[ "$(id -u)" = 0 ] || { echo "# SKIP needs root to mount a small tmpfs"; exit 77; }
make_host "$T/h"
C="$T/h/dr.yaml"
BD="$T/h/backup/patronus"
DB="$T/h/var/lib/patronus/sdwan.db"
head -c 150000 /dev/urandom >"$T/h/etc/patronus/blob"
head -c 150000 /dev/urandom >"$T/h/etc/wireguard/blob"
sum=$(sha256sum <"$DB")
trap 'umount "$BD" 2>/dev/null; rm -rf "$T"' EXIT
mount -t tmpfs -o size=1m tmpfs "$BD" || { echo "# SKIP cannot mount a tmpfs here"; exit 77; }
umount "$BD"

seen=""
for sz in 24k 48k 80k 120k 200k 260k 300k; do
	mount -t tmpfs -o size=$sz tmpfs "$BD"
	run "$PDR" --config "$C" backup --no-prune
	if [ "$rc" = 0 ]; then ok "$sz: the set fits"; umount "$BD"; continue; fi
	expect_rc 73 "$sz: a full backup disk is exit 73"
	expect_match "$T/err" "$BD/[a-z]+/\.patronus-[^ ]*\.tmp: .*No space left on device" \
		"$sz: the message names the file being written and the cause"
	expect_no_match "$T/err" "sdwan\.db: " "$sz: the live database is not blamed"
	left=$(find "$BD" -name '*patronus-*')
	[ -z "$left" ] && ok "$sz: nothing left behind" || fail "$sz: left $left"
	seen="$seen $(sed -n 's/.*\.patronus-[^ ]*\(\.db\|-config\.tar\.gz\|-wireguard\.tar\.gz\.enc\|-manifest\.txt\)\.tmp:.*/\1/p' "$T/err")"
	umount "$BD"
done
case $seen in *.db*) ok "the copy of the database was hit" ;; *) fail "no size hit the database copy ($seen)" ;; esac
case $seen in *config*) ok "the config archive was hit" ;; *) fail "no size hit the config archive ($seen)" ;; esac
case $seen in *wireguard*) ok "the WireGuard archive was hit" ;; *) fail "no size hit the WireGuard archive ($seen)" ;; esac
[ "$(sha256sum <"$DB")" = "$sum" ] && ok "the live database is untouched" || fail "the live database changed"

finish
