#!/bin/sh
# offsite-s3-odd.sh: the odd cases of the S3 off-site copy, every request checked by the SigV4
# checker (tests/s3/sigv4.py: botocore's S3SigV4Auth in front of s3rver, refusing as S3 does):
# a prefix with space + = % and non-ASCII under a UTF-8 and an 8-bit locale, a region other
# than us-east-1, a session token, multipart with a part size that does not divide the file,
# a paged listing whose continuation tokens need encoding, https with a self-signed CA named in
# dr.yaml. Bad input: a wrong secret key (403 SignatureDoesNotMatch shown with the store's code
# and message, the copy queued, one request), a clock 20 minutes off (named as a clock
# problem), the wrong region (named), a refusal whose message holds line breaks and 10 kB.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"

command -v python3 >/dev/null || skip "no python3"
command -v openssl >/dev/null || skip "no openssl"
checker_python

make_host "$T/h"
C="$T/h/dr.yaml"
B="$T/h/backup/patronus"
Q="$T/h/var/lib/patronus/dr/offsite-queue"
# An 11 MB database: three parts of 5 MiB, the last one 0.5 MB.
sqlite3 "$T/h/var/lib/patronus/sdwan.db" "CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(11000000));"
start_s3rver "$T/store" || skip "cannot start s3rver"
TOKEN='FwoGZXIvYXdzE+/session/token=='
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_SESSION_TOKEN="$TOKEN"
export PATRONUS_DR_S3_PART_SIZE=5242880 PATRONUS_DR_REMOTE_TIMEOUT=10 LANGUAGE=en
unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_PROFILE AWS_CA_BUNDLE
start_checker "$T/req.log" --region eu-central-1 --token "$TOKEN" --page 3 ||
	{ fail "checker did not start"; finish; exit 1; }
PREFIX='odd dir/a+b=c%d €~/'
EPREFIX=$(printf '%s' "$PREFIX" | sed 's/[]+.*^$()[{}|\\?]/\\&/g')
cp "$C" "$T/base.yaml"
# conf PORT REGION [SCHEME [EXTRA]]: dr.yaml with the S3 store at PORT.
conf() {
	cp "$T/base.yaml" "$C"
	printf 'remote:\n  s3: {endpoint: "%s://127.0.0.1:%s", bucket: pdr, prefix: "%s", region: %s%s}\n' \
		"${3:-http}" "$1" "$PREFIX" "$2" "${4:-}" >>"$C"
}
conf "$CHECK_PORT" eu-central-1

# 1. Under a UTF-8 locale: the set goes up, the database in three parts, the last one short.
run env LC_ALL=C.UTF-8 "$PDR" --config "$C" backup --type daily
expect_rc 0 "backup to a prefix with space + = % € ~ (C.UTF-8)"
set -- "$B"/daily/patronus-daily-*.db
d1=$(basename "$1" .db)
n=$(grep -c "/daily/$d1\.db?partNumber=" "$T/req.log")
[ "$n" -eq 3 ] && ok "11 MB in parts of 5 MiB: 3 parts" || fail "$n parts, expected 3"
expect_match "$T/req.log" '"target": "/pdr/odd%20dir/a%2Bb%3Dc%25d%20%E2%82%AC~/daily/' \
	"the key goes out encoded as SigV4 says (upper-case, ~ kept)"

# 2. Under an 8-bit locale (de_DE.ISO-8859-1, made with localedef when it is not installed):
#    isalnum() would take the bytes of the euro sign for letters there.
#    L8 is the environment that selects it (only for the runs that need it).
LOC= L8=
if locale -a 2>/dev/null | grep -qix 'de_DE.iso88591'; then LOC=de_DE.ISO-8859-1 L8="LC_ALL=$LOC"
elif mkdir -p "$T/loc" && localedef -i de_DE -f ISO-8859-1 "$T/loc/de_DE.ISO-8859-1" 2>"$T/localedef.err"; then
	LOC=de_DE.ISO-8859-1
	# glibc keeps LOCPATH's list for good: under ASan, LeakSanitizer is told it is glibc's.
	echo 'leak:__argz_add_sep' >"$T/lsan.supp"
	L8="LC_ALL=$LOC LOCPATH=$T/loc LSAN_OPTIONS=suppressions=$T/lsan.supp"
fi
[ -n "$LOC" ] || { fail "no 8-bit locale: $(cat "$T/localedef.err")"; LOC=C L8=LC_ALL=C; }
[ "$(env $L8 locale charmap 2>/dev/null)" = ISO-8859-1 ] &&
	ok "the 8-bit locale $LOC is in effect" || fail "locale charmap: $(env $L8 locale charmap 2>&1)"
sleep 1
run env $L8 "$PDR" --config "$C" backup --type hourly
expect_rc 0 "backup to the same prefix under $LOC"
h1=$(ls "$B"/hourly/*-manifest.txt | xargs basename | sed 's/-manifest.txt$//')
expect_no_match "$T/req.log" '"target": "[^"]*(%e2|%ac|\\u00)' "no raw or lower-case encoded byte of the euro sign"

# 3. The local sets are lost; the listing comes in pages of 3 whose continuation tokens hold
#    + / = space € ~ % &; fetch brings the newest back (under the 8-bit locale) and it verifies.
cp -a "$B" "$T/orig"
rm -rf "$B"/*
run env $L8 "$PDR" --config "$C" fetch
expect_rc 0 "fetch lists the remote sets through a paged listing"
expect_match "$T/out" "^$d1 +daily +whole" "the daily set is listed as whole"
expect_match "$T/out" "^$h1 +hourly +whole" "the hourly set is listed as whole"
expect_match "$T/req.log" 'continuation-token=tok%2B%2F%3D%20%E2%82%AC~%25%26[0-9]+&list-type=2&prefix=odd%20dir%2Fa%2Bb%3Dc%25d%20%E2%82%AC~%2F"' \
	"the continuation token and the prefix go out encoded, the query sorted"
run env $L8 "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest under $LOC"
for suf in .db -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do
	cmp -s "$T/orig/hourly/$h1$suf" "$B/hourly/$h1$suf" && ok "fetched $suf identical" || fail "fetched $suf differs"
done

# 4. Every request: the session token sent and signed; the checker found nothing to refuse.
n=$(wc -l <"$T/req.log")
t=$(grep -c "\"x-amz-security-token\", \"$TOKEN\"" "$T/req.log")
[ "$t" -eq "$n" ] && ok "all $n requests carry the session token" || fail "$t of $n carry the token"
check_log "$T/req.log" "eu-central-1, token, odd prefix, two locales, paged listing"
stop_checker

# 5. https with a self-signed CA named in dr.yaml (remote.s3.ca_file).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pdr test CA" -keyout "$T/ca.key" \
	-out "$T/ca.pem" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/san" -out "$T/srv.pem" 2>/dev/null
start_checker "$T/tls.log" --region eu-central-1 --token "$TOKEN" --tls "$T/srv.pem" "$T/srv.key" ||
	fail "https checker did not start"
conf "$CHECK_PORT" eu-central-1 https
sleep 1
run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 75 "https to a self-signed store without ca_file"
expect_match "$T/err" "(certificate|SSL)" "the error says the certificate is not trusted"
conf "$CHECK_PORT" eu-central-1 https ", ca_file: $T/ca.pem"
run "$PDR" --config "$C" config
expect_match "$T/out" "remote\.s3\.ca_file.*$T/ca\.pem" "config shows remote.s3.ca_file"
run "$PDR" --config "$C" backup --retry-offsite
expect_rc 0 "with ca_file: the queued copy goes up over https"
grep -q '^s3 ' "$Q" && fail "the queue still has entries: $(cat "$Q")" || ok "the queue is empty"
check_log "$T/tls.log" "over https"
stop_checker

# 6. Bad input. Each refusal: exit 75, the store's code and message, the copy queued; one
#    request and no more (the copy is given up at the first refusal).
# refused WHAT CODE HINT [ENV...]: a backup through the checker as started, refused with CODE.
refused() {
	_what=$1 _code=$2 _hint=$3
	shift 3
	n0=$(cat "$T/bad.log" 2>/dev/null | wc -l)
	sleep 1
	run env "$@" "$PDR" --config "$C" backup --type hourly --no-prune
	expect_rc 75 "$_what: the backup exits 75"
	expect_match "$T/err" "failed: s3://pdr/$EPREFIX[^ ]*: HTTP (400|403) $_code: [A-Z].*$_hint" \
		"$_what: the store's code and message are shown ($_code)"
	_h=$(ls "$B"/hourly/*-manifest.txt | sort | tail -1 | xargs basename | sed 's/-manifest.txt$//')
	expect_match "$Q" "^s3 hourly $_h\$" "$_what: the copy is queued"
	n1=$(wc -l <"$T/bad.log")
	[ $((n1 - n0)) -eq 1 ] && ok "$_what: one request, no retries" || fail "$_what: $((n1 - n0)) requests"
}
start_checker "$T/bad.log" --region eu-central-1 --token "$TOKEN"
conf "$CHECK_PORT" eu-central-1
refused "a wrong secret key" SignatureDoesNotMatch "\\(check AWS_SECRET_ACCESS_KEY\\)" AWS_SECRET_ACCESS_KEY=wrong
refused "no session token where one is needed" InvalidToken "\\(check AWS_SESSION_TOKEN\\)" AWS_SESSION_TOKEN=
conf "$CHECK_PORT" us-east-1
refused "the wrong region" AuthorizationHeaderMalformed "the region 'us-east-1' is wrong; expecting 'eu-central-1' \\(check remote.s3.region\\)"
stop_checker
start_checker "$T/bad.log" --region eu-central-1 --token "$TOKEN" --clock-offset 1200
conf "$CHECK_PORT" eu-central-1
refused "a clock 20 minutes off" RequestTimeTooSkewed "\\(this host's clock is more than 15 minutes off the store's"
stop_checker
# A store whose refusal holds a line break, a forged log line and 10 kB: one line, cut short.
start_checker "$T/bad.log" --region eu-central-1 --token "$TOKEN" hostile
conf "$CHECK_PORT" eu-central-1
sleep 1
run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 75 "a hostile refusal: exit 75"
expect_match "$T/err" "HTTP 403 AccessDenied: Denied\.\?+ERROR: forged line\?x{250,}\.\.\.; queued" \
	"its line breaks are masked and its message cut at 300 bytes"
expect_no_match "$T/err" "^ERROR: forged" "no forged line in the output"
[ "$(wc -c <"$T/err")" -lt 2000 ] && ok "the error output stays short ($(wc -c <"$T/err") bytes)" ||
	fail "$(wc -c <"$T/err") bytes of error output"
stop_checker
# With the store right again, the queue drains.
start_checker "$T/good.log" --region eu-central-1 --token "$TOKEN"
conf "$CHECK_PORT" eu-central-1
run "$PDR" --config "$C" backup --retry-offsite
expect_rc 0 "the queued copies go up once the store accepts"
grep -q '^s3 ' "$Q" && fail "the queue still has entries: $(cat "$Q")" || ok "the queue is empty"
check_log "$T/good.log" "the queue drained"

finish
