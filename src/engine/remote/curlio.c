/*
 * curlio.c: what the off-site stores share around libcurl: start-up,
 * messages, time-outs, cancel and progress.
 */
#include "system.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "engine/set/hashio.h"
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "util/testhook.h"
#include "util/xmalloc.h"

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
