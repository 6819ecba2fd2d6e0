/* restest.h: the plan's monthly backup test: restore a set into a scratch folder and check it. */
#ifndef PDR_RESTEST_H
#define PDR_RESTEST_H

#include "system.h"

#include <time.h>

#include "engine/set/verify.h"
#include "util/conf.h"
#include "util/str.h"

/* One timed part of the test. */
struct restest_part {
	const char	*what;		/* N_() */
	int64_t		 ms;
	bool		 ran;
	bool		 ok;
};

enum { RESTEST_VERIFY, RESTEST_DB, RESTEST_CONFIG, RESTEST__PARTS };

/* What the test found. Strings owned; restest_result_clear frees them. */
struct restest_result {
	char			*db;		/* the set's .db */
	time_t			 when;		/* the set's time */
	time_t			 tested;	/* when the test ran */
	struct verify_report	 vr;		/* checksums, HMAC, archives, WireGuard decrypted */
	long			 sites, paths;	/* counted in the restored copy, -1 unknown */
	long			 m_sites, m_paths; /* the manifest's, -1 unknown */
	bool			 integrity;	/* PRAGMA integrity_check of the restored copy */
	size_t			 config_entries;
	char			*config_check;	/* check config's finding on the extracted copy */
	struct restest_part	 parts[RESTEST__PARTS];
	char			*fail;		/* the first failure, "FILE: what", or NULL */
};

int	restest_pick(const struct conf *, const char *, char **, char **);
int	restest_run(const struct conf *, const char *, const char *, struct restest_result *,
	    char **);
void	restest_report(struct buf *, const struct restest_result *);
void	restest_result_clear(struct restest_result *);

#endif
