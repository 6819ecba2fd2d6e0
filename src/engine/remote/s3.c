/* s3.c: the S3 off-site store through libcurl's SigV4, answers parsed with expat. */
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
#include "engine/remote/remote.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* libcurl's send and receive buffers: fewer, larger socket writes and reads. */
#define S3_IO_BUFFER (512L * 1024)

/* SHA-256 of no bytes, the payload hash of a request without a body. */
#define S3_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One leaf element of an XML answer: its path ("Error/Code") and text. */
struct s3_leaf {
	char	*path;
	char	*text;
};

/* What the expat callbacks build. */
struct s3_xml {
	struct buf	 path;		/* current element path */
	struct buf	 text;		/* text of the current element */
	struct s3_leaf	*leaves;
	size_t		 n;
};

/* One HTTP request to the store and its answer. */
struct s3_req {
	CURL			*h;
	struct curl_slist	*hdrs;
	char			 errbuf[CURL_ERROR_SIZE];
	unsigned char		*body;		/* owned; NULL: read from fd */
	int			 fd;		/* with no body: blen bytes at foff */
	off_t			 foff;
	size_t			 blen;
	size_t			 bpos;
	FILE			*out;		/* download target, NULL: keep in resp */
	EVP_MD_CTX		*outmd;		/* MD5 of what goes to out, may be NULL */
	struct buf		 resp;
	char			 etag[128];
	long			 status;
	char			*what;		/* owned: s3://bucket/key for messages */
	int			 part;		/* multipart part number */
	char			 md5hex[33];	/* MD5 of the body, "" when not computed */
	const char		*sendsum;	/* base64 SHA-256 to send as x-amz-checksum-sha256 */
	char			 gotsum[64];	/* the x-amz-checksum-sha256 the store answered */
	CURLcode		 curlrc;	/* how the last s3_req_run's transfer ended */
};

static int	s3_parse_keys(const char *, size_t, const char *, const char *,
		    struct remote_object **, size_t *, char **, char **);

/* Start an element: extend the path, start its text. */
static void XMLCALL
s3_xml_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct s3_xml	*x = arg;

	(void)attrs;
	if (x->path.len > 0)
		buf_addc(&x->path, '/');
	buf_adds(&x->path, name);
	buf_reset(&x->text);
}

/* End an element: record it as a leaf when it held text, shorten the path. */
static void XMLCALL
s3_xml_end(void *arg, const XML_Char *name)
{
	struct s3_xml	*x = arg;
	char		*slash;

	(void)name;
	x->leaves = xreallocarray(x->leaves, x->n + 1, sizeof *x->leaves);
	x->leaves[x->n].path = xstrdup(x->path.data != NULL ? x->path.data : "");
	x->leaves[x->n].text = xstrdup(x->text.data != NULL ? x->text.data : "");
	x->n++;
	buf_reset(&x->text);
	if (x->path.data != NULL && (slash = strrchr(x->path.data, '/')) != NULL) {
		x->path.len = (size_t)(slash - x->path.data);
		*slash = '\0';
	} else
		buf_reset(&x->path);
}

/* Collect character data. */
static void XMLCALL
s3_xml_chars(void *arg, const XML_Char *s, int len)
{
	struct s3_xml	*x = arg;

	buf_add(&x->text, s, (size_t)len);
}

/* Free parsed leaves. */
static void
s3_xml_clear(struct s3_xml *x)
{
	size_t	i;

	for (i = 0; i < x->n; i++) {
		free(x->leaves[i].path);
		free(x->leaves[i].text);
	}
	free(x->leaves);
	buf_clear(&x->path);
	buf_clear(&x->text);
	memset(x, 0, sizeof *x);
}

/* Parse an XML answer into leaves. Returns -1 with *cause when it is not XML. */
static int
s3_xml_parse(const char *data, size_t len, struct s3_xml *x, char **cause)
{
	XML_Parser	p;
	int		rc = 0;

	memset(x, 0, sizeof *x);
	buf_init(&x->path);
	buf_init(&x->text);
	if ((p = XML_ParserCreate("UTF-8")) == NULL) {
		*cause = xstrdup(_("cannot start the XML parser"));
		return (-1);
	}
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, s3_xml_start, s3_xml_end);
	XML_SetCharacterDataHandler(p, s3_xml_chars);
	if (XML_Parse(p, data, (int)len, 1) == XML_STATUS_ERROR) {
		*cause = xasprintf(_("bad XML answer at line %lu: %s"),
		    (unsigned long)XML_GetCurrentLineNumber(p),
		    XML_ErrorString(XML_GetErrorCode(p)));
		rc = -1;
	}
	XML_ParserFree(p);
	if (rc == -1)
		s3_xml_clear(x);
	return (rc);
}

/* The text of the first leaf whose path is path, or NULL. */
static const char *
s3_xml_get(const struct s3_xml *x, const char *path)
{
	size_t	i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->leaves[i].path, path) == 0)
			return (x->leaves[i].text);
	return (NULL);
}

/* Whether c is one of SigV4's unreserved characters: ASCII letters and digits, - _ . ~ */
static bool
s3_unreserved(unsigned char c)
{
	/* Not isalnum(): under an 8-bit locale it takes bytes of UTF-8 as letters. */
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_' || c == '.' || c == '~');
}

/* Append s to b percent-encoded as SigV4 wants, keeping '/' when keep_slash. */
static void
s3_encode(struct buf *b, const char *s, bool keep_slash)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (s3_unreserved(*p) || (keep_slash && *p == '/'))
			buf_addc(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

/* The object key of TIER/FILE: PREFIX + TIER/ + FILE, as the plan's aws s3 sync. Caller frees. */
static char *
s3_key(struct remote *r, const char *tier, const char *file)
{
	return (xasprintf("%s%s/%s", r->prefix, tier, file));
}

/* The path-style URL of key (NULL: the bucket) with an already sorted query. Caller frees. */
static char *
s3_url(struct remote *r, const char *key, const char *query)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "%s/", r->endpoint);
	s3_encode(&b, r->bucket, false);
	if (key != NULL) {
		buf_addc(&b, '/');
		s3_encode(&b, key, true);
	}
	if (query != NULL)
		buf_printf(&b, "?%s", query);
	return (buf_steal(&b));
}

/* Hex SHA-256 and base64 MD5 (and hex MD5) of a buffer. */
static void
s3_digests(const void *data, size_t len, char *sha_hex, char *md5_b64, char *md5_hex)
{
	unsigned char	d[EVP_MAX_MD_SIZE];
	unsigned int	dl;

	EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL);
	str_hex(d, dl, sha_hex);
	EVP_Digest(data, len, d, &dl, EVP_md5(), NULL);
	if (md5_b64 != NULL)
		EVP_EncodeBlock((unsigned char *)md5_b64, d, (int)dl);
	if (md5_hex != NULL)
		str_hex(d, dl, md5_hex);
}

/* Feed the request body to libcurl: from memory, or read from the file at the part's offset. */
static size_t
s3_read(char *dst, size_t size, size_t n, void *arg)
{
	struct s3_req	*q = arg;
	size_t		 len = size * n;
	ssize_t		 got;

	if (len > q->blen - q->bpos)
		len = q->blen - q->bpos;
	if (q->body != NULL)
		memcpy(dst, q->body + q->bpos, len);
	else if (len > 0) {
		do
			got = pread(q->fd, dst, len, q->foff + (off_t)q->bpos);
		while (got == -1 && errno == EINTR);
		if (got <= 0)
			return (CURL_READFUNC_ABORT);	/* the store sees a short body */
		len = (size_t)got;
	}
	q->bpos += len;
	return (len);
}

/* Rewind the request body to offset, for libcurl to send it again on a fresh connection. */
static int
s3_seek(void *arg, curl_off_t offset, int origin)
{
	struct s3_req	*q = arg;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > q->blen)
		return (CURL_SEEKFUNC_CANTSEEK);
	q->bpos = (size_t)offset;
	return (CURL_SEEKFUNC_OK);
}

/* Take the answer: into the download file when it succeeded, else into resp. */
static size_t
s3_write(char *data, size_t size, size_t n, void *arg)
{
	struct s3_req	*q = arg;
	long		 status = 0;

	curl_easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &status);
	if (q->out != NULL && (status == 200 || status == 206)) {
		if (q->outmd != NULL)
			EVP_DigestUpdate(q->outmd, data, size * n);
		return (fwrite(data, size, n, q->out) * size);
	}
	if (q->resp.len < 1024 * 1024)
		buf_add(&q->resp, data, size * n);
	return (size * n);
}

/* Keep the ETag header, without its quotes. */
static size_t
s3_header(char *data, size_t size, size_t n, void *arg)
{
	struct s3_req	*q = arg;
	size_t		 len = size * n, vl;
	char		*v;

	if (len > 5 && strncasecmp(data, "etag:", 5) == 0) {
		v = data + 5;
		vl = len - 5;
		while (vl > 0 && (*v == ' ' || *v == '"')) {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == '"' ||
		    v[vl - 1] == ' '))
			vl--;
		xsnprintf(q->etag, sizeof q->etag, "%.*s", (int)vl, v);
	} else if (len > 22 && strncasecmp(data, "x-amz-checksum-sha256:", 22) == 0) {
		v = data + 22;
		vl = len - 22;
		while (vl > 0 && *v == ' ') {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		xsnprintf(q->gotsum, sizeof q->gotsum, "%.*s", (int)vl, v);
	}
	return (len);
}

/* Release a request. */
static void
s3_req_clear(struct s3_req *q)
{
	if (q->h != NULL)
		curl_easy_cleanup(q->h);
	curl_slist_free_all(q->hdrs);
	free(q->body);
	free(q->what);
	buf_clear(&q->resp);
	memset(q, 0, sizeof *q);
}

/*
 * Whether this libcurl leaves a header removed with "Name:" out of its SigV4
 * signature. Before 8.3.0 (curl issue 11664; Debian 12 ships 7.88.1) it signs
 * the removed header, empty, while not sending it, and S3 refuses the request;
 * there "Expect: 100-continue" is let through instead, which nothing signs.
 */
static bool
s3_curl_unsigns_removed(void)
{
	const curl_version_info_data	*v = curl_version_info(CURLVERSION_NOW);

	return (v != NULL && v->version_num >= 0x080300);
}

/*
 * Set up a signed request: METHOD url with a body of blen bytes whose SHA-256
 * (hex) and MD5 (base64 and hex) are sha, md5 and md5hex (sha NULL: no body;
 * md5 NULL: no Content-MD5). Signed by libcurl's SigV4 with our own
 * x-amz-content-sha256, and x-amz-checksum-sha256 when q->sendsum is set. The
 * body comes from q->body, or when that is NULL from q->fd at q->foff.
 * Returns -1 with *cause.
 */
static int
s3_req_setup(struct remote *r, struct s3_req *q, const char *method, const char *url,
    const char *what, const char *sha, const char *md5, const char *md5hex, size_t blen,
    char **cause)
{
	char	*h, *sig;

	buf_init(&q->resp);
	q->blen = blen;
	q->what = xstrdup(what);
	if ((q->h = curl_easy_init()) == NULL) {
		*cause = xstrdup(_("cannot start libcurl"));
		return (-1);
	}
	if (sha != NULL) {
		if (md5 != NULL) {
			xsnprintf(q->md5hex, sizeof q->md5hex, "%s", md5hex);
			h = xasprintf("Content-MD5: %s", md5);
			q->hdrs = curl_slist_append(q->hdrs, h);
			free(h);
		}
		if (q->sendsum != NULL) {
			h = xasprintf("x-amz-checksum-sha256: %s", q->sendsum);
			q->hdrs = curl_slist_append(q->hdrs, h);
			free(h);
		}
		if (s3_curl_unsigns_removed())
			q->hdrs = curl_slist_append(q->hdrs, "Expect:");
	} else
		sha = S3_EMPTY_SHA256;
	h = xasprintf("x-amz-content-sha256: %s", sha);
	q->hdrs = curl_slist_append(q->hdrs, h);
	free(h);
	if (r->token != NULL) {
		h = xasprintf("x-amz-security-token: %s", r->token);
		q->hdrs = curl_slist_append(q->hdrs, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	/* The object's type (PUT, CreateMultipartUpload) or the XML's, not libcurl's form type. */
	if (strcmp(method, "PUT") == 0 || (strcmp(method, "POST") == 0 && blen == 0))
		q->hdrs = curl_slist_append(q->hdrs, "Content-Type: application/octet-stream");
	else if (strcmp(method, "POST") == 0)
		q->hdrs = curl_slist_append(q->hdrs, "Content-Type: application/xml");
	sig = xasprintf("aws:amz:%s:s3", r->region);
	curl_easy_setopt(q->h, CURLOPT_URL, url);
	curl_easy_setopt(q->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(q->h, CURLOPT_AWS_SIGV4, sig);
	free(sig);
	curl_easy_setopt(q->h, CURLOPT_USERNAME, r->access_key);
	curl_easy_setopt(q->h, CURLOPT_PASSWORD, r->secret_key);
	curl_easy_setopt(q->h, CURLOPT_HTTPHEADER, q->hdrs);
	curl_easy_setopt(q->h, CURLOPT_ERRORBUFFER, q->errbuf);
	curl_easy_setopt(q->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(q->h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(q->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(q->h, CURLOPT_LOW_SPEED_TIME, remote_timeout());
	curl_easy_setopt(q->h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* A store that does not answer "Expect: 100-continue" costs a second, not a stall. */
	curl_easy_setopt(q->h, CURLOPT_EXPECT_100_TIMEOUT_MS, 1000L);
	if (r->ca_file != NULL)
		curl_easy_setopt(q->h, CURLOPT_CAINFO, r->ca_file);
	remote_curl_cancelable(r, q->h);
	curl_easy_setopt(q->h, CURLOPT_WRITEFUNCTION, s3_write);
	curl_easy_setopt(q->h, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(q->h, CURLOPT_HEADERFUNCTION, s3_header);
	curl_easy_setopt(q->h, CURLOPT_HEADERDATA, q);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(q->h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(q->h, CURLOPT_UPLOAD_BUFFERSIZE, S3_IO_BUFFER);
		curl_easy_setopt(q->h, CURLOPT_READFUNCTION, s3_read);
		curl_easy_setopt(q->h, CURLOPT_READDATA, q);
		curl_easy_setopt(q->h, CURLOPT_SEEKFUNCTION, s3_seek);
		curl_easy_setopt(q->h, CURLOPT_SEEKDATA, q);
		curl_easy_setopt(q->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)blen);
		if (remote_test_rate() > 0)
			curl_easy_setopt(q->h, CURLOPT_MAX_SEND_SPEED_LARGE,
			    (curl_off_t)remote_test_rate());
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(q->h, CURLOPT_POST, 1L);
		curl_easy_setopt(q->h, CURLOPT_POSTFIELDS, q->body != NULL ? (char *)q->body :
		    "");
		curl_easy_setopt(q->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	} else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(q->h, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(q->h, CURLOPT_CUSTOMREQUEST, method);
	else
		curl_easy_setopt(q->h, CURLOPT_BUFFERSIZE, S3_IO_BUFFER);
	return (0);
}

/* s3_req_setup with the body (owned, may be NULL) in memory, its digests computed here. */
static int
s3_req_init(struct remote *r, struct s3_req *q, const char *method, const char *url,
    const char *what, unsigned char *body, size_t blen, char **cause)
{
	char	sha[HASHIO_HEXLEN], md5[64], md5hex[33];

	memset(q, 0, sizeof *q);
	q->fd = -1;
	q->body = body;
	if (body == NULL)
		return (s3_req_setup(r, q, method, url, what, NULL, NULL, NULL, blen, cause));
	s3_digests(body, blen, sha, md5, md5hex);
	return (s3_req_setup(r, q, method, url, what, sha, md5, md5hex, blen, cause));
}

/* Append the store's text t to b: at most max bytes, whole UTF-8 characters, controls as '?'. */
static void
s3_add_clean(struct buf *b, const char *t, size_t max)
{
	size_t	i, n = strlen(t);

	if (n > max)
		for (n = max; n > 0 && ((unsigned char)t[n] & 0xC0) == 0x80; n--)
			;
	for (i = 0; i < n; i++)
		buf_addc(b, (unsigned char)t[i] < 0x20 || t[i] == 0x7f ? '?' : t[i]);
	if (t[n] != '\0')
		buf_adds(b, "...");
}

/*
 * The store's <Error> as the user sees it: "CODE: MESSAGE", escaped, and what
 * to look at for the codes that say the request was not signed right. Caller
 * frees.
 */
static char *
s3_error_text(const struct s3_xml *x)
{
	static const struct {
		const char	*code;
		const char	*hint;
	} hints[] = {
		{ "RequestTimeTooSkewed", N_("this host's clock is more than 15 minutes off "
		    "the store's: set it right (NTP) and retry") },
		{ "SignatureDoesNotMatch", N_("check AWS_SECRET_ACCESS_KEY") },
		{ "InvalidAccessKeyId", N_("check AWS_ACCESS_KEY_ID") },
		{ "InvalidToken", N_("check AWS_SESSION_TOKEN") },
		{ "ExpiredToken", N_("AWS_SESSION_TOKEN has expired") },
		{ "AuthorizationHeaderMalformed", N_("check remote.s3.region") },
		{ "PermanentRedirect", N_("check remote.s3.region and the endpoint") },
	};
	const char	*code = s3_xml_get(x, "Error/Code"), *msg = s3_xml_get(x, "Error/Message");
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	s3_add_clean(&b, code != NULL && *code != '\0' ? code : "?", 64);
	if (msg != NULL && *msg != '\0') {
		buf_adds(&b, ": ");
		s3_add_clean(&b, msg, 300);
	}
	for (i = 0; code != NULL && i < sizeof hints / sizeof hints[0]; i++)
		if (strcmp(code, hints[i].code) == 0)
			buf_printf(&b, " (%s)", _(hints[i].hint));
	return (buf_steal(&b));
}

/* Judge a finished request: 0 on a 2xx answer, else -1 with *cause from S3's <Error>. */
static int
s3_req_result(struct s3_req *q, CURLcode rc, char **cause)
{
	struct s3_xml	 x;
	char		*why = NULL, *e;

	if (rc != CURLE_OK) {
		e = remote_curl_error(rc, q->errbuf);
		*cause = xasprintf("%s: %s", q->what, e);
		free(e);
		return (-1);
	}
	curl_easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &q->status);
	if (q->status >= 200 && q->status < 300)
		return (0);
	if (q->resp.len > 0 && s3_xml_parse(q->resp.data, q->resp.len, &x, &why) == 0) {
		e = s3_error_text(&x);
		*cause = xasprintf(_("%s: HTTP %ld %s"), q->what, q->status, e);
		free(e);
		s3_xml_clear(&x);
	} else
		*cause = xasprintf(_("%s: HTTP %ld"), q->what, q->status);
	free(why);
	return (-1);
}

/* Run one request to its end. Returns -1 with *cause. */
static int
s3_req_run(struct s3_req *q, char **cause)
{
	q->curlrc = curl_easy_perform(q->h);
	return (s3_req_result(q, q->curlrc, cause));
}

/* Read len bytes at off of fd into a new buffer. Returns NULL with *cause. */
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

/* Feed the first len bytes of the file at fd to md (a download being resumed). */
static int
s3_md5_head(int fd, const char *path, uint64_t len, EVP_MD_CTX *md, char **cause)
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
		EVP_DigestUpdate(md, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	return (0);
}

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
 * Download PREFIX TIER/FILE to local through its temporary name, asking for
 * the rest of a temporary file left by a broken download (Range); a single-part
 * object's ETag is checked against the MD5 of the file, computed as it is
 * written (and over the part kept from a broken download). Returns -1 with
 * *cause.
 */
int
s3_get(struct remote *r, const char *tier, const char *file, const char *local, char **cause)
{
	struct s3_req	 q;
	struct stat	 st;
	EVP_MD_CTX	*md = NULL;
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl;
	char		*key, *url, *tmp, *what, md5[33];
	curl_off_t	 off = 0;
	FILE		*fp = NULL;
	int		 fd, rc = -1;

	memset(&q, 0, sizeof q);
	r->fail = REMOTE_FAIL_LOCAL;
	key = s3_key(r, tier, file);
	url = s3_url(r, key, NULL);
	what = xasprintf("s3://%s/%s", r->bucket, key);
	tmp = hashio_tmpname(local);
	if (stat(tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		off = st.st_size;
		log_info(_("Resuming %s at byte %" PRId64), what, (int64_t)off);
	}
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) ==
	    -1 || (fp = fdopen(fd, "ab")) == NULL) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	setvbuf(fp, NULL, _IOFBF, HASHIO_BLOCK);
	if ((md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1) {
		*cause = xasprintf("%s: %s", what, strerror(ENOMEM));
		goto out;
	}
	if (off > 0 && s3_md5_head(fd, tmp, (uint64_t)off, md, cause) == -1)
		goto out;
	if (s3_req_init(r, &q, "GET", url, what, NULL, 0, cause) == -1)
		goto out;
	q.out = fp;
	q.outmd = md;
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
		if (ftruncate(fileno(fp), 0) == -1) {
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			goto out;
		}
		s3_req_clear(&q);
		EVP_DigestInit_ex(md, EVP_md5(), NULL);
		if (s3_req_init(r, &q, "GET", url, what, NULL, 0, cause) == -1)
			goto out;
		q.out = fp;
		q.outmd = md;
		rc = s3_req_run(&q, cause);
	}
	if (rc == -1)
		r->fail = s3_get_fail(&q);
	if (rc == 0 && off > 0 && q.status != 206) {
		*cause = xasprintf(_("%s: the store ignored the range request"), what);
		r->fail = REMOTE_FAIL_CONNECT;
		rc = -1;
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) == -1) {
		if (rc == 0 || r->fail == REMOTE_FAIL_LOCAL) {
			free(*cause);
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			r->fail = REMOTE_FAIL_LOCAL;
		}
		rc = -1;
	}
	if (rc == 0 && q.etag[0] != '\0' && strchr(q.etag, '-') == NULL) {
		EVP_DigestFinal_ex(md, d, &dl);
		str_hex(d, dl, md5);
		if (strcasecmp(md5, q.etag) != 0) {
			*cause = xasprintf(_("%s: MD5 %s of the download is not the ETag %s: "
			    "the object is damaged at rest"), what, md5, q.etag);
			r->fail = REMOTE_FAIL_DAMAGED;
			unlink(tmp);
			rc = -1;
		}
	}
	if (rc == 0 && rename(tmp, local) == -1) {
		*cause = xasprintf("%s: %s", local, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && fs_fsync_parent(local, cause) == -1)
		rc = -1;
out:
	if (fp != NULL)
		fclose(fp);
	EVP_MD_CTX_free(md);
	s3_req_clear(&q);
	free(key);
	free(url);
	free(what);
	free(tmp);
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
		free(token);
		token = next;
		next = NULL;
	} while (rc == 0 && token != NULL);
	free(token);
	free(what);
	free(lprefix);
	return (rc);
}
