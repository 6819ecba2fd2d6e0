#!/bin/sh
# offsite-s3.sh: off-site copies to S3 (s3rver from tests/s3 on loopback) through the SigV4
# checker (tests/s3/sigv4.py), which rebuilds every request's canonical request with botocore
# and refuses a mismatch as S3 does; multipart upload; objects read back by independent clients
# (curl's own SigV4, the AWS CLI when it is there, s3rver's store on disk) byte-identical; fetch
# with a resumed download and verify; the server stopped mid-upload and the queue drained
# later; prune --remote.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"

command -v python3 >/dev/null || skip "no python3"
checker_python
SIG="$srcdir/tests/s3/sigv4.py"
# The checker itself, first: AWS's documented example, botocore-signed requests pass, tampered
# ones are refused with S3's code.
if "$CHECK_PY" "$SIG" selftest >"$T/self" 2>&1; then ok "SigV4 checker self-test: $(tail -1 "$T/self")"; else
	fail "SigV4 checker self-test"; grep -v '^ok' "$T/self"; fi

make_host "$T/h"
C="$T/h/dr.yaml"
B="$T/h/backup/patronus"
Q="$T/h/var/lib/patronus/dr/offsite-queue"
# A database of 12 MB, so that the database goes up in three parts of 5 MiB.
sqlite3 "$T/h/var/lib/patronus/sdwan.db" "CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(12000000));"
start_s3rver "$T/store" || skip "cannot start s3rver"
start_checker "$T/requests.log" || { fail "checker did not start"; finish; exit 1; }
PP=$CHECK_PORT
# s3rver knows one key pair; it checks the key id, the checker the signature.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_PROFILE
export PATRONUS_DR_S3_PART_SIZE=5242880
cat >>"$C" <<YAML
remote:
  s3: {endpoint: "http://127.0.0.1:$PP", bucket: pdr, prefix: "site a/", region: us-east-1}
YAML

# uploaded_intact SET...: each hourly SET's four files are in s3rver's store byte for byte.
uploaded_intact() {
	for s in "$@"; do
		for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
			cmp -s "$B/hourly/$s$suf" "$T/store/pdr/site a/hourly/$s$suf._S3rver_object" ||
				{ fail "$s$suf not uploaded intact"; continue 2; }
		done
		ok "set $s uploaded intact"
	done
}

# 1. The backup uploads the set under PREFIX TIER/, the database in parts.
run "$PDR" --config "$C" backup --type daily
expect_rc 0 "backup with an S3 copy"
expect_match "$T/out" '^Copying to S3\.\.\.$' "the plan's line before the copy"
expect_match "$T/out" '^S3 backup completed$' "the plan's line after the copy"
set -- "$B"/daily/patronus-daily-*.db
name=$(basename "$1" .db)
expect_match "$T/requests.log" "\"POST\", \"target\": \"/pdr/site%20a/daily/$name.db\\?uploads=\"" "multipart upload started"
n=$(grep -c "partNumber=[0-9]*&uploadId=" "$T/requests.log")
[ "$n" -eq 3 ] && ok "the database went up in 3 parts" || fail "$n parts, expected 3"
last=$(grep '"method": "PUT"' "$T/requests.log" | tail -1)
case $last in *"$name-manifest.txt"*) ok "the manifest went up last";; *) fail "last upload: $last";; esac

# 2. Independent reads: curl's own SigV4 straight to s3rver, the AWS CLI when present,
#    and s3rver's own files on disk.
mkdir -p "$T/back"
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	if s3_get "site%20a/daily/$name$suf" "$T/back/$name$suf" && cmp -s "$B/daily/$name$suf" "$T/back/$name$suf"; then
		ok "$suf read back by curl --aws-sigv4, identical"; else fail "$suf not read back identical by curl"; fi
	cmp -s "$B/daily/$name$suf" "$T/store/pdr/site a/daily/$name$suf._S3rver_object" &&
		ok "$suf identical in s3rver's store" || fail "$suf differs in s3rver's store"
done
if command -v aws >/dev/null && aws --version >/dev/null 2>&1; then
	if AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    aws --endpoint-url "http://127.0.0.1:$S3_PORT" s3 cp "s3://pdr/site a/daily/$name.db" "$T/back/aws.db" \
	    >"$T/aws.out" 2>&1 && cmp -s "$B/daily/$name.db" "$T/back/aws.db"; then
		ok "database read back by aws s3 cp, identical"
	else fail "aws s3 cp read-back"; sed 's/^/  | /' "$T/aws.out" | tail -5; fi
else
	echo "# no AWS CLI here: read back with curl --aws-sigv4 only"
fi

# 3. The local sets are lost; fetch brings the newest back, resuming a broken download.
rm -rf "$B"/*
run "$PDR" --config "$C" fetch
expect_rc 0 "fetch lists the remote sets"
expect_match "$T/out" "^$name +daily +whole" "the set is listed as complete"
mkdir -p "$B/daily"
head -c 4000000 "$T/back/$name.db" >"$B/daily/.$name.db.tmp"
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest after a broken download"
expect_match "$T/out" "Resuming s3://pdr/site a/daily/$name\.db at byte 4000000" "the download resumed at the break"
expect_match "$T/requests.log" '"Range", "bytes=4000000-[0-9]*"' "the resumed download asked for the rest only"
expect_match "$T/out" '^Backup verification successful$' "the fetched set verifies"
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	cmp -s "$T/back/$name$suf" "$B/daily/$name$suf" && ok "fetched $suf identical" || fail "fetched $suf differs"
done
run "$PDR" --config "$C" verify "$B/daily/$name.db"
expect_rc 0 "verify passes on the fetched set"

# 4. Credentials are required; nothing is sent without them.
n0=$(wc -l <"$T/requests.log")
AWS_SECRET_ACCESS_KEY= run "$PDR" --config "$C" fetch
expect_rc 78 "no secret key is a configuration error"
expect_match "$T/err" "AWS_SECRET_ACCESS_KEY must be set" "and says which variable"
[ "$(wc -l <"$T/requests.log")" -eq "$n0" ] && ok "and no request was sent" || fail "requests were sent"

# 5. The server stops mid-upload: exit 75, queued; the next run completes it.
sleep 1
PDR_TEST_MAX_SEND=1000000 PATRONUS_DR_REMOTE_TIMEOUT=5 \
	"$PDR" --config "$C" backup --type hourly --no-prune >"$T/out" 2>"$T/err" &
bpid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '/hourly/patronus-hourly-.*uploads=' "$T/requests.log"; do
	sleep 0.1; i=$((i + 1)); done
sleep 1
stop_s3rver
wait $bpid
rc=$?
expect_rc 75 "backup while the server stops mid-upload"
expect_match "$T/err" "off-site copy of patronus-hourly-.* to s3://pdr/site a/ .* failed: " "the error names the copy and the store"
expect_match "$T/err" "its s3 copy failed and is queued" "the exit line names the failed copy"
set -- "$B"/hourly/patronus-hourly-*-manifest.txt
h1=$(basename "$1" -manifest.txt)
[ -f "$B/hourly/$h1.db" ] && ok "the local set is complete" || fail "local set spoiled"
expect_match "$Q" "^s3 hourly $h1\$" "the upload is queued in state_dir"
[ -f "$T/store/pdr/site a/hourly/$h1-manifest.txt._S3rver_object" ] && fail "the manifest reached the store" ||
	ok "no manifest in the store: the remote set is not taken as whole"
start_s3rver "$T/store" "$S3_PORT"
sleep 1
run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "the next run, with the server back"
set -- $(ls "$B"/hourly/patronus-hourly-*-manifest.txt | sort)
h2=$(basename "$2" -manifest.txt)
uploaded_intact "$h1" "$h2"
grep -q '^s3 ' "$Q" && fail "the queue still has entries" || ok "the queue is empty"

# 6. prune --remote: only the newest hourly set stays in the store.
sed -i '/^remote:/i retention: {hourly: 1, daily: 0, weekly: 0, monthly: 0}' "$C"
run "$PDR" --config "$C" prune --remote
expect_rc 0 "prune --remote"
expect_match "$T/out" "^remove +s3 hourly/$h1: not needed" "prune names the remote set it removes"
for s in "$name" "$h1"; do
	ls "$T/store/pdr/site a"/*/"$s"* >/dev/null 2>&1 && fail "remote $s still there" || ok "remote $s removed"
done
[ -f "$T/store/pdr/site a/hourly/$h2.db._S3rver_object" ] && ok "the newest remote set kept" || fail "newest removed"

# 6b. The store refuses connections for two runs: the queued copy is tried first and
#     fails; the copy after it is skipped, not dropped; both stay queued. The first run
#     with the store back uploads every queued set.
stop_s3rver
sleep 1
run env PATRONUS_DR_REMOTE_TIMEOUT=5 "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 75 "backup with the store down"
h3=$(ls "$B"/hourly/patronus-hourly-*-manifest.txt | sort | tail -1 | xargs basename | sed 's/-manifest.txt$//')
expect_match "$Q" "^s3 hourly $h3\$" "its copy is queued"
sleep 1
run env PATRONUS_DR_REMOTE_TIMEOUT=5 "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 75 "the next backup with the store still down"
h4=$(ls "$B"/hourly/patronus-hourly-*-manifest.txt | sort | tail -1 | xargs basename | sed 's/-manifest.txt$//')
[ "$h4" != "$h3" ] && ok "a new set $h4" || fail "no new set"
expect_match "$T/err" "off-site copy of $h3 to .* failed" "the queued copy is tried first and fails"
expect_no_match "$T/err" "off-site copy of $h4 " "the new copy is not tried against a store that is down"
expect_match "$Q" "^s3 hourly $h3\$" "the failed copy stays queued"
expect_match "$Q" "^s3 hourly $h4\$" "the skipped copy stays queued too"
start_s3rver "$T/store" "$S3_PORT"
sleep 1
run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "the run with the store back"
h5=$(ls "$B"/hourly/patronus-hourly-*-manifest.txt | sort | tail -1 | xargs basename | sed 's/-manifest.txt$//')
uploaded_intact "$h3" "$h4" "$h5"
grep -q '^s3 ' "$Q" && fail "the queue still has entries: $(cat "$Q")" || ok "the queue is empty"

# 6c. How the finished object is checked. s3rver answers the object's MD5 as its ETag; the
#     proxy can answer as AWS does instead (the MD5 of the parts' MD5s "-N", or SHA-256
#     checksums), answer a wrong checksum, or flip a byte of part 2 on its way to the store.
#     A damaged copy fails, says what does not match, and stays queued; a good one passes.
stop_checker
# upload_via MODE...: the hourly set $h5 uploaded again, to prefix m/, through a checker in MODE.
upload_via() {
	start_checker "$T/modes.log" "$@" || fail "checker ($*) did not start"
	sed "s#127.0.0.1:$PP\", bucket: pdr, prefix: \"site a/\"#127.0.0.1:$CHECK_PORT\", bucket: pdr, prefix: \"m/\"#" \
		"$C" >"$T/m.yaml"
	printf 's3 hourly %s\n' "$h5" >"$Q"
	run "$PDR" --config "$T/m.yaml" backup --retry-offsite
	stop_checker
}
M="$T/store/pdr/m/hourly/$h5.db._S3rver_object"
grep -q "127.0.0.1:$PP\", bucket: pdr, prefix: \"site a/\"" "$C" || fail "dr.yaml has not the line upload_via rewrites"
upload_via corrupt
expect_rc 75 "a part damaged on its way to a store that answers the object's MD5"
expect_match "$T/err" "$h5\.db: the store's ETag [0-9a-f]{32} is not the MD5 [0-9a-f]{32} of what was sent" \
	"the object's MD5 is checked against the file's"
expect_match "$Q" "^s3 hourly $h5\$" "the damaged copy stays queued"
[ -f "$M" ] && fail "the damaged object stayed in the store" || ok "the damaged object was removed from the store"
upload_via md5-of-parts corrupt
expect_rc 75 "a part damaged on its way to a store that answers the MD5 of the parts' MD5s"
expect_match "$T/err" "$h5\.db: part 2: the store's ETag [0-9a-f]{32} is not the MD5 [0-9a-f]{32} of what was sent" \
	"each part's ETag is checked and the damaged one named"
[ -f "$M" ] && fail "the damaged -N object stayed in the store" || ok "and the object was removed"
upload_via md5-of-parts
expect_rc 0 "a good copy to a store that answers the MD5 of the parts' MD5s"
cmp -s "$B/hourly/$h5.db" "$M" && ok "and it is intact" || fail "the -N upload is not intact"
rm -f "$M"
upload_via checksum corrupt
expect_rc 75 "a part damaged on its way to a store that keeps SHA-256 checksums"
expect_match "$T/err" "$h5\.db part 2: payload does not match its SHA-256 \(corrupt\)" \
	"the part's checksum answered is checked"
upload_via checksum badsum
expect_rc 75 "a store that answers a checksum of the object that is not ours"
expect_match "$T/err" "$h5\.db: payload does not match its SHA-256 \(corrupt\)" "the object's checksum is checked"
[ -f "$M" ] && fail "the object with a wrong checksum stayed in the store" || ok "and the object was removed"
upload_via checksum
expect_rc 0 "a good copy to a store that keeps SHA-256 checksums (the parts' sent in the completion)"
cmp -s "$B/hourly/$h5.db" "$M" && ok "and it is intact" || fail "the checksum upload is not intact"
grep -q '^s3 ' "$Q" && fail "the queue still has entries: $(cat "$Q")" || ok "the queue is empty"
n=$(grep -c '"x-amz-checksum-algorithm", "SHA256"' "$T/modes.log")
[ "$n" -eq 6 ] && ok "every multipart upload asked for SHA-256 checksums" || fail "$n of 6 asked for checksums"
check_log "$T/modes.log" "the requests through the answering checkers are signed as S3 wants"

# 7. Every request the client sent passed the checker: the signature botocore computes from what
#    arrived, x-amz-content-sha256 the body's, every x-amz-* header signed, no signed header absent.
check_log "$T/requests.log" "every request of the run"
for kind in 'POST .*\?uploads=' 'PUT .*\?partNumber=' 'POST .*\?uploadId=' 'GET .*\?list-type=2' 'DELETE ' 'PUT .*-manifest.txt$'; do
	expect_match "$T/requests.log.verdicts" "^good $kind" "a signed request of kind /$kind/ was checked"
done
# 8. The type of what is sent: objects application/octet-stream, as s3rver keeps it; the
#    completion's XML application/xml; never libcurl's form type.
expect_no_match "$T/requests.log" 'x-www-form-urlencoded' "no request goes as a form"
expect_match "$T/requests.log" '"POST", "target": "[^"]*\?uploadId=[^"]*", "headers": .*"Content-Type", "application/xml"' \
	"CompleteMultipartUpload says its body is XML"
for suf in .db -manifest.txt; do
	curl -sS -I --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		"http://127.0.0.1:$S3_PORT/pdr/site%20a/hourly/$h2$suf" >"$T/head" 2>&1
	grep -qi '^content-type: application/octet-stream' "$T/head" &&
		ok "the store keeps $suf as application/octet-stream" || { fail "$suf type"; cat "$T/head"; }
done

finish
