/* pitr.h: the continuous stream as seen by its readers: status, protection, point-in-time restore. */
#ifndef PDR_PITR_H
#define PDR_PITR_H

#include "system.h"

#include <sys/types.h>

struct conf;

/*
 * BACKUP_DIR/stream/status and whether its lock is held (STREAM-CONTRACT.md).
 * Strings owned; stream_status_free frees them. Times are unix ms, 0 unknown.
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

int	 stream_status_read(const char *, struct stream_status *, char **);
void	 stream_status_free(struct stream_status *);
char	*pitr_status_text(const struct stream_status *, int64_t, bool);
int64_t	 pitr_now_ms(void);
char	*pitr_format_ms(int64_t, char *, size_t);
void	 pitr_protection(const struct conf *, const struct stream_status *, int64_t,
	    struct pitr_protection *);
char	*pitr_rpo_warning(const char *, int64_t, const struct pitr_protection *);

#endif
