/* fallback.h: every off-site point found, the newest that verifies fetched, each skip named. */
#ifndef PDR_FALLBACK_H
#define PDR_FALLBACK_H

#include "system.h"

#include <time.h>

#include "engine/remote/remote.h"
#include "engine/set/verify.h"

struct conf;

/* What one store holds, as its listing says. Strings owned. */
struct fallback_view {
	struct remote		*store;		/* not owned */
	char			*error;		/* the listing failed: why; NULL when listed */
	char			*stream_error;	/* the stream's listing failed: why, or NULL */
	struct remote_set	*sets;		/* newest first */
	size_t			 nsets;
	size_t			 stream_files;	/* objects under stream/ */
	size_t			 stream_gens;
	char			*stream_newest;	/* the newest generation's name, or NULL */
	uint64_t		 stream_top;	/* its highest segment number, 0: the snapshot alone */
	time_t			 stream_since;	/* when it began (its name); its points are later */
};

/* The stores asked, in the order given. */
struct fallback_survey {
	struct fallback_view	 v[REMOTE__KINDS];
	size_t			 n;
};

/* The class of a failed fallback_fetch_newest (FALLBACK_OK when it fetched one). */
enum fallback_fail {
	FALLBACK_OK,
	FALLBACK_NONE,		/* no store lists a set that fits */
	FALLBACK_UNREACHABLE,	/* the stores that list one could not be read */
	FALLBACK_DAMAGED,	/* every set that fits is damaged or fails verify */
	FALLBACK_LOCAL		/* this host cannot hold it (e.g. disk full): no store can help */
};

/* The set fallback_fetch_newest brought back. Strings owned; fallback_fetched_clear. */
struct fallback_fetched {
	char			*name;
	enum backup_tier	 tier;
	time_t			 when;		/* from its name */
	char			*db;		/* BACKUP_DIR/TIER/NAME.db */
	const struct remote	*store;		/* where it came from; not owned */
	struct verify_report	 report;	/* verify's checks of the fetched copy */
	bool			 here;		/* it was here, verified: not fetched again */
	bool			 staged;	/* its database is also in the stores' stage_db */
	bool			 parts;		/* fallback_fetch_parts: all but its database,
						   in the folder given (db names its absent .db) */
	char			**skips;	/* each newer point not used, and why */
	size_t			 nskips;
};

void	fallback_survey(struct remote *, size_t, bool, struct fallback_survey *);
void	fallback_survey_clear(struct fallback_survey *);
enum fallback_fail fallback_fetch_newest(const struct conf *, struct fallback_survey *,
	    const char *, time_t, struct fallback_fetched *, char **);
enum fallback_fail fallback_fetch_parts(const struct conf *, struct fallback_survey *, time_t,
	    const char *, struct fallback_fetched *, char **);
void	fallback_fetched_clear(struct fallback_fetched *);
bool	fallback_set_whole(const struct remote_set *);
time_t	fallback_newest_set(const struct fallback_survey *, time_t, const char **);
int64_t	fallback_newest_ms(const struct fallback_survey *, const char **, const char **);

#endif
