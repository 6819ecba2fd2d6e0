/*
 * s3-parts.c: an S3 object downloaded as ranged GETs in parallel (curl
 * multi), each part written at its offset, every part after the first asked
 * with If-Match of the object's ETag, the file's MD5 and SHA-256 computed by
 * a thread over the prefix written without a gap as it grows.
 */
#include "system.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "engine/set/hashio.h"
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "engine/remote/s3-int.h"

/* Attempts at one part before the download is given up (a later run resumes it). */
#define S3_PART_TRIES 3

/*
 * Bytes of a part gathered before they are written: libcurl hands a body over
 * 16 KiB at a time, and a write of 16 KiB costs twice the CPU per byte of one
 * of 512 KiB (measured: bench/README.md).
 */
#define S3_PART_WBUF (512 * 1024)

struct s3_dl;

/* One ranged part of the object and its request. */
struct s3_part {
	struct s3_req	 q;
	struct s3_dl	*d;
	uint64_t	 start;		/* its first byte in the object */
	uint64_t	 len;		/* its bytes */
	uint64_t	 got;		/* written so far (kept across attempts) */
	char		*wbuf;		/* the bytes after got, not written yet (S3_PART_WBUF) */
	size_t		 wlen;
	uint64_t	 asked;		/* the first byte the running attempt asked for */
	int		 tries;
	bool		 busy;		/* a request is in flight */
	bool		 done;
	bool		 whole;		/* answered 200: the whole object, not the range */
	bool		 odd;		/* answered a range that is not the one asked */
	uint64_t	 cr_start, cr_end, cr_total;	/* its Content-Range, when answered */
	bool		 have_cr;
};

/* A download in parts. */
struct s3_dl {
	struct remote	*r;
	const char	*what;
	const char	*url;
	const char	*xfer;		/* the file, for progress */
	int		 fd;
	int		 fd2;		/* r->also, or -1 */
	bool		 fd2_bad;	/* a write to it failed */
	uint64_t	 off;		/* where it starts (the bytes before are a resumed prefix) */
	uint64_t	 total;		/* the object's size; 0 until the first answer says */
	char		 etag[128];	/* the object's, from the first answer */
	size_t		 psize;
	struct s3_part	**parts;	/* each allocated alone: libcurl holds their addresses */
	size_t		 nparts;
	int		 werr;		/* errno of a failed write here, 0 */
	bool		 planned;	/* the parts after the first are laid out */
	bool		 changed;	/* a part answered 412: the object was replaced */
	/* the prefix [0, contig) is written; each hasher hashes it as it grows */
	struct curlio_hasher hash[2];	/* SHA-256, MD5: one thread each, on both CPUs */
	uint64_t	 contig;
	bool		 no_md5;	/* a multipart ETag ("-N"), or an authenticated
					   manifest's SHA-256: no MD5 to check */
};

/* Parse "bytes A-B/T" of a Content-Range header value. Returns false when it is not that. */
static bool
s3_parse_range(const char *v, uint64_t *a, uint64_t *b, uint64_t *t)
{
	unsigned long long	x, y, z;

	if (sscanf(v, " bytes %llu-%llu/%llu", &x, &y, &z) != 3 || y < x || y >= z)
		return (false);
	*a = x;
	*b = y;
	*t = z;
	return (true);
}

/* A part's answer headers: the status line starts over, ETag and Content-Range kept. */
static size_t
s3_part_header(char *data, size_t size, size_t n, void *arg)
{
	struct s3_part	*p = arg;
	size_t		 len = size * n, vl;
	char		 v[160], *s;

	if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
		p->q.etag[0] = '\0';
		p->have_cr = false;
		return (len);
	}
	if ((s = memchr(data, ':', len)) == NULL)
		return (len);
	vl = len - (size_t)(s + 1 - data);
	xsnprintf(v, sizeof v, "%.*s", (int)(vl < sizeof v ? vl : sizeof v - 1), s + 1);
	if ((size_t)(s - data) == 4 && strncasecmp(data, "etag", 4) == 0) {
		s = str_trim(v);
		s += strspn(s, "\"");
		s[strcspn(s, "\"")] = '\0';
		xsnprintf(p->q.etag, sizeof p->q.etag, "%s", s);
	} else if ((size_t)(s - data) == 13 && strncasecmp(data, "content-range", 13) == 0)
		p->have_cr = s3_parse_range(str_trim(v), &p->cr_start, &p->cr_end,
		    &p->cr_total);
	return (len);
}

/*
 * Write len bytes of part p at its offset (after what it has written), to
 * r->also too. Returns -1 with d->werr: only a failure here ends the
 * download; the second copy is a help, its failure only ends it.
 */
static int
s3_part_put(struct s3_part *p, const char *data, size_t len)
{
	struct s3_dl	*d = p->d;

	if (curlio_pwrite(d->fd, data, len, p->start + p->got) == -1) {
		d->werr = errno;
		return (-1);
	}
	if (d->fd2 != -1 && !d->fd2_bad && curlio_pwrite(d->fd2, data, len, p->start + p->got) == -1) {
		log_warn("%s: %s", d->r->also, strerror(errno));
		d->fd2_bad = true;
	}
	p->got += len;
	return (0);
}

/* Write what part p has gathered. Returns -1 with d->werr. */
static int
s3_part_flush(struct s3_part *p)
{
	size_t	len = p->wlen;

	p->wlen = 0;
	if (len == 0 || p->d->werr != 0)
		return (p->d->werr != 0 ? -1 : 0);
	return (s3_part_put(p, p->wbuf, len));
}

/*
 * A part's body: gathered and written at its offset when the answer is the range asked
 * (206 with its Content-Range); a 200 (the whole object) or another range
 * stops the transfer; an error answer is kept for its message.
 */
static size_t
s3_part_write(char *data, size_t size, size_t n, void *arg)
{
	struct s3_part	*p = arg;
	struct s3_dl	*d = p->d;
	size_t		 len = size * n;
	long		 status = 0;

	curl_easy_getinfo(p->q.h, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200) {
		p->whole = true;
		return (0);
	}
	if (status != 206) {
		if (p->q.resp.len < 1024 * 1024)
			buf_add(&p->q.resp, data, len);
		return (len);
	}
	/* The first answer gives the object's size (and so the first part's length). */
	if (d->total == 0 && p->have_cr && p->cr_total > p->start) {
		d->total = p->cr_total;
		if (p->len > d->total - p->start)
			p->len = d->total - p->start;
	}
	if (!p->have_cr || p->cr_start != p->asked || p->cr_end != p->start + p->len - 1 ||
	    p->cr_total != d->total || p->got + p->wlen + len > p->len) {
		p->odd = true;
		return (0);
	}
	if (p->wlen + len > S3_PART_WBUF && s3_part_flush(p) == -1)
		return (0);
	if (len >= S3_PART_WBUF) {
		/* As much as the buffer holds at once: written as it is. */
		if (s3_part_put(p, data, len) == -1)
			return (0);
		return (len);
	}
	memcpy(p->wbuf + p->wlen, data, len);
	p->wlen += len;
	return (len);
}

/* Start (again) the request of part p: the bytes it still lacks, If-Match once known. */
static int
s3_part_start(struct s3_dl *d, struct s3_part *p, CURLM *m, char **cause)
{
	char	*h;

	s3_req_clear(&p->q);
	if (s3_req_init(d->r, &p->q, "GET", d->url, d->what, NULL, 0, cause) == -1)
		return (-1);
	p->asked = p->start + p->got;
	p->whole = p->odd = p->have_cr = false;
	if (p->wbuf == NULL)
		p->wbuf = xmalloc(S3_PART_WBUF);
	h = xasprintf("%" PRIu64 "-%" PRIu64, p->asked, p->start + p->len - 1);
	curl_easy_setopt(p->q.h, CURLOPT_RANGE, h);
	free(h);
	if (d->etag[0] != '\0') {
		h = xasprintf("If-Match: \"%s\"", d->etag);
		p->q.hdrs = curl_slist_append(p->q.hdrs, h);
		curl_easy_setopt(p->q.h, CURLOPT_HTTPHEADER, p->q.hdrs);
		free(h);
	}
	curl_easy_setopt(p->q.h, CURLOPT_WRITEFUNCTION, s3_part_write);
	curl_easy_setopt(p->q.h, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->q.h, CURLOPT_HEADERFUNCTION, s3_part_header);
	curl_easy_setopt(p->q.h, CURLOPT_HEADERDATA, p);
	curl_easy_setopt(p->q.h, CURLOPT_PRIVATE, p);
	p->tries++;
	p->busy = true;
	if (curl_multi_add_handle(m, p->q.h) != CURLM_OK) {
		*cause = xstrdup(_("cannot start libcurl"));
		return (-1);
	}
	return (0);
}

/* The parts after the first, once the first answer gave the object's size. */
static void
s3_dl_plan(struct s3_dl *d)
{
	struct s3_part	*p;
	uint64_t	 at = d->parts[0]->start + d->parts[0]->len;
	size_t		 n = 1;

	if (d->total > at)
		n += (size_t)((d->total - at + d->psize - 1) / d->psize);
	d->parts = xreallocarray(d->parts, n, sizeof *d->parts);
	for (d->nparts = 1; d->nparts < n; d->nparts++) {
		p = d->parts[d->nparts] = xcalloc(1, sizeof *p);
		p->d = d;
		p->q.fd = -1;
		p->start = at;
		p->len = d->total - at < d->psize ? d->total - at : d->psize;
		at += p->len;
	}
}

/* Publish the prefix written without a gap to the hasher; tell progress. */
static void
s3_dl_advance(struct s3_dl *d)
{
	uint64_t	c = d->off;
	size_t		i;

	for (i = 0; i < d->nparts; i++) {
		c = d->parts[i]->start + d->parts[i]->got;
		if (!d->parts[i]->done)
			break;
	}
	if (c > d->contig) {
		d->contig = c;
		curlio_hasher_advance(&d->hash[0], c);
		curlio_hasher_advance(&d->hash[1], c);
	}
	if (d->r->progress != NULL && d->xfer != NULL && c > 0)
		d->r->progress(d->r->progress_arg, d->xfer, c, d->total);
}

/*
 * Judge part p's finished attempt: 0 done, 1 to try again (*why says why),
 * -1 to give up with *cause and r->fail, 2 the store answered the first
 * range with the whole object.
 */
static int
s3_part_judge(struct s3_dl *d, struct s3_part *p, CURLcode rc, char **why, char **cause)
{
	char	*e = NULL;

	curl_easy_getinfo(p->q.h, CURLINFO_RESPONSE_CODE, &p->q.status);
	if (d->werr != 0) {
		*cause = xasprintf("%s: %s", d->what, strerror(d->werr));
		d->r->fail = REMOTE_FAIL_LOCAL;
		return (-1);
	}
	if (p == d->parts[0] && p->got == 0 && d->etag[0] == '\0' && (p->whole ||
	    p->q.status == 416))
		return (2);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		*cause = xasprintf("%s: %s", d->what, _("cancelled"));
		d->r->fail = REMOTE_FAIL_CONNECT;
		return (-1);
	}
	if (p->q.status == 412) {
		d->changed = true;
		*cause = xasprintf(_("%s: the object changed on the store while it was being "
		    "fetched (its ETag is no longer %s); fetch it again"), d->what, d->etag);
		d->r->fail = REMOTE_FAIL_CONNECT;
		return (-1);
	}
	if (p->q.status == 404) {
		s3_req_result(&p->q, CURLE_OK, cause);
		d->r->fail = REMOTE_FAIL_GONE;
		return (-1);
	}
	if (p->whole)
		*why = xasprintf(_("bytes %" PRIu64 "-%" PRIu64 " were answered with the "
		    "whole object (200, not 206)"), p->asked, p->start + p->len - 1);
	else if (p->odd)
		*why = xasprintf(_("bytes %" PRIu64 "-%" PRIu64 " were answered with another "
		    "range or size"), p->asked, p->start + p->len - 1);
	else if (rc != CURLE_OK) {
		e = curlio_error(rc, p->q.errbuf);
		*why = xasprintf(_("bytes %" PRIu64 "-%" PRIu64 ": %s (%" PRIu64 " of them "
		    "received)"), p->asked, p->start + p->len - 1, e, p->start + p->got -
		    p->asked);
		free(e);
	} else if (p->q.status >= 500 || p->q.status == 408 || p->q.status == 429) {
		s3_req_result(&p->q, CURLE_OK, why);
	} else if (p->q.status != 206) {
		s3_req_result(&p->q, CURLE_OK, cause);
		if (*cause == NULL)
			*cause = xasprintf(_("%s: HTTP %ld"), d->what, p->q.status);
		d->r->fail = REMOTE_FAIL_CONNECT;
		return (-1);
	} else if (p->got < p->len) {
		*why = xasprintf(_("bytes %" PRIu64 "-%" PRIu64 ": a short answer (%" PRIu64
		    " of %" PRIu64 " bytes)"), p->asked, p->start + p->len - 1, p->start +
		    p->got - p->asked, p->start + p->len - p->asked);
	} else
		return (0);
	if (p->tries >= S3_PART_TRIES) {
		*cause = xasprintf(_("%s: %s; given up after %d tries"), d->what, *why,
		    p->tries);
		free(*why);
		*why = NULL;
		d->r->fail = REMOTE_FAIL_CONNECT;
		return (-1);
	}
	return (1);
}

/*
 * Download the object at url (what names it) into fd from byte off (the
 * bytes before it are a resumed prefix, already in md5 and sha) as ranged
 * parts of d.psize bytes, up to r->parallel at once. The first part's
 * answer gives the object's ETag, which every later request must match
 * (If-Match: an object replaced between parts answers 412 and is named).
 * Each answer must be the range asked (206, its Content-Range, all its
 * bytes): a part that breaks, comes short or answers otherwise is asked
 * again for what it lacks, S3_PART_TRIES times at most. md5 and sha get the
 * bytes of the file as its prefix without a gap grows, on a thread (md5 not
 * when the ETag is a multipart one, which no MD5 of the file is, nor when it
 * is NULL); etag
 * gets the object's ETag (etagsz bytes). On a
 * failure the file keeps only that prefix (a later run resumes from it).
 * Returns 0 when all is written (fsync is the caller's), 1 when the store
 * answered the first range with the whole object or not at all as a range
 * (416): nothing was written, the caller downloads it whole; -1 with
 * *cause and r->fail. With r->also set and off 0, every byte is written
 * there too, and r->also_done says whether all were, durably (else it is
 * removed).
 */
int
s3_get_parts(struct remote *r, const char *what, const char *url, const char *xfer, int fd,
    uint64_t off, EVP_MD_CTX *md5, EVP_MD_CTX *sha, char *etag, size_t etagsz, char **cause)
{
	struct s3_dl	 d;
	struct s3_part	*p;
	CURLM		*m;
	size_t		 i, busy, next;
	char		*why;
	int		 rc = 0, j, err, done;
	uint64_t	 keep, hashed;

	memset(&d, 0, sizeof d);
	d.r = r;
	d.what = what;
	d.url = url;
	d.xfer = xfer;
	d.fd = fd;
	d.fd2 = -1;
	d.off = off;
	d.psize = r->get_part_size;
	d.contig = off;
	/* No MD5 asked for (an authenticated manifest's SHA-256 checks the file): no thread. */
	d.no_md5 = md5 == NULL;
	d.parts = xcalloc(1, sizeof *d.parts);
	d.nparts = 1;
	p = d.parts[0] = xcalloc(1, sizeof *p);
	p->d = &d;
	p->q.fd = -1;
	p->start = off;
	p->len = d.psize;
	if ((m = curl_multi_init()) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		free(d.parts[0]);
		free(d.parts);
		return (-1);
	}
	/* A second copy only of a download from the start: a resumed prefix is not in it. */
	if (r->also != NULL && off == 0 && (d.fd2 = open(r->also, O_RDWR | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		log_warn("%s: %s", r->also, strerror(errno));
	for (j = 0; j < 2 && !(j == 1 && d.no_md5); j++) {
		if (curlio_hasher_start(&d.hash[j], fd, j == 0 ? sha : md5, off) == -1) {
			*cause = xasprintf("%s: %s", what, strerror(errno));
			r->fail = REMOTE_FAIL_LOCAL;
			rc = -1;
			goto out;
		}
	}
	if (s3_part_start(&d, d.parts[0], m, cause) == -1) {
		rc = -1;
		goto out;
	}
	next = 1;
	busy = 1;
	while (busy > 0) {
		if (curlio_multi_run(r, m, what, cause) == -1) {
			rc = -1;
			break;
		}
		while (rc == 0 && (p = curlio_multi_done(m, &done)) != NULL) {
			p->busy = false;
			busy--;
			why = NULL;
			/* What it gathered is written before it is judged (a failure: d.werr). */
			s3_part_flush(p);
			j = s3_part_judge(&d, p, (CURLcode)done, &why, cause);
			if (j == 0) {
				p->done = true;
				free(p->wbuf);
				p->wbuf = NULL;
#ifdef SYNC_FILE_RANGE_WRITE
				/* Its write-back starts now, under the download, not at fsync. */
				sync_file_range(fd, (off64_t)p->start, (off64_t)p->len,
				    SYNC_FILE_RANGE_WRITE);
				if (d.fd2 != -1)
					sync_file_range(d.fd2, (off64_t)p->start,
					    (off64_t)p->len, SYNC_FILE_RANGE_WRITE);
#endif
				if (p == d.parts[0] && d.etag[0] == '\0')
					xsnprintf(d.etag, sizeof d.etag, "%s", p->q.etag);
			} else if (j == 1) {
				curlio_part_again(what, why);
				if (s3_part_start(&d, p, m, cause) == -1)
					rc = -1;
				else
					busy++;
			} else
				rc = j;
		}
		/* The first answer's headers give the size and ETag: plan and start the rest. */
		if (rc == 0 && !d.planned && d.total > 0 && d.parts[0]->q.etag[0] != '\0') {
			xsnprintf(d.etag, sizeof d.etag, "%s", d.parts[0]->q.etag);
			if (strchr(d.etag, '-') != NULL) {
				d.no_md5 = true;
				curlio_hasher_drop(&d.hash[1]);
			}
			s3_dl_plan(&d);
			d.planned = true;
		}
		if (rc == 0 && d.nparts == 1 && d.parts[0]->done && d.etag[0] == '\0') {
			*cause = xasprintf(_("%s: the store answered without an ETag"), what);
			r->fail = REMOTE_FAIL_CONNECT;
			rc = -1;
		}
		while (rc == 0 && next < d.nparts && busy < (size_t)r->parallel) {
			if (s3_part_start(&d, d.parts[next++], m, cause) == -1)
				rc = -1;
			else
				busy++;
		}
		s3_dl_advance(&d);
		if (rc != 0 || busy == 0)
			break;
		if (curlio_multi_wait(r, m, what, cause) == -1) {
			rc = -1;
			break;
		}
	}
	if (rc == 2)
		rc = 1;
	xsnprintf(etag, etagsz, "%s", d.etag);
	if (rc == 0) {
		for (i = 0; i < d.nparts; i++)
			if (!d.parts[i]->done)
				break;
		if (i < d.nparts || d.total == 0) {
			*cause = xasprintf(_("%s: the download ended with parts missing"), what);
			r->fail = REMOTE_FAIL_CONNECT;
			rc = -1;
		}
	}
out:
	for (i = 0; i < d.nparts; i++) {
		if (d.parts[i]->busy)
			curl_multi_remove_handle(m, d.parts[i]->q.h);
		s3_req_clear(&d.parts[i]->q);
	}
	for (j = 0; j < 2; j++) {
		/* Every byte in each digest that is checked: else no verdict on them. */
		err = curlio_hasher_end(&d.hash[j], &hashed);
		if (rc == 0 && !(j == 1 && d.no_md5) && (err != 0 || hashed != d.total)) {
			*cause = xasprintf("%s: %s", what, strerror(err != 0 ? err : EIO));
			r->fail = REMOTE_FAIL_LOCAL;
			rc = -1;
		}
	}
	if (d.fd2 != -1) {
		r->also_done = rc == 0 && !d.fd2_bad && fsync(d.fd2) == 0;
		if (close(d.fd2) == -1)
			r->also_done = false;
		if (!r->also_done)
			unlink(r->also);
	}
	/* What is kept for a later run is the prefix without a gap (none after a 412). */
	if (rc == -1) {
		keep = r->fail == REMOTE_FAIL_CONNECT && !d.changed ? d.contig : 0;
		if (ftruncate(fd, (off_t)keep) == -1)
			log_warn("%s: %s", what, strerror(errno));
	}
	curl_multi_cleanup(m);
	for (i = 0; i < d.nparts; i++) {
		free(d.parts[i]->wbuf);
		free(d.parts[i]);
	}
	free(d.parts);
	return (rc);
}
