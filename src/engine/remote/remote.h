/* remote.h: off-site copies of backup sets (SFTP and S3), the upload queue, remote retention. */
#ifndef PDR_REMOTE_H
#define PDR_REMOTE_H

#include "system.h"

#include <signal.h>
#include <time.h>

#include "engine/set/catalog.h"
#include "engine/set/hashio.h"
#include "util/conf.h"
#include "util/fail.h"
#include "util/str.h"

/* The kinds of off-site store, in the order the plan copies to them. */
enum remote_kind { REMOTE_SFTP, REMOTE_S3, REMOTE__KINDS };

/*
 * Why a download failed, as sftp_get and s3_get leave it in remote.fail: the
 * store could not be reached or the transfer broke (another store may do, a
 * later run resumes), the object named by the listing is gone, its bytes at
 * rest are not what the store says (running again cannot help), or this host
 * could not write it (disk full: no store can help).
 */
enum remote_fail { REMOTE_FAIL_NONE, REMOTE_FAIL_CONNECT, REMOTE_FAIL_GONE, REMOTE_FAIL_DAMAGED,
	REMOTE_FAIL_LOCAL };

/* The queue of uploads that failed, under STATE_DIR. */
#define REMOTE_QUEUE_FILE "offsite-queue"

/*
 * Told of a download's progress: the file, the bytes so far, the bytes in all
 * (0 unknown). Called often (from libcurl's progress callback); it decides
 * how often to show anything.
 */
typedef void (*remote_progress_fn)(void *, const char *, uint64_t, uint64_t);

/* One off-site store and how to reach it. Strings owned; free with remote_clear. */
struct remote {
	enum remote_kind	 kind;
	const struct remote_ops	*ops;
	char			*where;		/* for messages: URL without secrets */
	/* SFTP */
	char			*url;		/* sftp://user@host[:port]/path, no trailing / */
	char			*identity;
	char			*known_hosts;
	/* S3 */
	char			*endpoint;	/* no trailing / */
	char			*bucket;
	char			*prefix;	/* "" or ending in / as the plan's S3_PREFIX */
	char			*region;
	char			*access_key;
	char			*secret_key;
	char			*token;		/* AWS_SESSION_TOKEN, NULL when unset */
	char			*ca_file;	/* CA certificates for https, NULL: libcurl's */
	size_t			 part_size;	/* multipart part size */
	size_t			 get_part_size;	/* ranged GET part size */
	int			 parallel;	/* parts in flight at once */
	void			*curl;		/* CURL *, kept for its connection */
	volatile sig_atomic_t	*cancel;	/* when set non-zero: give up transfers; may be NULL */
	enum remote_fail	 fail;		/* why the last remote_get failed */
	remote_progress_fn	 progress;	/* told of a download's bytes; may be NULL */
	void			*progress_arg;
	const char		*xfer;		/* the file being downloaded, for progress */
	char			 sha256[65];	/* hex SHA-256 of the file remote_get brought, computed
					   as it arrived; "" when the store did not compute it */
	const char		*also;		/* the next remote_get writes its bytes here too (one
					   from the start, S3 in parts or SFTP), NULL: nowhere */
	bool			 also_done;	/* a remote_get did: also holds them all, durable
					   (cleared by remote_fetch_set) */
	const char		*stage_db;	/* remote_fetch_set: the database's "also" */
	const char		*want_sha256;	/* the next remote_get: the file's SHA-256 (hex) as
					   a manifest whose HMAC verified gives it, checked in
					   place of the store's MD5 (ETag); NULL: not known */
};

/* One object of a remote store: TIER/FILE and its size. */
struct remote_object {
	char		*tier;
	char		*file;
	uint64_t	 size;
};

/* A backup set as the remote store has it. */
struct remote_set {
	enum backup_tier	 tier;
	char			*name;
	time_t			 when;
	bool			 have[PART__COUNT];
	uint64_t		 size[PART__COUNT];
};

extern const char *const remote_kind_names[REMOTE__KINDS];

int	 remote_kind_parse(const char *);
enum fail_class	 remote_configure(const struct conf *, struct remote *, size_t *, char **);
void	 remote_clear(struct remote *);

int	 remote_put(struct remote *, const char *, const char *, const char *, char **);
int	 remote_get(struct remote *, const char *, const char *, const char *, char **);
int	 remote_get_head(struct remote *, const char *, const char *, size_t, struct buf *,
	    char **);
int	 remote_delete(struct remote *, const char *, const char *, char **);
int	 remote_list(struct remote *, struct remote_object **, size_t *, char **);
int	 remote_list_under(struct remote *, const char *, struct remote_object **, size_t *,
	    char **);
int	 remote_rmdir(struct remote *, const char *, char **);
void	 remote_objects_free(struct remote_object *, size_t);

int	 remote_upload_set(struct remote *, const char *, enum backup_tier, const char *,
	    char **);
int	 remote_sets(struct remote *, struct remote_set **, size_t *, char **);
void	 remote_sets_free(struct remote_set *, size_t);
int	 remote_fetch_set(struct remote *, const char *, const struct remote_set *,
	    const char *, char (*)[HASHIO_HEXLEN], char **);
char	*remote_held_manifest(const char *);
struct retention_verdict;
void	 remote_retention(const struct conf *, const struct remote_set *, size_t,
	    struct retention_verdict **);
int	 remote_remove_set(struct remote *, const struct remote_set *, char **);

int	 remote_queue_read(const char *, char ***, size_t *, char **);
int	 remote_queue_write(const char *, char *const *, size_t, char **);
int	 remote_offsite(const struct conf *, enum backup_tier, const char *, unsigned *,
	    char **);

/*
 * What one kind of store does (sftp.c, s3.c): remote.c reaches every store
 * through its table, so a new kind of store is a file with its table.
 */
struct remote_object;
struct remote_ops {
	int	(*put)(struct remote *, const char *, const char *, const char *, char **);
	int	(*get)(struct remote *, const char *, const char *, const char *, char **);
	int	(*delete)(struct remote *, const char *, const char *, char **);
	int	(*list)(struct remote *, struct remote_object **, size_t *, char **);
	int	(*list_under)(struct remote *, const char *, struct remote_object **,
		    size_t *, char **);
	int	(*rmdir)(struct remote *, const char *, char **);	/* NULL: no folders */
	int	(*head)(struct remote *, const char *, const char *, size_t, struct buf *,
		    char **);	/* the first bytes of an object (a ranged read) */
	const char *copying;	/* log lines of an off-site copy, untranslated */
	const char *copied;
};

extern const struct remote_ops sftp_ops;
extern const struct remote_ops s3_ops;

#endif
