/* sftp.c: the SFTP off-site store through libcurl, host key checked strictly. */
#include "system.h"

#include <sys/stat.h>
#include <ctype.h>
#include <curl/curl.h>
#include <fcntl.h>
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
#include "engine/remote/sftp-int.h"

/* The most a directory listing may hold (bytes): about 100,000 names. */
#define SFTP_LIST_MAX	(16 * 1024 * 1024)

/* Accept the server only when its key is the one in known_hosts. */
static int
sftp_keyfunc(CURL *h, const struct curl_khkey *known, const struct curl_khkey *found,
    enum curl_khmatch match, void *arg)
{
	struct sftp_check	*k = arg;

	(void)h;
	(void)known;
	(void)found;
	k->called = true;
	k->match = match;
	return (match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT);
}

/* Set up easy handle h for url of the store: its key, known hosts, time-outs. */
void
sftp_setup(struct remote *r, CURL *h, const char *url, char *errbuf, struct sftp_check *k)
{
	errbuf[0] = '\0';
	k->called = false;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "sftp");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
	curl_easy_setopt(h, CURLOPT_SSH_PRIVATE_KEYFILE, r->identity);
	curl_easy_setopt(h, CURLOPT_SSH_KNOWNHOSTS, r->known_hosts);
	curl_easy_setopt(h, CURLOPT_SSH_KEYFUNCTION, sftp_keyfunc);
	curl_easy_setopt(h, CURLOPT_SSH_KEYDATA, k);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, CURLIO_LOW_SPEED);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, curlio_timeout());
	curlio_cancelable(r, h);
}

/* The store's easy handle, reset and set up for url. */
static CURL *
sftp_handle(struct remote *r, const char *url, char *errbuf, struct sftp_check *k)
{
	if (r->curl == NULL)
		r->curl = curl_easy_init();
	if (r->curl == NULL)
		return (NULL);
	curl_easy_reset(r->curl);
	sftp_setup(r, r->curl, url, errbuf, k);
	return (r->curl);
}

/* Run the transfer; -1 with *cause naming what (and the host key verdict). */
static int
sftp_perform(struct remote *r, CURL *h, const char *what, char *errbuf,
    const struct sftp_check *k, char **cause)
{
	CURLcode	 rc;

	if ((rc = curl_easy_perform(h)) == CURLE_OK)
		return (0);
	sftp_failed(r, rc, what, errbuf, k, cause);
	return (-1);
}

/* Name a failed transfer (rc) of what in *cause, the host key verdict first; set r->fail. */
void
sftp_failed(struct remote *r, int rc, const char *what, const char *errbuf,
    const struct sftp_check *k, char **cause)
{
	char	*msg;

	r->fail = rc == CURLE_REMOTE_FILE_NOT_FOUND ? REMOTE_FAIL_GONE :
	    rc == CURLE_WRITE_ERROR ? REMOTE_FAIL_LOCAL : REMOTE_FAIL_CONNECT;
	if (k->called && k->match != CURLKHMATCH_OK) {
		*cause = xasprintf(_("%s: the server's host key %s %s; refused"), r->where,
		    k->match == CURLKHMATCH_MISMATCH ? _("does not match the one in") :
		    _("is not in"), r->known_hosts);
		return;
	}
	msg = curlio_error(rc, errbuf);
	*cause = xasprintf("%s: %s", what, msg);
	free(msg);
}

/* The decoded path part of the store's URL, for quote commands. Caller frees. */
static char *
sftp_path(struct remote *r)
{
	CURLU	*u = curl_url();
	char	*p = NULL, *ret;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, r->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &p, CURLU_URLDECODE) != CURLUE_OK)
		ret = xstrdup("/");
	else
		ret = xstrdup(p);
	curl_free(p);
	curl_url_cleanup(u);
	return (ret);
}

/* Upload local to TIER/FILE: as .FILE.part, then renamed. Returns -1 with *cause. */
static int
sftp_put(struct remote *r, const char *local, const char *tier, const char *file,
    char **cause)
{
	struct sftp_check	 k;
	struct curl_slist	*post = NULL;
	struct stat		 st;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url, *path, *cmd, *what;
	curl_off_t		 size = -1;
	FILE			*fp;
	CURL			*h;
	int			 rc;

	if ((fp = fopen(local, "rb")) == NULL || fstat(fileno(fp), &st) == -1) {
		*cause = xasprintf("%s: %s", local, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return (-1);
	}
	path = sftp_path(r);
	url = xasprintf("%s/%s/.%s.part", r->url, tier, file);
	what = xasprintf("%s/%s/%s", r->where, tier, file);
	if ((h = sftp_handle(r, url, errbuf, &k)) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		rc = -1;
		goto out;
	}
	cmd = xasprintf("*rm %s/%s/%s", path, tier, file);
	post = curl_slist_append(post, cmd);
	free(cmd);
	cmd = xasprintf("rename %s/%s/.%s.part %s/%s/%s", path, tier, file, path, tier, file);
	post = curl_slist_append(post, cmd);
	free(cmd);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READDATA, fp);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
	curl_easy_setopt(h, CURLOPT_FTP_CREATE_MISSING_DIRS, (long)CURLFTP_CREATE_DIR);
	curl_easy_setopt(h, CURLOPT_NEW_DIRECTORY_PERMS, 0700L);
	curl_easy_setopt(h, CURLOPT_NEW_FILE_PERMS, 0600L);
	curl_easy_setopt(h, CURLOPT_POSTQUOTE, post);
	if (curlio_test_rate() > 0)
		curl_easy_setopt(h, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)curlio_test_rate());
	if ((rc = sftp_perform(r, h, what, errbuf, &k, cause)) == -1)
		goto out;

	/* Read the size back under the final name. */
	free(url);
	url = xasprintf("%s/%s/%s", r->url, tier, file);
	sftp_handle(r, url, errbuf, &k);
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if ((rc = sftp_perform(r, h, what, errbuf, &k, cause)) == -1)
		goto out;
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size) != CURLE_OK ||
	    size != (curl_off_t)st.st_size) {
		*cause = xasprintf(_("%s: %" PRId64 " bytes after upload, expected %" PRId64),
		    what, (int64_t)size, (int64_t)st.st_size);
		rc = -1;
	}
out:
	curl_slist_free_all(post);
	fclose(fp);
	free(url);
	free(path);
	free(what);
	return (rc);
}

/*
 * Where a download's bytes go: gathered in SFTP_WBUF pieces, then written to
 * the file (and r->also), its write-back started every SFTP_SYNC_STEP bytes,
 * and hashed behind by a thread as the file grows.
 */
struct sftp_sink {
	int			 fd;
	int			 fd2;		/* r->also, or -1 */
	bool			 bad2;		/* a write to it failed */
	int			 werr;		/* errno of a failed write to fd, 0 */
	char			*buf;
	size_t			 len;
	uint64_t		 size;		/* bytes in the file */
	uint64_t		 synced;	/* its write-back started up to here */
	struct curlio_hasher	 h;
};

/* Write len bytes at the end of the file (and r->also). Returns -1 with k->werr. */
static int
sftp_sink_put(struct sftp_sink *k, const char *data, size_t len)
{
	if (curlio_pwrite(k->fd, data, len, k->size) == -1) {
		k->werr = errno;
		return (-1);
	}
	/* The second copy is a help, not the download: its failure only ends it. */
	if (k->fd2 != -1 && !k->bad2 && curlio_pwrite(k->fd2, data, len, k->size) == -1)
		k->bad2 = true;
	k->size += len;
	curlio_hasher_advance(&k->h, k->size);
#ifdef SYNC_FILE_RANGE_WRITE
	/* The write-back starts under the download, not at the fsync. */
	if (k->size - k->synced >= SFTP_SYNC_STEP) {
		sync_file_range(k->fd, (off64_t)k->synced, (off64_t)(k->size - k->synced),
		    SYNC_FILE_RANGE_WRITE);
		if (k->fd2 != -1 && !k->bad2)
			sync_file_range(k->fd2, (off64_t)k->synced,
			    (off64_t)(k->size - k->synced), SYNC_FILE_RANGE_WRITE);
		k->synced = k->size;
	}
#endif
	return (0);
}

/* Write what the sink gathered. Returns -1 with k->werr. */
static int
sftp_flush(struct sftp_sink *k)
{
	size_t	len = k->len;

	k->len = 0;
	if (k->werr != 0)
		return (-1);
	return (len == 0 ? 0 : sftp_sink_put(k, k->buf, len));
}

/* libcurl's write callback of a download: gathered, written a piece at a time. */
static size_t
sftp_write(char *data, size_t size, size_t n, void *arg)
{
	struct sftp_sink	*k = arg;
	size_t			 len = size * n;

	if (k->len + len > SFTP_WBUF && sftp_flush(k) == -1)
		return (0);
	if (len >= SFTP_WBUF)
		return (sftp_sink_put(k, data, len) == -1 ? 0 : len);
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	return (len);
}

/* Open r->also for a download from the start; -1 when there is none or it cannot be. */
static int
sftp_also_open(struct remote *r, curl_off_t off)
{
	int	fd;

	if (r->also == NULL || off != 0)
		return (-1);
	if ((fd = open(r->also, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		log_warn("%s: %s", r->also, strerror(errno));
	return (fd);
}

/* Close r->also: r->also_done when it holds the whole download, durably; else removed. */
static void
sftp_also_close(struct remote *r, struct sftp_sink *k, bool whole)
{
	if (k->fd2 == -1)
		return;
	r->also_done = whole && !k->bad2 && fsync(k->fd2) == 0;
	if (close(k->fd2) != 0)
		r->also_done = false;
	k->fd2 = -1;
	if (!r->also_done)
		unlink(r->also);
}

/*
 * Download TIER/FILE to local through its temporary name, continuing a
 * temporary file left by a broken download; its SHA-256 goes to r->sha256,
 * computed as it arrives (and over the part kept), and must be
 * r->want_sha256 when that is set; a download from the start is written to
 * r->also too, when set. Returns -1 with *cause.
 */
static int
sftp_get(struct remote *r, const char *tier, const char *file, const char *local,
    char **cause)
{
	struct sftp_check	 k;
	struct sftp_sink	 sink;
	struct stat		 st;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url, *tmp, *what;
	curl_off_t		 off = 0, size = -1, mtime = -1;
	EVP_MD_CTX		*sha = NULL;
	CURL			*h;
	uint64_t		 hashed;
	int			 rc = -1, fd, err;

	memset(&sink, 0, sizeof sink);
	sink.fd2 = -1;
	r->fail = REMOTE_FAIL_LOCAL;
	tmp = hashio_tmpname(local);
	url = xasprintf("%s/%s/%s", r->url, tier, file);
	what = xasprintf("%s/%s/%s", r->where, tier, file);
	if (stat(tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		off = st.st_size;
		log_info(_("Resuming %s at byte %" PRId64), what, (int64_t)off);
	}
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((h = sftp_handle(r, url, errbuf, &k)) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		goto out;
	}
	if (off > 0 || r->parallel > 1) {
		/*
		 * Its size and time: a temporary file longer than the remote one is
		 * not its beginning; a large one comes in parts.
		 */
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
		if (sftp_perform(r, h, what, errbuf, &k, cause) == -1)
			goto out;
		if (curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size) != CURLE_OK)
			size = -1;
		if (curl_easy_getinfo(h, CURLINFO_FILETIME_T, &mtime) != CURLE_OK)
			mtime = -1;
		if (off > 0 && size >= 0 && size < off) {
			log_info(_("%s is shorter than the partial download; starting over"), what);
			if (ftruncate(fd, 0) == -1) {
				*cause = xasprintf("%s: %s", tmp, strerror(errno));
				goto out;
			}
			off = 0;
		}
		sftp_handle(r, url, errbuf, &k);
	}
	if ((sha = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1) {
		*cause = xasprintf("%s: %s", what, strerror(ENOMEM));
		goto out;
	}
	if (off > 0 && curlio_hash_head(fd, tmp, (uint64_t)off, NULL, sha, cause) == -1)
		goto out;
	sink.fd = fd;
	sink.size = sink.synced = (uint64_t)off;
	if (curlio_hasher_start(&sink.h, fd, sha, (uint64_t)off) == -1) {
		*cause = xasprintf("%s: %s", what, strerror(errno));
		goto out;
	}
	sink.buf = xmalloc(SFTP_WBUF);
	sink.fd2 = sftp_also_open(r, off);
	if (off == 0 && r->parallel > 1 && size >= 2 * (curl_off_t)r->get_part_size) {
		/* Several connections at once, each a range: libssh2 decrypts on one CPU each. */
		rc = sftp_get_parts(r, what, url, fd, sink.fd2, &sink.bad2, &sink.h,
		    (uint64_t)size, (int64_t)mtime, cause);
		sink.size = (uint64_t)size;
	} else {
		curl_easy_setopt(h, CURLOPT_BUFFERSIZE,
		    curlio_recv_buffer(SFTP_READ_BUFFER));
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sftp_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
		curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, off);
		rc = sftp_perform(r, h, what, errbuf, &k, cause);
	}
	/* What was gathered is written either way: a later run resumes after it. */
	if (sftp_flush(&sink) == -1 || (rc == 0 && fsync(fd) == -1)) {
		if (sink.werr == 0)
			sink.werr = errno;
		if (rc == 0 || r->fail == REMOTE_FAIL_LOCAL) {
			free(*cause);
			*cause = xasprintf("%s: %s", tmp, strerror(sink.werr));
			r->fail = REMOTE_FAIL_LOCAL;
		}
		rc = -1;
	}
	sftp_also_close(r, &sink, rc == 0);
	/* Every byte in the digest: else no verdict on them. */
	err = curlio_hasher_end(&sink.h, &hashed);
	if (rc == 0 && (err != 0 || hashed != sink.size)) {
		*cause = xasprintf("%s: %s", tmp, strerror(err != 0 ? err : EIO));
		r->fail = REMOTE_FAIL_LOCAL;
		rc = -1;
	}
	if (rc == 0 && curlio_install(r, what, tmp, local, sha, (uint64_t)off, cause) == -1)
		rc = -1;
out:
	if (rc == -1)
		r->sha256[0] = '\0';
	/* Nothing kept (a file changed between parts): no empty file to resume. */
	if (rc == -1 && fd != -1 && fstat(fd, &st) == 0 && st.st_size == 0)
		unlink(tmp);
	if (fd != -1)
		close(fd);
	free(sink.buf);
	EVP_MD_CTX_free(sha);
	free(tmp);
	free(url);
	free(what);
	return (rc);
}

/* libcurl's write callback of a ranged read: keep up to max bytes, then stop. */
static size_t
sftp_head_write(char *data, size_t size, size_t n, void *arg)
{
	return (curlio_head_take(arg, data, size * n));
}

/* The first len bytes of TIER/FILE into out (CURLOPT_RANGE). Returns -1 with *cause. */
static int
sftp_head(struct remote *r, const char *tier, const char *file, size_t len, struct buf *out,
    char **cause)
{
	struct sftp_check	 k;
	struct curlio_head	 sink;
	char			 errbuf[CURL_ERROR_SIZE], range[64];
	char			*url, *what;
	CURL			*h;
	int			 rc = -1;

	url = xasprintf("%s/%s/%s", r->url, tier, file);
	what = xasprintf("%s/%s/%s", r->where, tier, file);
	sink.b = out;
	sink.max = out->len + len;
	sink.full = false;
	if ((h = sftp_handle(r, url, errbuf, &k)) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		goto out;
	}
	xsnprintf(range, sizeof range, "0-%zu", len > 0 ? len - 1 : 0);
	curl_easy_setopt(h, CURLOPT_RANGE, range);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sftp_head_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	rc = sftp_perform(r, h, what, errbuf, &k, cause);
	if (rc == -1 && sink.full) {
		/* All that was asked came; the rest was not read. */
		free(*cause);
		*cause = NULL;
		r->fail = REMOTE_FAIL_NONE;
		rc = 0;
	}
out:
	free(what);
	free(url);
	return (rc);
}

/*
 * Run one SFTP command (CURLOPT_QUOTE) on the store: VERB then the store's
 * path joined with REL, e.g. "rm" and "TIER/FILE". Returns -1 with *cause.
 */
static int
sftp_command(struct remote *r, const char *verb, const char *rel, char **cause)
{
	struct sftp_check	 k;
	struct curl_slist	*q = NULL;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url, *path, *cmd, *what;
	CURL			*h;
	int			 rc;

	path = sftp_path(r);
	url = xasprintf("%s/", r->url);
	what = xasprintf("%s/%s", r->where, rel);
	if ((h = sftp_handle(r, url, errbuf, &k)) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		rc = -1;
	} else {
		cmd = xasprintf("%s %s/%s", verb, path, rel);
		q = curl_slist_append(q, cmd);
		free(cmd);
		curl_easy_setopt(h, CURLOPT_QUOTE, q);
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		rc = sftp_perform(r, h, what, errbuf, &k, cause);
	}
	curl_slist_free_all(q);
	free(url);
	free(path);
	free(what);
	return (rc);
}

/* Remove TIER/FILE. Returns -1 with *cause. */
static int
sftp_delete(struct remote *r, const char *tier, const char *file, char **cause)
{
	char	*rel = xasprintf("%s/%s", tier, file);
	int	 rc;

	rc = sftp_command(r, "rm", rel, cause);
	free(rel);
	return (rc);
}

/* Collect a directory listing into a buffer. */
static size_t
sftp_collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	/* a directory listing without end is a hostile server's: the transfer fails */
	if (b->len + size * n > SFTP_LIST_MAX)
		return (0);
	buf_add(b, data, size * n);
	return (size * n);
}

/* Split line at blanks into at most max fields, in place; returns how many. */
static size_t
sftp_fields(char *line, char **tok, size_t max)
{
	size_t	n = 0;

	for (;;) {
		line += strspn(line, " \t\r");
		if (*line == '\0' || n == max)
			return (n);
		tok[n++] = line;
		line += strcspn(line, " \t\r");
		if (*line != '\0')
			*line++ = '\0';
	}
}

/* Whether a listed name holds control characters (or DEL), which no name of ours has. */
static bool
sftp_hostile_name(const char *name)
{
	for (; *name != '\0'; name++)
		if ((unsigned char)*name < 0x20 || (unsigned char)*name == 0x7f)
			return (true);
	return (false);
}

static int	sftp_list_dirs(struct remote *, const char *const *, size_t,
		    struct remote_object **, size_t *, char ***, size_t *, char **);

/*
 * Every file in the tier folders, from the server's long listing
 * ("-rw------- 1 user group SIZE Mon DD HH:MM NAME"). Returns -1 with *cause.
 */
static int
sftp_list(struct remote *r, struct remote_object **o, size_t *n, char **cause)
{
	const char	*dirs[BACKUP__TIERS];
	int		 t;

	for (t = 0; t < BACKUP__TIERS; t++)
		dirs[t] = backup_tier_names[t];
	return (sftp_list_dirs(r, dirs, BACKUP__TIERS, o, n, NULL, NULL, cause));
}

/*
 * Every file in the folders dirs (relative to the store's path; a missing
 * one is empty), as objects of tier DIR; with subdirs, the names of their
 * subfolders are added to *subdirs (*nsub). Returns -1 with *cause.
 */
static int
sftp_list_dirs(struct remote *r, const char *const *dirs, size_t ndirs,
    struct remote_object **o, size_t *n, char ***subdirs, size_t *nsub, char **cause)
{
	struct sftp_check	 k;
	struct buf		 b;
	char			 errbuf[CURL_ERROR_SIZE];
	char			*url, *line, *next, *tok[16];
	CURL			*h;
	CURLcode		 rc;
	size_t			 nt, t;

	for (t = 0; t < ndirs; t++) {
		url = xasprintf("%s/%s/", r->url, dirs[t]);
		if ((h = sftp_handle(r, url, errbuf, &k)) == NULL) {
			free(url);
			*cause = xstrdup(_("cannot start libcurl"));
			return (-1);
		}
		buf_init(&b);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sftp_collect);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
		rc = curl_easy_perform(h);
		if (rc == CURLE_REMOTE_FILE_NOT_FOUND) {
			buf_clear(&b);
			free(url);
			continue;
		}
		if (rc != CURLE_OK) {
			buf_clear(&b);
			if (k.called && k.match != CURLKHMATCH_OK)
				*cause = xasprintf(_("%s: the server's host key %s %s; refused"),
				    r->where, k.match == CURLKHMATCH_MISMATCH ?
				    _("does not match the one in") : _("is not in"),
				    r->known_hosts);
			else {
				line = curlio_error(rc, errbuf);
				*cause = xasprintf("%s: %s", url, line);
				free(line);
			}
			free(url);
			return (-1);
		}
		free(url);
		for (line = b.data; line != NULL && *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			nt = sftp_fields(line, tok, nitems(tok));
			/* A name with control characters is none of ours: a hostile store's. */
			if (nt >= 6 && sftp_hostile_name(tok[nt - 1]))
				continue;
			if (nt >= 6 && tok[0][0] == 'd' && tok[nt - 1][0] != '.' &&
			    subdirs != NULL) {
				*subdirs = xreallocarray(*subdirs, *nsub + 1, sizeof **subdirs);
				(*subdirs)[(*nsub)++] = xstrdup(tok[nt - 1]);
				continue;
			}
			if (nt < 6 || tok[0][0] != '-' || tok[nt - 1][0] == '.')
				continue;
			*o = xreallocarray(*o, *n + 1, sizeof **o);
			(*o)[*n].tier = xstrdup(dirs[t]);
			(*o)[*n].file = xstrdup(tok[nt - 1]);
			(*o)[*n].size = strtoull(tok[4], NULL, 10);
			(*n)++;
		}
		buf_clear(&b);
	}
	return (0);
}

/* Every file UNDER/SUB/FILE, as objects of tier "UNDER/SUB". Returns -1 with *cause. */
static int
sftp_list_under(struct remote *r, const char *under, struct remote_object **o, size_t *n,
    char **cause)
{
	char	**subs = NULL, **dirs;
	size_t	  nsub = 0, i;
	int	  rc;

	if (sftp_list_dirs(r, &under, 1, o, n, &subs, &nsub, cause) == -1)
		return (-1);
	dirs = xcalloc(nsub + 1, sizeof *dirs);
	for (i = 0; i < nsub; i++)
		dirs[i] = xasprintf("%s/%s", under, subs[i]);
	rc = sftp_list_dirs(r, (const char *const *)dirs, nsub, o, n, NULL, NULL, cause);
	for (i = 0; i < nsub; i++) {
		free(subs[i]);
		free(dirs[i]);
	}
	free(subs);
	free(dirs);
	return (rc);
}

/* Remove the (empty) folder DIR of the store. Returns -1 with *cause. */
static int
sftp_rmdir(struct remote *r, const char *dir, char **cause)
{
	return (sftp_command(r, "rmdir", dir, cause));
}

/* The SFTP store's table for remote.c. */
const struct remote_ops sftp_ops = {
	.put = sftp_put,
	.get = sftp_get,
	.delete = sftp_delete,
	.list = sftp_list,
	.list_under = sftp_list_under,
	.rmdir = sftp_rmdir,
	.head = sftp_head,
	.copying = N_("Copying to remote backup..."),
	.copied = N_("Remote backup completed"),
};
