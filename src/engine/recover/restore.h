/* restore.h: pick a backup set and put its database, config or keys back, crash-safe. */
#ifndef PDR_RESTORE_H
#define PDR_RESTORE_H

#include "system.h"

#include <sys/stat.h>

#include <time.h>

#include "util/fail.h"

struct conf;

/* Which file of a set a restore needs. */
enum restore_kind { RESTORE_DB, RESTORE_CONFIG, RESTORE_KEYS };

/* The set chosen to restore from. Strings owned; restore_pick_clear frees them. */
struct restore_pick {
	char	*name;		/* patronus-TYPE-YYYYmmdd-HHMMSS */
	char	*db;		/* its files */
	char	*config;
	char	*wireguard;
	time_t	 when;		/* from the name, else the .db's mtime */
	size_t	 skipped;	/* newer sets that failed verify or lacked the file */
	bool	 unauthenticated; /* --from with --allow-unsigned: no HMAC line, or no key */
	bool	 db_verified;	/* db_st is the .db as it verified (now, or by its stamp) */
	struct stat db_st;
};

/* What restore_db did. Strings owned; restore_db_result_clear frees them. */
struct restore_db_result {
	char		*forensic[4];	/* kept copies of db, -wal, -shm, -journal; NULL when absent */
	bool		 linked;	/* the forensic copy is a hard link to the old file */
	uint64_t	 bytes;		/* copied from the backup */
	char		 sha256[65];	/* of the file installed, hashed before it went live */
	bool		 installed;	/* the live name holds the new file */
};

/*
 * restore_db and restore_db_move return with SIGTERM, SIGHUP and SIGINT
 * deferred (proc_defer_signals) whenever r->installed is set, success or not:
 * the caller appends the event that says what is live, then calls
 * proc_undefer_signals, and a signal that came meanwhile ends it only then.
 */

int	 restore_pick(const struct conf *, const char *, enum restore_kind,
	    const char *, const char *, bool, struct restore_pick *, char **);
int	 restore_pick_before(const struct conf *, const char *, int64_t, enum restore_kind,
	    const char *, const char *, bool, struct restore_pick *, char **);
void	 restore_pick_clear(struct restore_pick *);
int	 restore_manifest_sum(const char *, const char *, const char *, bool, char *,
	    char **);
int	 restore_recheck(const char *, const char *, const char *, const char *, bool,
	    char **);
enum fail_class restore_copy_file(const char *, const char *, mode_t, bool, uint64_t *,
	    char **);
enum fail_class	 restore_db(const char *, const char *, const char *, bool, const char *,
	    struct restore_db_result *, char **);
enum fail_class	 restore_db_move_known(const char *, const char *, const char *, bool,
	    const char *, struct restore_db_result *, char **);
enum fail_class	 restore_db_verified(const char *, const char *, const char *, bool,
	    const char *, const struct stat *, struct restore_db_result *, char **);
enum fail_class	 restore_db_move(const char *, const char *, const char *, bool,
	    struct restore_db_result *, char **);
void	 restore_db_result_clear(struct restore_db_result *);
void	 restore_leftovers(const char *, const char *, char ***, size_t *);
void	 restore_sweep(const char *, const char *);
int	 restore_read_all(const char *, size_t, char **, size_t *, char **);

#endif
