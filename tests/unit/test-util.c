/* test-util.c: unit tests of src/util (strings, durations, times, key files). */
#include "system.h"

#include <check.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fail.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/table.h"
#include "util/testhook.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"
#include "testlib.h"

START_TEST(test_duration_parse)
{
	static const struct { const char *in; int64_t secs; } ok[] = {
		{ "90s", 90 }, { "15m", 900 }, { "2h", 7200 }, { "1h30m", 5400 },
		{ "1d", 86400 }, { "1w", 604800 }, { "45", 45 }, { " 4h ", 14400 },
		{ "0s", 0 },
	};
	static const char *const bad[] = {
		"", "m", "15x", "1h30", "-5m", "1.5h", "h1", "15 m", "99999999999999999999s",
	};
	int64_t	secs;
	char	*cause;
	size_t	i;

	for (i = 0; i < nitems(ok); i++) {
		cause = NULL;
		ck_assert_msg(duration_parse(ok[i].in, &secs, &cause) == 0, "%s", ok[i].in);
		ck_assert_int_eq(secs, ok[i].secs);
	}
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		ck_assert_msg(duration_parse(bad[i], &secs, &cause) == -1, "%s", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_duration_format)
{
	char	b[TIMEUTIL_BUFSZ];

	ck_assert_str_eq(duration_format(45, b, sizeof b), "45s");
	ck_assert_str_eq(duration_format(270, b, sizeof b), "4m30s");
	ck_assert_str_eq(duration_format(3900, b, sizeof b), "1h05m");
	ck_assert_str_eq(duration_format(90000, b, sizeof b), "1d01h");
	ck_assert_str_eq(duration_format(-120, b, sizeof b), "-2m00s");
}
END_TEST

START_TEST(test_time_parse)
{
	time_t	now = 1760191200, t;	/* 2025-10-11 14:00:00 UTC */
	char	*cause = NULL;

	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_int_eq(time_parse("now", now, &t, &cause), 0);
	ck_assert_int_eq(t, now);
	ck_assert_int_eq(time_parse("-20m", now, &t, &cause), 0);
	ck_assert_int_eq(t, now - 1200);
	ck_assert_int_eq(time_parse("2025-10-11 13:05", now, &t, &cause), 0);
	ck_assert_int_eq(t, now - 3300);
	ck_assert_int_eq(time_parse("2025-10-11T13:05:30Z", now, &t, &cause), 0);
	ck_assert_int_eq(t, now - 3270);
	ck_assert_int_eq(time_parse("20251011-120000", now, &t, &cause), 0);
	ck_assert_int_eq(t, now - 7200);
	ck_assert_int_eq(time_parse("13:00", now, &t, &cause), 0);
	ck_assert_int_eq(t, now - 3600);
	ck_assert_int_eq(time_parse("15:00", now, &t, &cause), 0);	/* yesterday */
	ck_assert_int_eq(t, now + 3600 - 86400);
	ck_assert_int_eq(time_parse("@1760191200", now, &t, &cause), 0);
	ck_assert_int_eq(t, now);
	ck_assert_int_eq(time_parse("yesterday-ish", now, &t, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "yesterday-ish"));
	free(cause);
}
END_TEST

START_TEST(test_shell_quote)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/var/lib/patronus/sdwan.db", "/var/lib/patronus/sdwan.db" },
		{ "a b", "'a b'" },
		{ "it's", "'it'\\''s'" },
		{ "", "''" },
		{ "$(rm -rf /)", "'$(rm -rf /)'" },
		{ "x;y", "'x;y'" },
	};
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < nitems(cases); i++) {
		buf_reset(&b);
		str_shell_quote(&b, cases[i].in);
		ck_assert_str_eq(b.data, cases[i].out);
	}
	buf_clear(&b);
}
END_TEST

START_TEST(test_strings)
{
	char	*p, s[] = "  padded \n", hex[9];
	unsigned char bytes[] = { 0xde, 0xad, 0x00, 0x0f };
	struct buf b;

	p = str_join_path("/backup/patronus/", "/hourly");
	ck_assert_str_eq(p, "/backup/patronus/hourly");
	free(p);
	ck_assert(str_has_prefix("patronus-hourly-1", "patronus-"));
	ck_assert(!str_has_prefix("pat", "patronus-"));
	ck_assert(str_has_suffix("x-manifest.txt", "-manifest.txt"));
	ck_assert(!str_has_suffix("txt", "-manifest.txt"));
	ck_assert_str_eq(str_trim(s), "padded");
	str_hex(bytes, sizeof bytes, hex);
	ck_assert_str_eq(hex, "dead000f");
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	ck_assert_uint_eq(strlen(b.data), b.len);
	ck_assert(str_has_suffix(b.data, "999,"));
	buf_clear(&b);
}
END_TEST

/* str_escape: control characters, C1, bidi overrides and bad UTF-8 become visible. */
START_TEST(test_escape)
{
	struct buf	 b;
	char		*e;

	e = str_escape("a\x1b]0;t\x07" "b\nc\td\x7f");
	ck_assert_str_eq(e, "a\\x1b]0;t\\x07b\\nc\\td\\x7f");
	free(e);
	e = str_escape("\xc2\x9b" "31m \xe2\x80\xae \xff\xc3 \xc3\xa4\xe2\x82\xac");
	ck_assert_str_eq(e, "\\u{009b}31m \\u{202e} \\xff\\xc3 \xc3\xa4\xe2\x82\xac");
	free(e);
	e = str_escape("\xed\xa0\x80\xc0\xaf");	/* a surrogate, an overlong "/" */
	ck_assert_str_eq(e, "\\xed\\xa0\\x80\\xc0\\xaf");
	free(e);
	buf_init(&b);
	str_escape_buf(&b, "one\n\ttwo\r\x1b", STR_ESCAPE_LINES);
	ck_assert_str_eq(b.data, "one\n\ttwo\\x0d\\x1b");
	buf_clear(&b);
}
END_TEST

START_TEST(test_key_file)
{
	char	dir[] = "/tmp/pdr-test-XXXXXX", *path, *key = NULL, *cause = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = str_join_path(dir, "key");
	ck_assert_int_eq(fs_write_atomic(path, "s3cret-s3cret-s3cret\nsecond line\n", 33, 0600,
	    &cause), 0);
	ck_assert_int_eq(fs_read_key(path, &key, &cause), 0);
	ck_assert_str_eq(key, "s3cret-s3cret-s3cret");
	free(key);
	/* Too short, or cut by a NUL byte as openssl would cut it: refused. */
	ck_assert_int_eq(fs_write_atomic(path, "s3cret\n", 7, 0600, &cause), 0);
	ck_assert_int_eq(fs_load_key(path, &key, &cause), FAIL_IO);
	ck_assert_ptr_nonnull(strstr(cause, "at least"));
	free(cause);
	ck_assert_int_eq(fs_write_atomic(path, "s3cret\0s3cret-s3cret\n", 21, 0600, &cause), 0);
	ck_assert_int_eq(fs_read_key(path, &key, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "NUL"));
	free(cause);
	ck_assert_int_eq(fs_write_atomic(path, "s3cret-s3cret-s3cret\n", 21, 0600, &cause), 0);
	chmod(path, 0640);
	ck_assert_int_eq(fs_load_key(path, &key, &cause), FAIL_PERM);
	ck_assert_ptr_nonnull(strstr(cause, "group or others"));
	ck_assert_ptr_null(strstr(cause, "s3cret"));
	free(cause);
	unlink(path);
	ck_assert_int_eq(fs_load_key(path, &key, &cause), FAIL_NOINPUT);
	free(cause);
	/* a key file that is a folder, or a symbolic link (not followed) */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(fs_load_key(path, &key, &cause), FAIL_IO);
	free(cause);
	rmdir(path);
	ck_assert_int_eq(symlink("/etc/hostname", path), 0);
	ck_assert_int_eq(fs_load_key(path, &key, &cause), FAIL_IO);
	free(cause);
	unlink(path);
	/* the yes/no form says the same failures as -1 */
	ck_assert_int_eq(fs_read_key(path, &key, &cause), -1);
	free(cause);
	free(path);
	rmdir(dir);
}
END_TEST

/* Every failure class, its exit code (sysexits.h), and the errno values that make it. */
START_TEST(test_fail_class)
{
	static const struct { enum fail_class fc; int code; } ex[] = {
		{ FAIL_NONE, 0 }, { FAIL_CHECK, 1 }, { FAIL_USAGE, 64 }, { FAIL_DATA, 65 },
		{ FAIL_NOINPUT, 66 }, { FAIL_CANTCREAT, 73 }, { FAIL_IO, 74 },
		{ FAIL_TEMPFAIL, 75 }, { FAIL_PERM, 77 }, { FAIL_CONFIG, 78 },
	};
	static const struct { int err; enum fail_class fc; int code; } er[] = {
		{ ENOENT, FAIL_NOINPUT, 66 }, { ENOTDIR, FAIL_NOINPUT, 66 },
		{ EACCES, FAIL_PERM, 77 }, { EPERM, FAIL_PERM, 77 },
		{ ENOSPC, FAIL_CANTCREAT, 73 }, { EDQUOT, FAIL_CANTCREAT, 73 },
		{ EROFS, FAIL_CANTCREAT, 73 }, { EEXIST, FAIL_CANTCREAT, 73 },
		{ EIO, FAIL_IO, 74 }, { EINVAL, FAIL_IO, 74 }, { ELOOP, FAIL_IO, 74 },
		{ EBADMSG, FAIL_IO, 74 }, { 0, FAIL_IO, 74 },
	};
	size_t	i, j;

	ck_assert_int_eq(nitems(ex), FAIL__COUNT);
	for (i = 0; i < nitems(ex); i++) {
		ck_assert_msg(fail_exit(ex[i].fc) == ex[i].code, "class %d", (int)ex[i].fc);
		/* one code per class: the code says the class back */
		for (j = 0; j < i; j++)
			ck_assert_int_ne(fail_exit(ex[j].fc), fail_exit(ex[i].fc));
	}
	ck_assert_int_eq(FAIL_NONE, 0);
	ck_assert_int_eq(fail_exit((enum fail_class)FAIL__COUNT), EX_SOFTWARE);
	for (i = 0; i < nitems(er); i++) {
		ck_assert_msg(fail_errno(er[i].err) == er[i].fc, "errno %d", er[i].err);
		ck_assert_int_eq(fail_exit(fail_errno(er[i].err)), er[i].code);
	}
	/* a failure never maps to success, whatever errno said */
	for (i = 0; i < 200; i++)
		ck_assert_int_ne(fail_errno((int)i), FAIL_NONE);
}
END_TEST

/* A test hook is read from $PDR_TEST_NAME only; an empty one is unset. */
START_TEST(test_testhook)
{
	unsetenv("PDR_TEST_KILL_AT");
	ck_assert_ptr_null(testhook_get(TESTHOOK_KILL_AT));
	/* the old prefix is not read (split so that the rename's sed leaves it) */
	setenv("PATRONUS_DR" "_TEST_KILL_AT", "3", 1);
	ck_assert_ptr_null(testhook_get(TESTHOOK_KILL_AT));
	unsetenv("PATRONUS_DR" "_TEST_KILL_AT");
	setenv("PDR_TEST_KILL_AT", "", 1);
	ck_assert_ptr_null(testhook_get(TESTHOOK_KILL_AT));
	setenv("PDR_TEST_KILL_AT", "3", 1);
	ck_assert_str_eq(testhook_get(TESTHOOK_KILL_AT), "3");
	ck_assert_ptr_null(testhook_get(TESTHOOK_COPY_WAIT_MS));
	unsetenv("PDR_TEST_KILL_AT");
	setenv("PDR_TEST_HUP_AT", "db-staged", 1);
	ck_assert_str_eq(testhook_get(TESTHOOK_HUP_AT), "db-staged");
	unsetenv("PDR_TEST_HUP_AT");
	ck_assert_ptr_null(testhook_get((enum testhook)TESTHOOK__COUNT));
}
END_TEST

START_TEST(test_write_atomic)
{
	char		 dir[] = "/tmp/pdr-test-XXXXXX", *path, *data = NULL, *cause = NULL;
	struct stat	 st;
	size_t		 len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = str_join_path(dir, "a/b/c");
	ck_assert_int_eq(fs_mkdir_p(path, 0700, &cause), 0);
	free(path);
	path = str_join_path(dir, "a/b/c/file");
	ck_assert_int_eq(fs_write_atomic(path, "old", 3, 0600, &cause), 0);
	ck_assert_int_eq(fs_write_atomic(path, "new!", 4, 0600, &cause), 0);
	ck_assert_int_eq(fs_read_file(path, 100, &data, &len, &cause), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_str_eq(data, "new!");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(data);
	ck_assert_int_eq(fs_read_file(path, 2, &data, &len, &cause), -1);
	/* errno says why, as after a system call: a file too large */
	ck_assert_int_eq(errno, EFBIG);
	free(cause);
	unlink(path);
	ck_assert_int_eq(fs_read_file(path, 100, &data, &len, &cause), -1);
	ck_assert_int_eq(fail_errno(errno), FAIL_NOINPUT);
	free(cause);
	free(path);
	path = xasprintf("rm -r '%s'", dir);
	ck_assert_int_eq(system(path), 0);
	free(path);
}
END_TEST

/* fs_walk's callback for the test: count the pre and post calls. */
static int
test_walk_count(const char *path, const struct stat *st, bool post, void *arg,
    char **cause)
{
	int	*n = arg;

	(void)path;
	(void)cause;
	if (!post)
		ck_assert(S_ISDIR(st->st_mode));
	n[post ? 1 : 0]++;
	return (0);
}

START_TEST(test_remove_tree)
{
	char		 dir[] = "/tmp/pdr-test-XXXXXX", *tree, *p, *cause = NULL;
	int		 n[2] = { 0, 0 };
	struct stat	 st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* outside: a file a link in the tree points at, that must survive */
	p = str_join_path(dir, "outside");
	ck_assert_int_eq(fs_write_atomic(p, "keep", 4, 0600, &cause), 0);
	free(p);
	tree = str_join_path(dir, "tree");
	p = str_join_path(tree, "sealed/deep");
	ck_assert_int_eq(fs_mkdir_p(p, 0700, &cause), 0);
	free(p);
	p = str_join_path(tree, "sealed/deep/file");
	ck_assert_int_eq(fs_write_atomic(p, "x", 1, 0400, &cause), 0);
	free(p);
	p = str_join_path(tree, "link");
	ck_assert_int_eq(symlink("../outside", p), 0);
	free(p);
	/* walk: 3 folders (pre and post each), 1 file and 1 link (post only) */
	ck_assert_int_eq(fs_walk(tree, test_walk_count, n, &cause), 0);
	ck_assert_int_eq(n[0], 3);
	ck_assert_int_eq(n[1], 5);
	/* a folder sealed as evidence is (0500 folders, 0400 files) */
	p = str_join_path(tree, "sealed/deep");
	ck_assert_int_eq(chmod(p, 0500), 0);
	free(p);
	p = str_join_path(tree, "sealed");
	ck_assert_int_eq(chmod(p, 0500), 0);
	free(p);
	ck_assert_int_eq(fs_remove_tree(tree, &cause), 0);
	ck_assert_int_eq(lstat(tree, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	p = str_join_path(dir, "outside");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(unlink(p), 0);
	free(p);
	/* absent: not an error; a walk of something absent is, with the path */
	ck_assert_int_eq(fs_remove_tree(tree, &cause), 0);
	ck_assert_int_eq(fs_walk(tree, test_walk_count, n, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, tree));
	free(cause);
	free(tree);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_clock)
{
	char	buf[TIMEUTIL_BUFSZ];
	int64_t	a = time_now_ms(), m = time_mono_ms();

	ck_assert(a > (int64_t)1700000000 * 1000);
	ck_assert(llabs(a - (int64_t)time(NULL) * 1000) < 2000);
	ck_assert(m > 0 && time_mono_ms() >= m);
	setenv("TZ", "UTC", 1);
	tzset();
	ck_assert_str_eq(time_format_iso_ms((int64_t)1795793402 * 1000 + 120, buf, sizeof buf),
	    "2026-11-27 15:30:02.120");
	ck_assert_str_eq(time_format_iso_ms(7, buf, sizeof buf), "1970-01-01 00:00:00.007");
}
END_TEST

START_TEST(test_table)
{
	static const struct table_col	 cols[] = {
		{ "ID", TABLE_LINE }, { "N", TABLE_RIGHT }, { "NAME", TABLE_CUT },
		{ "NOTE", TABLE_WRAP },
	};
	struct table			 t;
	struct buf			 b;
	char				*s;
	const char			*p, *nl;

	ck_assert_ptr_nonnull(setlocale(LC_ALL, "C.UTF-8"));
	/* the width: $COLUMNS, else 80 off a terminal, never under 40 */
	setenv("COLUMNS", "100", 1);
	ck_assert_int_eq(table_width(), 100);
	setenv("COLUMNS", "10", 1);
	ck_assert_int_eq(table_width(), 40);
	setenv("COLUMNS", "wide", 1);
	if (!isatty(STDOUT_FILENO))
		ck_assert_int_eq(table_width(), 80);
	unsetenv("COLUMNS");
	/* a cut keeps both ends */
	s = table_cut_middle("abcdefghijklmnopqrstuvwxyz", 11);
	ck_assert_str_eq(s, "abcde\xe2\x80\xa6vwxyz");
	ck_assert_int_eq(table_text_width(s), 11);
	free(s);
	s = table_cut_middle("short", 11);
	ck_assert_str_eq(s, "short");
	free(s);

	table_init(&t, cols, nitems(cols));
	table_add(&t, "DRILL-20261206-2111-a-runbook-id-long-enough-to-need-its-line", "12",
	    "a-runbook-name-that-is-rather-long-for-its-column", "a note of several words "
	    "that needs more than one line at forty columns");
	table_add(&t, "INC-1", "3", "x", NULL);
	/* wide enough: one line per row, the columns aligned */
	buf_init(&b);
	table_render(&t, 300, &b);
	ck_assert_ptr_nonnull(strstr(b.data, "ID  "));
	ck_assert_ptr_nonnull(strstr(b.data, "\nINC-1  "));
	ck_assert_ptr_null(strstr(b.data, "\xe2\x80\xa6"));
	buf_reset(&b);
	/* 40 columns: the id on its own line, the name cut in the middle, the note wrapped */
	table_render(&t, 40, &b);
	ck_assert_ptr_nonnull(strstr(b.data, "\nDRILL-20261206-2111\xe2\x80\xa6"));
	ck_assert_ptr_nonnull(strstr(b.data, "to-need-its-line\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\nINC-1\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "a-runboo\xe2\x80\xa6" "s-column"));
	for (p = b.data; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		s = xstrndup(p, (size_t)(nl - p));
		ck_assert_int_le(table_text_width(s), 40);
		free(s);
	}
	/* every word of the note is there, in order */
	ck_assert_ptr_nonnull(strstr(b.data, "a note"));
	ck_assert_ptr_nonnull(strstr(b.data, "columns\n"));
	buf_clear(&b);
	table_clear(&t);
	/* prose: wrapped at spaces, the rest of a line indented */
	buf_init(&b);
	table_lines(&b, "one two three four five six seven eight nine ten eleven twelve\nx", 40);
	ck_assert_str_eq(b.data, "one two three four five six seven eight\n  nine ten eleven twelve\nx\n");
	buf_clear(&b);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite	*s = suite_create("util");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_duration_parse);
	tcase_add_test(tc, test_duration_format);
	tcase_add_test(tc, test_time_parse);
	tcase_add_test(tc, test_shell_quote);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_fail_class);
	tcase_add_test(tc, test_testhook);
	tcase_add_test(tc, test_write_atomic);
	tcase_add_test(tc, test_remove_tree);
	tcase_add_test(tc, test_clock);
	tcase_add_test(tc, test_table);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(util_suite(), NULL));
}
