/* crypt.h: streaming encryption compatible with `openssl enc -aes-256-cbc -salt -pbkdf2`. */
#ifndef PDR_CRYPT_H
#define PDR_CRYPT_H

#include "system.h"

#include "engine/set/hashio.h"

/* openssl enc's defaults with -pbkdf2: PBKDF2-HMAC-SHA256, 10000 rounds. */
#define CRYPT_ITERATIONS 10000

struct crypt_enc;
struct crypt_dec;

struct crypt_enc	*crypt_enc_new(const char *, hashio_sink_fn, void *, char **);
int			 crypt_enc_update(struct crypt_enc *, const void *, size_t, char **);
int			 crypt_enc_finish(struct crypt_enc *, char **);
int			 crypt_enc_sink(void *, const void *, size_t, char **);
void			 crypt_enc_free(struct crypt_enc *);

struct crypt_dec	*crypt_dec_new(const char *, const char *, hashio_source_fn, void *);
ssize_t			 crypt_dec_read(void *, void *, size_t, char **);
void			 crypt_dec_free(struct crypt_dec *);

const char		*crypt_ssl_error(void);

#endif
