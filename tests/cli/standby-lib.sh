# standby-lib.sh: a primary with both off-site stores on loopback, and its loss, for the
# datacenter-loss tests. Sourced after lib.sh, backup-fixture.sh and offsite-lib.sh.
#   standby_primary    sshd, s3rver and the SigV4 checker in front of it ($CHECK_PORT, every
#                      request in $T/requests.log) started, the S3 credentials exported, a
#                      primary host ($H, its dr.yaml $C, $B backup_dir, $DB database) copying
#                      to both: SFTP under $R, S3 bucket pdr prefix site-a/ through the
#                      checker (s3rver's files in $OBJ)
#   restart_sshd       the same sshd again after stop_sshd (same port, keys, files)
#   lose_primary       the datacenter is gone: $H keeps only dr.yaml and the encryption key
#   badstore MODE ARG  tests/s3/badstore.py ($BAD_PID) in front of the checker answering as a
#                      bad store does (MODEs in it), and $T/bad.yaml, $C going through it
#   badstore_stop      stop it

# standby_primary: as above; skips the test when a server cannot start.
standby_primary() {
	command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 is not installed"
	command -v python3 >/dev/null || skip "no python3"
	start_sshd "$T/ssh" || skip "cannot start sshd"
	start_s3rver "$T/store" || skip "cannot start s3rver"
	start_checker "$T/requests.log" || skip "cannot start the SigV4 checker"
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER PATRONUS_DR_REMOTE_TIMEOUT=5
	unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_PROFILE PDR_TEST_MAX_SEND
	make_host "$T/h"
	H="$T/h"
	C="$H/dr.yaml"
	B="$H/backup/patronus"
	DB="$H/var/lib/patronus/sdwan.db"
	R="$T/sftp-root"
	OBJ="$T/store/pdr/site-a"
	mkdir -p "$R"
	cat >>"$C" <<YAML
remote:
  sftp: {url: "sftp://$(id -un)@127.0.0.1:$SSH_PORT$R", identity: $SSH_KEY, known_hosts: $SSH_KNOWN}
  s3: {endpoint: "http://127.0.0.1:$CHECK_PORT", bucket: pdr, prefix: "site-a/", region: us-east-1}
YAML
}

# restart_sshd: the same server again (same port, keys, files).
restart_sshd() {
	/usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config" 2>>"$SSH_DIR/sshd.log" &
	SSH_PID=$!
	wait_port "$SSH_PORT"
}

# lose_primary: everything of the primary but dr.yaml and the encryption key is gone (its
# config and keys saved first in $T/primary-etc, its database's dump in $T/primary.dump).
lose_primary() {
	sqlite3 "$DB" .dump >"$T/primary.dump"
	rm -rf "$T/primary-etc"
	cp -a "$H/etc" "$T/primary-etc"
	rm -rf "$H/var" "$H/etc" "$H/backup"
	mkdir -p "$H/etc/patronus" "$H/var/lib/patronus/dr"
	cp "$T/primary-etc/patronus/backup-encryption-key" "$H/etc/patronus/backup-encryption-key"
	chmod 600 "$H/etc/patronus/backup-encryption-key"
}

BAD_PID=
# badstore MODE ARG: the proxy in front of the checker, and $T/bad.yaml, the config through it.
badstore() {
	PP=$(free_port)
	python3 "$srcdir/tests/s3/badstore.py" "$PP" "$CHECK_PORT" "$1" "$2" 2>"$T/badstore.err" &
	BAD_PID=$!
	wait_port "$PP" || fail "the proxy did not start"
	sed -e "s|127.0.0.1:$CHECK_PORT|127.0.0.1:$PP|" "$C" >"$T/bad.yaml"
}

# badstore_stop: stop the proxy when one runs.
badstore_stop() {
	[ -n "$BAD_PID" ] || return 0
	kill "$BAD_PID" 2>/dev/null
	wait "$BAD_PID" 2>/dev/null
	BAD_PID=
}
