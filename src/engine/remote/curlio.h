/* curlio.h: what the off-site stores share around libcurl. */
#ifndef PDR_CURLIO_H
#define PDR_CURLIO_H

#include "system.h"

#include <openssl/evp.h>

struct remote;
struct buf;

/* A ranged read's sink: at most max bytes kept in b; more is a store that ignored the range. */
struct curlio_head {
	struct buf	*b;
	size_t		 max;
	bool		 full;		/* more came than asked: the transfer was cut */
};

int	 curlio_init(char **);
char	*curlio_error(int, const char *);
long	 curlio_env_long(const char *, long);
long	 curlio_timeout(void);
long	 curlio_test_rate(void);
void	 curlio_cancelable(struct remote *, void *);
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
