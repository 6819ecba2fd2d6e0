/* manifest.c: the plan's backup manifest, with an optional HMAC line. */
#include "system.h"

#include <ctype.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine/set/manifest.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Domain separation of the HMAC key from every other use of the encryption password. */
#define MANIFEST_HMAC_DOMAIN "patronus-dr manifest HMAC-SHA256 key v1"

/* Size as `du -h` prints it: 1024-based, rounded up, one decimal below 10. */
void
manifest_du_size(uint64_t bytes, char *out, size_t len)
{
	static const char	 units[] = "KMGTPE";
	uint64_t		 d = 1024, tenths, whole;
	size_t			 u;

	if (bytes < 1024) {
		snprintf(out, len, "%" PRIu64, bytes);
		return;
	}
	for (u = 0; u < sizeof units - 1; u++, d *= 1024) {
		tenths = (bytes / d) * 10 + ((bytes % d) * 10 + d - 1) / d;
		if (tenths < 100) {
			snprintf(out, len, "%" PRIu64 ".%" PRIu64 "%c", tenths / 10,
			    tenths % 10, units[u]);
			return;
		}
		whole = bytes / d + (bytes % d != 0);
		if (whole < 1024 || u + 2 == sizeof units) {
			snprintf(out, len, "%" PRIu64 "%c", whole, units[u]);
			return;
		}
	}
}

/*
 * The manifest text the plan's script writes for m, then, when password is
 * not NULL, the key's fingerprint and an HMAC line. The caller frees.
 */
char *
manifest_format(const struct manifest *m, const char *password)
{
	struct buf	b;
	char		hex[HASHIO_HEXLEN], fp[MANIFEST_FPLEN];
	size_t		i;

	buf_init(&b);
	buf_printf(&b, "Patronus SD-WAN Backup Manifest\n"
	    "================================\n\n"
	    "Backup Type: %s\nTimestamp: %s\nDate: %s\nHostname: %s\nVersion: %s\n\n"
	    "Contents:\n", m->type, m->timestamp, m->date, m->hostname,
	    m->version != NULL ? m->version : "unknown");
	buf_printf(&b, "- Database: %s (%s, %ld sites, %ld paths)\n", m->db_name,
	    m->db_size, m->sites, m->paths);
	if (m->nsums >= 3) {
		buf_printf(&b, "- Configuration: %s\n", m->sums[1].name);
		buf_printf(&b, "- WireGuard Keys: %s (encrypted)\n", m->sums[2].name);
	}
	buf_adds(&b, "\nChecksums (SHA256):\n");
	for (i = 0; i < m->nsums; i++)
		buf_printf(&b, "%s  %s\n", m->sums[i].hex, m->sums[i].name);
	if (password != NULL) {
		manifest_key_fingerprint(password, fp);
		buf_printf(&b, "%s %s\n", MANIFEST_FP_TAG, fp);
		manifest_hmac(password, b.data, b.len, hex);
		buf_printf(&b, "%s %s\n", MANIFEST_HMAC_TAG, hex);
	}
	return (buf_steal(&b));
}

/* Copy the value after "Key: " when line starts with it. */
static bool
manifest_field(const char *line, const char *key, char **out)
{
	size_t	n = strlen(key);

	if (strncmp(line, key, n) != 0)
		return (false);
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	free(*out);
	*out = xstrdup(line);
	return (true);
}

/* Parse "- Database: NAME (SIZE, N sites, M paths)". */
static void
manifest_parse_db(struct manifest *m, const char *v)
{
	const char	*p = strstr(v, " (");
	char		 size[64];
	long		 s, t;

	if (p == NULL)
		return;
	free(m->db_name);
	m->db_name = xstrndup(v, (size_t)(p - v));
	if (sscanf(p, " (%63[^,], %ld sites, %ld paths)", size, &s, &t) == 3) {
		free(m->db_size);
		m->db_size = xstrdup(size);
		m->sites = s;
		m->paths = t;
	}
}

/* Whether line is a `sha256sum` line: 64 lower-case hex digits, two spaces (or space and '*'), name. */
static bool
manifest_parse_sum(struct manifest *m, const char *line)
{
	size_t	i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)line[i]) || isupper((unsigned char)line[i]))
			return (false);
	if (line[64] != ' ' || (line[65] != ' ' && line[65] != '*') || line[66] == '\0')
		return (false);
	if (m->nsums == MANIFEST_MAXSUMS)
		return (true);
	memcpy(m->sums[m->nsums].hex, line, 64);
	m->sums[m->nsums].hex[64] = '\0';
	m->sums[m->nsums].name = xstrdup(line + 66);
	m->nsums++;
	return (true);
}

/*
 * Parse a manifest (the plan's or ours) of len bytes; path is for messages.
 * Unknown lines are ignored; a line that starts with a hex digit but is not a
 * checksum line is an error, as it would confuse `sha256sum -c`. Returns -1
 * with *cause; manifest_clear m in either case.
 */
int
manifest_parse(const char *text, size_t len, const char *path, struct manifest *m,
    char **cause)
{
	const char	*p = text, *end = text + len, *nl;
	char		*line;
	int		 lineno = 0, rc = 0;

	memset(m, 0, sizeof *m);
	m->sites = m->paths = -1;
	if (memchr(text, '\0', len) != NULL) {
		*cause = xasprintf(_("%s: not a text file"), path);
		return (-1);
	}
	while (p < end && rc == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line = xstrndup(p, (size_t)(nl - p));
		lineno++;
		if (*line != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (isxdigit((unsigned char)line[0]) && !isupper((unsigned char)line[0])) {
			if (!manifest_parse_sum(m, line)) {
				*cause = xasprintf(_("%s:%d: malformed checksum line"), path, lineno);
				rc = -1;
			}
		} else if (strncmp(line, MANIFEST_HMAC_TAG, strlen(MANIFEST_HMAC_TAG)) == 0) {
			const char *h = line + strlen(MANIFEST_HMAC_TAG);
			size_t	    i;

			while (*h == ' ')
				h++;
			for (i = 0; i < 64 && isxdigit((unsigned char)h[i]); i++)
				;
			if (i != 64 || h[64] != '\0' || m->have_hmac) {
				*cause = xasprintf(_("%s:%d: malformed HMAC line"), path, lineno);
				rc = -1;
			} else {
				memcpy(m->hmac, h, 65);
				m->have_hmac = true;
			}
		} else if (strncmp(line, MANIFEST_FP_TAG, strlen(MANIFEST_FP_TAG)) == 0) {
			const char *h = line + strlen(MANIFEST_FP_TAG);
			size_t	    i;

			while (*h == ' ')
				h++;
			for (i = 0; i < MANIFEST_FPLEN - 1 && isxdigit((unsigned char)h[i]); i++)
				;
			if (i != MANIFEST_FPLEN - 1 || h[i] != '\0' || *m->fingerprint != '\0') {
				*cause = xasprintf(_("%s:%d: malformed key fingerprint line"),
				    path, lineno);
				rc = -1;
			} else
				memcpy(m->fingerprint, h, MANIFEST_FPLEN);
		} else if (!manifest_field(line, "Backup Type:", &m->type) &&
		    !manifest_field(line, "Timestamp:", &m->timestamp) &&
		    !manifest_field(line, "Date:", &m->date) &&
		    !manifest_field(line, "Hostname:", &m->hostname) &&
		    !manifest_field(line, "Version:", &m->version) &&
		    strncmp(line, "- Database: ", 12) == 0)
			manifest_parse_db(m, line + 12);
		free(line);
		p = nl + 1;
	}
	if (rc == 0 && m->nsums == 0) {
		*cause = xasprintf(_("%s: no checksum lines"), path);
		rc = -1;
	}
	return (rc);
}

/* Free what a parsed manifest holds. */
void
manifest_clear(struct manifest *m)
{
	size_t	i;

	free(m->type);
	free(m->timestamp);
	free(m->date);
	free(m->hostname);
	free(m->version);
	free(m->db_name);
	free(m->db_size);
	for (i = 0; i < m->nsums; i++)
		free(m->sums[i].name);
	memset(m, 0, sizeof *m);
}

/* SHA-256 (32 bytes into md) of a domain string (len bytes) and the password. */
static void
manifest_domain_hash(const char *domain, size_t len, const char *password, unsigned char *md)
{
	unsigned int	 mdlen = 32;
	EVP_MD_CTX	*c;

	c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, domain, len);
	EVP_DigestUpdate(c, password, strlen(password));
	EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
}

/*
 * HMAC-SHA256 (hex into out, HASHIO_HEXLEN) of a manifest text without its
 * HMAC line, keyed by SHA-256 of a domain string and the password.
 */
void
manifest_hmac(const char *password, const char *text, size_t len, char *out)
{
	unsigned char	 key[32], md[EVP_MAX_MD_SIZE];
	unsigned int	 keylen = sizeof key, mdlen = 0;
	struct buf	 b;
	const char	*p = text, *end = text + len, *nl;

	manifest_domain_hash(MANIFEST_HMAC_DOMAIN, sizeof MANIFEST_HMAC_DOMAIN, password, key);
	buf_init(&b);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl == NULL ? end : nl + 1;
		if ((size_t)(nl - p) < strlen(MANIFEST_HMAC_TAG) ||
		    strncmp(p, MANIFEST_HMAC_TAG, strlen(MANIFEST_HMAC_TAG)) != 0)
			buf_add(&b, p, (size_t)(nl - p));
		p = nl;
	}
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)b.data, b.len, md, &mdlen);
	OPENSSL_cleanse(key, sizeof key);
	buf_clear(&b);
	str_hex(md, mdlen, out);
}

/* Whether the HMAC line of a parsed manifest matches its text under password. */
bool
manifest_hmac_ok(const struct manifest *m, const char *password, const char *text,
    size_t len)
{
	char	hex[HASHIO_HEXLEN];

	if (!m->have_hmac)
		return (false);
	manifest_hmac(password, text, len, hex);
	return (CRYPTO_memcmp(hex, m->hmac, 64) == 0);
}

/*
 * The fingerprint of a key (MANIFEST_FPLEN bytes into out): the first 16 hex
 * digits of SHA-256 of a domain string and the key. It names the key a set
 * was made with, without giving anything of it away.
 */
void
manifest_key_fingerprint(const char *password, char *out)
{
	static const char	 domain[] = "patronus-dr key fingerprint v1";
	unsigned char		 md[32];
	char			 hex[HASHIO_HEXLEN];

	manifest_domain_hash(domain, sizeof domain, password, md);
	str_hex(md, sizeof md, hex);
	OPENSSL_cleanse(md, sizeof md);
	memcpy(out, hex, MANIFEST_FPLEN - 1);
	out[MANIFEST_FPLEN - 1] = '\0';
}

/* Whether m names the key it was made with, and that key is not password. */
bool
manifest_other_key(const struct manifest *m, const char *password)
{
	char	fp[MANIFEST_FPLEN];

	if (*m->fingerprint == '\0' || password == NULL)
		return (false);
	manifest_key_fingerprint(password, fp);
	return (strcmp(fp, m->fingerprint) != 0);
}

/* The checksum line for a file name, or NULL. */
const struct manifest_sum *
manifest_find_sum(const struct manifest *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->nsums; i++)
		if (strcmp(m->sums[i].name, name) == 0)
			return (&m->sums[i]);
	return (NULL);
}
