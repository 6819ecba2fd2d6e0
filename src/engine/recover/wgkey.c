/* wgkey.c: WireGuard (X25519) keys, in the base64 that wg genkey and wg pubkey print. */
#include "system.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "engine/set/crypt.h"
#include "engine/recover/wgkey.h"
#include "util/xmalloc.h"

/* Overwrite a buffer that held key material. */
void
wgkey_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}

/* Encode a raw 32-byte key as 44 base64 characters and a NUL into out. */
void
wgkey_encode(const unsigned char *raw, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, raw, WGKEY_LEN);
	out[WGKEY_B64_LEN] = '\0';
}

/*
 * Decode a key written as wg prints it (exactly 44 base64 characters, the
 * canonical encoding of 32 bytes) into raw. Returns -1 if it is not one.
 */
int
wgkey_decode(const char *b64, unsigned char *raw)
{
	unsigned char	tmp[WGKEY_LEN + 3];
	char		again[WGKEY_B64_SIZE];
	size_t		i;
	int		n, rc = -1;

	if (strlen(b64) != WGKEY_B64_LEN || b64[WGKEY_B64_LEN - 1] != '=' ||
	    b64[WGKEY_B64_LEN - 2] == '=')
		return (-1);
	for (i = 0; i < WGKEY_B64_LEN - 1; i++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/", b64[i]) == NULL)
			return (-1);
	}
	n = EVP_DecodeBlock(tmp, (const unsigned char *)b64, WGKEY_B64_LEN);
	if (n != WGKEY_LEN + 1)		/* EVP_DecodeBlock counts the padding */
		goto out;
	/* Only the canonical encoding: the unused low bits must be zero. */
	wgkey_encode(tmp, again);
	if (strcmp(again, b64) != 0)
		goto out;
	memcpy(raw, tmp, WGKEY_LEN);
	rc = 0;
out:
	wgkey_wipe(tmp, sizeof tmp);
	wgkey_wipe(again, sizeof again);
	return (rc);
}

/* The X25519 public key of a raw private key. Returns -1 with *cause. */
int
wgkey_public_raw(const unsigned char *priv, unsigned char *pub, char **cause)
{
	EVP_PKEY	*pk;
	size_t		 len = WGKEY_LEN;
	int		 rc = -1;

	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WGKEY_LEN);
	if (pk == NULL) {
		*cause = xasprintf(_("X25519 private key: %s"), crypt_ssl_error());
		return (-1);
	}
	if (EVP_PKEY_get_raw_public_key(pk, pub, &len) != 1 || len != WGKEY_LEN)
		*cause = xasprintf(_("X25519 public key: %s"), crypt_ssl_error());
	else
		rc = 0;
	EVP_PKEY_free(pk);
	return (rc);
}

/*
 * The public key (base64, WGKEY_B64_SIZE bytes into pub) of a base64 private
 * key, as `wg pubkey` prints it. Returns -1 with *cause for a malformed key.
 */
int
wgkey_public(const char *priv_b64, char *pub_b64, char **cause)
{
	unsigned char	priv[WGKEY_LEN], pub[WGKEY_LEN];
	int		rc = -1;

	if (wgkey_decode(priv_b64, priv) != 0) {
		*cause = xstrdup(_("not a WireGuard key (44 base64 characters ending in '=')"));
		return (-1);
	}
	if (wgkey_public_raw(priv, pub, cause) == 0) {
		wgkey_encode(pub, pub_b64);
		rc = 0;
	}
	wgkey_wipe(priv, sizeof priv);
	return (rc);
}

/*
 * A new key pair, as `wg genkey | tee priv | wg pubkey` makes it: a random
 * private key clamped for Curve25519, both in base64 (WGKEY_B64_SIZE bytes
 * each). Returns -1 with *cause.
 */
int
wgkey_generate(char *priv_b64, char *pub_b64, char **cause)
{
	EVP_PKEY	*pk = NULL;
	unsigned char	 priv[WGKEY_LEN], pub[WGKEY_LEN];
	size_t		 plen = WGKEY_LEN, publen = WGKEY_LEN;
	int		 rc = -1;

	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL) {
		*cause = xasprintf(_("X25519 key generation: %s"), crypt_ssl_error());
		return (-1);
	}
	if (EVP_PKEY_get_raw_private_key(pk, priv, &plen) != 1 || plen != WGKEY_LEN ||
	    EVP_PKEY_get_raw_public_key(pk, pub, &publen) != 1 || publen != WGKEY_LEN) {
		*cause = xasprintf(_("X25519 key generation: %s"), crypt_ssl_error());
		goto out;
	}
	/* Clamp as wg genkey does (X25519 clamps anyway: the public key holds). */
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	wgkey_encode(priv, priv_b64);
	wgkey_encode(pub, pub_b64);
	rc = 0;
out:
	wgkey_wipe(priv, sizeof priv);
	EVP_PKEY_free(pk);
	return (rc);
}
