/*
 * segauth.c: authentication of what the stream writes: HMAC-SHA256 under a
 * key derived from the encryption key (manifest_domain_hash, its own domain
 * string), over the generation's name and the bytes signed, so that a file
 * cannot be forged without the key nor moved to another generation.
 */
#include "system.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine/set/manifest.h"
#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Domain separation of the stream's HMAC key from every other use of the encryption key. */
#define SEGAUTH_DOMAIN "patronus-dr stream HMAC-SHA256 key v1"

/*
 * The process's stream key: set from a key file (loaded on first use) or a
 * password. Without one nothing is signed and nothing verifies, unless
 * unsigned files are allowed (restore --allow-unsigned).
 */
static struct {
	char		*keyfile;	/* to load on first use; NULL: none named */
	bool		 loaded;	/* the key file was tried */
	bool		 have;		/* key holds the derived key */
	unsigned char	 key[32];
	char		*why;		/* why there is no key */
	bool		 allow_unsigned;
} segauth;

/* Forget the key held. */
static void
segauth_reset(void)
{
	OPENSSL_cleanse(segauth.key, sizeof segauth.key);
	segauth.have = false;
	free(segauth.why);
	segauth.why = NULL;
}

/* Name the key file the stream's key is derived from (read on first use). */
void
segment_auth_keyfile(const char *path)
{
	segauth_reset();
	free(segauth.keyfile);
	segauth.keyfile = path != NULL ? xstrdup(path) : NULL;
	segauth.loaded = false;
}

/* Derive the stream's key from a password (the caller has read the key file). */
void
segment_auth_password(const char *password)
{
	segauth_reset();
	segauth.loaded = true;
	manifest_domain_hash(SEGAUTH_DOMAIN, sizeof SEGAUTH_DOMAIN, password, segauth.key);
	segauth.have = true;
}

/* Accept unsigned files (and, without a key, signed ones unchecked) as unsigned. */
void
segment_auth_allow_unsigned(bool allow)
{
	segauth.allow_unsigned = allow;
}

/* Whether a key is at hand (loading the key file named, once); else *why. */
bool
segment_auth_ready(const char **why)
{
	char		*pw = NULL, *cause = NULL;

	if (!segauth.loaded) {
		segauth.loaded = true;
		if (segauth.keyfile == NULL)
			segauth.why = xstrdup(_("no encryption key is configured"));
		else if (fs_load_key(segauth.keyfile, &pw, &cause) != FAIL_NONE)
			segauth.why = cause;
		else {
			segment_auth_password(pw);
			OPENSSL_cleanse(pw, strlen(pw));
			free(pw);
		}
	}
	if (why != NULL)
		*why = segauth.why != NULL ? segauth.why : _("no encryption key");
	return (segauth.have);
}

/* HMAC-SHA256 (32 bytes into mac) of a generation name and data; -1 with *cause without a key. */
int
segment_auth_mac(const char *gen, const void *data, size_t len, unsigned char *mac,
    char **cause)
{
	struct buf	 b;
	const char	*why;
	unsigned int	 n = SEGMENT_SHALEN;

	if (!segment_auth_ready(&why)) {
		*cause = xasprintf(_("cannot sign the stream: %s"), why);
		return (-1);
	}
	buf_init(&b);
	buf_add(&b, gen, strlen(gen) + 1);
	buf_add(&b, data, len);
	HMAC(EVP_sha256(), segauth.key, (int)sizeof segauth.key,
	    (const unsigned char *)b.data, b.len, mac, &n);
	buf_clear(&b);
	return (0);
}

/*
 * Check a file's HMAC (mac NULL: the file is unsigned) over a generation name
 * and data. *authed tells whether it was authenticated; an unsigned file, or
 * any without a key, passes only when unsigned files are allowed. Returns -1
 * with *cause naming path and the reason.
 */
int
segment_auth_check(const char *path, const char *gen, const void *data, size_t len,
    const unsigned char *mac, bool *authed, char **cause)
{
	unsigned char	 md[SEGMENT_SHALEN];
	const char	*why;
	char		*c2 = NULL;

	*authed = false;
	if (!segment_auth_ready(&why)) {
		if (segauth.allow_unsigned)
			return (0);
		*cause = xasprintf(_("%s: cannot be authenticated: %s (--allow-unsigned "
		    "uses the stream unchecked)"), path, why);
		return (-1);
	}
	if (mac == NULL) {
		if (segauth.allow_unsigned)
			return (0);
		*cause = xasprintf(_("%s: unsigned (no HMAC: forged, or written before the "
		    "stream was signed); not used without --allow-unsigned"), path);
		return (-1);
	}
	if (segment_auth_mac(gen, data, len, md, &c2) == -1) {
		*cause = c2;
		return (-1);
	}
	if (CRYPTO_memcmp(md, mac, SEGMENT_SHALEN) != 0) {
		OPENSSL_cleanse(md, sizeof md);
		*cause = xasprintf(_("%s: HMAC does not match (forged, moved from another "
		    "generation, or signed with another key)"), path);
		return (-1);
	}
	*authed = true;
	return (0);
}

/* The generation a file or folder path is in: the last component of dir (borrowed). */
const char *
segment_auth_gen(const char *dir, char *buf, size_t len)
{
	const char	*end, *p;
	size_t		 n;

	end = dir + strlen(dir);
	while (end > dir && end[-1] == '/')
		end--;
	for (p = end; p > dir && p[-1] != '/'; p--)
		;
	n = (size_t)(end - p);
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return (buf);
}
