/* manifest.h: the plan's backup manifest, with an optional HMAC line. */
#ifndef PDR_MANIFEST_H
#define PDR_MANIFEST_H

#include "system.h"

#include "engine/set/hashio.h"

#define MANIFEST_HMAC_TAG "HMAC-SHA256:"
#define MANIFEST_FP_TAG "Key-Fingerprint:"
/* A key fingerprint: 16 hex digits and a NUL. */
#define MANIFEST_FPLEN 17
#define MANIFEST_MAXSUMS 16

/* One `sha256sum` line. */
struct manifest_sum {
	char	 hex[HASHIO_HEXLEN];
	char	*name;			/* owned */
};

/* A manifest's fields; all strings owned, NULL when absent. */
struct manifest {
	char			*type;
	char			*timestamp;
	char			*date;
	char			*hostname;
	char			*version;
	char			*db_name;
	char			*db_size;	/* as du -h wrote it */
	long			 sites;		/* -1 when unknown */
	long			 paths;
	struct manifest_sum	 sums[MANIFEST_MAXSUMS];
	size_t			 nsums;
	bool			 have_hmac;
	char			 hmac[HASHIO_HEXLEN];
	char			 fingerprint[MANIFEST_FPLEN]; /* "" when there is none */
};

char	*manifest_format(const struct manifest *, const char *);
int	 manifest_parse(const char *, size_t, const char *, struct manifest *, char **);
void	 manifest_clear(struct manifest *);
void	 manifest_hmac(const char *, const char *, size_t, char *);
bool	 manifest_hmac_ok(const struct manifest *, const char *, const char *, size_t);
void	 manifest_key_fingerprint(const char *, char *);
bool	 manifest_other_key(const struct manifest *, const char *);
const struct manifest_sum *manifest_find_sum(const struct manifest *, const char *);
void	 manifest_du_size(uint64_t, char *, size_t);

#endif
