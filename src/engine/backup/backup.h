/* backup.h: the plan's backup script, in-process. */
#ifndef PDR_BACKUP_H
#define PDR_BACKUP_H

#include "system.h"

#include <time.h>

#include "engine/set/catalog.h"
#include "util/conf.h"
#include "util/fail.h"

/* How long the online copy keeps retrying while the database is busy. */
#define BACKUP_COPY_ATTEMPTS	20
#define BACKUP_COPY_WAIT_MS	30000
/* How long `patronus-sdwan --version` may take before the manifest says "unknown". */
#define BACKUP_VERSION_MS	5000

/* What to back up and how. */
struct backup_opts {
	const struct conf	*conf;
	int			 tier;		/* enum backup_tier, or -1 to classify */
	time_t			 now;		/* the backup's time */
	bool			 prune;		/* apply retention afterwards */
	bool			 offsite;	/* copy to the configured remote stores */
	int			 attempts;	/* online copy attempts, 0: default */
	int			 wait_ms;	/* online copy time bound, 0: default */
};

/* What a backup made. Strings owned; free with backup_result_clear. */
struct backup_result {
	char			*dir;
	char			*name;
	enum backup_tier	 tier;
	long			 sites;
	long			 paths;
	enum fail_class		 fail;		/* of a failure; FAIL_CHECK: a check failed */
	unsigned		 offsite_failed; /* bit (1 << enum remote_kind) per failed copy */
	bool			 offsite_broken; /* remote settings unusable or queue unwritable */
};

enum backup_tier	 backup_classify(time_t, const struct catalog_set *, size_t);
int			 backup_run(const struct backup_opts *, struct backup_result *, char **);
enum fail_class		 backup_copy_db(const char *, const char *, char **);
void			 backup_result_clear(struct backup_result *);
char			*backup_date(time_t);

#endif
