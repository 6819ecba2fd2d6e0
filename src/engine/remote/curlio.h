/* curlio.h: what the off-site stores share around libcurl. */
#ifndef PDR_CURLIO_H
#define PDR_CURLIO_H

#include "system.h"

#include <openssl/evp.h>

struct remote;

int	 curlio_init(char **);
char	*curlio_error(int, const char *);
long	 curlio_env_long(const char *, long);
long	 curlio_timeout(void);
long	 curlio_test_rate(void);
void	 curlio_cancelable(struct remote *, void *);
int	 curlio_want_sha(struct remote *, const char *, const char *, uint64_t, char **);
int	 curlio_hash_head(int, const char *, uint64_t, EVP_MD_CTX *, EVP_MD_CTX *,
	    char **);

/*
 * Bytes per second under which a transfer counts as stalled for
 * curlio_timeout() seconds: a server that trickles a few bytes a second
 * would otherwise hold a restore for ever.
 */
#define CURLIO_LOW_SPEED	1024L

#endif
