/* salvage.h: the plan's "assess damage": integrity check and a dump of what can be read. */
#ifndef PDR_SALVAGE_H
#define PDR_SALVAGE_H

#include "system.h"

/* What could be read of one table. */
struct salvage_table {
	char	*name;		/* owned */
	long	 rows;		/* rows written to the dump */
	long	 errors;	/* read errors skipped over */
	bool	 complete;	/* read to the end without an error */
};

/* The outcome of salvage_check and salvage_dump. Owned; salvage_report_free frees it. */
struct salvage_report {
	bool			 intact;	/* integrity_check said ok */
	char			**problems;	/* its messages, at most SALVAGE_MAX_PROBLEMS */
	size_t			 nproblems;
	struct salvage_table	*tables;
	size_t			 ntables;
	long			 schema_errors;	/* schema rows that could not be read */
	long			 rows;		/* all rows written */
};

#define SALVAGE_MAX_PROBLEMS 20

int	salvage_check(const char *, struct salvage_report *, char **);
int	salvage_dump(const char *, const char *, struct salvage_report *, char **);
void	salvage_report_free(struct salvage_report *);

#endif
