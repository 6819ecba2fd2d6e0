/*
 * common.c: what several commands share: the clock (with its test hook), the
 * --wait option and backup_dir's lock, the log file, notifications, the
 * metrics file, and the drill history and calendar read from the record.
 */
#include "system.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/backup/metrics.h"
#include "engine/backup/notify.h"
#include "engine/set/catalog.h"
#include "engine/set/setlock.h"
#include "model/calendar.h"
#include "model/incident.h"
#include "model/runbook.h"
#include "ui/report.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/*
 * The time a command runs at: now, or $PATRONUS_DR_NOW ("@EPOCH"), a test hook
 * that lets the tests simulate a year of backups. Returns -1 when it is malformed.
 */
int
cmd_now(time_t *now)
{
	const char	*v = getenv("PATRONUS_DR_NOW");
	char		*end;
	long long	 t;

	*now = time(NULL);
	if (v == NULL || *v == '\0')
		return (0);
	errno = 0;
	if (*v != '@' || (t = strtoll(v + 1, &end, 10), errno != 0) || *end != '\0' ||
	    end == v + 1)
		return (-1);
	*now = (time_t)t;
	return (0);
}

/* The milliseconds of a --wait DURATION (e.g. 0, 30, 30s, 2m); a bad one is a usage error. */
int64_t
cmd_wait_ms(const struct cmd_entry *e, const char *arg)
{
	int64_t	 secs;
	char	*cause = NULL;

	if (duration_parse(arg, &secs, &cause) != 0 || secs > 24 * 3600) {
		free(cause);
		cmd_usage_error(e, _("--wait wants a duration such as 0, 30s or 5m (at most "
		    "a day), not \"%s\""), arg);
	}
	return (secs * 1000);
}

/*
 * Take backup_dir's lock for the command what (creating the folder when
 * create), waiting up to wait_ms for another run. Returns 0, or the exit
 * status after saying why not: 75 when another run holds it (its pid named).
 */
int
cmd_lock(const struct conf *c, const char *what, int64_t wait_ms, bool create)
{
	char		*cause = NULL;
	enum fail_class	 fc;

	if ((fc = setlock_take(c->backup_dir, what, wait_ms, create, &cause)) == FAIL_NONE)
		return (0);
	cmd_error("%s", cause);
	free(cause);
	return (fail_exit(fc));
}

/* Open the log file (creating its folder) and syslog, as the plan's script logs. */
void
cmd_open_log(const struct conf *c)
{
	char	*dir, *cause = NULL;

	dir = fs_dirname(c->log_file);
	if (fs_mkdir_p(dir, 0750, &cause) == -1 || log_open_file(c->log_file, &cause) == -1) {
		log_warn(_("cannot write the log file: %s"), cause);
		free(cause);
	}
	free(dir);
	log_set_syslog(true);
}

/* Send a notification to notify.webhook, when set, without waiting for it. */
void
cmd_notify(const struct conf *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *text, *cause = NULL;

	if (c->notify_webhook == NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	text = notify_text("%s", msg);
	if (notify_send(c->notify_webhook, c->notify_timeout, text, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	free(text);
	free(msg);
}

/* The runbook of incident id in the list l of n, or NULL. */
static const char *
cmd_metrics_runbook(const struct incident *l, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].id, id) == 0)
			return (l[i].runbook_id);
	return (NULL);
}

/*
 * The drill calendar gauge: when each scheduled runbook is next due, 0 when
 * it was never drilled, so that `time() > next_due` alerts in both cases.
 */
static void
cmd_metrics_calendar(const struct conf *c, struct incident_store *st, struct metrics *m)
{
	struct calendar_row	*rows = NULL;
	size_t			 n = 0, i;
	char			*lab;

	if (cmd_drill_calendar(c, st, &rows, &n) != 0)
		return;
	metrics_drop(m, "patronus_dr_drill_next_due_timestamp_seconds");
	for (i = 0; i < n; i++) {
		lab = xasprintf("runbook=\"%s\"", rows[i].runbook_id);
		metrics_set(m, "patronus_dr_drill_next_due_timestamp_seconds", lab,
		    (double)(rows[i].next_due_ms / 1000));
		free(lab);
	}
	calendar_free(rows, n);
}

/* The incident and drill gauges: open incidents, each runbook's last drill. */
static void
cmd_metrics_incidents(const struct conf *c, struct metrics *m)
{
	struct incident_store	*st = NULL;
	struct report_history	*h = NULL;
	struct incident		*l = NULL;
	const char		*rb, *other;
	char			*db, *cause = NULL, *lab;
	size_t			 nl = 0, nh = 0, i, j, open = 0;

	db = str_join_path(c->state_dir, "incidents.db");
	if (access(db, F_OK) != 0) {
		free(db);
		metrics_set(m, "patronus_dr_incidents_open", NULL, 0);
		return;
	}
	free(db);
	if (incident_store_open(c->state_dir, &st, &cause) != 0 ||
	    incident_list(st, &l, &nl, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		if (st != NULL)
			incident_store_close(st);
		return;
	}
	for (i = 0; i < nl; i++)
		if (l[i].mode != INCIDENT_MODE_DRILL && l[i].closed_ms == 0)
			open++;
	metrics_set(m, "patronus_dr_incidents_open", NULL, (double)open);
	if (cmd_report_history(c, st, NULL, &h, &nh) == 0) {
		metrics_drop(m, "patronus_dr_drill_last_timestamp_seconds");
		metrics_drop(m, "patronus_dr_drill_last_success");
		metrics_drop(m, "patronus_dr_drill_last_rto_achieved_seconds");
		metrics_drop(m, "patronus_dr_drill_rto_target_seconds");
		/*
		 * Oldest first: the last row of a runbook is its last drill. An
		 * abandoned drill (incidents close) is no result: passed over.
		 */
		for (i = 0; i < nh; i++) {
			if (h[i].abandoned ||
			    (rb = cmd_metrics_runbook(l, nl, h[i].id)) == NULL)
				continue;
			for (j = i + 1; j < nh; j++)
				if (!h[j].abandoned &&
				    (other = cmd_metrics_runbook(l, nl, h[j].id)) != NULL &&
				    strcmp(other, rb) == 0)
					break;
			if (j < nh)
				continue;
			lab = xasprintf("runbook=\"%s\"", rb);
			metrics_set(m, "patronus_dr_drill_last_timestamp_seconds", lab,
			    (double)(h[i].declared_ms / 1000));
			metrics_set(m, "patronus_dr_drill_rto_target_seconds", lab,
			    (double)h[i].rto);
			if (h[i].closed) {
				metrics_set(m, "patronus_dr_drill_last_success", lab,
				    h[i].pass ? 1 : 0);
				metrics_set(m, "patronus_dr_drill_last_rto_achieved_seconds", lab,
				    (double)h[i].rto_achieved);
			}
			free(lab);
		}
		cmd_report_history_free(h, nh);
	}
	incident_list_free(l, nl);
	cmd_metrics_calendar(c, st, m);
	incident_store_close(st);
}

/*
 * With metrics_file set, rewrite it with m, the backup tiers as they are now
 * and the incident gauges; a failure is a warning. Frees m.
 */
void
cmd_metrics(const struct conf *c, struct metrics *m, time_t now)
{
	struct catalog_set	*sets = NULL;
	size_t			 n = 0;
	char			*cause = NULL;

	if (c->metrics_file == NULL) {
		metrics_clear(m);
		return;
	}
	if (catalog_scan(c->backup_dir, NULL, NULL, &sets, &n, &cause) == 0) {
		metrics_catalog(m, sets, n, now);
		catalog_free(sets, n);
	} else {
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}
	cmd_metrics_incidents(c, m);
	if (metrics_write(c->metrics_file, m, &cause) != 0) {
		log_warn(_("cannot write the metrics file: %s"), cause);
		free(cause);
	}
	metrics_clear(m);
}

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
