/* s3-put.c: uploads to the S3 store: one PUT, or a multipart upload with its parts hashed ahead on a thread. */
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


static unsigned char *
s3_read_part(int fd, const char *path, off_t off, size_t len, char **cause)
{
	unsigned char	*p = xmalloc(len > 0 ? len : 1);
	size_t		 got = 0;
	ssize_t		 n;

	while (got < len) {
		if ((n = pread(fd, p + got, len - got, off + (off_t)got)) <= 0) {
			*cause = xasprintf("%s: %s", path, n == 0 ? _("file shrank while "
			    "uploading") : strerror(errno));
			free(p);
			return (NULL);
		}
		got += (size_t)n;
	}
	return (p);
}

/* Upload a file no bigger than a part with one PUT, Content-MD5 and ETag checked. */
static int
s3_put_single(struct remote *r, int fd, const char *local, size_t size, const char *key,
    const char *what, char **cause)
{
	struct s3_req	 q;
	unsigned char	*body;
	char		*url;
	int		 rc;

	if ((body = s3_read_part(fd, local, 0, size, cause)) == NULL)
		return (-1);
	url = s3_url(r, key, NULL);
	rc = s3_req_init(r, &q, "PUT", url, what, body, size, cause);
	free(url);
	if (rc == 0 && (rc = s3_req_run(&q, cause)) == 0 && strcasecmp(q.etag, q.md5hex) != 0) {
		*cause = xasprintf(_("%s: the store's ETag %s is not the MD5 %s of what was "
		    "sent"), what, q.etag, q.md5hex);
		rc = -1;
	}
	s3_req_clear(&q);
	return (rc);
}

/* Abort a multipart upload so that its parts do not linger (best effort). */
static void
s3_abort(struct remote *r, const char *key, const char *upload_id)
{
	struct s3_req	 q;
	struct buf	 b;
	char		*url, *cause = NULL;

	buf_init(&b);
	buf_adds(&b, "uploadId=");
	s3_encode(&b, upload_id, false);
	url = s3_url(r, key, b.data);
	if (s3_req_init(r, &q, "DELETE", url, key, NULL, 0, &cause) == 0)
		s3_req_run(&q, &cause);
	free(cause);
	s3_req_clear(&q);
	free(url);
	buf_clear(&b);
}

/* Add one header line to a request already set up. */
static void
s3_req_header(struct s3_req *q, const char *line)
{
	q->hdrs = curl_slist_append(q->hdrs, line);
	curl_easy_setopt(q->h, CURLOPT_HTTPHEADER, q->hdrs);
}

/* Remove an object the store made that is not what was sent (best effort, a failure logged). */
static void
s3_remove_bad(struct remote *r, const char *key, const char *what)
{
	struct s3_req	 q;
	char		*url, *cause = NULL;

	url = s3_url(r, key, NULL);
	if (s3_req_init(r, &q, "DELETE", url, what, NULL, 0, &cause) == -1 ||
	    s3_req_run(&q, &cause) == -1)
		log_warn("%s", cause);
	free(cause);
	s3_req_clear(&q);
	free(url);
}

/* The digests of one part: its SHA-256 always, its MD5 only when a pass asked for it. */
struct s3_part_sum {
	char	sha[HASHIO_HEXLEN];	/* hex SHA-256, x-amz-content-sha256 */
	char	sha64[48];		/* base64 SHA-256, x-amz-checksum-sha256 */
	uint8_t	shabin[32];
	char	md5hex[33];
	uint8_t	md5bin[16];
};

/* What a pass of the hasher computes. */
#define S3_HASH_SHA	0x1	/* each part's SHA-256 */
#define S3_HASH_PARTMD5	0x2	/* each part's MD5 */
#define S3_HASH_WHOLE	0x4	/* the whole file's MD5 */

/*
 * A pass over a file computing the digests its multipart upload needs, on a
 * thread of its own, so that the thread driving the transfers never waits on
 * the disk or on hashing. Parts are done in order; ready counts them.
 */
struct s3_hasher {
	int			 fd;
	const char		*path;
	uint64_t		 size;
	size_t			 part_size;
	size_t			 nparts;
	int			 want;		/* S3_HASH_* */
	struct s3_part_sum	*sums;		/* nparts, not owned */
	char			 whole[33];	/* hex MD5 of the file, once all are done */
	size_t			 ready;
	CURLM			*wake;		/* woken when a part is ready, may be NULL */
	bool			 stop;		/* asked to give up */
	char			*cause;		/* owned; set on a read error */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 th;
	bool			 started;
};

/* Read len bytes at off of fd into the digests that are not NULL, in blocks of buf. */
static int
s3_hash_range(struct s3_hasher *h, off_t off, uint64_t len, EVP_MD_CTX *a, EVP_MD_CTX *b,
    EVP_MD_CTX *c, unsigned char *buf, size_t bufsz)
{
	ssize_t	n;
	size_t	want;

	while (len > 0) {
		if (__atomic_load_n(&h->stop, __ATOMIC_RELAXED))
			return (-1);
		want = len < bufsz ? (size_t)len : bufsz;
		if ((n = pread(h->fd, buf, want, off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			pthread_mutex_lock(&h->mu);
			if (h->cause == NULL)
				h->cause = xasprintf("%s: %s", h->path, n == 0 ?
				    _("file shrank while uploading") : strerror(errno));
			pthread_mutex_unlock(&h->mu);
			return (-1);
		}
		if (a != NULL)
			EVP_DigestUpdate(a, buf, (size_t)n);
		if (b != NULL)
			EVP_DigestUpdate(b, buf, (size_t)n);
		if (c != NULL)
			EVP_DigestUpdate(c, buf, (size_t)n);
		off += n;
		len -= (uint64_t)n;
	}
	return (0);
}

/* Thread body: hash the parts in order as h->want says, signalling each one. */
static void *
s3_hasher_run(void *arg)
{
	struct s3_hasher	*h = arg;
	struct s3_part_sum	*p;
	EVP_MD_CTX		*sha = EVP_MD_CTX_new(), *md5 = EVP_MD_CTX_new();
	EVP_MD_CTX		*all = EVP_MD_CTX_new();
	unsigned char		*buf = xmalloc(HASHIO_BLOCK), d[EVP_MAX_MD_SIZE];
	unsigned int		 dl;
	uint64_t		 off, len;
	size_t			 i;
	bool			 dosha = h->want & S3_HASH_SHA, domd5 = h->want & S3_HASH_PARTMD5;
	bool			 doall = h->want & S3_HASH_WHOLE;

	if (sha == NULL || md5 == NULL || all == NULL ||
	    (doall && EVP_DigestInit_ex(all, EVP_md5(), NULL) != 1))
		goto out;
	for (i = 0; i < h->nparts; i++) {
		p = h->sums != NULL ? &h->sums[i] : NULL;
		off = (uint64_t)i * h->part_size;
		len = h->size - off < h->part_size ? h->size - off : h->part_size;
		if (dosha)
			EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
		if (domd5)
			EVP_DigestInit_ex(md5, EVP_md5(), NULL);
		if (s3_hash_range(h, (off_t)off, len, dosha ? sha : NULL, domd5 ? md5 : NULL,
		    doall ? all : NULL, buf, HASHIO_BLOCK) == -1)
			break;
		if (doall && i + 1 == h->nparts) {
			EVP_DigestFinal_ex(all, d, &dl);
			str_hex(d, dl, h->whole);
		}
		if (dosha && p != NULL) {
			EVP_DigestFinal_ex(sha, d, &dl);
			str_hex(d, dl, p->sha);
			memcpy(p->shabin, d, 32);
			EVP_EncodeBlock((unsigned char *)p->sha64, d, (int)dl);
		}
		if (domd5 && p != NULL) {
			EVP_DigestFinal_ex(md5, d, &dl);
			memcpy(p->md5bin, d, 16);
			str_hex(d, dl, p->md5hex);
		}
		pthread_mutex_lock(&h->mu);
		h->ready = i + 1;
		pthread_cond_broadcast(&h->cv);
		if (h->wake != NULL)
			curl_multi_wakeup(h->wake);
		pthread_mutex_unlock(&h->mu);
	}
out:
	pthread_mutex_lock(&h->mu);
	h->stop = true;		/* done, one way or the other */
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	EVP_MD_CTX_free(sha);
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(all);
	free(buf);
	return (NULL);
}

/* Start a pass over size bytes of fd in parts of part_size, into sums (nparts of them). */
static void
s3_hasher_start(struct s3_hasher *h, int fd, const char *path, uint64_t size, size_t part_size,
    int want, struct s3_part_sum *sums)
{
	memset(h, 0, sizeof *h);
	h->fd = fd;
	h->path = path;
	h->size = size;
	h->part_size = part_size;
	h->nparts = (size_t)((size + part_size - 1) / part_size);
	h->want = want;
	h->sums = sums;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pthread_create(&h->th, NULL, s3_hasher_run, h) == 0)
		h->started = true;
	else
		s3_hasher_run(h);
}

/* Wait until part i is hashed; -1 with *cause when it never will be. */
static int
s3_hasher_wait(struct s3_hasher *h, size_t i, char **cause)
{
	int	rc = 0;

	pthread_mutex_lock(&h->mu);
	while (h->ready <= i && !h->stop)
		pthread_cond_wait(&h->cv, &h->mu);
	if (h->ready <= i) {
		*cause = h->cause != NULL ? xstrdup(h->cause) :
		    xasprintf(_("%s: cannot start SHA-256"), h->path);
		rc = -1;
	}
	pthread_mutex_unlock(&h->mu);
	return (rc);
}

/* Stop (when give_up) or wait for the thread, then free. Returns 0 when it finished its work. */
static int
s3_hasher_end(struct s3_hasher *h, bool give_up, char **cause)
{
	int	rc;

	if (give_up)
		__atomic_store_n(&h->stop, true, __ATOMIC_RELAXED);
	if (h->started)
		pthread_join(h->th, NULL);
	h->started = false;
	rc = h->cause == NULL && h->ready == h->nparts ? 0 : -1;
	if (rc == -1 && cause != NULL && *cause == NULL)
		*cause = h->cause != NULL ? xstrdup(h->cause) :
		    xasprintf(_("%s: cannot start SHA-256"), h->path);
	free(h->cause);
	h->cause = NULL;
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	return (rc);
}

/*
 * Judge a CompleteMultipartUpload answer for an upload of nparts parts whose
 * SHA-256s are shas (32 bytes each). A store that keeps SHA-256 checksums
 * answers ChecksumSHA256, base64 of the SHA-256 of the parts' SHA-256s with
 * "-N": checked here, S3_DONE_CHECKSUM. Otherwise the ETag (unquoted, caller
 * frees) goes to *etag for the caller to check: S3_DONE_PARTS_ETAG for an
 * MD5-of-part-MD5s "-N" ETag (AWS without checksums), S3_DONE_MD5_ETAG for a
 * plain one, which some stores (s3rver) give as the whole object's MD5.
 * Returns S3_DONE_BADSUM with *cause for a checksum that is not ours (the
 * store holds a bad object), -1 with *cause (naming what) for an <Error> or no
 * ETag (it may hold none).
 */
int
s3_complete_verdict(const char *data, size_t len, const char *what, size_t nparts,
    const unsigned char *shas, char **etag, char **cause)
{
	struct s3_xml	 x;
	const char	*v, *dash;
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl;
	char		 want[64], *end, *why;
	size_t		 vl;
	int		 rc = -1;

	*etag = NULL;
	if (s3_xml_parse(data, len, &x, cause) == -1) {
		why = *cause;
		*cause = xasprintf("%s: %s", what, why);
		free(why);
		return (-1);
	}
	if (s3_xml_get(&x, "Error/Code") != NULL) {
		why = s3_error_text(&x);
		*cause = xasprintf("%s: %s", what, why);
		free(why);
	} else if ((v = s3_xml_get(&x, "CompleteMultipartUploadResult/ChecksumSHA256")) !=
	    NULL && *v != '\0') {
		EVP_Digest(shas, nparts * 32, d, &dl, EVP_sha256(), NULL);
		EVP_EncodeBlock((unsigned char *)want, d, (int)dl);
		/* "-N", when there, must count our parts. */
		vl = (dash = strrchr(v, '-')) != NULL ? (size_t)(dash - v) : strlen(v);
		if ((dash != NULL && (strtoull(dash + 1, &end, 10) != nparts ||
		    *end != '\0')) || vl != strlen(want) || strncmp(v, want, vl) != 0) {
			log_debug("%s: the store's ChecksumSHA256 %s, ours %s-%zu", what, v,
			    want, nparts);
			*cause = xasprintf(_("%s: payload does not match its SHA-256 (corrupt)"),
			    what);
			rc = S3_DONE_BADSUM;
		} else
			rc = S3_DONE_CHECKSUM;
	} else if ((v = s3_xml_get(&x, "CompleteMultipartUploadResult/ETag")) == NULL)
		*cause = xasprintf(_("%s: no ETag in the store's answer"), what);
	else {
		while (*v == '"')
			v++;
		*etag = xasprintf("%.*s", (int)strcspn(v, "\""), v);
		rc = strchr(*etag, '-') != NULL ? S3_DONE_PARTS_ETAG : S3_DONE_MD5_ETAG;
	}
	s3_xml_clear(&x);
	return (rc);
}

/*
 * Check a multipart upload's ETag the way the store made it: "-N" against the
 * MD5 of the parts' MD5s, each part's ETag against its MD5 (one pass over the
 * file for the parts' MD5s); a plain ETag against the whole file's MD5, which
 * the pass in whole computes (started as the upload completed). Returns -1
 * with *cause.
 */
static int
s3_check_etag(struct s3_hasher *whole, int verdict, const char *etag, char **etags,
    struct s3_part_sum *sums, size_t nparts, const char *what, char **cause)
{
	struct s3_hasher	 h;
	unsigned char		*md5s, d[EVP_MAX_MD_SIZE];
	unsigned int		 dl;
	char			 hex[33], want[64];
	size_t			 i;
	int			 rc = 0;

	if (verdict == S3_DONE_MD5_ETAG) {
		if (s3_hasher_end(whole, false, cause) == -1)
			return (-1);
		if (strcasecmp(etag, whole->whole) != 0) {
			*cause = xasprintf(_("%s: the store's ETag %s is not the MD5 %s of what "
			    "was sent"), what, etag, whole->whole);
			return (-1);
		}
		return (0);
	}
	s3_hasher_end(whole, true, NULL);
	s3_hasher_start(&h, whole->fd, whole->path, whole->size, whole->part_size,
	    S3_HASH_PARTMD5, sums);
	if (s3_hasher_end(&h, false, cause) == -1)
		return (-1);
	md5s = xcalloc(nparts, 16);
	for (i = 0; i < nparts && rc == 0; i++) {
		memcpy(md5s + i * 16, sums[i].md5bin, 16);
		if (strcasecmp(etags[i], sums[i].md5hex) != 0) {
			*cause = xasprintf(_("%s: part %d: the store's ETag %s is not the MD5 %s "
			    "of what was sent"), what, (int)(i + 1), etags[i], sums[i].md5hex);
			rc = -1;
		}
	}
	if (rc == 0) {
		EVP_Digest(md5s, nparts * 16, d, &dl, EVP_md5(), NULL);
		str_hex(d, dl, hex);
		xsnprintf(want, sizeof want, "%s-%zu", hex, nparts);
		if (strcasecmp(etag, want) != 0) {
			*cause = xasprintf(_("%s: the store's ETag %s is not the MD5 %s of what "
			    "was sent"), what, etag, want);
			rc = -1;
		}
	}
	free(md5s);
	return (rc);
}

/*
 * Upload a big file in parts, up to r->parallel at once over curl multi. A
 * thread computes the parts' SHA-256s ahead of the transfers; each part goes
 * with it signed (x-amz-content-sha256) and as x-amz-checksum-sha256, which a
 * store that keeps checksums (AWS, MinIO) checks and answers; libcurl reads
 * each part's body straight from the file. The finished object is checked
 * once, by what the store answers: the SHA-256 of the parts' SHA-256s; else
 * its ETag, as the MD5 of the parts' MD5s ("-N") or the whole file's MD5 for
 * stores that answer the object's MD5 (s3rver). Those MD5s are computed only
 * then, the whole file's while the store assembles the object. Returns -1
 * with *cause.
 */
static int
s3_put_multipart(struct remote *r, int fd, const char *local, uint64_t size, const char *key,
    const char *what, char **cause)
{
	struct s3_req		 q, *slots;
	struct s3_xml		 x;
	struct s3_hasher	 parts, whole;
	struct s3_part_sum	*sums = NULL, *p;
	struct buf		 b, body;
	CURLM			*m = NULL;
	CURLMsg			*msg;
	const char		*id;
	unsigned char		*shas = NULL;
	char			*url, *upload_id = NULL, **etags = NULL, *etag = NULL, *why;
	size_t			 nparts, next = 0, done = 0, echoed = 0, i, len;
	int			 running, left, rc = -1, k, verdict;
	bool			 hashing = false, summing = false;

	nparts = (size_t)((size + r->part_size - 1) / r->part_size);
	if (nparts > 10000) {
		*cause = xasprintf(_("%s: more than 10000 parts; raise the part size"), what);
		return (-1);
	}

	/* InitiateMultipartUpload, asking for SHA-256 checksums, while the first parts are hashed. */
	sums = xcalloc(nparts, sizeof *sums);
	s3_hasher_start(&parts, fd, local, size, r->part_size, S3_HASH_SHA, sums);
	hashing = true;
	url = s3_url(r, key, "uploads=");
	if (s3_req_init(r, &q, "POST", url, what, NULL, 0, cause) == -1) {
		free(url);
		s3_req_clear(&q);
		s3_hasher_end(&parts, true, NULL);
		free(sums);
		return (-1);
	}
	free(url);
	s3_req_header(&q, "x-amz-checksum-algorithm: SHA256");
	if (s3_req_run(&q, cause) == -1) {
		s3_req_clear(&q);
		s3_hasher_end(&parts, true, NULL);
		free(sums);
		return (-1);
	}
	if (s3_xml_parse(q.resp.data != NULL ? q.resp.data : "", q.resp.len, &x, cause) == -1) {
		s3_req_clear(&q);
		s3_hasher_end(&parts, true, NULL);
		free(sums);
		return (-1);
	}
	if ((id = s3_xml_get(&x, "InitiateMultipartUploadResult/UploadId")) == NULL ||
	    *id == '\0') {
		*cause = xasprintf(_("%s: no UploadId in the store's answer"), what);
		s3_xml_clear(&x);
		s3_req_clear(&q);
		s3_hasher_end(&parts, true, NULL);
		free(sums);
		return (-1);
	}
	upload_id = xstrdup(id);
	s3_xml_clear(&x);
	s3_req_clear(&q);

	slots = xcalloc((size_t)r->parallel, sizeof *slots);
	etags = xcalloc(nparts, sizeof *etags);
	if ((m = curl_multi_init()) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		goto out;
	}
	while (done < nparts) {
		/* Fill the free slots with the next parts (waiting for a hash only when idle). */
		for (k = 0; k < r->parallel && next < nparts; k++) {
			if (slots[k].h != NULL)
				continue;
			pthread_mutex_lock(&parts.mu);
			i = parts.ready;
			parts.wake = m;
			pthread_mutex_unlock(&parts.mu);
			if (i <= next) {
				/* Not hashed yet: drive what runs (the hasher wakes us), or wait. */
				if (next > done)
					break;
				if (s3_hasher_wait(&parts, next, cause) == -1)
					goto out;
			}
			p = &sums[next];
			len = (size_t)(size - next * r->part_size < r->part_size ?
			    size - next * r->part_size : r->part_size);
			buf_init(&b);
			buf_printf(&b, "partNumber=%zu&uploadId=", next + 1);
			s3_encode(&b, upload_id, false);
			url = s3_url(r, key, b.data);
			buf_clear(&b);
			memset(&slots[k], 0, sizeof slots[k]);
			slots[k].fd = fd;
			slots[k].foff = (off_t)(next * r->part_size);
			slots[k].sendsum = p->sha64;
			if (s3_req_setup(r, &slots[k], "PUT", url, what, p->sha, NULL, NULL, len,
			    cause) == -1) {
				free(url);
				goto out;
			}
			free(url);
			slots[k].part = (int)++next;
			curl_multi_add_handle(m, slots[k].h);
		}
		if (curl_multi_perform(m, &running) != CURLM_OK || (running > 0 &&
		    curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)) {
			*cause = xasprintf(_("%s: libcurl multi failed"), what);
			goto out;
		}
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (k = 0; k < r->parallel; k++)
				if (slots[k].h == msg->easy_handle)
					break;
			if (k == r->parallel)
				continue;
			curl_multi_remove_handle(m, slots[k].h);
			if (s3_req_result(&slots[k], msg->data.result, cause) == -1)
				goto out;
			i = (size_t)slots[k].part - 1;
			/* A store that keeps checksums answers the one it computed. */
			if (slots[k].gotsum[0] != '\0') {
				if (strcmp(slots[k].gotsum, sums[i].sha64) != 0) {
					log_debug("%s: part %d: the store's SHA-256 %s, ours %s",
					    what, slots[k].part, slots[k].gotsum, sums[i].sha64);
					why = xasprintf("%s part %d", what, slots[k].part);
					*cause = xasprintf(_("%s: payload does not match its "
					    "SHA-256 (corrupt)"), why);
					free(why);
					goto out;
				}
				echoed++;
			}
			etags[i] = xstrdup(slots[k].etag);
			s3_req_clear(&slots[k]);
			done++;
		}
	}
	hashing = false;
	if (s3_hasher_end(&parts, false, cause) == -1)
		goto out;

	/* The whole file's MD5, in case the store answers it, while the store assembles. */
	s3_hasher_start(&whole, fd, local, size, r->part_size, S3_HASH_WHOLE, NULL);
	summing = true;

	/* CompleteMultipartUpload, with the parts' checksums when the store kept them. */
	buf_init(&body);
	buf_adds(&body, "<CompleteMultipartUpload>");
	for (i = 0; i < nparts; i++) {
		buf_printf(&body, "<Part><PartNumber>%zu</PartNumber><ETag>\"%s\"</ETag>", i + 1,
		    etags[i]);
		if (echoed == nparts)
			buf_printf(&body, "<ChecksumSHA256>%s</ChecksumSHA256>", sums[i].sha64);
		buf_adds(&body, "</Part>");
	}
	buf_adds(&body, "</CompleteMultipartUpload>");
	buf_init(&b);
	buf_adds(&b, "uploadId=");
	s3_encode(&b, upload_id, false);
	url = s3_url(r, key, b.data);
	buf_clear(&b);
	len = body.len;
	if (s3_req_init(r, &q, "POST", url, what, (unsigned char *)buf_steal(&body), len,
	    cause) == -1 || s3_req_run(&q, cause) == -1) {
		free(url);
		s3_req_clear(&q);
		goto out;
	}
	free(url);
	/* S3 may answer 200 with an <Error> body. */
	shas = xcalloc(nparts, 32);
	for (i = 0; i < nparts; i++)
		memcpy(shas + i * 32, sums[i].shabin, 32);
	verdict = s3_complete_verdict(q.resp.data != NULL ? q.resp.data : "", q.resp.len, what,
	    nparts, shas, &etag, cause);
	s3_req_clear(&q);
	if (verdict == -1)
		goto out;
	if (verdict != S3_DONE_CHECKSUM && verdict != S3_DONE_BADSUM) {
		summing = false;
		if (s3_check_etag(&whole, verdict, etag, etags, sums, nparts, what, cause) == 0)
			rc = 0;
	}
	if (verdict == S3_DONE_CHECKSUM)
		rc = 0;
	else if (rc == -1)
		s3_remove_bad(r, key, what);	/* not what was sent: do not leave it */
out:
	for (k = 0; k < r->parallel; k++) {
		if (slots[k].h != NULL && m != NULL)
			curl_multi_remove_handle(m, slots[k].h);
		s3_req_clear(&slots[k]);
	}
	if (hashing)
		s3_hasher_end(&parts, true, NULL);
	if (summing)
		s3_hasher_end(&whole, true, NULL);
	if (m != NULL)
		curl_multi_cleanup(m);
	if (rc == -1)
		s3_abort(r, key, upload_id);
	str_list_free(etags, nparts);
	free(etag);
	free(shas);
	free(sums);
	free(slots);
	free(upload_id);
	return (rc);
}

/* Upload local to PREFIX TIER/FILE, in parts when it is big. Returns -1 with *cause. */
int
s3_put(struct remote *r, const char *local, const char *tier, const char *file, char **cause)
{
	struct stat	 st;
	char		*key, *what;
	int		 fd, rc;

	if ((fd = open(local, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		*cause = xasprintf("%s: %s", local, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	key = s3_key(r, tier, file);
	what = xasprintf("s3://%s/%s", r->bucket, key);
	if ((uint64_t)st.st_size <= r->part_size)
		rc = s3_put_single(r, fd, local, (size_t)st.st_size, key, what, cause);
	else
		rc = s3_put_multipart(r, fd, local, (uint64_t)st.st_size, key, what, cause);
	close(fd);
	free(key);
	free(what);
	return (rc);
}
