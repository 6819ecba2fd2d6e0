/* cmd-assess.c: the plan's "assess damage" of the database. */
#include "system.h"

#include <time.h>

#include "cli/cmd.h"
#include "engine/recover/salvage.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Integrity check; when it fails (or with --dump), a salvage dump with rows per table. */
static int
cmd_assess_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct salvage_report		 r;
	const char			*db, *base;
	char				*out = NULL, *cause = NULL, *copy = NULL;
	char				*dir = NULL;
	char				 stamp[TIMEUTIL_BUFSZ];
	bool				 dump = false;
	size_t				 i;
	int				 opt, ex;
	enum fail_class			 fc;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'o':
			free(out);
			out = xstrdup(optarg);
			break;
		case 'd':
			dump = true;
			break;
		}
	}
	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	db = optind < argc ? argv[optind] : ctx->conf.database;
	memset(&r, 0, sizeof r);

	/* The dump's folder holds the private copy that is read: never the evidence. */
	if (out == NULL) {
		base = strrchr(db, '/') != NULL ? strrchr(db, '/') + 1 : db;
		time_format_stamp(time(NULL), stamp, sizeof stamp);
		out = xasprintf("%s/salvage-%s-%s.sql", ctx->conf.state_dir, base, stamp);
	}
	dir = fs_dirname(out);
	if (fs_exists(db) && fs_mkdir_p(dir, 0700, &cause) != 0) {
		cmd_error("%s", cause);
		ex = EX_CANTCREAT;
		goto done;
	}
	printf(_("checking %s (PRAGMA integrity_check, on a copy)\n"), db);
	fflush(stdout);
	if ((fc = salvage_copy(db, dir, &copy, &cause)) != FAIL_NONE ||
	    (fc = salvage_check(copy, &r, &cause)) != FAIL_NONE) {
		ex = fail_exit(fc);
		cmd_error("%s", cause);
		goto done;
	}
	if (r.intact)
		printf(_("ok %s: integrity check passes\n"), db);
	else {
		printf(_("DAMAGED %s: integrity check fails:\n"), db);
		for (i = 0; i < r.nproblems && i < SALVAGE_SHOW_PROBLEMS; i++)
			printf("  %s\n", r.problems[i]);
		if (r.nproblems > SALVAGE_SHOW_PROBLEMS)
			printf(_("  ... %zu lines in all (the file beside the dump has them)\n"),
			    r.nproblems);
	}
	ex = r.intact ? EX_OK : 1;
	if (r.intact && !dump)
		goto done;
	printf(_("salvaging what can be read into %s\n"), out);
	fflush(stdout);
	if (salvage_dump(copy, db, out, &r, &cause) != 0) {
		cmd_error("%s", cause);
		ex = EX_CANTCREAT;
		goto done;
	}
	for (i = 0; i < r.ntables; i++) {
		printf(_("  %-24s %8ld rows%s\n"), r.tables[i].name, r.tables[i].rows,
		    r.tables[i].complete ? "" :
		    _("  (damaged: rows may be missing, see the report)"));
		if (r.tables[i].rows_pages > 0 || r.tables[i].suspect > 0)
			printf(_("  %-24s %8ld of them read page by page, %ld suspect\n"), "",
			    r.tables[i].rows_pages, r.tables[i].suspect);
	}
	if (r.lost_found > 0)
		printf(_("  %-24s %8ld rows of no known table\n"), "lost_and_found",
		    r.lost_found);
	for (i = 0; i < r.ndamage && i < SALVAGE_SHOW_PROBLEMS; i++)
		printf(_("damaged page %u (%s): %s\n"), r.damage[i].pgno,
		    r.damage[i].table != NULL ? r.damage[i].table : "?", _(r.damage[i].why));
	if (r.ndamage > SALVAGE_SHOW_PROBLEMS)
		printf(_("... %zu damaged pages or cells in all\n"), r.ndamage);
	printf(_("salvage: %ld rows from %zu tables in %s%s\n"), r.rows, r.ntables, out,
	    r.schema_pages ? _(" (the schema was read page by page)") : "");
	printf(_("report: %s (damaged pages, lost rowids); integrity check: %s\n"),
	    r.report_path, r.integrity_path);
	if (!r.intact && r.almost_nothing) {
		printf(_("ALMOST NOTHING salvaged into its tables: %ld rows of the %ld found "
		    "on the file's pages (%ld in lost_and_found)\n"), r.rows, r.cells,
		    r.lost_found);
		ex = 2;
	}
done:
	if (copy != NULL) {
		salvage_copy_remove(copy);
		free(copy);
	}
	free(dir);
	free(cause);
	free(out);
	salvage_report_clear(&r);
	return (ex);
}

/* The options of assess (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_assess_opts[] = {
	{ "dump", 'd', NULL,
	    N_("write the dump even when the check passes"),
	    CMD_OPT_SHORT, NULL },
	{ "output", 'o', N_("FILE"),
	    N_("the dump (default: STATE_DIR/salvage-DB-STAMP.sql)"),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_assess_entry = {
	.name = "assess",
	.args = "[DB]",
	.summary = N_("integrity check, salvage dump of what can be read"),
	.help = N_("Runs PRAGMA integrity_check on a private copy of DB (default: the\n"
	    "database of dr.yaml) and its -wal and -journal, made beside the dump:\n"
	    "the evidence itself is never opened by SQLite. When the check fails\n"
	    "(or with --dump), writes what can still be read as an SQL script that\n"
	    "sqlite3 loads: what SQLite reads, seeking around damage, then each\n"
	    "damaged table read page by page from its b-tree; rows of pages no\n"
	    "table reaches go to lost_and_found. Beside the dump: FILE.report.txt\n"
	    "(damaged pages, lost rowids, rows per table) and FILE.integrity.txt\n"
	    "(every line of the integrity check).\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_assess_exec,
	.opts = cmd_assess_opts,
	.opt_col = 22,
	.help_tail = N_("Exit status: 0 intact, 1 damaged, 2 damaged and almost nothing\n"
	    "salvaged (under a tenth of the rows found on the file's pages),\n"
	    "66 no such database, 77 not readable, 73 or 74 the copy or the dump\n"
	    "cannot be written.\n"),
};
