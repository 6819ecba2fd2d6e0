/* test-remote.c: unit tests of the off-site settings, queue, retention and S3 listing parser. */
#include "system.h"

#include <sys/stat.h>
#include <check.h>
#include <unistd.h>

#include "engine/remote/remote.h"
#include "engine/remote/s3-int.h"
#include "engine/backup/retention.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

/* Clear every variable that remote_configure reads. */
static void
clear_env(void)
{
	static const char *const names[] = { "REMOTE_BACKUP_ENABLED", "REMOTE_BACKUP_HOST",
	    "REMOTE_BACKUP_USER", "REMOTE_BACKUP_PATH", "S3_BACKUP_ENABLED", "S3_BUCKET",
	    "S3_PREFIX", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	    "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3" };
	size_t	i;

	for (i = 0; i < nitems(names); i++)
		unsetenv(names[i]);
}

START_TEST(test_none)
{
	struct conf	c;
	struct remote	r[REMOTE__KINDS];
	size_t		n = 9;
	char		*cause = NULL;

	clear_env();
	conf_defaults(&c);
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	conf_clear(&c);
}
END_TEST

START_TEST(test_precedence)
{
	struct conf	c;
	struct remote	r[REMOTE__KINDS];
	size_t		n, i;
	char		*cause = NULL;

	clear_env();
	conf_defaults(&c);
	c.sftp_identity = xstrdup("/nonexistent/id");
	c.sftp_known_hosts = xstrdup("/nonexistent/kh");

	/* The plan's variables, when dr.yaml has no URL. */
	setenv("REMOTE_BACKUP_ENABLED", "true", 1);
	setenv("REMOTE_BACKUP_HOST", "dr.example.net:2222", 1);
	setenv("REMOTE_BACKUP_USER", "bk", 1);
	setenv("REMOTE_BACKUP_PATH", "/srv/backup/", 1);
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(r[0].kind, REMOTE_SFTP);
	ck_assert_str_eq(r[0].url, "sftp://bk@dr.example.net:2222/srv/backup");
	remote_clear(&r[0]);

	/* dr.yaml's URL wins over them. */
	c.sftp_url = xstrdup("sftp://yaml@host/path/");
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), 0);
	ck_assert_str_eq(r[0].url, "sftp://yaml@host/path");
	remote_clear(&r[0]);

	/* "false" or unset: no SFTP from the variables. */
	free(c.sftp_url);
	c.sftp_url = NULL;
	setenv("REMOTE_BACKUP_ENABLED", "false", 1);
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);

	/* S3 from the variables needs credentials. */
	setenv("S3_BACKUP_ENABLED", "true", 1);
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), FAIL_CONFIG);
	ck_assert_ptr_nonnull(strstr(cause, "AWS_SECRET_ACCESS_KEY"));
	free(cause);
	cause = NULL;
	setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/", 1);
	setenv("S3_BUCKET", "bk", 1);
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(r[0].kind, REMOTE_S3);
	ck_assert_str_eq(r[0].endpoint, "http://127.0.0.1:9000");
	ck_assert_str_eq(r[0].bucket, "bk");
	ck_assert_str_eq(r[0].region, "us-east-1");
	ck_assert(r[0].prefix[strlen(r[0].prefix) - 1] == '/');	/* hostname/ */
	remote_clear(&r[0]);

	/* dr.yaml's endpoint and bucket win over the variables. */
	c.s3_endpoint = xstrdup("https://s3.example.net");
	c.s3_bucket = xstrdup("yaml-bucket");
	c.s3_prefix = xstrdup("p/");
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), 0);
	ck_assert_str_eq(r[0].endpoint, "https://s3.example.net");
	ck_assert_str_eq(r[0].bucket, "yaml-bucket");
	ck_assert_str_eq(r[0].prefix, "p/");
	for (i = 0; i < n; i++)
		remote_clear(&r[i]);
	clear_env();
	conf_clear(&c);
}
END_TEST

START_TEST(test_key_mode)
{
	struct conf	c;
	struct remote	r[REMOTE__KINDS];
	size_t		n;
	char		*cause = NULL, *key;

	clear_env();
	conf_defaults(&c);
	key = testlib_write("id", "k\n", 0644);
	c.sftp_url = xstrdup("sftp://u@h/p");
	c.sftp_identity = xstrdup(key);
	c.sftp_known_hosts = xstrdup("/nonexistent/kh");
	ck_assert_int_eq(remote_configure(&c, r, &n, &cause), FAIL_PERM);
	ck_assert_ptr_nonnull(strstr(cause, "readable by group or others"));
	free(cause);
	free(key);
	conf_clear(&c);
}
END_TEST

START_TEST(test_queue)
{
	char		*list[] = { "sftp hourly patronus-hourly-20260101-010000",
	    "s3 daily patronus-daily-20260102-000000" };
	char		**got, *cause = NULL, *path;
	size_t		 n, i;
	struct stat	 st;

	ck_assert_int_eq(remote_queue_read(testlib_dir, &got, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(remote_queue_write(testlib_dir, list, 2, &cause), 0);
	path = xasprintf("%s/%s", testlib_dir, REMOTE_QUEUE_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(remote_queue_read(testlib_dir, &got, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(got[i], list[i]);
		free(got[i]);
	}
	free(got);
	ck_assert_int_eq(remote_queue_write(testlib_dir, NULL, 0, &cause), 0);
	ck_assert_int_eq(remote_queue_read(testlib_dir, &got, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	free(path);
}
END_TEST

START_TEST(test_retention)
{
	struct conf		 c;
	struct remote_set	 s[4];
	struct retention_verdict *v;
	int			 i, k;

	conf_defaults(&c);
	c.retention_hourly = 1;
	c.retention_daily = 0;
	c.retention_weekly = 0;
	c.retention_monthly = 0;
	memset(s, 0, sizeof s);
	for (i = 0; i < 4; i++) {
		s[i].tier = BACKUP_HOURLY;
		s[i].name = xasprintf("patronus-hourly-2026010%d-000000", 4 - i);
		s[i].when = 1767225600 + (4 - i) * 86400;	/* newest first */
		for (k = 0; k < PART__COUNT; k++)
			s[i].have[k] = true;
	}
	s[0].have[PART_MANIFEST] = false;	/* the newest is being uploaded */
	remote_retention(&c, s, 4, &v);
	ck_assert(!v[0].remove);		/* incomplete: kept */
	ck_assert_ptr_nonnull(strstr(v[0].why, "incomplete"));
	ck_assert(!v[1].remove);		/* newest whole set */
	ck_assert(v[2].remove);
	ck_assert(v[3].remove);
	retention_verdicts_free(v, 4);
	for (i = 0; i < 4; i++)
		free(s[i].name);
	conf_clear(&c);
}
END_TEST

START_TEST(test_s3_list)
{
	/* Namespaced, an entity in a key, CDATA, a Key inside a Message that a string
	 * search would take, a key of another prefix, a folder marker, a truncated page. */
	static const char xml[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<Name>b</Name><Prefix>h&amp;1/</Prefix><KeyCount>4</KeyCount>"
	    "<IsTruncated>true</IsTruncated>"
	    "<NextContinuationToken>tok+/=</NextContinuationToken>"
	    "<Contents><Key>h&amp;1/daily/patronus-daily-20260101-000000.db</Key>"
	    "<LastModified>2026-01-01T00:00:01.000Z</LastModified>"
	    "<ETag>&quot;abc&quot;</ETag><Size>40960</Size></Contents>"
	    "<Contents><Key><![CDATA[h&1/daily/patronus-daily-20260101-000000-manifest.txt]]></Key>"
	    "<Size>846</Size></Contents>"
	    "<Contents><Key>other/daily/x.db</Key><Size>1</Size></Contents>"
	    "<Contents><Key>h&amp;1/daily/</Key><Size>0</Size></Contents>"
	    "<Contents><Key>h&amp;1/elsewhere/y.db</Key><Size>2</Size></Contents>"
	    "</ListBucketResult>";
	static const char err[] =
	    "<Error><Code>AccessDenied</Code><Message>no <Key> for you</Message></Error>";
	static const char denied[] =
	    "<Error><Code>AccessDenied</Code><Message>no</Message></Error>";
	struct remote_object	*o = NULL;
	size_t			 n = 0;
	char			*next = NULL, *cause = NULL;

	ck_assert_int_eq(s3_parse_list(xml, strlen(xml), "h&1/", &o, &n, &next, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(o[0].tier, "daily");
	ck_assert_str_eq(o[0].file, "patronus-daily-20260101-000000.db");
	ck_assert_uint_eq(o[0].size, 40960);
	ck_assert_str_eq(o[1].file, "patronus-daily-20260101-000000-manifest.txt");
	ck_assert_uint_eq(o[1].size, 846);
	ck_assert_str_eq(next, "tok+/=");
	free(next);
	remote_objects_free(o, n);

	o = NULL;
	n = 0;
	ck_assert_int_eq(s3_parse_list(denied, strlen(denied), "h/", &o, &n, &next, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "AccessDenied"));
	free(cause);
	cause = NULL;
	/* Not well-formed: the parser says so rather than guessing. */
	ck_assert_int_eq(s3_parse_list(err, strlen(err), "h/", &o, &n, &next, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "bad XML"));
	free(cause);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_s3_error_text)
{
	/* A refusal as the user sees it: code and message on one line, line breaks masked (XML
	 * makes CR LF one LF), cut at 300 bytes on a character boundary, what to check for a
	 * signing code. */
	static const char skew[] =
	    "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the "
	    "request time and the current time is too large.</Message></Error>";
	static const char sig[] =
	    "<Error><Code>SignatureDoesNotMatch</Code><Message>no\r\nERROR: forged</Message>"
	    "</Error>";
	struct remote_object	*o = NULL;
	struct buf		 b;
	size_t			 n = 0, i;
	char			*next = NULL, *cause = NULL;

	ck_assert_int_eq(s3_parse_list(skew, strlen(skew), "h/", &o, &n, &next, &cause), -1);
	ck_assert_str_eq(cause, "RequestTimeTooSkewed: The difference between the request time "
	    "and the current time is too large. (this host's clock is more than 15 minutes off "
	    "the store's: set it right (NTP) and retry)");
	free(cause);
	cause = NULL;
	ck_assert_int_eq(s3_parse_list(sig, strlen(sig), "h/", &o, &n, &next, &cause), -1);
	ck_assert_str_eq(cause, "SignatureDoesNotMatch: no?ERROR: forged "
	    "(check AWS_SECRET_ACCESS_KEY)");
	free(cause);
	cause = NULL;
	/* 299 bytes of 'x', then euro signs: the cut falls inside the first one. */
	buf_init(&b);
	buf_adds(&b, "<Error><Code>AccessDenied</Code><Message>");
	for (i = 0; i < 299; i++)
		buf_addc(&b, 'x');
	for (i = 0; i < 10; i++)
		buf_adds(&b, "\xe2\x82\xac");
	buf_adds(&b, "</Message></Error>");
	ck_assert_int_eq(s3_parse_list(b.data, b.len, "h/", &o, &n, &next, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "xxx..."));
	ck_assert_uint_eq(strlen(cause), strlen("AccessDenied: ") + 299 + 3);
	free(cause);
	buf_clear(&b);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_s3_complete)
{
	/* Three parts whose SHA-256s are 32 bytes of 1, 2 and 3; the composite, base64 of the
	 * SHA-256 of the three, computed with Python's hashlib. */
	static const char good[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<Bucket>b</Bucket><Key>k</Key><ETag>\"3858f62230ac3c915f300c664312c11f-3\"</ETag>"
	    "<ChecksumSHA256>ii5JE1bP2wWh0TeF4HlNfNFj+Rr3mhRsl2sdKsZDtnk=-3</ChecksumSHA256>"
	    "</CompleteMultipartUploadResult>";
	static const char wrongn[] =
	    "<CompleteMultipartUploadResult><ETag>x</ETag>"
	    "<ChecksumSHA256>ii5JE1bP2wWh0TeF4HlNfNFj+Rr3mhRsl2sdKsZDtnk=-4</ChecksumSHA256>"
	    "</CompleteMultipartUploadResult>";
	static const char wrong[] =
	    "<CompleteMultipartUploadResult><ETag>x</ETag>"
	    "<ChecksumSHA256>ji5JE1bP2wWh0TeF4HlNfNFj+Rr3mhRsl2sdKsZDtnk=-3</ChecksumSHA256>"
	    "</CompleteMultipartUploadResult>";
	static const char parts[] =
	    "<CompleteMultipartUploadResult><ETag>&quot;3858f62230ac3c915f300c664312c11f-3"
	    "&quot;</ETag></CompleteMultipartUploadResult>";
	static const char whole[] =
	    "<CompleteMultipartUploadResult><ETag>\"d41d8cd98f00b204e9800998ecf8427e\"</ETag>"
	    "</CompleteMultipartUploadResult>";
	static const char noetag[] =
	    "<CompleteMultipartUploadResult><Key>k</Key></CompleteMultipartUploadResult>";
	static const char error[] =
	    "<Error><Code>InvalidPart</Code><Message>part 2 is gone</Message></Error>";
	unsigned char	 shas[96];
	char		*etag = NULL, *cause = NULL;

	memset(shas, 1, 32);
	memset(shas + 32, 2, 32);
	memset(shas + 64, 3, 32);
	ck_assert_int_eq(s3_complete_verdict(good, strlen(good), "s3://b/k", 3, shas, &etag,
	    &cause), S3_DONE_CHECKSUM);
	ck_assert_ptr_null(etag);
	/* The same checksum for another count of parts, or another checksum: not ours. */
	ck_assert_int_eq(s3_complete_verdict(wrongn, strlen(wrongn), "s3://b/k", 3, shas, &etag,
	    &cause), S3_DONE_BADSUM);
	ck_assert_ptr_nonnull(strstr(cause, "s3://b/k: "));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(s3_complete_verdict(wrong, strlen(wrong), "s3://b/k", 3, shas, &etag,
	    &cause), S3_DONE_BADSUM);
	free(cause);
	cause = NULL;
	shas[95] ^= 1;
	ck_assert_int_eq(s3_complete_verdict(good, strlen(good), "s3://b/k", 3, shas, &etag,
	    &cause), S3_DONE_BADSUM);
	free(cause);
	cause = NULL;
	/* No checksum: the ETag, unquoted, for the caller, and which kind it is. */
	ck_assert_int_eq(s3_complete_verdict(parts, strlen(parts), "s3://b/k", 3, shas, &etag,
	    &cause), S3_DONE_PARTS_ETAG);
	ck_assert_str_eq(etag, "3858f62230ac3c915f300c664312c11f-3");
	free(etag);
	ck_assert_int_eq(s3_complete_verdict(whole, strlen(whole), "s3://b/k", 3, shas, &etag,
	    &cause), S3_DONE_MD5_ETAG);
	ck_assert_str_eq(etag, "d41d8cd98f00b204e9800998ecf8427e");
	free(etag);
	/* Nothing to check by, an <Error> (S3 may answer one with 200), not XML. */
	ck_assert_int_eq(s3_complete_verdict(noetag, strlen(noetag), "s3://b/k", 3, shas, &etag,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "no ETag"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(s3_complete_verdict(error, strlen(error), "s3://b/k", 3, shas, &etag,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "InvalidPart"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(s3_complete_verdict("<a>", 3, "s3://b/k", 3, shas, &etag, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "s3://b/k: "));
	free(cause);
	ck_assert_ptr_null(etag);
}
END_TEST

static Suite *
remote_suite(void)
{
	Suite	*s = suite_create("remote");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_none);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_key_mode);
	tcase_add_test(tc, test_queue);
	tcase_add_test(tc, test_retention);
	tcase_add_test(tc, test_s3_list);
	tcase_add_test(tc, test_s3_error_text);
	tcase_add_test(tc, test_s3_complete);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(remote_suite(), "remote"));
}
