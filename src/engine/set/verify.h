/* verify.h: the plan's verify script and more, in-process, over one backup set. */
#ifndef PDR_VERIFY_H
#define PDR_VERIFY_H

#include "system.h"

enum verify_status { VERIFY_OK, VERIFY_WARN, VERIFY_FAIL };

/* One check and its outcome. Strings owned. */
struct verify_check {
	char			*check;		/* short name, e.g. "integrity" */
	char			*file;		/* the file it is about */
	enum verify_status	 status;
	char			*detail;	/* what was found */
};

/* All the checks of one set. */
struct verify_report {
	struct verify_check	*checks;
	size_t			 n;
	bool			 failed;
	long			 sites;		/* -1 when not counted */
};

int	 verify_run(const char *, const char *, const char *, struct verify_report *);
void	 verify_report_free(struct verify_report *);
const char *verify_status_name(enum verify_status);
int	 verify_db_check(const char *, bool, long *, long *, char **);

#endif
