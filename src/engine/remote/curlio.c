/*
 * curlio.c: what the off-site stores share around libcurl: start-up,
 * messages, time-outs, cancel and progress.
 */
#include "system.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <strings.h>
#include <unistd.h>

#include "engine/set/hashio.h"
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "util/xmalloc.h"

/* A positive number from the environment, or dflt. */
long
curlio_env_long(const char *name, long dflt)
{
	const char	*v = getenv(name);
	char		*end;
	long		 n;

	if (v == NULL || *v == '\0')
		return (dflt);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0)
		return (dflt);
	return (n);
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
	return (curlio_env_long("PDR_TEST_MAX_SEND", 0));
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
 * Let r->cancel (when set) give up a transfer on handle curl, and r->progress
 * see it; the test hook $PDR_TEST_MAX_RECV slows downloads down.
 */
void
curlio_cancelable(struct remote *r, void *curl)
{
	long	recv = curlio_env_long("PDR_TEST_MAX_RECV", 0);

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
int
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
