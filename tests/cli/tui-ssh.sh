#!/bin/sh
# tui-ssh.sh: the TUI through a real sshd on loopback (throwaway host and user keys, a free
# port): the ssh client is killed with SIGKILL mid-step, the TUI ends cleanly on the hangup
# and the command goes on under its supervisor, whose claim names the SSH connection; a
# second login resumes on the same step with nothing lost, sees the run alive and cancels it.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null ||
	{ echo "# SKIP: OpenSSH server and client are needed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "# SKIP: sshd must run as root to log in"; exit 77; }
trap '$TM kill-server >/dev/null 2>&1; stop_supervisors; [ -s "$T/sshd.pid" ] && kill "$(cat "$T/sshd.pid")" 2>/dev/null; rm -rf "$T"' EXIT

mkdir -p "$T/state"
cat >"$T/dr.yaml" <<YAML
state_dir: $T/state
backup_dir: $T/backup
runbook_dirs: [$srcdir/tests/data/runbooks]
YAML
DB="$T/state/incidents.db"

ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$T/id" ||
	{ fail "ssh-keygen"; finish; exit 1; }
cp "$T/id.pub" "$T/authorized_keys"
# sshd wants its privilege separation folder (compiled in); make it when missing
[ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd

# start sshd on the first free port of a few tries
port=$(( 20000 + $$ % 20000 ))
started=no
for try in 1 2 3 4 5 6 7 8; do
	cat >"$T/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
PrintLastLog no
CONF
	"$SSHD" -f "$T/sshd_config" -D -e >"$T/sshd.log" 2>&1 &
	sshd_pid=$!
	# until it listens, or exits (the port is taken: the next one), bounded by the clock
	end=$(( $(date +%s) + TUI_WAIT_MIN ))
	while [ "$(date +%s)" -lt $end ]; do
		grep -q "Server listening" "$T/sshd.log" && { started=yes; break; }
		kill -0 $sshd_pid 2>/dev/null || break
		sleep 0.1
	done
	[ $started = yes ] && break
	kill $sshd_pid 2>/dev/null
	port=$((port + 1))
done
echo $sshd_pid >"$T/sshd.pid"
[ $started = yes ] && ok "sshd listens on 127.0.0.1:$port" ||
	{ fail "sshd does not start"; cat "$T/sshd.log"; finish; exit 1; }

# login NAME CMD: an ssh session in tmux running CMD on the loopback host
login() {
	_n=$1
	shift
	tui_start "$_n" 80 24 ssh -tt -p "$port" -i "$T/id" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile="$T/known_hosts" \
		-o LogLevel=ERROR root@127.0.0.1 \
		"LC_ALL=C.UTF-8 TERM=tmux-256color TZ=UTC $*"
}

login s1 "$PDR" --config "$T/dr.yaml" run tui-test
tui_wait s1 '^INC-[0-9]{8}-[0-9]{4}-tui-test' "over ssh: the TUI opens"
ID=$(newest_incident "$DB")
tui_keys s1 Space
tui_wait s1 '\[x\] Paged the on-call' "over ssh: a tick"
tui_keys s1 n
tui_wait s1 'Note for the record' "over ssh: the note editor"
tui_type s1 "over ssh, before the link drops"
tui_keys s1 Enter
tui_wait s1 'Note \([^)]*\): over ssh, before the link drops' "over ssh: a note"
tui_keys s1 d
tui_wait s1 'anyway\? \(y/n\)' "over ssh: d asks"
tui_keys s1 y
tui_wait s1 'Step 2/4: A command that hangs' "over ssh: step 2"
tui_keys s1 x
tui_wait s1 "^started $ID" "over ssh: the command runs"
tui=$(pgrep -f -- "$T/dr.yaml run tui-test" | while read -r p; do
	[ "$(ps -o comm= -p "$p")" = patronus-dr ] && echo "$p"; done | head -1)
[ -n "$tui" ] && ok "the remote TUI's pid: $tui" || fail "no remote TUI process"

# the link drops: the ssh client dies with SIGKILL
client=$(pgrep -f "[s]sh -tt -p $port" | head -1)
if [ -n "$client" ] && kill -KILL "$client"; then ok "ssh client $client killed with SIGKILL"
else fail "no ssh client to kill"; fi
wait_for "the hangup ends the remote TUI" 30 sh -c "! kill -0 ${tui:-1}"
# no grace sleep: the TUI is gone, so whatever it or its terminal sent has been sent. That the
# command lived on is shown below, race-free: the second login finds the run alive and its end is the cancel.
mine_running "[s]tarted $ID" && ok "the command goes on after the hangup" ||
	fail "the hangup killed the command"
events "$DB" "$ID" >"$T/ev"
expect_no_match "$T/ev" '\|slow\|exit\|' "record: no end for the run that goes on"
expect_match "$T/ev" '\|slow\|run-claimed\|.*"client":"ssh 127\.0\.0\.1:[0-9]+ /dev/pts/' "record: the claim names the SSH connection and terminal"
expect_no_match "$T/ev" '\|\|closed\|' "record: still open"
client_addr=$(sqlite3 "$DB" "SELECT DISTINCT client FROM events WHERE incident_id = '$ID' AND kind = 'note'")
[ "$client_addr" = 127.0.0.1 ] && ok "record: the note has the SSH client address" ||
	fail "record: client '$client_addr'"

# a second login resumes on the same step with the tick, the note and the output
login s2 "$PDR" --config "$T/dr.yaml" resume
tui_wait s2 'Step 2/4: A command that hangs' "second login: resume on the same step"
tui_has s2 "^started $ID" "second login: the output"
tui_has s2 'Running, run by [^ ]+ \(ssh 127\.0\.0\.1' "second login: the run is alive, with who started it"
tui_keys s2 c
tui_wait s2 'Cancel that run\? \(y/n\)' "second login: c asks before cancelling another login's run"
tui_keys s2 y
tui_wait s2 'Result: cancelled, signal' "second login: the cancel"
wait_for "the cancelled command is gone" 30 mine_gone "[s]tarted $ID"
events "$DB" "$ID" >"$T/ev"
expect_match "$T/ev" '\|slow\|exit\|.*"cancelled":true' "record: the cancel"
tui_keys s2 Tab k
tui_wait s2 '\[x\] Paged the on-call' "second login: the tick"
tui_has s2 'Note \([^)]*\): over ssh, before the link drops' "second login: the note"
tui_keys s2 Tab q
tui_wait s2 'stays open; continue with' "second login: q leaves"

finish
