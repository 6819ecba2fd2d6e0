/* calendar.c: the drill calendar from the runbooks' schedule: and the record's closed drills. */
#include "system.h"

#include "model/calendar.h"
#include "model/incident.h"
#include "model/runbook.h"
#include "util/xmalloc.h"

/* Whether a closed drill was abandoned: its last event is "abandoned" (incidents close), or a "closed" whose outcome says so. */
static bool
calendar_abandoned(struct incident_store *st, const struct incident *inc)
{
	struct incident_event	*evs = NULL;
	size_t			 n = 0, i;
	char			*cause = NULL;
	bool			 abandoned = false;

	if (incident_events(st, inc->id, inc->last_seq > 0 ? inc->last_seq - 1 : 0, &evs, &n,
	    &cause) != 0) {
		free(cause);
		return (false);
	}
	for (i = 0; i < n; i++) {
		if (evs[i].kind == INCIDENT_EV_ABANDONED ||
		    (evs[i].kind == INCIDENT_EV_CLOSED &&
		    strncmp(evs[i].payload, "abandoned", 9) == 0))
			abandoned = true;
	}
	incident_events_free(evs, n);
	return (abandoned);
}

/* The calendar of the scheduled runbooks (calendar.h). */
int
calendar_build(struct incident_store *st, const struct runbook_set *set,
    struct calendar_row **rows, size_t *n, char **cause)
{
	struct incident		*l = NULL;
	struct calendar_row	*r;
	const struct runbook	*rb;
	char			 sbuf[64];
	size_t			 nl = 0, i, j;

	*rows = NULL;
	*n = 0;
	if (st != NULL && incident_list(st, &l, &nl, cause) != 0)
		return (-1);
	for (i = 0; i < set->n; i++) {
		rb = set->books[i];
		if (runbook_next_due_ms(rb, 0) == -1)
			continue;
		*rows = xreallocarray(*rows, *n + 1, sizeof **rows);
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof *r);
		r->runbook_id = xstrdup(rb->id);
		r->schedule = xstrdup(runbook_schedule_text(rb, sbuf, sizeof sbuf));
		/* incident_list is newest first: the first closed drill is the last done */
		for (j = 0; j < nl; j++) {
			if (l[j].mode != INCIDENT_MODE_DRILL || l[j].closed_ms == 0 ||
			    strcmp(l[j].runbook_id, rb->id) != 0 || calendar_abandoned(st, &l[j]))
				continue;
			r->last_id = xstrdup(l[j].id);
			r->last_ms = l[j].declared_ms;
			break;
		}
		r->next_due_ms = runbook_next_due_ms(rb, r->last_ms);
	}
	incident_list_free(l, nl);
	return (0);
}

/* Free calendar rows. */
void
calendar_free(struct calendar_row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(rows[i].runbook_id);
		free(rows[i].schedule);
		free(rows[i].last_id);
	}
	free(rows);
}

/* Whether the row is due at now_ms (never drilled counts as overdue). */
bool
calendar_overdue(const struct calendar_row *r, int64_t now_ms)
{
	return (r->next_due_ms <= now_ms);
}
