/* cmd-drills.c: the drill history: achieved RTO and RPO against the targets, scores and a trend chart. */
#include "system.h"

#include <langinfo.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "model/calendar.h"
#include "model/incident.h"
#include "ui/report.h"
#include "util/str.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Append the drill calendar (of runbook only, when given) after a blank line. */
static void
drills_calendar(const struct conf *c, struct incident_store *st, const char *runbook,
    struct buf *b)
{
	struct calendar_row	*rows = NULL, t;
	size_t			 n = 0, i, keep = 0;

	if (cmd_drill_calendar(c, st, &rows, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (runbook != NULL && strcmp(rows[i].runbook_id, runbook) != 0)
			continue;
		t = rows[keep];
		rows[keep++] = rows[i];
		rows[i] = t;
	}
	if (keep > 0) {
		buf_addc(b, '\n');
		cmd_calendar_text(b, rows, keep, time_now_ms());
	}
	calendar_free(rows, n);
}

/* drills [RUNBOOK-ID] [--ascii]. */
static int
cmd_drills_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct incident_store		*st = NULL;
	struct report_history		*h = NULL;
	struct buf			 b;
	const char			*runbook = NULL, *cs;
	char				*path;
	size_t				 n = 0;
	bool				 utf8, none;
	int				 opt, rc;

	cs = nl_langinfo(CODESET);
	utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		if (opt == 'a')
			utf8 = false;
	}
	if (optind < argc)
		runbook = argv[optind++];
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);

	/* No record yet (a new host, demo's fresh sandbox): no drills, not an error. */
	path = str_join_path(ctx->conf.state_dir, "incidents.db");
	none = access(path, F_OK) != 0 && errno == ENOENT;
	free(path);
	if (!none) {
		if ((rc = cmd_report_open(&ctx->conf, &st)) != EX_OK)
			return (rc);
		if (cmd_report_history(&ctx->conf, st, runbook, &h, &n) != 0) {
			incident_store_close(st);
			return (EX_IOERR);
		}
	}
	buf_init(&b);
	if (n == 0) {
		if (runbook != NULL)
			buf_printf(&b, _("No drills of %s recorded.\n"), runbook);
		else
			buf_printf(&b, _("No drills recorded.\n"));
	} else
		report_history_text(&b, h, n, utf8, table_width());
	cmd_report_history_free(h, n);
	drills_calendar(&ctx->conf, st, runbook, &b);
	incident_store_close(st);
	rc = fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0 ? EX_IOERR : EX_OK;
	buf_clear(&b);
	return (rc);
}

/* The options of drills (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_drills_opts[] = {
	{ "ascii", 'a', NULL,
	    N_("draw the chart with ASCII characters only (also when the\n"
	    "locale is not UTF-8)"),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_drills_entry = {
	.name = "drills",
	.args = "[RUNBOOK-ID]",
	.summary = N_("drill history: achieved RTO and RPO against targets, pass or fail"),
	.help = "",
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_drills_exec,
	.opts = cmd_drills_opts,
	.opt_col = 16,
	.help_tail = N_("Every drill (of RUNBOOK-ID, or all), oldest first: its date, the achieved RTO\n"
	    "and RPO against the targets, and whether it passed the plan's success\n"
	    "criteria; then a bar chart of the achieved RTO per drill with the target.\n"
	    "Last, the drill calendar: every runbook with a schedule: (monthly,\n"
	    "quarterly...), its last drill done and when the next is due, OVERDUE where\n"
	    "it is (`check drills` exits 1 then).\n"),
};
