/* cmd-restore-test.c: the plan's monthly backup test, in-process, into a scratch folder. */
#include "system.h"

#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/recover/restest.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/*
 * The folder to restore into: dir (made when missing; it must be empty) or,
 * when NULL, a new one under state_dir (*temp set: removed afterwards).
 * Returns the path (caller frees) or NULL after saying why.
 */
static char *
restest_scratch(const struct conf *c, const char *dir, bool *temp)
{
	char	*p, *cause = NULL;

	*temp = dir == NULL;
	if (dir == NULL) {
		if (fs_mkdir_p(c->state_dir, 0700, &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
			return (NULL);
		}
		p = xasprintf("%s/restore-test.XXXXXX", c->state_dir);
		if (mkdtemp(p) == NULL) {
			cmd_error("%s: %s", p, strerror(errno));
			free(p);
			return (NULL);
		}
		return (p);
	}
	if (fs_mkdir_p(dir, 0700, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (NULL);
	}
	p = str_join_path(dir, "sdwan.db");
	if (fs_exists(p)) {
		cmd_error(_("%s: the scratch folder is not empty (it holds sdwan.db)"), dir);
		free(p);
		return (NULL);
	}
	free(p);
	return (xstrdup(dir));
}

/* Write the report to FILE, or to the log folder as backup-test-YYYYmmdd.log; returns the path or NULL. */
static char *
restest_write(const struct conf *c, const char *out, const struct buf *b)
{
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		*dir, *path, *cause = NULL, day[16], name[64];

	if (out != NULL)
		path = xstrdup(out);
	else {
		localtime_r(&now, &tm);
		strftime(day, sizeof day, "%Y%m%d", &tm);
		xsnprintf(name, sizeof name, "backup-test-%s.log", day);
		dir = fs_dirname(c->log_file);
		if (fs_mkdir_p(dir, 0755, &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
			free(dir);
			return (NULL);
		}
		path = str_join_path(dir, name);
		free(dir);
	}
	if (fs_write_atomic(path, b->data, b->len, 0644, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(path);
		return (NULL);
	}
	return (path);
}

/* restore-test [--from SET] [--scratch DIR] [-o FILE] */
static int
cmd_restore_test_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct restest_result		 r;
	struct buf			 b, safe;
	const char			*from = NULL, *scratch = NULL, *out = NULL;
	char				*db = NULL, *dir, *cause = NULL, *path;
	bool				 temp;
	int				 opt, rc;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 's':
			scratch = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		}
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if ((rc = restest_pick(&ctx->conf, from, &db, &cause)) != 0) {
		cmd_error("%s", cause);
		free(cause);
		printf(_("FAIL: %s\n"), rc == 1 ? _("no backup set to test") :
		    _("backup_dir cannot be read"));
		return (rc == 1 ? EX_NOINPUT : EX_IOERR);
	}
	if ((dir = restest_scratch(&ctx->conf, scratch, &temp)) == NULL) {
		free(db);
		return (EX_CANTCREAT);
	}
	printf(_("Testing backup: %s\nScratch folder: %s\n"), db, dir);
	fflush(stdout);
	rc = restest_run(&ctx->conf, db, dir, &r, &cause);
	if (rc < 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_DATAERR;
	} else {
		buf_init(&b);
		buf_init(&safe);
		restest_report(&b, &r);
		/* names and details come from backup_dir, which others may write */
		str_add_safe(&safe, b.data, b.len);
		fputs(safe.data, stdout);
		if ((path = restest_write(&ctx->conf, out, &b)) != NULL)
			printf(_("Backup Test Report written to %s\n"), path);
		else if (rc == 0)
			rc = EX_CANTCREAT;
		free(path);
		buf_clear(&b);
		buf_reset(&safe);
		if (r.fail != NULL) {
			str_add_safe(&safe, r.fail, strlen(r.fail));
			printf(_("FAIL: %s\n"), safe.data);
		}
		else
			printf(_("PASS: %s restored into scratch and checked\n"), db);
		buf_clear(&safe);
	}
	if (temp && fs_remove_tree(dir, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
	}
	restest_result_clear(&r);
	free(dir);
	free(db);
	return (rc);
}

/* The options of restore-test (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_restore_test_opts[] = {
	{ "from", 'f', N_("SET"),
	    N_("a set's name (patronus-daily-...) or its .db file"),
	    CMD_OPT_SHORT, NULL },
	{ "scratch", 's', N_("DIR"),
	    N_("restore into DIR and keep it (default: a temporary\n"
	    "folder under state_dir, removed afterwards)"),
	    CMD_OPT_SHORT, NULL },
	{ "output", 'o', N_("FILE"),
	    N_("write the report to FILE instead"),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_restore_test_entry = {
	.name = "restore-test",
	.args = "",
	.summary = N_("the plan's monthly backup test: restore a set into scratch and check it"),
	.help = N_("Picks a random recent backup set (a daily one, as the plan's\n"
	    "ls daily/*.db | shuf -n 1 does, else any of the last 35 days), or the one\n"
	    "--from names, and tests it without touching live data: verify (checksums,\n"
	    "HMAC, both archives read, the WireGuard archive decrypted), the database\n"
	    "copied into a scratch folder with PRAGMA integrity_check and its sites and\n"
	    "paths counted against the manifest, the config archive extracted there\n"
	    "and check config run on the copy. Each part is timed. The plan's Backup\n"
	    "Test Report goes to standard output and to the log folder (the folder of\n"
	    "log_file) as backup-test-YYYYmmdd.log; the last line says PASS, or FAIL\n"
	    "with the damaged file and what is wrong with it.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_restore_test_exec,
	.opts = cmd_restore_test_opts,
	.opt_col = 22,
	.help_tail = N_("Exit status: 0 passed, 1 a check failed, 66 no backup set to test, 73 the\n"
	    "scratch folder or the report cannot be made.\n"),
};
