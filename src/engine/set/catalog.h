/* catalog.h: the backup sets in BACKUP_DIR, their tiers and states. */
#ifndef PDR_CATALOG_H
#define PDR_CATALOG_H

#include "system.h"

#include <time.h>

/* The tiers, as folders of BACKUP_DIR and words of set names. */
enum backup_tier { BACKUP_HOURLY, BACKUP_DAILY, BACKUP_WEEKLY, BACKUP_MONTHLY, BACKUP__TIERS };

/* The four files of a set, in manifest order. */
enum catalog_part { PART_DB, PART_CONFIG, PART_WIREGUARD, PART_MANIFEST, PART__COUNT };

/* What the catalogue knows of a set without reading its data. */
enum catalog_state {
	CATALOG_COMPLETE,	/* all files, manifest sound, verified since last change */
	CATALOG_NOT_VERIFIED,	/* all files and a sound manifest, not verified as they are */
	CATALOG_INCOMPLETE,	/* a file or the manifest is missing */
	CATALOG_CORRUPT,	/* the manifest is unsound, or verify failed on these files */
	CATALOG_UNSIGNED	/* all files and a sound manifest without HMAC line: the
				   plan's own script, or a forgery; never restored by itself */
};

/* One backup set. Strings owned. */
struct catalog_set {
	enum backup_tier	 tier;		/* folder it is in */
	char			*dir;		/* BACKUP_DIR/TIER */
	char			*name;		/* patronus-TYPE-YYYYmmdd-HHMMSS */
	time_t			 when;		/* from the name, local time */
	time_t			 mtime;		/* newest file */
	bool			 have[PART__COUNT];
	uint64_t		 size;		/* all files */
	long			 sites;		/* from the manifest, -1 unknown */
	bool			 hmac;		/* manifest carries an HMAC */
	enum catalog_state	 state;
	char			*why;		/* NULL when complete */
};

extern const char *const backup_tier_names[BACKUP__TIERS];
extern const char *const catalog_suffixes[PART__COUNT];

int	 backup_tier_parse(const char *);
const char *catalog_state_name(enum catalog_state);
int	 catalog_parse_name(const char *, enum backup_tier *, time_t *);
int	 catalog_name_seq(const char *);
int	 catalog_scan(const char *, const char *, const char *, struct catalog_set **,
	    size_t *, char **);
void	 catalog_free(struct catalog_set *, size_t);
char	*catalog_path(const struct catalog_set *, enum catalog_part);
char	*catalog_fingerprint(const struct catalog_set *);
char	*catalog_stamp_path(const char *, const struct catalog_set *);
int	 catalog_stamp(const char *, const struct catalog_set *, bool, const char *, char **);
bool	 catalog_stamp_ok(const char *, const struct catalog_set *);
int	 catalog_set_from_db(const char *, struct catalog_set *, char **);
int	 catalog_resolve(const char *, const char *, bool, char **, char **, char **);
void	 catalog_set_clear(struct catalog_set *);
int64_t	 catalog_newest(const char *, int64_t);

#endif
