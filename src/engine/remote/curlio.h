/* curlio.h: what the off-site stores share around libcurl. */
#ifndef PDR_CURLIO_H
#define PDR_CURLIO_H

#include "system.h"

#include <openssl/evp.h>
#include <pthread.h>

struct remote;
struct buf;

/* A ranged read's sink: at most max bytes kept in b; more is a store that ignored the range. */
struct curlio_head {
	struct buf	*b;
	size_t		 max;
	bool		 full;		/* more came than asked: the transfer was cut */
};

/*
 * One digest of a file being written, on a thread of its own: it hashes the
 * prefix written without a gap (published with curlio_hasher_advance) as it
 * grows, reading it back mapped (the pages were just written: no copy).
 */
struct curlio_hasher {
	int		 fd;
	EVP_MD_CTX	*ctx;
	uint64_t	 hashed;	/* [0, hashed) is in ctx */
	uint64_t	 upto;		/* [0, upto) is written */
	bool		 finish;	/* nothing more comes: hash up to upto and stop */
	bool		 drop;		/* not needed after all: stop now */
	int		 rerr;		/* errno of a failed read-back, 0 */
	bool		 started;
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
};

int	 curlio_init(char **);
char	*curlio_error(int, const char *);
long	 curlio_env_long(const char *, long);
long	 curlio_timeout(void);
long	 curlio_test_rate(void);
void	 curlio_cancelable(struct remote *, void *);
long	 curlio_recv_buffer(long);
int	 curlio_install(struct remote *, const char *, const char *, const char *,
	    EVP_MD_CTX *, uint64_t, char **);
int	 curlio_multi_run(struct remote *, void *, const char *, char **);
void	*curlio_multi_done(void *, int *);
int	 curlio_multi_wait(struct remote *, void *, const char *, char **);
void	 curlio_part_again(const char *, char *);
int	 curlio_pwrite(int, const char *, size_t, uint64_t);
int	 curlio_hasher_start(struct curlio_hasher *, int, EVP_MD_CTX *, uint64_t);
void	 curlio_hasher_advance(struct curlio_hasher *, uint64_t);
void	 curlio_hasher_drop(struct curlio_hasher *);
int	 curlio_hasher_end(struct curlio_hasher *, uint64_t *);
size_t	 curlio_head_take(struct curlio_head *, const char *, size_t);
int	 curlio_hash_head(int, const char *, uint64_t, EVP_MD_CTX *, EVP_MD_CTX *,
	    char **);

/*
 * Bytes per second under which a transfer counts as stalled for
 * curlio_timeout() seconds: a server that trickles a few bytes a second
 * would otherwise hold a restore for ever.
 */
#define CURLIO_LOW_SPEED	1024L

#endif
