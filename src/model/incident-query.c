/* incident-query.c: reading the record: incidents, their events, an event's fields and words. */
#include "system.h"

#include <sqlite3.h>

#include "model/incident.h"
#include "model/incident-int.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

#define INCIDENT_COLS "id, runbook_id, runbook_title, mode, declared_ms, detected_ms, " \
	"closed_ms, rto, rpo, host, last_seq"

/* Fill an incident from a row of INCIDENT_COLS. */
static void
incident_from_row(sqlite3_stmt *s, struct incident *inc)
{
	const unsigned char	*mode;

	memset(inc, 0, sizeof *inc);
	inc->id = incident_col(s, 0);
	inc->runbook_id = incident_col(s, 1);
	inc->runbook_title = incident_col(s, 2);
	mode = sqlite3_column_text(s, 3);
	inc->mode = mode != NULL && strcmp((const char *)mode, "drill") == 0 ?
	    INCIDENT_MODE_DRILL : INCIDENT_MODE_INCIDENT;
	inc->declared_ms = sqlite3_column_int64(s, 4);
	inc->detected_ms = sqlite3_column_int64(s, 5);
	inc->closed_ms = sqlite3_column_type(s, 6) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(s, 6);
	inc->rto = sqlite3_column_int64(s, 7);
	inc->rpo = sqlite3_column_int64(s, 8);
	inc->host = incident_col(s, 9);
	inc->last_seq = sqlite3_column_int64(s, 10);
	if (inc->id == NULL)
		inc->id = xstrdup("");
	if (inc->runbook_id == NULL)
		inc->runbook_id = xstrdup("");
	if (inc->runbook_title == NULL)
		inc->runbook_title = xstrdup("");
	if (inc->host == NULL)
		inc->host = xstrdup("");
}

/* Run a query for at most one incident; 1 found, 0 none, -1 error. */
static int
incident_get_one(struct incident_store *st, const char *sql, const char *id,
    struct incident *inc, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (incident_prepare(st, sql, &s, cause) != 0)
		return (-1);
	if (id != NULL)
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		incident_from_row(s, inc);
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		rc = incident_db_error(st, _("cannot read the incidents"), cause);
		break;
	}
	sqlite3_finalize(s);
	return (rc);
}

/* Look an incident up by id. */
int
incident_get(struct incident_store *st, const char *id, struct incident *inc, char **cause)
{
	return (incident_get_one(st, "SELECT " INCIDENT_COLS " FROM incidents WHERE id = ?",
	    id, inc, cause));
}

/* The most recent open incident. */
int
incident_find_open(struct incident_store *st, struct incident *inc, char **cause)
{
	return (incident_get_one(st, "SELECT " INCIDENT_COLS " FROM incidents "
	    "WHERE closed_ms IS NULL ORDER BY declared_ms DESC, rowid DESC LIMIT 1",
	    NULL, inc, cause));
}

/* Fill one element of a collected array from the statement's current row. */
typedef void (*incident_row_fn)(sqlite3_stmt *, void *elem, const void *arg);

/*
 * Step s to its end, one element of elem bytes a row, filled by fn (given
 * arg), in a growing array; finalize s. Returns 0 with *arr (caller frees,
 * NULL when no row) and *n, or -1 with *cause naming what (the read) and
 * *arr / *n holding the rows filled so far, for the caller to free.
 */
static int
incident_collect(struct incident_store *st, sqlite3_stmt *s, size_t elem, incident_row_fn fn,
    const void *arg, const char *what, void **arr, size_t *n, char **cause)
{
	char	*l = NULL;
	size_t	 cnt = 0, size = 0;
	int	 r;

	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == size) {
			size = size == 0 ? 16 : size * 2;
			l = xreallocarray(l, size, elem);
		}
		fn(s, l + cnt++ * elem, arg);
	}
	*arr = l;
	*n = cnt;
	if (r != SQLITE_DONE) {
		incident_db_error(st, what, cause);
		sqlite3_finalize(s);
		return (-1);
	}
	sqlite3_finalize(s);
	return (0);
}

/* incident_collect's filler for incident_list. */
static void
incident_list_row(sqlite3_stmt *s, void *elem, const void *arg)
{
	(void)arg;
	incident_from_row(s, elem);
}

/* Every incident, newest first. */
int
incident_list(struct incident_store *st, struct incident **list, size_t *n, char **cause)
{
	sqlite3_stmt	*s;
	void		*l;
	size_t		 cnt;

	*list = NULL;
	*n = 0;
	if (incident_prepare(st, "SELECT " INCIDENT_COLS " FROM incidents "
	    "ORDER BY declared_ms DESC, rowid DESC", &s, cause) != 0)
		return (-1);
	if (incident_collect(st, s, sizeof **list, incident_list_row, NULL,
	    _("cannot read the incidents"), &l, &cnt, cause) != 0) {
		incident_list_free(l, cnt);
		return (-1);
	}
	*list = l;
	*n = cnt;
	return (0);
}

/* Free what an incident owns. */
void
incident_clear(struct incident *inc)
{
	if (inc == NULL)
		return;
	free(inc->id);
	free(inc->runbook_id);
	free(inc->runbook_title);
	free(inc->host);
	memset(inc, 0, sizeof *inc);
}

/* Free a list of incidents. */
void
incident_list_free(struct incident *l, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		incident_clear(&l[i]);
	free(l);
}

/* Fill an event from a row of EVENT_COLS. */
static void
incident_event_from_row(sqlite3_stmt *s, const char *id, struct incident_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->seq = sqlite3_column_int64(s, 0);
	ev->incident_id = xstrdup(id);
	ev->time_ms = sqlite3_column_int64(s, 1);
	ev->operator = incident_col(s, 2);
	if (ev->operator == NULL)
		ev->operator = xstrdup("");
	ev->client = incident_col(s, 3);
	ev->step = incident_col(s, 4);
	ev->kind_name = incident_col(s, 5);
	if (ev->kind_name == NULL)
		ev->kind_name = xstrdup("");
	ev->kind = incident_ev_from_name(ev->kind_name);
	ev->payload = incident_col(s, 6);
	if (ev->payload == NULL)
		ev->payload = xstrdup("");
	incident_col_hash(s, 7, ev->prev_hash);
	incident_col_hash(s, 8, ev->hash);
	ev->run = incident_col(s, 9);
}

/* incident_collect's filler for incident_events: arg is the incident id. */
static void
incident_events_row(sqlite3_stmt *s, void *elem, const void *arg)
{
	incident_event_from_row(s, arg, elem);
}

/* The events with seq > after. */
int
incident_events(struct incident_store *st, const char *id, int64_t after,
    struct incident_event **evs, size_t *n, char **cause)
{
	sqlite3_stmt	*s;
	void		*l;
	size_t		 cnt;

	*evs = NULL;
	*n = 0;
	if (incident_prepare(st, "SELECT " EVENT_COLS " FROM events "
	    "WHERE incident_id = ? AND seq > ? ORDER BY seq", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, after);
	if (incident_collect(st, s, sizeof **evs, incident_events_row, id,
	    _("cannot read the events"), &l, &cnt, cause) != 0) {
		incident_events_free(l, cnt);
		return (-1);
	}
	*evs = l;
	*n = cnt;
	return (0);
}

/* Free what one event owns. */
void
incident_event_clear(struct incident_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->incident_id);
	free(ev->operator);
	free(ev->client);
	free(ev->step);
	free(ev->kind_name);
	free(ev->payload);
	free(ev->run);
	memset(ev, 0, sizeof *ev);
}

/* Free an array of events. */
void
incident_events_free(struct incident_event *evs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		incident_event_clear(&evs[i]);
	free(evs);
}

/* A string member of the event's JSON payload. */
char *
incident_event_get(const struct incident_event *ev, const char *key)
{
	return (json_get_string(ev->payload, key));
}

/* An integer member of the event's JSON payload. */
int
incident_event_get_int(const struct incident_event *ev, const char *key, int64_t *v)
{
	return (json_get_int(ev->payload, key, v));
}

/* A string member of the event's JSON payload, or dflt when absent (caller frees). */
static char *
incident_event_get_or(const struct incident_event *ev, const char *key, const char *dflt)
{
	char	*s = incident_event_get(ev, key);

	return (s != NULL ? s : xstrdup(dflt));
}

/* The words for a clock threshold, or NULL for one this version does not know. */
static const char *
incident_clock_name(const char *payload)
{
	if (strcmp(payload, "rto-75") == 0)
		return (_("clock: three quarters of the RTO used"));
	if (strcmp(payload, "rto-breached") == 0)
		return (_("clock: RTO breached"));
	if (strcmp(payload, "rpo-breached") == 0)
		return (_("clock: RPO breached"));
	return (NULL);
}

/*
 * Append what an event says to b, raw (the caller escapes it for its
 * output). verbose (incidents show): every field, the output's text, on more
 * lines where needed; else (reports) one short line, the output as its size.
 */
void
incident_event_describe(const struct incident_event *ev, bool verbose, struct buf *b)
{
	const char	*dflt = verbose ? "" : "?", *clock;
	char		*a = NULL, *c = NULL, *d = NULL, t[64];
	char		 d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	int64_t		 v1 = 0, v2 = 0, v3 = 0, v4 = 0;

	switch (ev->kind) {
	case INCIDENT_EV_DECLARED:
		a = incident_event_get_or(ev, "mode", "");
		if (!verbose) {
			buf_adds(b, strcmp(a, "drill") == 0 ? _("drill declared") :
			    _("incident declared"));
			break;
		}
		c = incident_event_get_or(ev, "runbook", "");
		d = incident_event_get_or(ev, "title", "");
		incident_event_get_int(ev, "rto", &v1);
		incident_event_get_int(ev, "rpo", &v2);
		incident_event_get_int(ev, "detected_ms", &v3);
		buf_printf(b, _("declared %s of %s (%s): RTO %s, RPO %s, detected %s"),
		    strcmp(a, "drill") == 0 ? _("a drill") : _("an incident"), c, d,
		    duration_format(v1, d1, sizeof d1),
		    v2 > 0 ? duration_format(v2, d2, sizeof d2) : "-",
		    time_format_iso_ms(v3, t, sizeof t));
		break;
	case INCIDENT_EV_STEP_STARTED:
		buf_printf(b, _("step started: %s"), ev->payload);
		break;
	case INCIDENT_EV_STEP_DONE:
		if (*ev->payload != '\0')
			buf_printf(b, _("step done: %s"), ev->payload);
		else
			buf_adds(b, _("step done"));
		break;
	case INCIDENT_EV_STEP_SKIPPED:
		buf_printf(b, _("step skipped: %s"), ev->payload);
		break;
	case INCIDENT_EV_STEP_FAILED:
		buf_printf(b, _("step failed: %s"), ev->payload);
		break;
	case INCIDENT_EV_COMMAND_STARTED:
		buf_printf(b, _("command: %s"), ev->payload);
		break;
	case INCIDENT_EV_OUTPUT:
		if (verbose)
			buf_printf(b, _("output:\n%s"), ev->payload);
		else
			buf_printf(b, _("output (%zu bytes)"), strlen(ev->payload));
		break;
	case INCIDENT_EV_EXIT:
		a = incident_event_get_or(ev, "status", dflt);
		if (!verbose) {
			buf_printf(b, _("ended: %s"), a);
			break;
		}
		incident_event_get_int(ev, "cancelled", &v1);
		incident_event_get_int(ev, "output_bytes", &v3);
		incident_event_get_int(ev, "output_dropped", &v4);
		buf_printf(b, _("ended: %s%s, %" PRId64 " bytes of output%s"), a,
		    v1 ? _(" (cancelled)") : "", v3, v4 > 0 ? _(", not all kept") : "");
		break;
	case INCIDENT_EV_CHECK_TICKED:
	case INCIDENT_EV_CHECK_UNTICKED:
		a = incident_event_get_or(ev, "item", "");
		incident_event_get_int(ev, "index", &v1);
		buf_printf(b, ev->kind == INCIDENT_EV_CHECK_TICKED ? _("ticked %" PRId64 ". %s") :
		    _("unticked %" PRId64 ". %s"), v1 + 1, a);
		break;
	case INCIDENT_EV_DECISION:
		a = incident_event_get_or(ev, "question", "");
		c = incident_event_get_or(ev, "answer", "");
		d = incident_event_get_or(ev, "next", "");
		if (verbose && *d != '\0')
			buf_printf(b, _("decision: %s -> %s (next: %s)"), a, c, d);
		else
			buf_printf(b, _("decision: %s -> %s"), a, c);
		break;
	case INCIDENT_EV_PROMPT_ANSWER:
		a = incident_event_get_or(ev, "question", "");
		c = incident_event_get_or(ev, "answer", "");
		d = incident_event_get_or(ev, "question_id", "");
		if (verbose)
			buf_printf(b, _("answer: %s [%s] = %s"), a, d, c);
		else
			buf_printf(b, _("answer: %s = %s"), a, c);
		break;
	case INCIDENT_EV_NOTE:
		buf_printf(b, _("note: %s"), ev->payload);
		break;
	case INCIDENT_EV_CLOCK:
		if ((clock = incident_clock_name(ev->payload)) != NULL)
			buf_adds(b, clock);
		else if (verbose)
			buf_printf(b, _("clock: %s"), ev->payload);
		else
			buf_adds(b, ev->payload);
		break;
	case INCIDENT_EV_CURSOR:
		buf_adds(b, verbose ? _("current step") : _("moved to the step"));
		break;
	case INCIDENT_EV_RESUMED:
		buf_adds(b, _("resumed"));
		break;
	case INCIDENT_EV_CLOSED:
		buf_printf(b, _("closed: %s"), ev->payload);
		break;
	case INCIDENT_EV_ABANDONED:
		buf_printf(b, _("abandoned (opened by mistake): %s"), ev->payload);
		break;
	case INCIDENT_EV_RESTORED:
		a = incident_event_get_or(ev, "set", "?");
		buf_printf(b, _("restored backup %s"), a);
		/* incidents show: the whole record (time, file installed, SHA-256) below. */
		if (verbose)
			buf_printf(b, "\n%s", ev->payload);
		break;
	case INCIDENT_EV_RUN_CLAIMED:
		a = incident_event_get_or(ev, "run", "?");
		c = incident_event_get_or(ev, "host", "?");
		d = incident_event_get_or(ev, "client", "");
		incident_event_get_int(ev, "pid", &v1);
		if (verbose)
			buf_printf(b, _("run %s claimed: pid %" PRId64 " on %s, client %s"), a,
			    v1, c, *d != '\0' ? d : "-");
		else
			buf_printf(b, _("run %s claimed"), a);
		break;
	default:
		buf_printf(b, "%s: %s", ev->kind_name, ev->payload);
		break;
	}
	free(a);
	free(c);
	free(d);
}
