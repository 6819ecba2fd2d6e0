# tui-lib.sh: drive the real TUI in a private tmux server (as tmux's own regress/ does).
# Source after lib.sh. Every wait is bounded; the tmux server is killed at exit.

command -v tmux >/dev/null 2>&1 || { echo "# SKIP: tmux is not installed"; exit 77; }

TMUX_SOCK="pdr$$"
TM="tmux -L $TMUX_SOCK -f /dev/null"
unset TMUX

# stop_supervisors: SIGTERM to the step supervisors this test started (their command line
# names a file in $T), which outlive their TUI by design; each cancels its command.
stop_supervisors() {
	stop_followers
	for _p in $(pgrep -f 'patronus-dr.* supervise --incident' 2>/dev/null); do
		tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null | grep -qF -- "$T/" && kill -TERM "$_p" 2>/dev/null
	done
	return 0
}
trap '$TM kill-server >/dev/null 2>&1; stop_supervisors; rm -rf "$T"' EXIT

# The wrapper the panes run: the command, then its exit status, then a pause
# so that the last screen and the status can be read.
cat >"$T/tui-wrap.sh" <<'WRAP'
#!/bin/sh
"$@"
echo "[exit $?]"
exec sleep 600
WRAP
chmod +x "$T/tui-wrap.sh"

# tui_start NAME COLS ROWS CMD...: a new tmux session NAME running CMD.
tui_start() {
	_n=$1 _c=$2 _r=$3
	shift 3
	# the quoting survives tmux's own command parsing: one shell word per argument
	_cmd="env LC_ALL=${TUI_LC:-C.UTF-8} TERM=${TUI_TERM:-tmux-256color} TZ=UTC $T/tui-wrap.sh"
	for _a in "$@"; do _cmd="$_cmd '$_a'"; done
	$TM new-session -d -s "$_n" -x "$_c" -y "$_r" "$_cmd"
}

# tui_screen NAME: the screen of session NAME, to stdout.
tui_screen() {
	$TM capture-pane -p -t "$1" 2>/dev/null
}

# tui_joined NAME: the screen of NAME with wrapped lines joined (a long hint is one line).
tui_joined() {
	$TM capture-pane -p -J -t "$1" 2>/dev/null
}

# tui_paste NAME CMD: a new session NAME running a printed command verbatim in a fresh
# shell (sh -c, only PATH set), as an operator pastes it.
tui_paste() {
	tui_start "$1" 80 24 env -i PATH="$(cd "$(dirname "$PDR")" && pwd):/usr/bin:/bin" \
	    TERM=${TUI_TERM:-tmux-256color} sh -c "$2"
}

# Every wait polls for its condition until a deadline on the clock, never a fixed sleep:
# at least TUI_WAIT_MIN (30) seconds, since the machine may be loaded. A test asserts no
# time; a bound only stops a wait that would never end.
TUI_WAIT_MIN=30

# tui_bound SECONDS: SECONDS, or TUI_WAIT_MIN when that is more.
tui_bound() {
	if [ "${1:-0}" -gt $TUI_WAIT_MIN ]; then echo "$1"; else echo $TUI_WAIT_MIN; fi
}

# tui_poll SECONDS CMD...: run CMD every 0.1 s until it succeeds (0) or SECONDS have passed (1).
tui_poll() {
	_end=$(( $(date +%s) + $1 ))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}

# tui_matches NAME ERE: the screen of NAME has a line matching ERE.
tui_matches() {
	tui_screen "$1" | grep -Eq -- "$2"
}

# tui_until NAME ERE [SECONDS]: wait quietly (bounded) until the screen of NAME has a
# line matching ERE; 0, or 1 after the bound. For a screen that may show one of several
# things next (a question or the next step): the caller looks at which.
tui_until() {
	tui_poll "$(tui_bound "${3:-0}")" tui_matches "$1" "$2"
}

# tui_until_gone NAME ERE [SECONDS]: wait quietly (bounded) until no line matches ERE.
tui_until_gone() {
	tui_poll "$(tui_bound "${3:-0}")" tui_nomatch "$1" "$2"
}
tui_nomatch() { ! tui_matches "$1" "$2"; }

# tui_wait NAME ERE DESC [SECONDS]: wait (bounded, see TUI_WAIT_MIN) until the screen of
# NAME has a line matching ERE; counts ok or fail (and shows the screen).
tui_wait() {
	if tui_until "$1" "$2" "${4:-0}"; then ok "$3"; return 0; fi
	fail "$3: no /$2/ on the screen of $1 after $(tui_bound "${4:-0}") s"
	tui_screen "$1" | sed 's/^/  | /'
	return 1
}

# tui_wait_gone NAME ERE DESC [SECONDS]: wait until no line of the screen matches ERE.
tui_wait_gone() {
	if tui_until_gone "$1" "$2" "${4:-0}"; then ok "$3"; return 0; fi
	fail "$3: /$2/ still on the screen of $1 after $(tui_bound "${4:-0}") s"
	tui_screen "$1" | sed 's/^/  | /'
	return 1
}

# tui_keys NAME KEY...: send keys (tmux key names: Enter, Space, Up, Escape...).
tui_keys() {
	_n=$1
	shift
	$TM send-keys -t "$_n" "$@"
}

# tui_type NAME TEXT: type literal text.
tui_type() {
	$TM send-keys -t "$1" -l "$2"
}

# tui_has NAME ERE DESC: the screen has a line matching ERE now.
tui_has() {
	if tui_screen "$1" | grep -Eq -- "$2"; then ok "$3"; else
		fail "$3: no /$2/ on the screen of $1"; tui_screen "$1" | sed 's/^/  | /'; fi
}

# wait_for DESC SECONDS CMD...: run CMD every 0.1 s until it succeeds (bounded, at least
# TUI_WAIT_MIN seconds); counts ok, or fail naming what it waited for.
wait_for() {
	_d=$1 _s=$(tui_bound "$2")
	shift 2
	if tui_poll "$_s" "$@"; then ok "$_d"; return 0; fi
	fail "$_d: not within $_s s (waited for: $*)"
	return 1
}

# mine_pgrep ERE: the pids pgrep -f finds for ERE among this test's processes: those whose
# environment names a file in $T (a step's command has PATRONUS_DR_STATE_DIR there). Other
# tests on the machine may run the same runbook in the same minute, under the same incident id.
mine_pgrep() {
	for _p in $(pgrep -f -- "$1"); do
		tr '\0' '\n' <"/proc/$_p/environ" 2>/dev/null | grep -qF -- "$T/" && echo "$_p"
	done
	return 0
}
# mine_running ERE / mine_gone ERE: a process of this test matches ERE, or none does.
mine_running() { [ -n "$(mine_pgrep "$1")" ]; }
mine_gone() { [ -z "$(mine_pgrep "$1")" ]; }

# demo_sandbox DIR: a demo sandbox whose runbook folder is the source tree's.
demo_sandbox() {
	"$PDR" demo --dir "$1" --no-tui >/dev/null 2>"$T/demo.err" ||
		{ fail "demo sandbox"; cat "$T/demo.err"; finish; exit 1; }
}

# events DB ID: the events of incident ID as "seq|step|kind|payload" lines.
events() {
	sqlite3 "$1" "SELECT seq, ifnull(step, ''), kind, payload FROM events
	    WHERE incident_id = '$2' ORDER BY seq"
}

# open_incident DB: the id of the newest incident.
newest_incident() {
	sqlite3 "$1" "SELECT id FROM incidents ORDER BY declared_ms DESC, rowid DESC LIMIT 1"
}
