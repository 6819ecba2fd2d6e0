#!/bin/sh
# offsite-sftp.sh: off-site copies over SFTP to a real sshd on loopback (throwaway host and
# user keys, free port): the round trip read back by OpenSSH's own sftp client, fetch and
# verify, host keys refused, the server stopped mid-upload and the queue drained later,
# the plan's REMOTE_BACKUP_* variables, and prune --remote.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"

command -v sftp >/dev/null || skip "no sftp client"
make_host "$T/h"
C="$T/h/dr.yaml"
B="$T/h/backup/patronus"
Q="$T/h/var/lib/patronus/dr/offsite-queue"
start_sshd "$T/ssh" || skip "cannot start sshd on loopback"
R="$T/remote/patronus"
mkdir -p "$T/remote"
cp "$C" "$T/base.yaml"
cat >>"$C" <<YAML
remote:
  sftp: {url: "sftp://$(id -un)@127.0.0.1:$SSH_PORT$R", identity: $SSH_KEY, known_hosts: $SSH_KNOWN}
YAML

# 1. The backup uploads its set to PATH/TIER/, the manifest last.
run "$PDR" --config "$C" backup --type daily
expect_rc 0 "backup with an SFTP copy"
expect_match "$T/out" '^Copying to remote backup\.\.\.$' "the plan's line before the copy"
expect_match "$T/out" '^Remote backup completed$' "the plan's line after the copy"
set -- "$B"/daily/patronus-daily-*.db
name=$(basename "$1" .db)
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	[ -f "$R/daily/$name$suf" ] && ok "remote has daily/$name$suf" || fail "remote lacks daily/$name$suf"
done
ls -A "$R/daily" | grep -q '\.part$' && fail "partial uploads left on the server" || ok "no partial uploads left"

# 2. An independent client (OpenSSH sftp, batch mode, strict host key) reads them back.
mkdir -p "$T/back"
{ for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	echo "get $R/daily/$name$suf $T/back/$name$suf"; done; } >"$T/batch"
if sftp_batch "$T/batch" >"$T/sftp.out" 2>&1; then ok "sftp -b read the set back"; else
	fail "sftp -b failed"; sed 's/^/  | /' "$T/sftp.out"; fi
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	cmp -s "$B/daily/$name$suf" "$T/back/$name$suf" && ok "$suf byte-identical over sftp" ||
		fail "$suf differs over sftp"
done

# 3. The local sets are lost; fetch lists the remote sets and brings the newest back; verify passes.
rm -rf "$B"/*
run "$PDR" --config "$C" fetch
expect_rc 0 "fetch lists the remote sets"
expect_match "$T/out" "^$name +daily +whole" "the set is listed as complete"
[ "$(wc -L <"$T/out")" -le 80 ] && ok "the list fits 80 columns" || fail "the list is $(wc -L <"$T/out") wide"
run "$PDR" --config "$C" fetch daily/no-such-set
expect_rc 66 "fetch of a set the store does not have"
expect_match "$T/err" "no-such-set; the newest there: $name" "it names the newest the store has"
run "$PDR" --config "$C" fetch "daily/$name.db"
expect_rc 0 "fetch TIER/NAME.db, the way backups names a set"
expect_match "$T/out" '^Backup verification successful$' "the fetched set verifies"
rm -rf "$B"/*
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest"
expect_match "$T/out" '^Backup verification successful$' "the fetched set verifies"
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	cmp -s "$R/daily/$name$suf" "$B/daily/$name$suf" && ok "fetched $suf identical" || fail "fetched $suf differs"
done
run "$PDR" --config "$C" verify "$B/daily/$name.db"
expect_rc 0 "verify passes on the fetched set"

# A broken download resumes: half of the database in its temporary file.
rm -f "$B/daily/$name.db"
size=$(stat -c %s "$R/daily/$name.db")
head -c $((size / 2)) "$R/daily/$name.db" >"$B/daily/.$name.db.tmp"
run "$PDR" --config "$C" fetch "$name"
expect_rc 0 "fetch NAME after a broken download"
expect_match "$T/out" "Resuming .*/daily/$name\.db at byte $((size / 2))" "the download resumed at the break"
cmp -s "$R/daily/$name.db" "$B/daily/$name.db" && ok "resumed download identical" || fail "resumed download differs"
# A temporary file that cannot be the remote file's beginning (longer) is started over.
rm -f "$B/daily/$name-config.tar.gz"
head -c 100000 /dev/urandom >"$B/daily/.$name-config.tar.gz.tmp"
run "$PDR" --config "$C" fetch "$name"
expect_rc 0 "fetch NAME over a stale, longer temporary file"
expect_match "$T/out" "shorter than the partial download; starting over" "the stale part is started over"
cmp -s "$R/daily/$name-config.tar.gz" "$B/daily/$name-config.tar.gz" && ok "restarted download identical" ||
	fail "restarted download differs"
run "$PDR" --config "$C" fetch patronus-daily-19990101-000000
expect_rc 66 "fetch of a set that is not there"

# 4. Host keys: unknown and changed keys are refused; the local set stays whole and queued.
cp "$SSH_KNOWN" "$T/known.good"
: >"$SSH_KNOWN"
sleep 1
run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 75 "backup with an unknown host key"
expect_match "$T/err" "host key is not in $SSH_KNOWN; refused" "unknown host key refused, and said so"
expect_match "$T/err" "its sftp copy failed and is queued" "the exit line names the failed copy"
set -- "$B"/hourly/patronus-hourly-*-manifest.txt
h1=$(basename "$1" -manifest.txt)
[ -f "$B/hourly/$h1.db" ] && ok "the local set is complete" || fail "local set spoiled"
expect_match "$Q" "^sftp hourly $h1\$" "the upload is queued in state_dir"
[ -d "$R/hourly" ] && fail "something reached the server with an unknown key" || ok "nothing reached the server"
ssh-keygen -q -t ed25519 -N '' -f "$T/other" -C other
printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$T/other.pub")" >"$SSH_KNOWN"
run "$PDR" --config "$C" fetch
expect_rc 69 "fetch with a changed host key"
expect_match "$T/err" "host key does not match the one in $SSH_KNOWN; refused" "changed host key refused"
cp "$T/known.good" "$SSH_KNOWN"

# 5. The server stops mid-upload: a clear error, exit 75, queued; the next run completes both.
sqlite3 "$T/h/var/lib/patronus/sdwan.db" "CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(3000000));"
sleep 1
PDR_TEST_MAX_SEND=400000 PATRONUS_DR_REMOTE_TIMEOUT=5 \
	"$PDR" --config "$C" backup --type hourly --no-prune >"$T/out" 2>"$T/err" &
bpid=$!
i=0
while [ $i -lt 100 ] && ! ls -A "$R/hourly" 2>/dev/null | grep -q '\.part$'; do sleep 0.1; i=$((i + 1)); done
sleep 1
stop_sshd
wait $bpid
rc=$?
expect_rc 75 "backup while the server stops mid-upload"
expect_match "$T/err" "off-site copy of patronus-hourly-.* to sftp://.* failed: " "the error names the copy and the server"
expect_match "$T/err" "queued for the next run" "the error says it is queued"
set -- $(ls "$B"/hourly/patronus-hourly-*-manifest.txt | sort)
h2=$(basename "$2" -manifest.txt)
expect_match "$Q" "^sftp hourly $h2\$" "the cut upload is queued"
[ -f "$R/hourly/.$h2.db.part" ] && ok "the upload was cut mid-file" || fail "the upload was not cut mid-file"
[ -f "$R/hourly/$h2.db" ] && fail "a partial upload appears under its final name" || ok "no partial file under its final name"
start_sshd_again() {
	/usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config" 2>>"$SSH_DIR/sshd.log" &
	SSH_PID=$!
	wait_port "$SSH_PORT"
}
start_sshd_again
sleep 1
run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "the next run, with the server back"
for s in "$h1" "$h2"; do
	for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
		cmp -s "$B/hourly/$s$suf" "$R/hourly/$s$suf" || { fail "queued $s$suf not uploaded intact"; continue 2; }
	done
	ok "queued set $s uploaded intact"
done
grep -q '^sftp ' "$Q" && fail "the queue still has entries" || ok "the queue is empty"

# 6. The plan's variables, when dr.yaml has no remote section.
cp "$T/base.yaml" "$T/env.yaml"
printf 'remote:\n  sftp: {identity: %s, known_hosts: %s}\n' "$SSH_KEY" "$SSH_KNOWN" >>"$T/env.yaml"
REMOTE_BACKUP_ENABLED=true REMOTE_BACKUP_HOST="127.0.0.1:$SSH_PORT" REMOTE_BACKUP_USER="$(id -un)" \
	REMOTE_BACKUP_PATH="$R" run "$PDR" --config "$T/env.yaml" fetch
expect_rc 0 "fetch with REMOTE_BACKUP_* variables"
expect_match "$T/out" "^$h2 +hourly +whole" "the variables reach the same store"

# 7. prune --remote applies retention to the remote copies (only the newest hourly kept).
sed -i '/^remote:/i retention: {hourly: 1, daily: 0, weekly: 0, monthly: 0}' "$C"
run "$PDR" --config "$C" prune --remote --dry-run
expect_rc 0 "prune --remote --dry-run"
expect_match "$T/out" "^would remove sftp hourly/$h1: not needed" "dry run names the remote set to remove"
[ -f "$R/hourly/$h1-manifest.txt" ] && ok "dry run removed nothing" || fail "dry run removed a remote set"
run "$PDR" --config "$C" prune --remote
expect_rc 0 "prune --remote"
h3=$(basename "$(ls "$R"/hourly/*-manifest.txt | sort | tail -1)" -manifest.txt)
for s in "$h1" "$h2" "$name"; do
	ls "$R"/*/"$s"* >/dev/null 2>&1 && fail "remote $s still there" || ok "remote $s removed"
done
[ -f "$R/hourly/$h3.db" ] && ok "the newest remote set kept" || fail "the newest remote set removed"

finish
