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
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "engine/remote/s3-int.h"


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
void
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
int
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
const char *
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
void
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
char *
s3_key(struct remote *r, const char *tier, const char *file)
{
	return (xasprintf("%s%s/%s", r->prefix, tier, file));
}

/* The path-style URL of key (NULL: the bucket) with an already sorted query. Caller frees. */
char *
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
void
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
		if (q->outsha != NULL)
			EVP_DigestUpdate(q->outsha, data, size * n);
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
void
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
int
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
	curl_easy_setopt(q->h, CURLOPT_LOW_SPEED_LIMIT, CURLIO_LOW_SPEED);
	curl_easy_setopt(q->h, CURLOPT_LOW_SPEED_TIME, curlio_timeout());
	curl_easy_setopt(q->h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* A store that does not answer "Expect: 100-continue" costs a second, not a stall. */
	curl_easy_setopt(q->h, CURLOPT_EXPECT_100_TIMEOUT_MS, 1000L);
	if (r->ca_file != NULL)
		curl_easy_setopt(q->h, CURLOPT_CAINFO, r->ca_file);
	curlio_cancelable(r, q->h);
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
		if (curlio_test_rate() > 0)
			curl_easy_setopt(q->h, CURLOPT_MAX_SEND_SPEED_LARGE,
			    (curl_off_t)curlio_test_rate());
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
int
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
char *
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
int
s3_req_result(struct s3_req *q, CURLcode rc, char **cause)
{
	struct s3_xml	 x;
	char		*why = NULL, *e;

	if (rc != CURLE_OK) {
		e = curlio_error(rc, q->errbuf);
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
int
s3_req_run(struct s3_req *q, char **cause)
{
	q->curlrc = curl_easy_perform(q->h);
	return (s3_req_result(q, q->curlrc, cause));
}

/* The S3 store's table for remote.c. */
const struct remote_ops s3_ops = {
	.put = s3_put,
	.get = s3_get,
	.delete = s3_delete,
	.list = s3_list,
	.list_under = s3_list_under,
	.rmdir = NULL,
	.head = s3_head,
	.copying = N_("Copying to S3..."),
	.copied = N_("S3 backup completed"),
};
