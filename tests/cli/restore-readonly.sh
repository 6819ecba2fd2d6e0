#!/bin/sh
# restore-readonly.sh: a restore or a demo sandbox aimed at a folder that cannot be written
# exits with the code of its failure's class (the engine returns the class, taken at the
# failing call; nothing reads errno after it), names what it could not make, and leaves
# nothing behind.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"

make_sandbox "$T/s"
take_backup

# A folder that cannot be written, as this user can make one: as root a read-only bind mount
# in a private mount namespace (EROFS: cannot create, 73), else the immutable attribute
# (EPERM: not allowed, 77); as another user mode 555 (EACCES: not allowed, 77).
RO="$T/ro"
mkdir "$RO"
MODE=
if [ "$(id -u)" -eq 0 ] && unshare -m sh -c 'mount --bind "$1" "$1" &&
    mount -o remount,bind,ro "$1" && ! touch "$1/probe"' sh "$RO" 2>/dev/null; then
	MODE=mount WANT=73
elif [ "$(id -u)" -eq 0 ] && chattr +i "$RO" 2>/dev/null; then
	chattr -i "$RO"
	MODE=chattr WANT=77
elif [ "$(id -u)" -ne 0 ]; then
	MODE=chmod WANT=77
fi

# ro_run CMD...: run CMD (as run does) while $RO cannot be written.
ro_run() {
	case $MODE in
	mount)
		run unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" &&
		    shift && exec "$@"' sh "$RO" "$@" ;;
	chattr)
		chattr +i "$RO"; run "$@"; chattr -i "$RO" ;;
	chmod)
		chmod 555 "$RO"; run "$@"; chmod 755 "$RO" ;;
	esac
}

if [ -z "$MODE" ]; then
	echo "# skipped: no way to make a read-only folder here (no mount namespace, no chattr)"
	finish
	exit
fi
echo "# read-only folder by $MODE: expecting exit $WANT"

before=$(tree_digest "$CFG")
ro_run "$PDR" --config "$C" restore config --yes --to "$RO/etc"
expect_rc "$WANT" "restore config --to a folder in a read-only one"
expect_match "$T/err" "$RO/\.etc\.restore-" "the error names the staging folder it could not make"
[ -z "$(ls -A "$RO")" ] && ok "nothing is left in the read-only folder" ||
	fail "left in $RO: $(ls -A "$RO")"
same "the live config folder is untouched" "$(tree_digest "$CFG")" "$before"

ro_run "$PDR" --config "$C" restore keys --yes --to "$RO/wg"
expect_rc "$WANT" "restore keys --to a folder in a read-only one"
expect_match "$T/err" "$RO/\.wg\.restore-" "the error names the staging folder it could not make"

ro_run "$PDR" demo --dir "$RO/demo" --no-tui
expect_rc "$WANT" "demo --dir in a read-only folder"
expect_match "$T/err" "$RO/\.demo\.new\." "the error names the staging folder it could not make"
[ -z "$(ls -A "$RO")" ] && ok "nothing is left in the read-only folder" ||
	fail "left in $RO: $(ls -A "$RO")"

# restore db when the live database's folder refuses new files (immutable as root, mode 555
# otherwise): the forensic copy cannot be made, so nothing is replaced, and the exit code is
# the class of the error it names (77, not allowed). Before the classes, the clean-up's unlink
# of a temporary file never made left ENOENT behind and the exit was 66, "no input".
DBD=$(dirname "$DB")
DBMODE=
if [ "$(id -u)" -eq 0 ] && chattr +i "$DBD" 2>/dev/null; then
	chattr -i "$DBD"
	DBMODE=chattr
elif [ "$(id -u)" -ne 0 ]; then
	DBMODE=chmod
fi
if [ -n "$DBMODE" ]; then
	cp "$DB" "$T/live.db"
	case $DBMODE in
	chattr) chattr +i "$DBD" ;;
	chmod) chmod 555 "$DBD" ;;
	esac
	run "$PDR" --config "$C" restore db --yes
	case $DBMODE in
	chattr) chattr -i "$DBD" ;;
	chmod) chmod 755 "$DBD" ;;
	esac
	expect_rc 77 "restore db into a folder that refuses new files ($DBMODE)"
	expect_match "$T/err" "corrupted.*(Operation not permitted|Permission denied)" \
	    "the error names the forensic copy it could not make"
	cmp -s "$DB" "$T/live.db" && ok "the live database is untouched" ||
		fail "the live database changed"
	ls "$DB".corrupted.* >/dev/null 2>&1 && fail "a forensic copy was left" ||
		ok "no forensic copy is left"
else
	echo "# skipped: restore db into a folder that refuses new files (no chattr here)"
fi

# The same commands into a writable folder succeed: what failed was the folder alone.
run "$PDR" --config "$C" restore config --yes --to "$T/w/etc"
expect_rc 0 "restore config --to a writable folder"
run "$PDR" demo --dir "$T/w/demo" --no-tui
expect_rc 0 "demo --dir in a writable folder"

finish
