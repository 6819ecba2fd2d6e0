/*
 * sftp-parts.c: an SFTP file downloaded as ranged reads over several
 * connections at once (curl multi): libssh2 decrypts on one CPU per
 * connection, so one connection leaves the other CPUs idle. Each part is
 * written at its offset; every part must come from the file as it was when
 * the download began (its modification time and size), else it is named as
 * changed and nothing is kept.
 */
#include "system.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "util/log.h"
#include "util/testhook.h"
#include "util/xmalloc.h"
#include "engine/remote/sftp-int.h"

/* Attempts at one part before the download is given up (a later run resumes it). */
#define SFTP_PART_TRIES 3

struct sftp_dl;

/* One ranged part of the file, on its own easy handle. */
struct sftp_part {
	struct sftp_dl		*d;
	CURL			*h;
	char			 errbuf[CURL_ERROR_SIZE];
	struct sftp_check	 k;
	uint64_t		 start;		/* its first byte in the file */
	uint64_t		 len;		/* its bytes */
	uint64_t		 got;		/* written so far (kept across attempts) */
	char			*buf;		/* gathered after got, not written yet */
	size_t			 blen;
	bool			 over;		/* the answer ran past the range */
	int			 tries;
	bool			 busy;
	bool			 done;
};

/* A download in parts. */
struct sftp_dl {
	struct remote		*r;
	const char		*what;
	const char		*url;
	int			 fd;
	int			 fd2;		/* r->also, or -1 */
	bool			*bad2;		/* a write to it failed */
	int			 werr;		/* errno of a failed write to fd, 0 */
	uint64_t		 total;
	int64_t			 mtime;		/* the file's when the download began, -1 unknown */
	bool			 changed;	/* a part found it changed: nothing is kept */
	struct sftp_part	*parts;
	size_t			 nparts;
	uint64_t		 contig;	/* [0, contig) is written without a gap */
	uint64_t		 synced;	/* its write-back started up to here */
	struct curlio_hasher	*hash;
};

/* Write what part p gathered at its offset (to r->also too). Returns -1 with d->werr. */
static int
sftp_part_flush(struct sftp_part *p)
{
	struct sftp_dl	*d = p->d;
	size_t		 len = p->blen;

	p->blen = 0;
	if (d->werr != 0)
		return (-1);
	if (len == 0)
		return (0);
	if (curlio_pwrite(d->fd, p->buf, len, p->start + p->got) == -1) {
		d->werr = errno;
		return (-1);
	}
	/* The second copy is a help, not the download: its failure only ends it. */
	if (d->fd2 != -1 && !*d->bad2 && curlio_pwrite(d->fd2, p->buf, len,
	    p->start + p->got) == -1)
		*d->bad2 = true;
	p->got += len;
	return (0);
}

/* A part's bytes: gathered, written a piece at a time; more than the range stops it. */
static size_t
sftp_part_write(char *data, size_t size, size_t n, void *arg)
{
	struct sftp_part	*p = arg;
	size_t			 len = size * n;

	if (p->got + p->blen + len > p->len) {
		p->over = true;
		return (0);
	}
	if (p->blen + len > SFTP_WBUF && sftp_part_flush(p) == -1)
		return (0);
	if (len > SFTP_WBUF) {
		/* More than the buffer holds at once (libcurl hands 16 KiB): written as it is. */
		if (curlio_pwrite(p->d->fd, data, len, p->start + p->got) == -1) {
			p->d->werr = errno;
			return (0);
		}
		if (p->d->fd2 != -1 && !*p->d->bad2 && curlio_pwrite(p->d->fd2, data, len,
		    p->start + p->got) == -1)
			*p->d->bad2 = true;
		p->got += len;
		return (len);
	}
	memcpy(p->buf + p->blen, data, len);
	p->blen += len;
	if (p->blen == SFTP_WBUF && sftp_part_flush(p) == -1)
		return (0);
	return (len);
}

/* Start (again) part p's request: the bytes it still lacks. Returns -1 with *cause. */
static int
sftp_part_start(struct sftp_dl *d, struct sftp_part *p, CURLM *m, char **cause)
{
	char	range[64];

	if (p->h == NULL && (p->h = curl_easy_init()) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		return (-1);
	}
	curl_easy_reset(p->h);
	sftp_setup(d->r, p->h, d->url, p->errbuf, &p->k);
	if (p->buf == NULL)
		p->buf = xmalloc(SFTP_WBUF);
	p->over = false;
	xsnprintf(range, sizeof range, "%" PRIu64 "-%" PRIu64, p->start + p->got,
	    p->start + p->len - 1);
	curl_easy_setopt(p->h, CURLOPT_RANGE, range);
	curl_easy_setopt(p->h, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(p->h, CURLOPT_BUFFERSIZE,
	    curlio_recv_buffer(SFTP_READ_BUFFER));
	curl_easy_setopt(p->h, CURLOPT_WRITEFUNCTION, sftp_part_write);
	curl_easy_setopt(p->h, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->h, CURLOPT_PRIVATE, p);
	p->tries++;
	p->busy = true;
	if (curl_multi_add_handle(m, p->h) != CURLM_OK) {
		*cause = xstrdup(_("cannot start libcurl"));
		return (-1);
	}
	return (0);
}

/* The file as a part saw it is not the one the download began with. */
static int
sftp_part_changed(struct sftp_dl *d, struct sftp_part *p, const char *how, char **cause)
{
	d->changed = true;
	*cause = xasprintf(_("%s: bytes %" PRIu64 "-%" PRIu64 ": %s: the file changed on the "
	    "store while it was being fetched; nothing of it is kept, fetch it again"),
	    d->what, p->start, p->start + p->len - 1, how);
	d->r->fail = REMOTE_FAIL_CONNECT;
	return (-1);
}

/*
 * Judge part p's finished attempt (rc): 0 done, 1 to try again (*why says
 * why), -1 to give up with *cause and r->fail.
 */
static int
sftp_part_judge(struct sftp_dl *d, struct sftp_part *p, CURLcode rc, char **why, char **cause)
{
	curl_off_t	 ft = -1;
	char		*e, how[128];

	if (d->werr != 0) {
		*cause = xasprintf("%s: %s", d->what, strerror(d->werr));
		d->r->fail = REMOTE_FAIL_LOCAL;
		return (-1);
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		*cause = xasprintf("%s: %s", d->what, _("cancelled"));
		d->r->fail = REMOTE_FAIL_CONNECT;
		return (-1);
	}
	/* Its modification time, asked with each part: another file, or written since. */
	if (curl_easy_getinfo(p->h, CURLINFO_FILETIME_T, &ft) == CURLE_OK && ft != -1 &&
	    d->mtime != -1 && (int64_t)ft != d->mtime) {
		xsnprintf(how, sizeof how, _("modified at %" PRId64 ", not %" PRId64),
		    (int64_t)ft, d->mtime);
		return (sftp_part_changed(d, p, how, cause));
	}
	/* Read past its end (offset beyond the size), or came short: the file shrank. */
	if (rc == CURLE_BAD_DOWNLOAD_RESUME || rc == CURLE_PARTIAL_FILE ||
	    (rc == CURLE_OK && p->got < p->len)) {
		xsnprintf(how, sizeof how, _("%" PRIu64 " of %" PRIu64 " bytes came"), p->got,
		    p->len);
		return (sftp_part_changed(d, p, how, cause));
	}
	if (p->over)
		return (sftp_part_changed(d, p, _("more bytes came than were asked"), cause));
	if (rc == CURLE_OK)
		return (0);
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND || (p->k.called && p->k.match != CURLKHMATCH_OK)) {
		sftp_failed(d->r, rc, d->what, p->errbuf, &p->k, cause);
		return (-1);
	}
	e = curlio_error(rc, p->errbuf);
	*why = xasprintf(_("bytes %" PRIu64 "-%" PRIu64 ": %s"), p->start + p->got,
	    p->start + p->len - 1, e);
	free(e);
	if (p->tries >= SFTP_PART_TRIES) {
		*cause = xasprintf(_("%s: %s; given up after %d tries"), d->what, *why, p->tries);
		free(*why);
		*why = NULL;
		d->r->fail = REMOTE_FAIL_CONNECT;
		return (-1);
	}
	return (1);
}

/* Publish the prefix written without a gap to the hasher; start its write-back; tell progress. */
static void
sftp_dl_advance(struct sftp_dl *d, const char *xfer)
{
	uint64_t	c = 0;
	size_t		i;

	for (i = 0; i < d->nparts; i++) {
		c = d->parts[i].start + d->parts[i].got;
		if (!d->parts[i].done)
			break;
	}
	if (c <= d->contig)
		return;
	d->contig = c;
	curlio_hasher_advance(d->hash, c);
#ifdef SYNC_FILE_RANGE_WRITE
	if (c - d->synced >= SFTP_SYNC_STEP || c == d->total) {
		sync_file_range(d->fd, (off64_t)d->synced, (off64_t)(c - d->synced),
		    SYNC_FILE_RANGE_WRITE);
		if (d->fd2 != -1 && !*d->bad2)
			sync_file_range(d->fd2, (off64_t)d->synced, (off64_t)(c - d->synced),
			    SYNC_FILE_RANGE_WRITE);
		d->synced = c;
	}
#endif
	if (d->r->progress != NULL && xfer != NULL)
		d->r->progress(d->r->progress_arg, xfer, c, d->total);
}

/*
 * Test hook $PDR_TEST_PART_STOP=N: stop (SIGSTOP) once the Nth part is in,
 * before the next is asked for, so that a test can change the store's file
 * between parts without racing the download.
 */
static void
sftp_parts_stop_hook(unsigned ndone)
{
	const char	*v = testhook_get(TESTHOOK_PART_STOP);

	if (v != NULL && strtoul(v, NULL, 10) == ndone)
		raise(SIGSTOP);
}

/*
 * Download the file at url (what names it; total bytes, modified at mtime, -1
 * unknown) into fd from its start, as parts of r->get_part_size bytes over
 * up to r->parallel connections at once, each written at its offset (to fd2
 * too, unless *bad2) and the prefix without a gap fed to hasher h as it grows.
 * A part that breaks off is asked again for what it lacks (SFTP_PART_TRIES
 * times); a part that finds the file modified since, shorter, or longer than
 * asked names it as changed and nothing is kept. On a failure the file keeps
 * only the prefix without a gap (a later run resumes from it). Returns 0
 * when all is written (fsync is the caller's), else -1 with *cause and
 * r->fail.
 */
int
sftp_get_parts(struct remote *r, const char *what, const char *url, int fd, int fd2,
    bool *bad2, struct curlio_hasher *h, uint64_t total, int64_t mtime, char **cause)
{
	struct sftp_dl	 d;
	struct sftp_part *p;
	const char	*xfer = r->xfer;
	CURLM		*m;
	uint64_t	 at = 0;
	size_t		 i, busy = 0, next = 0;
	char		*why;
	int		 rc = 0, j, done;
	unsigned	 ndone = 0;

	memset(&d, 0, sizeof d);
	d.r = r;
	d.what = what;
	d.url = url;
	d.fd = fd;
	d.fd2 = fd2;
	d.bad2 = bad2;
	d.total = total;
	d.mtime = mtime;
	d.hash = h;
	d.nparts = (size_t)((total + r->get_part_size - 1) / r->get_part_size);
	d.parts = xcalloc(d.nparts, sizeof *d.parts);
	for (i = 0; i < d.nparts; i++) {
		d.parts[i].d = &d;
		d.parts[i].start = at;
		d.parts[i].len = total - at < r->get_part_size ? total - at : r->get_part_size;
		at += d.parts[i].len;
	}
	if ((m = curl_multi_init()) == NULL) {
		free(d.parts);
		*cause = xstrdup(_("cannot start libcurl"));
		return (-1);
	}
	/* Progress is told of the prefix without a gap, not of each part's bytes. */
	r->xfer = NULL;
	do {
		while (rc == 0 && next < d.nparts && busy < (size_t)r->parallel) {
			if (sftp_part_start(&d, &d.parts[next++], m, cause) == -1)
				rc = -1;
			else
				busy++;
		}
		if (rc != 0) {
			r->fail = REMOTE_FAIL_LOCAL;
			break;
		}
		if (curlio_multi_run(r, m, what, cause) == -1) {
			rc = -1;
			break;
		}
		while (rc == 0 && (p = curlio_multi_done(m, &done)) != NULL) {
			p->busy = false;
			busy--;
			why = NULL;
			/* What it gathered is written before it is judged (a failure: d.werr). */
			sftp_part_flush(p);
			j = sftp_part_judge(&d, p, (CURLcode)done, &why, cause);
			if (j == 0) {
				/* Its connection stays in the multi handle's cache for the next part. */
				p->done = true;
				sftp_parts_stop_hook(++ndone);
				free(p->buf);
				p->buf = NULL;
				curl_easy_cleanup(p->h);
				p->h = NULL;
			} else if (j == 1) {
				curlio_part_again(what, why);
				if (sftp_part_start(&d, p, m, cause) == -1)
					rc = -1;
				else
					busy++;
			} else
				rc = -1;
		}
		sftp_dl_advance(&d, xfer);
		if (rc != 0 || (busy == 0 && next == d.nparts))
			break;
		if (curlio_multi_wait(r, m, what, cause) == -1)
			rc = -1;
	} while (rc == 0);
	r->xfer = xfer;
	if (rc == 0 && d.contig != total) {
		*cause = xasprintf(_("%s: the download ended with parts missing"), what);
		r->fail = REMOTE_FAIL_CONNECT;
		rc = -1;
	}
	for (i = 0; i < d.nparts; i++) {
		if (d.parts[i].busy)
			curl_multi_remove_handle(m, d.parts[i].h);
		if (d.parts[i].h != NULL)
			curl_easy_cleanup(d.parts[i].h);
		free(d.parts[i].buf);
	}
	curl_multi_cleanup(m);
	/* What is kept for a later run is the prefix without a gap (none of a changed file). */
	if (rc == -1 && ftruncate(fd, (off_t)(r->fail == REMOTE_FAIL_CONNECT && !d.changed ?
	    d.contig : 0)) == -1)
		log_warn("%s: %s", what, strerror(errno));
	free(d.parts);
	return (rc);
}
