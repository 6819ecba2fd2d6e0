/* calendar.h: the drill calendar: when each scheduled runbook was last drilled and is next due. */
#ifndef PDR_CALENDAR_H
#define PDR_CALENDAR_H

#include "system.h"

struct incident_store;
struct runbook_set;

/* One scheduled runbook. Strings owned by the row (calendar_free). */
struct calendar_row {
	char	*runbook_id;
	char	*schedule;	/* as written: "monthly", "quarterly", "90d" */
	char	*last_id;	/* the last drill done, NULL when never */
	int64_t	 last_ms;	/* when it was declared, 0 when never */
	int64_t	 next_due_ms;	/* 0 when never drilled: due now */
};

/*
 * The calendar of every runbook of set with a schedule:, sorted by id. A drill
 * counts as done when it was closed, unless it was abandoned (incidents close
 * records an "abandoned" event; older: a closed outcome that begins "abandoned"). A NULL store is a record with no drills. Returns 0 and *rows / *n (calendar_free),
 * or -1 and *cause.
 */
int	calendar_build(struct incident_store *, const struct runbook_set *,
	    struct calendar_row **, size_t *, char **);
/* Free rows from calendar_build. */
void	calendar_free(struct calendar_row *, size_t);
/* Whether a row is overdue (or never drilled) at now_ms. */
bool	calendar_overdue(const struct calendar_row *, int64_t);

#endif
