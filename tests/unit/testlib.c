/* testlib.c: what the Check unit tests share: a scratch folder, files in it, running a suite, the incident record. */
#include "system.h"

#include <unistd.h>

#include "testlib.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

char	*testlib_dir;

/* Make /tmp/pdr-NAME.XXXXXX as testlib_dir. Returns 0, or -1 with errno. */
static int
testlib_mkdtemp(const char *name)
{
	char	*d = xasprintf("/tmp/pdr-%s.XXXXXX", name);

	if (mkdtemp(d) == NULL) {
		free(d);
		return (-1);
	}
	testlib_dir = d;
	return (0);
}

/* Remove testlib_dir with everything in it. Returns rm's status. */
static int
testlib_rmtree(void)
{
	char	*cmd;
	int	 rc;

	if (testlib_dir == NULL)
		return (0);
	cmd = xasprintf("rm -rf '%s'", testlib_dir);
	rc = system(cmd);
	free(cmd);
	free(testlib_dir);
	testlib_dir = NULL;
	return (rc);
}

/* A fresh scratch folder for one test. */
void
testlib_tmp_make(const char *name)
{
	ck_assert_msg(testlib_mkdtemp(name) == 0, "mkdtemp: %s", strerror(errno));
}

/* Remove the test's scratch folder. */
void
testlib_tmp_remove(void)
{
	ck_assert_int_eq(testlib_rmtree(), 0);
}

/* Write a file in the scratch folder; the caller frees the path. */
char *
testlib_write(const char *name, const char *text, mode_t mode)
{
	char	*path = str_join_path(testlib_dir, name), *cause = NULL;

	ck_assert_msg(fs_write_atomic(path, text, strlen(text), mode, &cause) == 0, "%s",
	    cause);
	return (path);
}

/* A scratch folder, the state_dir path in it (caller frees), a plain local operator. */
char *
testlib_state_setup(const char *name)
{
	testlib_tmp_make(name);
	setenv("USER", "tester", 1);
	unsetenv("SUDO_USER");
	unsetenv("SSH_CONNECTION");
	return (str_join_path(testlib_dir, "state/dr"));
}

/* Open the store, failing the test on error. */
struct incident_store *
testlib_store(const char *state_dir)
{
	struct incident_store	*st;
	char			*cause = NULL;

	ck_assert_msg(incident_store_open(state_dir, &st, &cause) == 0, "%s", cause);
	return (st);
}

/* Append an event, failing the test on error. */
void
testlib_append(struct incident_store *st, const char *id, const char *step,
    enum incident_ev k, const char *payload)
{
	char	*cause = NULL;

	ck_assert_msg(incident_append(st, id, step, k, payload, NULL, &cause) == 0, "%s",
	    cause);
}

/* Run a suite, in a scratch folder when tmpname is set; the exit status. */
int
testlib_run(Suite *s, const char *tmpname)
{
	SRunner	*sr;
	int	 failed;

	if (tmpname != NULL && testlib_mkdtemp(tmpname) != 0) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return (EXIT_FAILURE);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (testlib_rmtree() != 0)
		failed++;
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
