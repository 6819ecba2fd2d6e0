/* crypt.c: streaming encryption compatible with `openssl enc -aes-256-cbc -salt -pbkdf2`. */
#include "system.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "engine/set/crypt.h"
#include "util/xmalloc.h"

#define CRYPT_MAGIC	"Salted__"
#define CRYPT_SALTLEN	8
#define CRYPT_CHUNK	(64 * 1024)

/* An encryption stream: plaintext in, "Salted__" + salt + ciphertext out to a sink. */
struct crypt_enc {
	EVP_CIPHER_CTX	*ctx;
	hashio_sink_fn	 sink;
	void		*arg;
	unsigned char	*out;		/* CRYPT_CHUNK + one block */
};

/* A decryption stream pulling ciphertext from a source. */
struct crypt_dec {
	EVP_CIPHER_CTX	*ctx;
	char		*name;		/* for messages */
	char		*password;
	hashio_source_fn src;
	void		*arg;
	bool		 started, done;
	unsigned char	*in;
	unsigned char	*out;
	size_t		 out_off, out_len;
};

/* Derive key and IV as openssl enc -pbkdf2 does: 48 bytes of PBKDF2-HMAC-SHA256. */
static int
crypt_derive(const char *password, const unsigned char *salt, unsigned char *key,
    unsigned char *iv)
{
	unsigned char	 out[48];

	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, CRYPT_SALTLEN,
	    CRYPT_ITERATIONS, EVP_sha256(), sizeof out, out) != 1)
		return (-1);
	memcpy(key, out, 32);
	memcpy(iv, out + 32, 16);
	OPENSSL_cleanse(out, sizeof out);
	return (0);
}

/*
 * Start encrypting with password; the header goes to sink at once. Returns the
 * stream (free with crypt_enc_free) or NULL with *cause.
 */
struct crypt_enc *
crypt_enc_new(const char *password, hashio_sink_fn sink, void *arg, char **cause)
{
	struct crypt_enc	*c;
	unsigned char		 hdr[sizeof CRYPT_MAGIC - 1 + CRYPT_SALTLEN];
	unsigned char		 key[32], iv[16];
	unsigned char		*salt = hdr + sizeof CRYPT_MAGIC - 1;

	memcpy(hdr, CRYPT_MAGIC, sizeof CRYPT_MAGIC - 1);
	if (RAND_bytes(salt, CRYPT_SALTLEN) != 1 || crypt_derive(password, salt, key, iv) != 0) {
		*cause = xstrdup(_("cannot derive the encryption key (OpenSSL)"));
		return (NULL);
	}
	c = xcalloc(1, sizeof *c);
	c->sink = sink;
	c->arg = arg;
	c->out = xmalloc(CRYPT_CHUNK + 32);
	if ((c->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(c->ctx, EVP_aes_256_cbc(), NULL, key, iv) != 1) {
		OPENSSL_cleanse(key, sizeof key);
		*cause = xstrdup(_("cannot start AES-256-CBC (OpenSSL)"));
		crypt_enc_free(c);
		return (NULL);
	}
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(iv, sizeof iv);
	if (sink(arg, hdr, sizeof hdr, cause) != 0) {
		crypt_enc_free(c);
		return (NULL);
	}
	return (c);
}

/* Encrypt len bytes and pass the ciphertext on. Returns -1 with *cause. */
int
crypt_enc_update(struct crypt_enc *c, const void *data, size_t len, char **cause)
{
	const unsigned char	*p = data;
	size_t			 n;
	int			 outl;

	while (len > 0) {
		n = len > CRYPT_CHUNK ? CRYPT_CHUNK : len;
		if (EVP_EncryptUpdate(c->ctx, c->out, &outl, p, (int)n) != 1) {
			*cause = xstrdup(_("AES-256-CBC encryption failed (OpenSSL)"));
			return (-1);
		}
		if (outl > 0 && c->sink(c->arg, c->out, (size_t)outl, cause) != 0)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/* crypt_enc_update as a hashio_sink_fn. */
int
crypt_enc_sink(void *arg, const void *data, size_t len, char **cause)
{
	return (crypt_enc_update(arg, data, len, cause));
}

/* Write the final padded block. Returns -1 with *cause. */
int
crypt_enc_finish(struct crypt_enc *c, char **cause)
{
	int	outl;

	if (EVP_EncryptFinal_ex(c->ctx, c->out, &outl) != 1) {
		*cause = xstrdup(_("AES-256-CBC encryption failed (OpenSSL)"));
		return (-1);
	}
	if (outl > 0)
		return (c->sink(c->arg, c->out, (size_t)outl, cause));
	return (0);
}

/* Free an encryption stream. */
void
crypt_enc_free(struct crypt_enc *c)
{
	if (c == NULL)
		return;
	if (c->ctx != NULL)
		EVP_CIPHER_CTX_free(c->ctx);
	free(c->out);
	free(c);
}

/*
 * Start decrypting what src gives (name is the file, for messages; password is
 * copied). Returns the stream; errors show up at the first crypt_dec_read.
 */
struct crypt_dec *
crypt_dec_new(const char *name, const char *password, hashio_source_fn src, void *arg)
{
	struct crypt_dec	*d;

	d = xcalloc(1, sizeof *d);
	d->name = xstrdup(name);
	d->password = xstrdup(password);
	d->src = src;
	d->arg = arg;
	d->in = xmalloc(CRYPT_CHUNK);
	d->out = xmalloc(CRYPT_CHUNK + 32);
	return (d);
}

/* Read exactly len bytes from the source unless it ends first; returns bytes or -1. */
static ssize_t
crypt_dec_fill(struct crypt_dec *d, unsigned char *buf, size_t len, char **cause)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		if ((n = d->src(d->arg, buf + got, len - got, cause)) == -1)
			return (-1);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return ((ssize_t)got);
}

/* Read the header, derive the key and start the cipher. Returns -1 with *cause. */
static int
crypt_dec_start(struct crypt_dec *d, char **cause)
{
	unsigned char	hdr[sizeof CRYPT_MAGIC - 1 + CRYPT_SALTLEN], key[32], iv[16];
	ssize_t		n;

	if ((n = crypt_dec_fill(d, hdr, sizeof hdr, cause)) == -1)
		return (-1);
	if ((size_t)n < sizeof hdr || memcmp(hdr, CRYPT_MAGIC, sizeof CRYPT_MAGIC - 1) != 0) {
		*cause = xasprintf(_("%s: not an openssl enc file (no \"Salted__\" header)"),
		    d->name);
		return (-1);
	}
	if (crypt_derive(d->password, hdr + sizeof CRYPT_MAGIC - 1, key, iv) != 0 ||
	    (d->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(d->ctx, EVP_aes_256_cbc(), NULL, key, iv) != 1) {
		OPENSSL_cleanse(key, sizeof key);
		*cause = xasprintf(_("%s: cannot start AES-256-CBC (OpenSSL)"), d->name);
		return (-1);
	}
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(iv, sizeof iv);
	d->started = true;
	return (0);
}

/* Read up to len bytes of plaintext (a hashio_source_fn); 0 at the end, -1 with *cause. */
ssize_t
crypt_dec_read(void *arg, void *buf, size_t len, char **cause)
{
	struct crypt_dec	*d = arg;
	ssize_t			 n;
	size_t			 take;
	int			 outl;

	if (!d->started && crypt_dec_start(d, cause) == -1)
		return (-1);
	while (d->out_off == d->out_len) {
		if (d->done)
			return (0);
		d->out_off = d->out_len = 0;
		if ((n = d->src(d->arg, d->in, CRYPT_CHUNK, cause)) == -1)
			return (-1);
		if (n == 0) {
			if (EVP_DecryptFinal_ex(d->ctx, d->out, &outl) != 1) {
				*cause = xasprintf(_("%s: bad decrypt: wrong key, or the file "
				    "is truncated or damaged"), d->name);
				return (-1);
			}
			d->done = true;
		} else if (EVP_DecryptUpdate(d->ctx, d->out, &outl, d->in, (int)n) != 1) {
			*cause = xasprintf(_("%s: AES-256-CBC decryption failed"), d->name);
			return (-1);
		}
		d->out_len = (size_t)outl;
	}
	take = d->out_len - d->out_off;
	if (take > len)
		take = len;
	memcpy(buf, d->out + d->out_off, take);
	d->out_off += take;
	return ((ssize_t)take);
}

/* Free a decryption stream, clearing the password copy. */
void
crypt_dec_free(struct crypt_dec *d)
{
	if (d == NULL)
		return;
	if (d->ctx != NULL)
		EVP_CIPHER_CTX_free(d->ctx);
	OPENSSL_cleanse(d->password, strlen(d->password));
	free(d->password);
	free(d->name);
	free(d->in);
	free(d->out);
	free(d);
}

/* The oldest queued OpenSSL error as text (static buffer), for a cause message; clears the queue. */
const char *
crypt_ssl_error(void)
{
	static char	buf[256];
	unsigned long	e;

	if ((e = ERR_get_error()) == 0)
		return (_("unknown OpenSSL error"));
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return (buf);
}
