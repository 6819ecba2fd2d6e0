# offsite-lib.sh: real off-site servers on loopback for the off-site tests, started by the test
# and stopped at exit even when it fails. Sourced after lib.sh (which owns $T and its trap).
#   start_sshd DIR      sshd with a throwaway host key and user key on a free port:
#                       $SSH_PORT, $SSH_KEY (user key), $SSH_KNOWN (known_hosts), $SSH_PID
#   stop_sshd           stop it and its sessions
#   start_s3rver DIR [PORT]   s3rver from tests/s3/node_modules: $S3_PORT, $S3_PID, $S3_DIR
#   stop_s3rver
#   start_checker LOG [OPTION|MODE...]   the SigV4 checker (tests/s3/sigv4.py: botocore's
#                       S3SigV4Auth, S3's 403/400 XML) in front of s3rver, every request's
#                       verdict in LOG: $CHECK_PORT, $PROXY_PID, $CHECK_PY
#   stop_checker
#   check_log LOG DESC  a check: every request in LOG passed the checker (and there were some)
#   skip REASON         exit 77 (automake SKIP)

SSH_PID= S3_PID= PROXY_PID= CHECK_PY=

skip() { echo "SKIP: $*"; exit 77; }

# offsite_cleanup: stop what this test started; called from the EXIT trap.
offsite_cleanup() {
	stop_followers
	stop_sshd
	stop_s3rver
	stop_checker
	rm -rf "$T"
}
trap offsite_cleanup EXIT

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (at most 20 s).
wait_port() {
	python3 - "$1" <<'EOF'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

# start_sshd DIR: a private sshd for this test only.
start_sshd() {
	_d=$1
	[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (openssh-server)"
	command -v ssh-keygen >/dev/null || skip "no ssh-keygen"
	mkdir -p "$_d" && chmod 700 "$_d"
	mkdir -p /run/sshd 2>/dev/null
	ssh-keygen -q -t ed25519 -N '' -f "$_d/host_key" -C throwaway-host || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$_d/user_key" -C throwaway-user || return 1
	cp "$_d/user_key.pub" "$_d/authorized_keys"
	chmod 600 "$_d/authorized_keys" "$_d/user_key"
	SSH_PORT=$(free_port)
	cat >"$_d/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $_d/host_key
PidFile $_d/sshd.pid
AuthorizedKeysFile $_d/authorized_keys
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowUsers $(id -un)
Subsystem sftp internal-sftp
LogLevel VERBOSE
EOF
	/usr/sbin/sshd -D -e -f "$_d/sshd_config" 2>"$_d/sshd.log" &
	SSH_PID=$!
	wait_port "$SSH_PORT" || { cat "$_d/sshd.log"; return 1; }
	SSH_KEY=$_d/user_key
	SSH_KNOWN=$_d/known_hosts
	printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$_d/host_key.pub")" >"$SSH_KNOWN"
	SSH_DIR=$_d
}

# stop_sshd: the listener and every session it forked (our own processes, by id).
stop_sshd() {
	[ -n "$SSH_PID" ] || return 0
	for _c in $(ps -o pid= --ppid "$SSH_PID" 2>/dev/null); do
		for _g in $(ps -o pid= --ppid "$_c" 2>/dev/null); do kill -9 "$_g" 2>/dev/null; done
		kill -9 "$_c" 2>/dev/null
	done
	kill "$SSH_PID" 2>/dev/null
	wait "$SSH_PID" 2>/dev/null
	SSH_PID=
}

# sftp_batch FILE: run an independent sftp client with batch FILE against the test server.
sftp_batch() {
	sftp -q -b "$1" -i "$SSH_KEY" -P "$SSH_PORT" -o UserKnownHostsFile="$SSH_KNOWN" \
		-o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes \
		"$(id -un)@127.0.0.1"
}

# start_s3rver DIR [PORT]: s3rver (npm, tests/s3) serving DIR, bucket "pdr".
start_s3rver() {
	S3_DIR=$1
	S3_PORT=${2:-$(free_port)}
	_nm="$srcdir/tests/s3/node_modules/s3rver/bin/s3rver.js"
	[ -f "$_nm" ] || skip "tests/s3/node_modules is absent: run npm ci --prefix tests/s3"
	command -v node >/dev/null || skip "no node"
	mkdir -p "$S3_DIR"
	node "$_nm" --silent --address 127.0.0.1 --port "$S3_PORT" --directory "$S3_DIR" \
		--configure-bucket pdr >"$S3_DIR.log" 2>&1 &
	S3_PID=$!
	wait_port "$S3_PORT" || { cat "$S3_DIR.log"; return 1; }
}

# stop_s3rver: stop it.
stop_s3rver() {
	[ -n "$S3_PID" ] || return 0
	kill "$S3_PID" 2>/dev/null
	wait "$S3_PID" 2>/dev/null
	S3_PID=
}

# checker_python: an interpreter that can import botocore, in $CHECK_PY: Debian's
# python3-botocore under /usr/bin/python3 first, else python3 (the AWS CLI's botocore).
checker_python() {
	for _py in /usr/bin/python3 python3; do
		if _v=$("$_py" -c 'import botocore.auth, botocore; print(botocore.__version__)' 2>/dev/null); then
			[ "$CHECK_PY" = "$_py" ] || echo "# SigV4 checker: $_py with botocore $_v"
			CHECK_PY=$_py
			return 0
		fi
	done
	skip "no python3 can import botocore: apt-get install python3-botocore"
}

# start_checker LOG [OPTION|MODE...]: the checker on a free port in front of s3rver ($S3_PORT).
start_checker() {
	checker_python
	_log=$1
	shift
	CHECK_PORT=$(free_port)
	"$CHECK_PY" "$srcdir/tests/s3/sigv4.py" proxy "$CHECK_PORT" "$S3_PORT" "$_log" "$@" \
		2>>"$_log.err" &
	PROXY_PID=$!
	wait_port "$CHECK_PORT" || { cat "$_log.err"; return 1; }
}

# stop_checker: stop it.
stop_checker() {
	[ -n "$PROXY_PID" ] || return 0
	kill "$PROXY_PID" 2>/dev/null
	wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=
}

# check_log LOG DESC: every request in LOG passed the checker; the summary as a comment.
check_log() {
	if "$CHECK_PY" "$srcdir/tests/s3/sigv4.py" verify "$1" >"$1.verdicts" 2>&1; then
		ok "$2: $(tail -1 "$1.verdicts")"
	else
		fail "$2: $(tail -1 "$1.verdicts")"
		grep '^BAD' "$1.verdicts" | head -5 | sed 's/^/#   /'
	fi
}

# s3_get KEY OUT: an independent fetch of an object with curl's own SigV4.
s3_get() {
	curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		-o "$2" "http://127.0.0.1:$S3_PORT/pdr/$1"
}
