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
	static const struct option	 longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "dump", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct salvage_report		 r;
	const char			*db, *base;
	char				*out = NULL, *cause = NULL;
	char				 stamp[TIMEUTIL_BUFSZ];
	bool				 dump = false;
	size_t				 i;
	int				 opt, ex;

	while ((opt = cmd_getopt(e, argc, argv, "o:dh", longopts)) != -1) {
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

	printf(_("checking %s (PRAGMA integrity_check)\n"), db);
	fflush(stdout);
	if (salvage_check(db, &r, &cause) != 0) {
		ex = fs_errno_exit(errno);
		cmd_error("%s", cause);
		free(cause);
		free(out);
		return (ex);
	}
	if (r.intact)
		printf(_("ok %s: integrity check passes\n"), db);
	else {
		printf(_("DAMAGED %s: integrity check fails:\n"), db);
		for (i = 0; i < r.nproblems; i++)
			printf("  %s\n", r.problems[i]);
	}
	ex = r.intact ? EX_OK : 1;
	if (r.intact && !dump)
		goto done;
	if (out == NULL) {
		if (fs_mkdir_p(ctx->conf.state_dir, 0700, &cause) != 0) {
			cmd_error("%s", cause);
			ex = EX_CANTCREAT;
			goto done;
		}
		base = strrchr(db, '/') != NULL ? strrchr(db, '/') + 1 : db;
		time_format_stamp(time(NULL), stamp, sizeof stamp);
		out = xasprintf("%s/salvage-%s-%s.sql", ctx->conf.state_dir, base, stamp);
	}
	printf(_("salvaging what can be read into %s\n"), out);
	fflush(stdout);
	if (salvage_dump(db, out, &r, &cause) != 0) {
		cmd_error("%s", cause);
		ex = EX_CANTCREAT;
		goto done;
	}
	for (i = 0; i < r.ntables; i++)
		printf(_("  %-24s %8ld rows%s\n"), r.tables[i].name, r.tables[i].rows,
		    r.tables[i].complete ? "" : _("  (read errors: some rows lost)"));
	printf(_("salvage: %ld rows from %zu tables in %s%s\n"), r.rows, r.ntables, out,
	    r.schema_errors > 0 ? _(" (the schema itself is damaged)") : "");
done:
	free(cause);
	free(out);
	salvage_report_free(&r);
	return (ex);
}

const struct cmd_entry cmd_assess_entry = {
	.name = "assess",
	.args = "[--dump] [-o FILE] [DB]",
	.summary = N_("integrity check, salvage dump of what can be read"),
	.help = N_("Runs PRAGMA integrity_check on DB (default: the database of dr.yaml),\n"
	    "read-only. When it fails (or with --dump), writes what can still be\n"
	    "read as an SQL script that sqlite3 loads, table by table and row by\n"
	    "row, skipping unreadable pages, and prints the rows recovered per\n"
	    "table.\n"
	    "\n"
	    "  -d, --dump          write the dump even when the check passes\n"
	    "  -o, --output FILE   the dump (default: STATE_DIR/salvage-DB-STAMP.sql)\n"
	    "\n"
	    "Exit status: 0 intact, 1 damaged, 66 no such database, 73 the dump\n"
	    "cannot be written.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_assess_exec,
};
