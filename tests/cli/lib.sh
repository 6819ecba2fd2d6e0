# lib.sh: helpers for the shell tests of the patronus-dr binary.
# Each test sources this file; $PDR is the binary under test, $srcdir the source tree.
set -u

: "${PDR:?PDR must name the patronus-dr binary}"
: "${srcdir:=.}"

T=$(mktemp -d "${TMPDIR:-/tmp}/pdr-test.XXXXXX")
# stop_followers: end the incident followers (incidents ship --background, started after
# each event when a store or a notification channel is set) of this test's settings; one
# whose store is gone would retry for ten minutes after the test.
stop_followers() {
	pkill -f "$T/[^ ]* incidents ship --background" 2>/dev/null
	return 0
}
trap 'stop_followers; rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 LANGUAGE= TZ=UTC
# The program is found in $PATH as when installed, so that the commands it prints for the
# operator name it "patronus-dr" (truth.sh checks them pasted, and off $PATH).
PATH="$(cd "$(dirname "$PDR")" && pwd):$PATH"
export PATH
unset PATRONUS_DR_CONFIG COLUMNS

fails=0
passes=0

# ok DESCRIPTION: count a passing check.
# wait_stopped PID: wait (bounded, 60 s) until PID is stopped (a $PDR_TEST_*STOP* hook); prints
# its state letter (T once stopped).
wait_stopped() {
	_s=
	for _i in $(seq 1 600); do
		_s=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
		[ "$_s" = T ] && break
		sleep 0.1
	done
	echo "$_s"
}

ok() { passes=$((passes + 1)); echo "ok - $*"; }
# fail DESCRIPTION: count a failing check.
fail() { fails=$((fails + 1)); echo "FAIL - $*"; }

# run CMD...: run a command, keeping its stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect_rc N DESCRIPTION: the last run exited N.
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $rc)"; else
		fail "$2: exit $rc, expected $1"; sed 's/^/  stderr: /' "$T/err" | head -20; fi
}

# expect_out FILE PATTERN DESCRIPTION: FILE ($T/out or $T/err) has a line matching PATTERN (grep -E).
expect_match() {
	if grep -Eq -- "$2" "$1"; then ok "$3"; else
		fail "$3: no line matches /$2/ in $(basename "$1")"; sed 's/^/  | /' "$1" | head -20; fi
}

# expect_no_match FILE PATTERN DESCRIPTION: no line of FILE matches PATTERN.
expect_no_match() {
	if grep -Eq -- "$2" "$1"; then fail "$3: a line matches /$2/"; grep -E -- "$2" "$1" | head -5; else ok "$3"; fi
}

# paste_hint CMD: run a command the program printed for the operator, verbatim, as a fresh
# shell would: sh -c with only PATH set (the binary's folder first); output as run keeps it.
paste_hint() {
	run env -i PATH="$(cd "$(dirname "$PDR")" && pwd):/usr/bin:/bin" sh -c "$1"
}

# finish: print the tally and exit non-zero when anything failed.
finish() {
	echo "# $passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
