/* s3-get.c: downloads from the S3 store, removals and listings. */
#include "system.h"

#include <sys/stat.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <expat.h>
#include <pthread.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "engine/set/catalog.h"
#include "engine/set/hashio.h"
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "engine/remote/s3-int.h"


static int	s3_parse_keys(const char *, size_t, const char *, const char *,
		    struct remote_object **, size_t *, char **, char **);

/* Why a GET failed: the object gone (404), this host's write, or the store or network. */
static enum remote_fail
s3_get_fail(const struct s3_req *q)
{
	if (q->status == 404)
		return (REMOTE_FAIL_GONE);
	if (q->status == 0 && q->out != NULL && ferror(q->out))
		return (REMOTE_FAIL_LOCAL);
	return (REMOTE_FAIL_CONNECT);
}

/*
 * The object in one GET, for a store that does not answer ranges: appended
 * to fp from byte off (asking for the rest with Range; from the start when
 * the store cannot), md5 and sha fed as it is written. Returns -1 with
 * *cause and r->fail.
 */
static int
s3_get_whole(struct remote *r, const char *url, const char *what, const char *tmp, FILE *fp,
    curl_off_t off, EVP_MD_CTX *md5, EVP_MD_CTX *sha, char *etag, size_t etagsz, char **cause)
{
	struct s3_req	 q;
	int		 rc = -1;

	memset(&q, 0, sizeof q);
	if (s3_req_init(r, &q, "GET", url, what, NULL, 0, cause) == -1)
		goto out;
	q.out = fp;
	q.outmd = md5;
	q.outsha = sha;
	if (off > 0)
		curl_easy_setopt(q.h, CURLOPT_RESUME_FROM_LARGE, off);
	if ((rc = s3_req_run(&q, cause)) == -1 && (q.status == 416 ||
	    (off > 0 && q.curlrc == CURLE_RANGE_ERROR))) {
		/*
		 * The temporary file may be whole already, or not this object's, or
		 * the store does not answer ranges: start over.
		 */
		log_info(_("%s; downloading it whole"), *cause);
		off = 0;
		free(*cause);
		*cause = NULL;
		rc = -1;
		if (fflush(fp) != 0 || ftruncate(fileno(fp), 0) == -1) {
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			r->fail = REMOTE_FAIL_LOCAL;
			goto out;
		}
		s3_req_clear(&q);
		if (md5 != NULL)
			EVP_DigestInit_ex(md5, EVP_md5(), NULL);
		EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
		if (s3_req_init(r, &q, "GET", url, what, NULL, 0, cause) == -1)
			goto out;
		q.out = fp;
		q.outmd = md5;
		q.outsha = sha;
		rc = s3_req_run(&q, cause);
	}
	if (rc == -1)
		r->fail = s3_get_fail(&q);
	if (rc == 0 && off > 0 && q.status != 206) {
		*cause = xasprintf(_("%s: the store ignored the range request"), what);
		r->fail = REMOTE_FAIL_CONNECT;
		rc = -1;
	}
	xsnprintf(etag, etagsz, "%s", q.etag);
out:
	s3_req_clear(&q);
	return (rc);
}

/*
 * Download PREFIX TIER/FILE to local through its temporary name: in ranged
 * parts at once (s3_get_parts), or in one GET from a store that does not
 * answer ranges; the rest of a temporary file left by a broken download is
 * asked for. Its SHA-256 goes to r->sha256 for verify and, when
 * r->want_sha256 is set (an authenticated manifest's), must be that one;
 * else a single-part object's ETag is checked against the MD5 of the file.
 * Both are computed as the bytes arrive (and over the part kept from a
 * broken download); the MD5 not when it is not needed. Returns -1 with
 * *cause.
 */
int
s3_get(struct remote *r, const char *tier, const char *file, const char *local, char **cause)
{
	struct stat	 st;
	EVP_MD_CTX	*md5 = NULL, *sha = NULL;
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl;
	const char	*xfer = r->xfer;
	char		*key, *url, *tmp, *what, md5hex[33], etag[128];
	curl_off_t	 off = 0;
	FILE		*fp = NULL;
	int		 fd, rc = -1, pr;

	r->fail = REMOTE_FAIL_LOCAL;
	key = s3_key(r, tier, file);
	url = s3_url(r, key, NULL);
	what = xasprintf("s3://%s/%s", r->bucket, key);
	tmp = hashio_tmpname(local);
	if (stat(tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		off = st.st_size;
		log_info(_("Resuming %s at byte %" PRId64), what, (int64_t)off);
	}
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* The manifest's SHA-256 checks the file: the ETag's MD5 would only cost a CPU. */
	if ((r->want_sha256 == NULL && ((md5 = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md5, EVP_md5(), NULL) != 1)) ||
	    (sha = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1) {
		*cause = xasprintf("%s: %s", what, strerror(ENOMEM));
		close(fd);
		goto out;
	}
	if (off > 0 && curlio_hash_head(fd, tmp, (uint64_t)off, md5, sha, cause) == -1) {
		close(fd);
		goto out;
	}
	/* Progress is told of the prefix without a gap, not of each part's bytes. */
	r->xfer = NULL;
	etag[0] = '\0';
	pr = s3_get_parts(r, what, url, xfer, fd, (uint64_t)off, md5, sha, etag, sizeof etag,
	    cause);
	r->xfer = xfer;
	if (pr == 0) {
		rc = 0;
		if (fsync(fd) == -1) {
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			r->fail = REMOTE_FAIL_LOCAL;
			rc = -1;
		}
		close(fd);
		fd = -1;
	} else if (pr == 1) {
		log_info(_("%s: the store does not answer ranged GETs; downloading it in one "
		    "piece"), what);
		if ((fp = fdopen(fd, "ab")) == NULL) {
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			close(fd);
			goto out;
		}
		setvbuf(fp, NULL, _IOFBF, HASHIO_BLOCK);
		rc = s3_get_whole(r, url, what, tmp, fp, off, md5, sha, etag, sizeof etag, cause);
		if (fflush(fp) != 0 || fsync(fileno(fp)) == -1) {
			if (rc == 0 || r->fail == REMOTE_FAIL_LOCAL) {
				free(*cause);
				*cause = xasprintf("%s: %s", tmp, strerror(errno));
				r->fail = REMOTE_FAIL_LOCAL;
			}
			rc = -1;
		}
	} else {
		/* Nothing kept (an object replaced between parts): no empty file to resume. */
		if (fstat(fd, &st) == 0 && st.st_size == 0)
			unlink(tmp);
		close(fd);
	}
	if (rc == 0 && md5 != NULL && etag[0] != '\0' && strchr(etag, '-') == NULL) {
		EVP_DigestFinal_ex(md5, d, &dl);
		str_hex(d, dl, md5hex);
		if (strcasecmp(md5hex, etag) != 0 && off > 0) {
			/* The part kept from a broken download may be what differs. */
			*cause = xasprintf(_("%s: MD5 %s of the download is not the ETag %s; its "
			    "first %" PRIu64 " bytes were kept from an earlier, broken download "
			    "and may be what differs: removed, it is fetched whole next time"),
			    what, md5hex, etag, (uint64_t)off);
			r->fail = REMOTE_FAIL_CONNECT;
			unlink(tmp);
			rc = -1;
		} else if (strcasecmp(md5hex, etag) != 0) {
			*cause = xasprintf(_("%s: MD5 %s of the download is not the ETag %s: "
			    "the object is damaged at rest"), what, md5hex, etag);
			r->fail = REMOTE_FAIL_DAMAGED;
			unlink(tmp);
			rc = -1;
		}
	}
	if (rc == 0 && curlio_install(r, what, tmp, local, sha, (uint64_t)off, cause) == -1)
		rc = -1;
	if (rc == -1)
		r->sha256[0] = '\0';
out:
	if (fp != NULL)
		fclose(fp);
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(sha);
	free(key);
	free(url);
	free(what);
	free(tmp);
	return (rc);
}

/* A ranged GET's sink: the request (for its status), and the bytes kept. */
struct s3_head_sink {
	struct s3_req		*q;
	struct curlio_head	 h;
};

/* libcurl's write callback of a ranged GET: an error's body to resp, else up to max bytes. */
static size_t
s3_head_write(char *data, size_t size, size_t n, void *arg)
{
	struct s3_head_sink	*k = arg;
	long			 status = 0;

	curl_easy_getinfo(k->q->h, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200 || status == 206)
		return (curlio_head_take(&k->h, data, size * n));
	if (k->q->resp.len < 1024 * 1024)
		buf_add(&k->q->resp, data, size * n);
	return (size * n);
}

/* The first len bytes of PREFIX TIER/FILE into out (Range: bytes=0-N). -1 with *cause. */
int
s3_head(struct remote *r, const char *tier, const char *file, size_t len, struct buf *out,
    char **cause)
{
	struct s3_req		 q;
	struct s3_head_sink	 sink;
	char			*key, *url, *what, range[64];
	int			 rc;

	key = s3_key(r, tier, file);
	url = s3_url(r, key, NULL);
	what = xasprintf("s3://%s/%s", r->bucket, key);
	sink.q = &q;
	sink.h.b = out;
	sink.h.max = out->len + len;
	sink.h.full = false;
	if ((rc = s3_req_init(r, &q, "GET", url, what, NULL, 0, cause)) == 0) {
		xsnprintf(range, sizeof range, "0-%zu", len > 0 ? len - 1 : 0);
		curl_easy_setopt(q.h, CURLOPT_RANGE, range);
		curl_easy_setopt(q.h, CURLOPT_WRITEFUNCTION, s3_head_write);
		curl_easy_setopt(q.h, CURLOPT_WRITEDATA, &sink);
		if ((rc = s3_req_run(&q, cause)) == -1 && sink.h.full) {
			/* All that was asked came; the rest was not read. */
			free(*cause);
			*cause = NULL;
			rc = 0;
		} else if (rc == -1)
			r->fail = s3_get_fail(&q);
	}
	s3_req_clear(&q);
	free(key);
	free(url);
	free(what);
	return (rc);
}

/* Remove PREFIX TIER/FILE. Returns -1 with *cause. */
int
s3_delete(struct remote *r, const char *tier, const char *file, char **cause)
{
	struct s3_req	 q;
	char		*key, *url, *what;
	int		 rc;

	key = s3_key(r, tier, file);
	url = s3_url(r, key, NULL);
	what = xasprintf("s3://%s/%s", r->bucket, key);
	rc = s3_req_init(r, &q, "DELETE", url, what, NULL, 0, cause);
	if (rc == 0)
		rc = s3_req_run(&q, cause);
	s3_req_clear(&q);
	free(key);
	free(url);
	free(what);
	return (rc);
}

/*
 * Parse one ListObjectsV2 answer: append the objects under PREFIX TIER/FILE to
 * *o, and set *next to the continuation token when the listing goes on (caller
 * frees). Returns -1 with *cause when the answer is not XML or is an <Error>.
 */
int
s3_parse_list(const char *data, size_t len, const char *prefix, struct remote_object **o,
    size_t *n, char **next, char **cause)
{
	return (s3_parse_keys(data, len, prefix, NULL, o, n, next, cause));
}

/*
 * s3_parse_list's work. With under NULL: objects PREFIX TIER/FILE of a backup
 * tier. Else: objects PREFIX UNDER/SUB/FILE, their tier "UNDER/SUB".
 */
static int
s3_parse_keys(const char *data, size_t len, const char *prefix, const char *under,
    struct remote_object **o, size_t *n, char **next, char **cause)
{
	struct s3_xml	 x;
	const char	*rest, *slash, *trunc, *tok;
	size_t		 i, ulen, plen = strlen(prefix);
	bool		 kept = false;
	int		 t;

	*next = NULL;
	if (s3_xml_parse(data, len, &x, cause) == -1)
		return (-1);
	if (s3_xml_get(&x, "Error/Code") != NULL) {
		*cause = s3_error_text(&x);
		s3_xml_clear(&x);
		return (-1);
	}
	for (i = 0; i < x.n; i++) {
		if (strcmp(x.leaves[i].path, "ListBucketResult/Contents/Key") == 0) {
			kept = false;
			if (strncmp(x.leaves[i].text, prefix, plen) != 0)
				continue;
			rest = x.leaves[i].text + plen;
			if (under != NULL) {
				ulen = strlen(under);
				if (strncmp(rest, under, ulen) != 0 || rest[ulen] != '/')
					continue;
				rest += ulen + 1;
			}
			if ((slash = strchr(rest, '/')) == NULL || strchr(slash + 1, '/') != NULL ||
			    slash[1] == '\0' || slash == rest)
				continue;
			if (under != NULL) {
				*o = xreallocarray(*o, *n + 1, sizeof **o);
				(*o)[*n].tier = xasprintf("%s/%.*s", under, (int)(slash - rest),
				    rest);
				(*o)[*n].file = xstrdup(slash + 1);
				(*o)[*n].size = 0;
				(*n)++;
				kept = true;
				continue;
			}
			for (t = 0; t < BACKUP__TIERS; t++)
				if (strlen(backup_tier_names[t]) == (size_t)(slash - rest) &&
				    strncmp(rest, backup_tier_names[t], slash - rest) == 0)
					break;
			if (t == BACKUP__TIERS)
				continue;
			*o = xreallocarray(*o, *n + 1, sizeof **o);
			(*o)[*n].tier = xstrdup(backup_tier_names[t]);
			(*o)[*n].file = xstrdup(slash + 1);
			(*o)[*n].size = 0;
			(*n)++;
			kept = true;
		} else if (strcmp(x.leaves[i].path, "ListBucketResult/Contents/Size") == 0 && kept)
			(*o)[*n - 1].size = strtoull(x.leaves[i].text, NULL, 10);
	}
	trunc = s3_xml_get(&x, "ListBucketResult/IsTruncated");
	tok = s3_xml_get(&x, "ListBucketResult/NextContinuationToken");
	if (trunc != NULL && strcmp(trunc, "true") == 0 && tok != NULL && *tok != '\0')
		*next = xstrdup(tok);
	s3_xml_clear(&x);
	return (0);
}

/* Pages of a listing followed at most (1000 keys each: ten million objects). */
#define S3_LIST_MAX_PAGES	10000

/* Every object under PREFIX TIER/, with ListObjectsV2 page by page. Returns -1 with *cause. */
int
s3_list(struct remote *r, struct remote_object **o, size_t *n, char **cause)
{
	return (s3_list_under(r, NULL, o, n, cause));
}

/*
 * Every object PREFIX UNDER/SUB/FILE (tier "UNDER/SUB"), or with under NULL
 * as s3_list. Returns -1 with *cause.
 */
int
s3_list_under(struct remote *r, const char *under, struct remote_object **o, size_t *n,
    char **cause)
{
	struct s3_req	 q;
	struct buf	 b;
	char		*token = NULL, *next = NULL, *url, *what, *lprefix;
	size_t		 pages = 0;
	int		 rc = 0;

	lprefix = under != NULL ? xasprintf("%s%s/", r->prefix, under) : xstrdup(r->prefix);
	what = xasprintf("s3://%s/%s", r->bucket, lprefix);
	do {
		/* The query in SigV4's canonical order: parameters sorted by name. */
		buf_init(&b);
		if (token != NULL) {
			buf_adds(&b, "continuation-token=");
			s3_encode(&b, token, false);
			buf_addc(&b, '&');
		}
		buf_adds(&b, "list-type=2&prefix=");
		s3_encode(&b, lprefix, false);
		url = s3_url(r, NULL, b.data);
		buf_clear(&b);
		rc = s3_req_init(r, &q, "GET", url, what, NULL, 0, cause);
		free(url);
		if (rc == 0)
			rc = s3_req_run(&q, cause);
		if (rc == 0 && s3_parse_keys(q.resp.data != NULL ? q.resp.data : "", q.resp.len,
		    r->prefix, under, o, n, &next, cause) == -1) {
			char	*why = *cause;

			*cause = xasprintf("%s: %s", what, why);
			free(why);
			rc = -1;
		}
		s3_req_clear(&q);
		/*
		 * A store that hands back the token it was given, or pages
		 * without end, would loop and grow *o for ever: named, not
		 * followed.
		 */
		if (rc == 0 && next != NULL && token != NULL && strcmp(next, token) == 0) {
			*cause = xasprintf(_("%s: the listing's next page token is the one "
			    "just asked for: the store loops; not followed"), what);
			rc = -1;
		} else if (rc == 0 && next != NULL && ++pages >= S3_LIST_MAX_PAGES) {
			*cause = xasprintf(_("%s: the listing goes on past %d pages (%zu "
			    "objects): not followed further"), what, S3_LIST_MAX_PAGES, *n);
			rc = -1;
		}
		free(token);
		token = next;
		next = NULL;
	} while (rc == 0 && token != NULL);
	free(token);
	free(what);
	free(lprefix);
	return (rc);
}
