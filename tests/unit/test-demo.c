/* test-demo.c: unit tests of src/engine/demo (the sandbox made by `patronus-dr demo`). */
#include "system.h"

#include <check.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/host/demo.h"
#include "engine/recover/wgkey.h"
#include "util/fsutil.h"
#include "util/xmalloc.h"
#include "testlib.h"

/* A fresh temporary folder for each test. */
static void
setup(void)
{
	testlib_tmp_make("test-demo");
}

/* Remove the temporary folder. */
static void
teardown(void)
{
	testlib_tmp_remove();
}

/* $XDG_DATA_HOME when absolute, else $HOME/.local/share, else an error. */
START_TEST(test_default_dir)
{
	char	*d, *cause = NULL;

	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("HOME", "/h", 1);
	d = demo_default_dir(&cause);
	ck_assert_str_eq(d, "/x/data/patronus-dr/demo");
	free(d);
	setenv("XDG_DATA_HOME", "relative/data", 1);	/* ignored, as the XDG spec says */
	d = demo_default_dir(&cause);
	ck_assert_str_eq(d, "/h/.local/share/patronus-dr/demo");
	free(d);
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
	ck_assert_ptr_null(demo_default_dir(&cause));
	ck_assert_ptr_nonnull(cause);
	free(cause);
}
END_TEST

/* Make, keep, reset; the report's counts and keys. */
START_TEST(test_create_keep_reset)
{
	struct demo_report	 r;
	struct stat		 st;
	char			*dir, *pub, *cause = NULL, *key1 = NULL, *key2 = NULL;
	char			 derived[WGKEY_B64_SIZE], *priv = NULL;

	dir = xasprintf("%s/sb", testlib_dir);
	ck_assert_int_eq(demo_create(dir, false, &r, &cause), 0);
	ck_assert(!r.kept && !r.replaced);
	ck_assert_str_eq(r.dir, dir);
	ck_assert_int_ge(r.n_sites, 10);
	ck_assert_int_ge(r.n_paths, 100);
	ck_assert_int_ge(r.n_health, 1000);
	ck_assert_int_gt(r.n_policies, 0);
	ck_assert_int_gt(r.n_users, 0);
	ck_assert_int_gt(r.n_audit, 0);
	ck_assert_str_eq(r.runbook_dir, PDR_RUNBOOKDIR);	/* not run from the build tree */
	ck_assert_int_eq(stat(r.encryption_key, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(fs_read_key(r.encryption_key, &key1, &cause), 0);
	/* The reported public key is the one of the private key file. */
	pub = xasprintf("%s/privatekey", r.wireguard_dir);
	ck_assert_int_eq(fs_read_key(pub, &priv, &cause), 0);
	ck_assert_int_eq(wgkey_public(priv, derived, &cause), 0);
	ck_assert_str_eq(derived, r.wg_public);
	wgkey_wipe(priv, strlen(priv));
	free(priv);
	free(pub);
	demo_report_clear(&r);

	ck_assert_int_eq(demo_create(dir, false, &r, &cause), 0);
	ck_assert(r.kept);
	ck_assert_str_eq(derived, r.wg_public);
	demo_report_clear(&r);

	ck_assert_int_eq(demo_create(dir, true, &r, &cause), 0);
	ck_assert(r.replaced && !r.kept);
	ck_assert_int_eq(fs_read_key(r.encryption_key, &key2, &cause), 0);
	ck_assert_str_ne(key1, key2);
	ck_assert_str_ne(derived, r.wg_public);
	demo_report_clear(&r);
	free(key1);
	free(key2);
	free(dir);
}
END_TEST

/* A folder without the marker is never deleted or filled. */
START_TEST(test_refuse_foreign)
{
	struct demo_report	 r;
	char			*dir, *file, *cause = NULL;

	dir = xasprintf("%s/foreign", testlib_dir);
	file = xasprintf("%s/keep", dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(fs_write_atomic(file, "x", 1, 0644, &cause), 0);
	ck_assert_int_eq(demo_create(dir, true, &r, &cause), FAIL_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(cause, "refusing to delete"));
	free(cause);
	cause = NULL;
	demo_report_clear(&r);
	ck_assert(fs_exists(file));
	ck_assert_int_eq(demo_create(dir, false, &r, &cause), FAIL_CANTCREAT);
	free(cause);
	demo_report_clear(&r);
	ck_assert(fs_exists(file));
	free(file);
	free(dir);
}
END_TEST

/* The suite. */
static Suite *
demo_suite(void)
{
	Suite	*s = suite_create("demo");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_default_dir);
	tcase_add_test(tc, test_create_keep_reset);
	tcase_add_test(tc, test_refuse_foreign);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(demo_suite(), NULL));
}
