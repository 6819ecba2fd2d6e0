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
 * Load the runbooks of the folders (as `runbooks` does) into set and return
 * runbook id with its use: steps expanded (runbook_free), or NULL when it
 * cannot be had: the report then goes on from the record alone.
 */
struct runbook *
cmd_report_runbook(const struct conf *c, struct runbook_set *set, const char *id)
{
	struct runbook	*rb, *x;
	char		**dirs, *errors = NULL;
	size_t		  n = 0;

	memset(set, 0, sizeof *set);
	dirs = cmd_runbook_dirs(c, &n);
	if (runbook_set_load(set, dirs, n, &errors) != 0)
		memset(set, 0, sizeof *set);
	free(errors);
	errors = NULL;
	str_list_free(dirs, n);
	if ((rb = runbook_set_find(set, id)) == NULL)
		return (NULL);
	x = runbook_expand(set, rb, &errors);
	free(errors);
	return (x);
}

/*
 * Open the store for reading reports. Returns EX_OK and *st, or an exit code
 * after saying why (no record at all: 66).
 */
int
cmd_report_open(const struct conf *c, struct incident_store **st)
{
	char	*path, *cause = NULL;

	*st = NULL;
	path = str_join_path(c->state_dir, "incidents.db");
	if (access(path, F_OK) != 0) {
		cmd_error(_("%s: no incident record"), path);
		free(path);
		return (EX_NOINPUT);
	}
	if (access(path, R_OK | W_OK) != 0 && errno == EACCES) {
		cmd_error("%s: %s", path, strerror(errno));
		free(path);
		return (EX_NOPERM);
	}
	free(path);
	if (incident_store_open(c->state_dir, st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_IOERR);
	}
	return (EX_OK);
}

/*
 * The history of the drills of runbook (NULL: every drill), oldest first.
 * Returns 0 and *h / *n (free each row with report_history_clear, then the
 * array), or -1 after saying why.
 */
int
cmd_report_history(const struct conf *c, struct incident_store *st, const char *runbook,
    struct report_history **h, size_t *n)
{
	struct incident		*l = NULL;
	struct runbook_set	 set;
	struct runbook		*rb = NULL;
	struct report		 r;
	const char		*loaded = NULL;
	char			*cause = NULL, *self;
	size_t			 nl = 0, i;

	*h = NULL;
	*n = 0;
	memset(&set, 0, sizeof set);
	self = cmd_hint_prefix(c);
	if (incident_list(st, &l, &nl, &cause) != 0) {
		free(self);
		cmd_error("%s", cause);
		free(cause);
		return (-1);
	}
	for (i = nl; i > 0; i--) {
		if (l[i - 1].mode != INCIDENT_MODE_DRILL ||
		    (runbook != NULL && strcmp(l[i - 1].runbook_id, runbook) != 0))
			continue;
		if (loaded == NULL || strcmp(loaded, l[i - 1].runbook_id) != 0) {
			runbook_free(rb);
			runbook_set_clear(&set);
			rb = cmd_report_runbook(c, &set, l[i - 1].runbook_id);
			loaded = l[i - 1].runbook_id;
		}
		if (report_build(st, l[i - 1].id, rb, self, &r, &cause) != 1) {
			cmd_error("%s", cause != NULL ? cause : l[i - 1].id);
			free(cause);
			cause = NULL;
			continue;
		}
		*h = xreallocarray(*h, *n + 1, sizeof **h);
		report_history_of(&r, &(*h)[(*n)++]);
		report_clear(&r);
	}
	runbook_free(rb);
	runbook_set_clear(&set);
	incident_list_free(l, nl);
	free(self);
	return (0);
}

/* Free a history from cmd_report_history. */
void
cmd_report_history_free(struct report_history *h, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		report_history_clear(&h[i]);
	free(h);
}

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
		rc = fail_exit(fail_errno(errno));
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
	static const struct option	 longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "record", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
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

	while ((opt = cmd_getopt(e, argc, argv, "hf:o:r", longopts)) != -1) {
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
			rc = fail_exit(fail_errno(errno));
			cmd_error("%s", cause);
			free(cause);
		}
	} else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
		rc = EX_IOERR;
	buf_clear(&b);
	return (rc);
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.args = "INCIDENT-ID [--format md|html|status|notice|backup-test] [--record] [-o FILE]",
	.summary = N_("the post-incident or drill report of an incident, from its record"),
	.help = N_("  -f, --format FORMAT  md (Markdown, the default), html (one self-contained\n"
	    "                       file with an SVG timeline), status (the Communications\n"
	    "                       Lead's update), notice (the plan's failover-test\n"
	    "                       notice of a drill: its date and window) or\n"
	    "                       backup-test (the plan's Backup Test Report of a\n"
	    "                       monthly-backup-test)\n"
	    "  -o, --output FILE    write to FILE (atomically) instead of standard output\n"
	    "  -r, --record         with backup-test: write it to the log folder as\n"
	    "                       backup-test-YYYYmmdd.log and into the open record\n"
	    "\n"
	    "The report gives the summary, RTO and RPO against their targets with a\n"
	    "verdict, the success criteria of a drill, each step's expected and actual\n"
	    "duration, commands with their exit status and output, checklists, answers,\n"
	    "notes, the timeline and the head of the record's hash chain. An open\n"
	    "incident gets an interim report.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_report_exec,
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

/*
 * The drill calendar of the runbooks in the folders (calendar_build). Returns
 * 0 and *rows / *n (calendar_free), or -1 after saying why.
 */
int
cmd_drill_calendar(const struct conf *c, struct incident_store *st, struct calendar_row **rows,
    size_t *n)
{
	struct runbook_set	 set;
	char			**dirs, *errors = NULL, *cause = NULL;
	size_t			  nd = 0;
	int			  rc;

	memset(&set, 0, sizeof set);
	dirs = cmd_runbook_dirs(c, &nd);
	if (runbook_set_load(&set, dirs, nd, &errors) != 0)
		memset(&set, 0, sizeof set);
	free(errors);
	str_list_free(dirs, nd);
	if ((rc = calendar_build(st, &set, rows, n, &cause)) != 0) {
		cmd_error("%s", cause);
		free(cause);
	}
	runbook_set_clear(&set);
	return (rc);
}

/* The local date (and time, with_time) of ms since the epoch, into buf. */
static const char *
cmd_calendar_date(int64_t ms, bool with_time, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	localtime_r(&t, &tm);
	strftime(buf, len, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm);
	return (buf);
}

/*
 * Append the drill calendar as a table that fits the terminal (table.c):
 * each scheduled runbook, its schedule, the last drill done and when the
 * next is due, with OVERDUE where it is. Returns the number of overdue rows.
 */
size_t
cmd_calendar_text(struct buf *b, const struct calendar_row *rows, size_t n, int64_t now_ms)
{
	struct table_col	 cols[] = {
		{ _("SCHEDULED RUNBOOK"), TABLE_CUT }, { _("EVERY"), 0 },
		{ _("LAST DRILL"), 0 }, { _("NEXT DUE"), TABLE_WRAP },
	};
	struct table		 tb;
	char			 d1[32], d2[32], dur[TIMEUTIL_BUFSZ], *next;
	const char		*last;
	size_t			 i, overdue = 0;
	int64_t			 days;

	table_init(&tb, cols, nitems(cols));
	for (i = 0; i < n; i++) {
		last = rows[i].last_ms > 0 ? cmd_calendar_date(rows[i].last_ms, true, d1,
		    sizeof d1) : _("never");
		if (rows[i].next_due_ms == 0) {
			next = xstrdup(_("OVERDUE: never drilled"));
			overdue++;
		} else if (calendar_overdue(&rows[i], now_ms)) {
			next = xasprintf(_("%s OVERDUE by %s"),
			    cmd_calendar_date(rows[i].next_due_ms, false, d2, sizeof d2),
			    duration_format((now_ms - rows[i].next_due_ms) / 1000, dur, sizeof dur));
			overdue++;
		} else {
			days = (rows[i].next_due_ms - now_ms) / 86400000;
			next = xasprintf(_("%s (in %" PRId64 "d)"),
			    cmd_calendar_date(rows[i].next_due_ms, false, d2, sizeof d2), days);
		}
		table_add(&tb, rows[i].runbook_id, rows[i].schedule, last, next);
		free(next);
	}
	table_render(&tb, table_width(), b);
	table_clear(&tb);
	return (overdue);
}
