/* cmd-report.c: the post-incident or drill report of one incident: Markdown, HTML or status update. */
#include "system.h"

#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "model/calendar.h"
#include "model/incident.h"
#include "ui/report.h"
#include "model/runbook.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

static void	cmd_report_calendar(const struct conf *, struct incident_store *,
		    struct report *);

/*
 * Run by a step's supervisor for this incident (PATRONUS_DR_INCIDENT and
 * PATRONUS_DR_RUN): the record's event names that run, like every event of it.
 */
static void
cmd_report_run(struct incident_store *st, const char *id)
{
	const char	*inc = getenv("PATRONUS_DR_INCIDENT");

	if (inc != NULL && strcmp(inc, id) == 0)
		incident_store_set_run(st, getenv("PATRONUS_DR_RUN"));
}

/*
 * --record: write the Backup Test Report to the log folder (the folder of
 * log_file) as backup-test-YYYYmmdd.log, atomically, and append it to the
 * record as a note. The incident must be open. Returns an exit code.
 */
static int
cmd_report_record(const struct conf *c, struct incident_store *st, const struct report *r,
    const struct buf *b)
{
	struct tm	 tm;
	char		*dir, *name, *path, *cause = NULL, day[16];
	time_t		 t = (time_t)(r->as_of_ms / 1000);
	int		 rc = EX_OK;

	if (!r->interim) {
		cmd_error(_("%s is closed: the report can no longer go into its record"),
		    r->inc.id);
		return (EX_DATAERR);
	}
	cmd_report_run(st, r->inc.id);
	localtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	dir = fs_dirname(c->log_file);
	name = xasprintf("backup-test-%s.log", day);
	path = str_join_path(dir, name);
	if (fs_mkdir_p(dir, 0755, &cause) != 0 ||
	    fs_write_atomic(path, b->data, b->len, 0644, &cause) != 0) {
		rc = fail_exit(fail_errno_create(errno));
		cmd_error("%s", cause);
	} else if (incident_append(st, r->inc.id, NULL, INCIDENT_EV_NOTE, b->data, NULL,
	    &cause) != 0) {
		cmd_error("%s", cause);
		rc = EX_IOERR;
	} else
		printf(_("Backup Test Report written to %s and to the record of %s\n"), path,
		    r->inc.id);
	free(cause);
	free(path);
	free(name);
	free(dir);
	return (rc);
}

/* report INCIDENT-ID [--format md|html|status] [-o FILE]. */
static int
cmd_report_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct incident_store		*st;
	struct runbook_set		 set;
	struct runbook			*rb;
	struct report			 r;
	struct report_history		*h = NULL;
	enum report_format		 f = REPORT_MD;
	struct buf			 b;
	const char			*out = NULL;
	char				*cause = NULL, *self;
	size_t				 nh = 0;
	int				 opt, rc;
	bool				 record = false;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "md") == 0)
				f = REPORT_MD;
			else if (strcmp(optarg, "html") == 0)
				f = REPORT_HTML;
			else if (strcmp(optarg, "status") == 0)
				f = REPORT_STATUS;
			else if (strcmp(optarg, "backup-test") == 0)
				f = REPORT_BACKUP_TEST;
			else if (strcmp(optarg, "notice") == 0)
				f = REPORT_NOTICE;
			else
				cmd_usage_error(e, _("unknown format \"%s\" (md, html, status, "
				    "notice or backup-test)"), optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'r':
			record = true;
			break;
		}
	}
	if (record && f != REPORT_BACKUP_TEST)
		cmd_usage_error(e, _("--record goes with --format backup-test"));
	if (optind + 1 != argc)
		cmd_usage_error(e, optind >= argc ? _("an incident id is needed") :
		    _("unexpected argument \"%s\""), argv[optind + (optind < argc)]);

	if ((rc = cmd_report_open(&ctx->conf, &st)) != EX_OK)
		return (rc);
	if ((rc = incident_get(st, argv[optind], &r.inc, &cause)) != 1) {
		if (rc == 0)
			cmd_error(_("no incident \"%s\""), argv[optind]);
		else
			cmd_error("%s", cause);
		free(cause);
		incident_store_close(st);
		return (rc == 0 ? EX_NOINPUT : EX_IOERR);
	}
	if (f == REPORT_NOTICE && r.inc.mode != INCIDENT_MODE_DRILL) {
		cmd_error(_("%s is an incident: the failover-test notice is a drill's"),
		    argv[optind]);
		incident_clear(&r.inc);
		incident_store_close(st);
		return (EX_USAGE);
	}
	rb = cmd_report_runbook(&ctx->conf, &set, r.inc.runbook_id);
	incident_clear(&r.inc);
	self = cmd_hint_prefix(&ctx->conf);
	rc = report_build(st, argv[optind], rb, self, &r, &cause);
	free(self);
	if (rc != 1) {
		cmd_error("%s", cause != NULL ? cause : argv[optind]);
		free(cause);
		runbook_free(rb);
		runbook_set_clear(&set);
		incident_store_close(st);
		return (EX_IOERR);
	}
	report_set_contacts(&r, &ctx->conf);
	cmd_report_calendar(&ctx->conf, st, &r);
	if (f == REPORT_HTML && r.inc.mode == INCIDENT_MODE_DRILL &&
	    cmd_report_history(&ctx->conf, st, r.inc.runbook_id, &h, &nh) != 0) {
		report_clear(&r);
		runbook_free(rb);
		runbook_set_clear(&set);
		incident_store_close(st);
		return (EX_IOERR);
	}
	buf_init(&b);
	report_render(&b, &r, f, h, nh);
	cmd_report_history_free(h, nh);
	rc = record ? cmd_report_record(&ctx->conf, st, &r, &b) : EX_OK;
	report_clear(&r);
	runbook_free(rb);
	runbook_set_clear(&set);
	incident_store_close(st);
	if (rc != EX_OK) {
		buf_clear(&b);
		return (rc);
	}

	if (record && out == NULL) {
		buf_clear(&b);
		return (rc);
	}
	if (out != NULL && strcmp(out, "-") != 0) {
		if (fs_write_atomic(out, b.data, b.len, 0644, &cause) != 0) {
			rc = fail_exit(fail_errno_create(errno));
			cmd_error("%s", cause);
			free(cause);
		}
	} else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
		rc = EX_IOERR;
	buf_clear(&b);
	return (rc);
}

/* The options of report (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_report_opts[] = {
	{ "format", 'f', N_("FORMAT"),
	    N_("md (Markdown, the default), html (one self-contained\n"
	    "file with an SVG timeline), status (the Communications\n"
	    "Lead's update), notice (the plan's failover-test\n"
	    "notice of a drill: its date and window) or\n"
	    "backup-test (the plan's Backup Test Report of a\n"
	    "monthly-backup-test)"),
	    CMD_OPT_SHORT, NULL },
	{ "output", 'o', N_("FILE"),
	    N_("write to FILE (atomically) instead of standard output"),
	    CMD_OPT_SHORT, NULL },
	{ "record", 'r', NULL,
	    N_("with backup-test: write it to the log folder as\n"
	    "backup-test-YYYYmmdd.log and into the open record"),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.args = "INCIDENT-ID",
	.summary = N_("the post-incident or drill report of an incident, from its record"),
	.help = "",
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_report_exec,
	.opts = cmd_report_opts,
	.opt_col = 23,
	.help_tail = N_("The report gives the summary, RTO and RPO against their targets with a\n"
	    "verdict, the success criteria of a drill, each step's expected and actual\n"
	    "duration, commands with their exit status and output, checklists, answers,\n"
	    "notes, the timeline and the head of the record's hash chain. An open\n"
	    "incident gets an interim report.\n"),
};

/* The report's "Last DR Test / Next DR Test": its runbook's row of the drill calendar. */
static void
cmd_report_calendar(const struct conf *c, struct incident_store *st, struct report *r)
{
	struct calendar_row	*rows = NULL;
	size_t			 n = 0, i;

	if (r->inc.mode != INCIDENT_MODE_DRILL || cmd_drill_calendar(c, st, &rows, &n) != 0)
		return;
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].runbook_id, r->inc.runbook_id) == 0)
			report_set_calendar(r, rows[i].schedule, rows[i].last_ms,
			    rows[i].next_due_ms);
	calendar_free(rows, n);
}
