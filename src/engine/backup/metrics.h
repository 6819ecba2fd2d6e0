/* metrics.h: the Prometheus textfile (metrics_file) of backups, verifies, prunes and drills. */
#ifndef PDR_METRICS_H
#define PDR_METRICS_H

#include "system.h"

#include <time.h>

#include "engine/set/catalog.h"

/* One sample: a metric of the table in metrics.c, its labels and value. Strings owned. */
struct metrics_sample {
	char		*name;		/* without labels */
	char		*labels;	/* `tier="hourly"`, or NULL */
	double		 value;
};

/*
 * What a command measured. A family (metric name) it sets or clears replaces
 * that family in the file; the other families of the file are kept as they were.
 */
struct metrics {
	struct metrics_sample	*s;
	size_t			 n;
	char			**cleared;	/* families replaced, samples or not */
	size_t			 ncleared;
};

void	metrics_init(struct metrics *);
void	metrics_clear(struct metrics *);
void	metrics_set(struct metrics *, const char *, const char *, double);
void	metrics_drop(struct metrics *, const char *);
void	metrics_catalog(struct metrics *, const struct catalog_set *, size_t, time_t);
int	metrics_write(const char *, const struct metrics *, char **);

#endif
