/* pitr.h: the continuous stream as seen by its readers: status, protection, point-in-time restore. */
#ifndef PDR_PITR_H
#define PDR_PITR_H

#include "system.h"

#include "util/fail.h"

#include <sys/types.h>

struct conf;

/* A status line whose key the reader does not know (kept for display). */
struct stream_status_kv {
	char		*key;
	char		*value;
};

/*
 * BACKUP_DIR/stream/status and whether its lock is held (STREAM-CONTRACT.md).
 * Strings owned; stream_status_clear frees them. Times are unix ms, 0 unknown.
 */
struct stream_status {
	bool		 present;	/* the status file exists */
	bool		 running;	/* stream/lock is held by a process */
	pid_t		 pid;
	char		*generation;	/* NULL when none */
	uint64_t	 sequence;	/* newest durable segment, 0 none */
	int64_t		 segment_ms;	/* its capture time */
	int64_t		 caught_up_ms;	/* nothing committed was left uncopied then */
	int64_t		 lag_ms;	/* newest commit-to-durable delay */
	int64_t		 interval_ms;	/* polling interval */
	int64_t		 oldest_ms;	/* earliest restorable point kept */
	int64_t		 mtime_ms;	/* of the status file */
	struct stream_status_kv *extra;	/* other keys, in file order */
	size_t		 nextra;
	size_t		 gens;		/* generations on disk (pitr_status_gens) */
	bool		 have_gens;
};

/* pitr_status_text flags. */
#define PITR_STATUS_JSON	0x1	/* one JSON object */
#define PITR_STATUS_ALL		0x2	/* also the other keys, generations, the verdict */

/* What `stream status` makes of a stream_status (pitr_status_verdict). */
enum pitr_verdict {
	PITR_FRESH,		/* running, caught up within the bound */
	PITR_NOT_RUNNING,	/* no process holds stream/lock */
	PITR_STARTING,		/* running, not caught up yet */
	PITR_STALE,		/* running, but last caught up longer ago than the bound */
};

/* What the configured protection can deliver, for one RPO target. */
struct pitr_protection {
	int64_t		 window_ms;	/* worst data-loss window now */
	bool		 running;	/* a stream holds its lock */
	bool		 caught_up;	/* ... and has caught up at least once */
	bool		 streaming;	/* the window is the running stream's */
	int64_t		 backup_ms;	/* the backup interval (timer) */
	int64_t		 interval_ms;	/* the stream's, when streaming */
	int64_t		 behind_ms;	/* now - caught_up_ms, when streaming */
};

/*
 * Where a walk of the stream's chain got to. Strings owned; pitr_result_clear
 * frees them. Times are unix ms.
 */
struct pitr_result {
	char		*gendir;	/* BACKUP_DIR/stream/GEN used */
	char		*generation;	/* GEN */
	int64_t		 snapshot_ms;	/* its snapshot's Time-Ms */
	uint64_t	 sequence;	/* last segment applied; 0: the snapshot alone */
	uint64_t	 top;		/* highest segment number on disk */
	int64_t		 point_ms;	/* the point the result holds */
	int64_t		 next_ms;	/* capture time of the first segment left out, 0 none */
	bool		 broken;	/* stopped before the time asked for */
	char		*why;		/* then: the file and the reason */
	char		*skipped;	/* newer generations that could not be used, and why */
	bool		 bad_db;	/* the rebuilt file fails integrity_check */
	bool		 unsigned_used;	/* a file used was not authenticated (allowed unsigned) */
	int64_t		 later_ms;	/* the generation ended before the time asked
					   for: the next one's snapshot time, else 0 */
};

enum fail_class pitr_rebuild(const char *, int64_t, const char *, struct pitr_result *,
	    char **);
void	 pitr_result_clear(struct pitr_result *);
int	 pitr_parse_time(const char *, int64_t, int64_t *, char **);

int	 stream_status_read(const char *, struct stream_status *, char **);
void	 stream_status_clear(struct stream_status *);
char	*pitr_status_text(const struct stream_status *, int64_t, int);
void	 pitr_status_gens(const char *, struct stream_status *);
int	 pitr_status_check(const char *, const struct stream_status *, char **);
enum pitr_verdict pitr_status_verdict(const struct stream_status *, int64_t, int64_t *);
const char *pitr_status_value(const struct stream_status *, const char *);
int	 pitr_pause(const char *, int64_t, int *, char **);
void	 pitr_unpause(int, const char *);
char	*pitr_format_ms(int64_t, char *, size_t);
void	 pitr_protection(const struct conf *, const struct stream_status *, int64_t,
	    struct pitr_protection *);
char	*pitr_rpo_warning(const char *, int64_t, const struct pitr_protection *);

#endif
