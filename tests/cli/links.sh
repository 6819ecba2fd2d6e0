#!/bin/sh
# links.sh: symbolic links and FIFOs an attacker puts into backup_dir and state_dir. A name
# swapped for a link is never followed to write (the stream's lock, the backup's temporary
# copy, the incident record), so a file elsewhere is never truncated or overwritten; a FIFO
# put where a set's database belongs is refused as not a regular file, never waited on
# (verify, restore db --from, restore-test --from, assess each end and say why).
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"

make_sandbox "$T/s"
take_backup
echo "precious victim data" >"$T/victim"
victim_unchanged() {
	if [ "$(cat "$T/victim")" = "precious victim data" ]; then ok "$1"; else
		fail "$1: the victim now holds: $(head -c 40 "$T/victim" | od -c | head -2)"
		echo "precious victim data" >"$T/victim"; fi
}

# --- the stream's lock: a symbolic link to a file elsewhere ----------------------------------
mkdir -p "$BK/stream"
ln -s "$T/victim" "$BK/stream/lock"
run timeout 60 "$PDR" --config "$C" stream --once
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok "stream refuses a lock that is a symbolic link (exit $rc)" ||
	fail "stream with a symbolic link for its lock: exit $rc"
expect_match "$T/err" 'lock: Too many levels of symbolic links' "it names the lock and why"
victim_unchanged "the file the lock pointed at is not truncated nor written"
rm -f "$BK/stream/lock"

finish
