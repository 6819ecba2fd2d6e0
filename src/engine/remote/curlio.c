/*
 * curlio.c: what the off-site stores share around libcurl: start-up,
 * messages, time-outs, cancel and progress.
 */
#include "system.h"

#include <sys/mman.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <strings.h>
#include <unistd.h>

#include "engine/set/hashio.h"
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/testhook.h"
#include "util/xmalloc.h"

/* The hasher reads the file back mapped, this many bytes at a time. */
#define CURLIO_HASH_MAP (2 * 1024 * 1024)

/* The positive number v says, or dflt (v NULL, empty or not such a number). */
static long
curlio_long(const char *v, long dflt)
{
	char	*end;
	long	 n;

	if (v == NULL || *v == '\0')
		return (dflt);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0)
		return (dflt);
	return (n);
}

/* A positive number from the environment, or dflt. */
long
curlio_env_long(const char *name, long dflt)
{
	return (curlio_long(getenv(name), dflt));
}

/* Start libcurl once for the process. Returns -1 with *cause. */
int
curlio_init(char **cause)
{
	static bool	done;

	if (done)
		return (0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xstrdup(_("cannot start libcurl"));
		return (-1);
	}
	done = true;
	return (0);
}

/* A message for a libcurl failure: its detail when it gave one. Caller frees. */
char *
curlio_error(int code, const char *errbuf)
{
	if (errbuf != NULL && *errbuf != '\0')
		return (xstrdup(errbuf));
	return (xstrdup(curl_easy_strerror((CURLcode)code)));
}

/* Seconds a transfer may stall before it is given up ($PATRONUS_DR_REMOTE_TIMEOUT). */
long
curlio_timeout(void)
{
	return (curlio_env_long("PATRONUS_DR_REMOTE_TIMEOUT", 60));
}

/* Test hook: bytes per second to send at most ($PDR_TEST_MAX_SEND), 0: no limit. */
long
curlio_test_rate(void)
{
	return (curlio_long(testhook_get(TESTHOOK_MAX_SEND), 0));
}

/*
 * libcurl's progress callback: a non-zero *cancel gives the transfer up; a
 * download's bytes go to the store's progress function.
 */
static int
curlio_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct remote	*r = arg;

	(void)ultotal;
	(void)ulnow;
	if (r->progress != NULL && r->xfer != NULL && dlnow > 0)
		r->progress(r->progress_arg, r->xfer, (uint64_t)dlnow,
		    dltotal > 0 ? (uint64_t)dltotal : 0);
	return (r->cancel != NULL && *r->cancel != 0);
}

/*
 * The receive buffer for a transfer that wants want bytes: want, but for the
 * test hook $PDR_TEST_MAX_RECV, whose rate libcurl keeps only between reads
 * (an SFTP read of 512 KiB comes at once): libcurl's 16 KiB then.
 */
long
curlio_recv_buffer(long want)
{
	return (curlio_long(testhook_get(TESTHOOK_MAX_RECV), 0) > 0 ? 16384L : want);
}

/*
 * Let r->cancel (when set) give up a transfer on handle curl, and r->progress
 * see it; the test hook $PDR_TEST_MAX_RECV slows downloads down.
 */
void
curlio_cancelable(struct remote *r, void *curl)
{
	long	recv = curlio_long(testhook_get(TESTHOOK_MAX_RECV), 0);

	if (recv > 0)
		curl_easy_setopt(curl, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)recv);
	if (r->cancel == NULL && r->progress == NULL)
		return;
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, curlio_xferinfo);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)r);
}

/*
 * Feed the first len bytes of the file at fd to md5 and sha (either may be
 * NULL): the part a broken download left, being resumed. Returns -1 with *cause.
 */
int
curlio_hash_head(int fd, const char *path, uint64_t len, EVP_MD_CTX *md5, EVP_MD_CTX *sha,
    char **cause)
{
	unsigned char	*buf = xmalloc(HASHIO_BLOCK);
	uint64_t	 off = 0;
	ssize_t		 n;

	while (off < len) {
		n = pread(fd, buf, len - off < HASHIO_BLOCK ? (size_t)(len - off) : HASHIO_BLOCK,
		    (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*cause = xasprintf("%s: %s", path, strerror(n == 0 ? EIO : errno));
			free(buf);
			return (-1);
		}
		if (md5 != NULL)
			EVP_DigestUpdate(md5, buf, (size_t)n);
		if (sha != NULL)
			EVP_DigestUpdate(sha, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	return (0);
}

/*
 * Check a finished download (its SHA-256 in r->sha256) against the one an
 * authenticated manifest gives (r->want_sha256; none: it passes). A file that
 * is not that one is damaged at rest, unless its first resumed bytes came from
 * an earlier, broken download (then those may be what differs: the store is
 * not blamed). Either way its temporary file tmp is removed, and -1 returned
 * with *cause naming both digests and r->fail.
 */
static int
curlio_want_sha(struct remote *r, const char *what, const char *tmp, uint64_t resumed,
    char **cause)
{
	if (r->want_sha256 == NULL || strcasecmp(r->sha256, r->want_sha256) == 0)
		return (0);
	if (resumed > 0) {
		*cause = xasprintf(_("%s: SHA-256 %s of the download is not %s, the one its "
		    "set's manifest gives; its first %" PRIu64 " bytes were kept from an earlier, "
		    "broken download and may be what differs: removed, it is fetched whole next "
		    "time"), what, r->sha256, r->want_sha256, resumed);
		r->fail = REMOTE_FAIL_CONNECT;
	} else {
		*cause = xasprintf(_("%s: SHA-256 %s of the download is not %s, the one its "
		    "set's manifest gives (whose HMAC verifies): the object is damaged at rest"),
		    what, r->sha256, r->want_sha256);
		r->fail = REMOTE_FAIL_DAMAGED;
	}
	r->sha256[0] = '\0';
	unlink(tmp);
	return (-1);
}

/*
 * Put a finished download in place, as S3 and SFTP both end one: its SHA-256
 * (sha, every byte of tmp fed to it) into r->sha256, checked against the
 * manifest's (curlio_want_sha), then tmp renamed to local and the folder
 * synced. Returns -1 with *cause (r->sha256 then "").
 */
int
curlio_install(struct remote *r, const char *what, const char *tmp, const char *local,
    EVP_MD_CTX *sha, uint64_t resumed, char **cause)
{
	unsigned char	d[EVP_MAX_MD_SIZE];
	unsigned int	dl;

	EVP_DigestFinal_ex(sha, d, &dl);
	str_hex(d, dl, r->sha256);
	if (curlio_want_sha(r, what, tmp, resumed, cause) == -1)
		return (-1);
	if (rename(tmp, local) == -1) {
		*cause = xasprintf("%s: %s", local, strerror(errno));
		r->sha256[0] = '\0';
		return (-1);
	}
	if (fs_fsync_parent(local, cause) == -1) {
		r->sha256[0] = '\0';
		return (-1);
	}
	return (0);
}

/*
 * Feed [from, upto) of fd to ctx: mapped, a window at a time (the pages are in
 * the page cache, just written: no copy), read into buf when it cannot be
 * mapped. Returns 0, or an errno.
 */
static int
curlio_hash_range(int fd, EVP_MD_CTX *ctx, unsigned char *buf, uint64_t from, uint64_t upto)
{
	static long	 pagesz;
	uint64_t	 base, n;
	ssize_t		 got;
	void		*m;

	if (pagesz <= 0 && (pagesz = sysconf(_SC_PAGESIZE)) <= 0)
		pagesz = 4096;
	while (from < upto) {
		base = from - from % (uint64_t)pagesz;
		n = upto - base < CURLIO_HASH_MAP ? upto - base : CURLIO_HASH_MAP;
		m = mmap(NULL, (size_t)n, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, (off_t)base);
		if (m != MAP_FAILED) {
			EVP_DigestUpdate(ctx, (unsigned char *)m + (from - base),
			    (size_t)(base + n - from));
			munmap(m, (size_t)n);
			from = base + n;
			continue;
		}
		got = pread(fd, buf, upto - from < HASHIO_BLOCK ? (size_t)(upto - from) :
		    HASHIO_BLOCK, (off_t)from);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			return (got == 0 ? EIO : errno);
		EVP_DigestUpdate(ctx, buf, (size_t)got);
		from += (uint64_t)got;
	}
	return (0);
}

/* The hasher's thread: hash what is written as it grows, until told to finish. */
static void *
curlio_hasher_run(void *arg)
{
	struct curlio_hasher	*h = arg;
	unsigned char		*buf = xmalloc(HASHIO_BLOCK);
	uint64_t		 from, upto;
	int			 err;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->hashed >= h->upto && !h->finish && !h->drop)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->drop || h->hashed >= h->upto)
			break;
		from = h->hashed;
		upto = h->upto;
		pthread_mutex_unlock(&h->mu);
		err = curlio_hash_range(h->fd, h->ctx, buf, from, upto);
		pthread_mutex_lock(&h->mu);
		if (err != 0) {
			h->rerr = err;
			break;
		}
		h->hashed = upto;
	}
	pthread_mutex_unlock(&h->mu);
	free(buf);
	return (NULL);
}

/*
 * Start hashing file fd into ctx, which holds its first from bytes already
 * (a resumed prefix), as the file grows. Returns -1 with errno when the
 * thread cannot start (then there is nothing to end).
 */
int
curlio_hasher_start(struct curlio_hasher *h, int fd, EVP_MD_CTX *ctx, uint64_t from)
{
	int	err;

	memset(h, 0, sizeof *h);
	h->fd = fd;
	h->ctx = ctx;
	h->hashed = h->upto = from;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if ((err = pthread_create(&h->th, NULL, curlio_hasher_run, h)) != 0) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
		errno = err;
		return (-1);
	}
	h->started = true;
	return (0);
}

/* The file is written without a gap up to byte upto now. */
void
curlio_hasher_advance(struct curlio_hasher *h, uint64_t upto)
{
	if (!h->started)
		return;
	pthread_mutex_lock(&h->mu);
	if (upto > h->upto) {
		h->upto = upto;
		pthread_cond_signal(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
}

/* The digest is not needed after all: the thread stops as soon as it can. */
void
curlio_hasher_drop(struct curlio_hasher *h)
{
	if (!h->started)
		return;
	pthread_mutex_lock(&h->mu);
	h->drop = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/*
 * Nothing more is written: hash what is and end the thread. *hashed gets the
 * bytes in the digest (every byte written unless dropped or failed). Returns
 * 0, or the errno of a failed read-back.
 */
int
curlio_hasher_end(struct curlio_hasher *h, uint64_t *hashed)
{
	*hashed = 0;
	if (!h->started)
		return (0);
	pthread_mutex_lock(&h->mu);
	h->finish = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	h->started = false;
	*hashed = h->hashed;
	return (h->rerr);
}

/* Write all len bytes of data at off of fd. Returns -1 with errno. */
int
curlio_pwrite(int fd, const char *data, size_t len, uint64_t off)
{
	size_t	done = 0;
	ssize_t	w;

	while (done < len) {
		w = pwrite(fd, data + done, len - done, (off_t)(off + done));
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return (-1);
		}
		done += (size_t)w;
	}
	return (0);
}

/*
 * Run the transfers of multi handle m (what names the download). Returns -1
 * with *cause and r->fail when libcurl fails.
 */
int
curlio_multi_run(struct remote *r, void *m, const char *what, char **cause)
{
	int	running;

	if (curl_multi_perform(m, &running) == CURLM_OK)
		return (0);
	*cause = xasprintf("%s: %s", what, _("libcurl failed"));
	r->fail = REMOTE_FAIL_CONNECT;
	return (-1);
}

/*
 * A transfer of m that finished, taken out of m: its private pointer (NULL
 * when none finished) and its result in *res.
 */
void *
curlio_multi_done(void *m, int *res)
{
	CURLMsg	*msg;
	void	*priv = NULL;
	int	 left;

	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&priv);
		*res = (int)msg->data.result;	/* msg is gone once the handle is removed */
		curl_multi_remove_handle(m, msg->easy_handle);
		return (priv);
	}
	return (NULL);
}

/* Wait (a second at most) for m's sockets. Returns -1 with *cause and r->fail. */
int
curlio_multi_wait(struct remote *r, void *m, const char *what, char **cause)
{
	if (curl_multi_poll(m, NULL, 0, 1000, NULL) == CURLM_OK)
		return (0);
	*cause = xasprintf("%s: %s", what, _("libcurl failed"));
	r->fail = REMOTE_FAIL_CONNECT;
	return (-1);
}

/* Say why a part is asked again (why, freed). */
void
curlio_part_again(const char *what, char *why)
{
	log_warn(_("%s: %s; asking again for what is missing"), what, why);
	free(why);
}

/*
 * Keep what a ranged read answered, up to k->max bytes in all: the bytes
 * taken (less than len when the store sent more than asked: k->full, and
 * libcurl ends the transfer there).
 */
size_t
curlio_head_take(struct curlio_head *k, const char *data, size_t len)
{
	size_t	take;

	take = k->max - k->b->len < len ? k->max - k->b->len : len;
	buf_add(k->b, data, take);
	if (take < len)
		k->full = true;
	return (take);
}
