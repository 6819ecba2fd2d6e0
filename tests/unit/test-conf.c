/* test-conf.c: unit tests of dr.yaml loading (src/util/conf.c). */
#include "system.h"

#include <check.h>
#include <unistd.h>

#include "util/conf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

START_TEST(test_defaults)
{
	struct conf	c;

	conf_defaults(&c);
	ck_assert_str_eq(c.database, "/var/lib/patronus/sdwan.db");
	ck_assert_str_eq(c.config_dir, "/etc/patronus");
	ck_assert_str_eq(c.wireguard_dir, "/etc/wireguard");
	ck_assert_str_eq(c.backup_dir, "/backup/patronus");
	ck_assert_str_eq(c.encryption_key, "/etc/patronus/backup-encryption-key");
	ck_assert_str_eq(c.log_file, "/var/log/patronus/backup.log");
	ck_assert_str_eq(c.state_dir, "/var/lib/patronus/dr");
	ck_assert_int_eq(c.retention_hourly, 24);
	ck_assert_int_eq(c.retention_daily, 7);
	ck_assert_int_eq(c.retention_weekly, 4);
	ck_assert_int_eq(c.retention_monthly, 12);
	ck_assert_int_eq(c.backup_interval, 3600);
	ck_assert_int_eq(c.stream_interval, 1);
	ck_assert_int_eq(c.stream_retention, 86400);
	ck_assert_uint_eq(c.n_runbook_dirs, 2);
	ck_assert_str_eq(c.runbook_dirs[1], "/etc/patronus/runbooks.d");
	ck_assert_ptr_null(c.sftp_url);
	ck_assert_str_eq(c.s3_region, "us-east-1");
	ck_assert_ptr_null(c.origin[CONF_DATABASE].file);
	conf_clear(&c);
}
END_TEST

START_TEST(test_full_file)
{
	struct conf	 c;
	char		*path, *cause = NULL, *want;

	path = testlib_write("full.yaml",
	    "database: db/sdwan.db\n"
	    "config_dir: /srv/etc/patronus\n"
	    "retention: {hourly: 48, daily: 14}\n"
	    "runbook_dirs: [/a, b]\n"
	    "backup_interval: 15m\n"
	    "remote:\n"
	    "  sftp: {url: \"sftp://backup@host/backup\", identity: /k, known_hosts: /kh}\n"
	    "  s3:\n"
	    "    endpoint: http://127.0.0.1:4568\n"
	    "    bucket: patronus-backups\n"
	    "    prefix: host1/\n"
	    "notify: {webhook: \"http://127.0.0.1:9/hook\", timeout: 3s}\n"
	    "stream: {interval: 2s, retention: 2h}\n", 0600);
	conf_defaults(&c);
	ck_assert_msg(conf_load_file(&c, path, true, &cause) == 0, "%s", cause);
	want = xasprintf("%s/db/sdwan.db", testlib_dir);
	ck_assert_str_eq(c.database, want);
	free(want);
	ck_assert_str_eq(c.config_dir, "/srv/etc/patronus");
	ck_assert_int_eq(c.retention_hourly, 48);
	ck_assert_int_eq(c.retention_daily, 14);
	ck_assert_int_eq(c.retention_weekly, 4);
	ck_assert_uint_eq(c.n_runbook_dirs, 2);
	ck_assert_str_eq(c.runbook_dirs[0], "/a");
	ck_assert_int_eq(c.backup_interval, 900);
	ck_assert_str_eq(c.sftp_url, "sftp://backup@host/backup");
	ck_assert_str_eq(c.s3_prefix, "host1/");
	ck_assert_int_eq(c.notify_timeout, 3);
	ck_assert_int_eq(c.stream_interval, 2);
	ck_assert_int_eq(c.stream_retention, 7200);
	ck_assert_int_eq(c.stream_checkpoint_frames, 1000);
	ck_assert_int_eq(c.origin[CONF_STREAM_RETENTION].line, 13);
	ck_assert_int_eq(c.origin[CONF_RETENTION_DAILY].line, 3);
	ck_assert_int_eq(c.origin[CONF_S3_BUCKET].line, 10);
	ck_assert_int_eq(c.origin[CONF_S3_BUCKET].column, 13);
	ck_assert_ptr_null(c.origin[CONF_RETENTION_WEEKLY].file);
	conf_clear(&c);
	free(path);
}
END_TEST

/* Load text and expect exactly this first error line (after the file name). */
static void
expect_error(const char *text, const char *where_what)
{
	struct conf	 c;
	char		*path, *cause = NULL, *want;

	path = testlib_write("bad.yaml", text, 0600);
	conf_defaults(&c);
	ck_assert_int_eq(conf_load_file(&c, path, true, &cause), -1);
	want = xasprintf("%s:%s", path, where_what);
	ck_assert_msg(strncmp(cause, want, strlen(want)) == 0, "got \"%s\", want \"%s\"",
	    cause, want);
	free(want);
	free(cause);
	conf_clear(&c);
	free(path);
}

START_TEST(test_errors)
{
	expect_error("database: /x\nbogus: 1\n", "2:1: unknown key \"bogus\"");
	expect_error("retention:\n  hourly: many\n", "2:11: retention.hourly: \"many\" is not a count");
	expect_error("retention:\n  yearly: 2\n", "2:3: unknown key \"retention.yearly\"");
	expect_error("backup_interval: 1h30\n", "1:18: backup_interval: bad duration");
	expect_error("database: [a, b]\n", "1:11: database: expected a single value");
	expect_error("database: /x\n  config_dir: /y\n", "2:13: mapping values are not allowed");
	expect_error("- just\n- a list\n", "1:1: expected a mapping of settings");
	expect_error("database: /x\ndatabase: /y\n", "2:1: duplicate key \"database\"");
	expect_error("remote: {s3: {bucket: b}}\n", "1:23: remote.s3: both endpoint and bucket");
	expect_error("notify: {webhook: not-a-url}\n", "1:19: notify.webhook: \"not-a-url\" is not a URL");
	expect_error("stream: {lag: 1s}\n", "1:10: unknown key \"stream.lag\"");
	expect_error("stream: {interval: 0s}\n", "1:20: stream.interval: must be longer than 0s");
	expect_error("retention: 5\n", "1:12: retention: expected a mapping");
	expect_error("database: \"unterminated\n", "2:1: found unexpected end of stream");
}
END_TEST

START_TEST(test_all_errors_reported)
{
	struct conf	 c;
	char		*path, *cause = NULL;

	path = testlib_write("many.yaml", "a: 1\nb: 2\nretention: {daily: -1}\n", 0600);
	conf_defaults(&c);
	ck_assert_int_eq(conf_load_file(&c, path, true, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, ":1:1: unknown key \"a\""));
	ck_assert_ptr_nonnull(strstr(cause, ":2:1: unknown key \"b\""));
	ck_assert_ptr_nonnull(strstr(cause, ":3:20: retention.daily"));
	free(cause);
	conf_clear(&c);
	free(path);
}
END_TEST

START_TEST(test_missing_file)
{
	struct conf	 c;
	char		*cause = NULL;

	conf_defaults(&c);
	ck_assert_int_eq(conf_load_file(&c, "/nonexistent/dr.yaml", false, &cause), 0);
	ck_assert_ptr_null(c.path);
	ck_assert_int_eq(conf_load_file(&c, "/nonexistent/dr.yaml", true, &cause), -1);
	ck_assert_str_eq(cause, "/nonexistent/dr.yaml:1:1: No such file or directory");
	free(cause);
	conf_clear(&c);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_all_errors_reported);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(conf_suite(), "conf"));
}
