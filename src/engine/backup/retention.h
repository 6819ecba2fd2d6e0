/* retention.h: which backup sets to keep, with restic's forget --keep-* semantics. */
#ifndef PDR_RETENTION_H
#define PDR_RETENTION_H

#include "system.h"

#include <time.h>

#include "engine/set/catalog.h"
#include "util/conf.h"

/* How many periods of each kind to keep (hourly, daily, weekly, monthly). */
struct retention_policy {
	int	keep[BACKUP__TIERS];
};

/* What prune does with one set. */
struct retention_verdict {
	bool	 remove;
	char	*why;		/* owned */
};

/* How long an incomplete set or a temporary file may stay. */
#define RETENTION_INCOMPLETE_AGE 86400

void	 retention_policy_conf(struct retention_policy *, const struct conf *);
char	*retention_why(unsigned, const struct retention_policy *);
struct retention_verdict *retention_verdicts(const struct conf *, const time_t *,
	    const bool *, size_t, const char *, struct retention_policy *);
void	 retention_select(const time_t *, size_t, const struct retention_policy *, unsigned *);
int	 retention_plan(const struct conf *, const char *, time_t, struct catalog_set **,
	    size_t *, struct retention_verdict **, char ***, size_t *, char **);
int	 retention_remove(const struct conf *, const struct catalog_set *, char **);
void	 retention_verdicts_free(struct retention_verdict *, size_t);
void	 retention_stale(const char *, time_t, time_t, char ***, size_t *);
bool	 retention_busy(const char *);
int	 retention_prune(const struct conf *, const char *, time_t, bool, char **);
void	 retention_forensic(const struct conf *, char ***, size_t *);

#endif
