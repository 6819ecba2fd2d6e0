/*
 * s3-int.h: what the S3 store's files share (s3.c requests and answers,
 * s3-put.c uploads, s3-get.c downloads, removals and listings).
 */
#ifndef PDR_S3_INT_H
#define PDR_S3_INT_H

#include "system.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include "engine/remote/remote.h"
#include "util/str.h"

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
	EVP_MD_CTX		*outsha;	/* SHA-256 of it, may be NULL */
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

int		 s3_xml_parse(const char *, size_t, struct s3_xml *, char **);
const char	*s3_xml_get(const struct s3_xml *, const char *);
void		 s3_xml_clear(struct s3_xml *);
void		 s3_encode(struct buf *, const char *, bool);
char		*s3_key(struct remote *, const char *, const char *);
char		*s3_url(struct remote *, const char *, const char *);
void		 s3_digests(const void *, size_t, char *, char *, char *);
void		 s3_req_clear(struct s3_req *);
int		 s3_req_setup(struct remote *, struct s3_req *, const char *, const char *,
		    const char *, const char *, const char *, const char *, size_t, char **);
int		 s3_req_init(struct remote *, struct s3_req *, const char *, const char *,
		    const char *, unsigned char *, size_t, char **);
char		*s3_error_text(const struct s3_xml *);
int		 s3_req_result(struct s3_req *, CURLcode, char **);
int		 s3_req_run(struct s3_req *, char **);

/* s3-put.c */
int		 s3_put(struct remote *, const char *, const char *, const char *, char **);
/* How s3_complete_verdict found a multipart upload's end: checked, bad, or which ETag to check. */
enum { S3_DONE_CHECKSUM, S3_DONE_PARTS_ETAG, S3_DONE_MD5_ETAG, S3_DONE_BADSUM };
int		 s3_complete_verdict(const char *, size_t, const char *, size_t,
		    const unsigned char *, char **, char **);

/* s3-parts.c */
int		 s3_get_parts(struct remote *, const char *, const char *, const char *, int,
		    uint64_t, EVP_MD_CTX *, EVP_MD_CTX *, char *, size_t, char **);

/* s3-get.c */
int		 s3_get(struct remote *, const char *, const char *, const char *, char **);
int		 s3_delete(struct remote *, const char *, const char *, char **);
int		 s3_head(struct remote *, const char *, const char *, size_t, struct buf *,
		    char **);
int		 s3_list(struct remote *, struct remote_object **, size_t *, char **);
int		 s3_list_under(struct remote *, const char *, struct remote_object **, size_t *,
		    char **);
int		 s3_parse_list(const char *, size_t, const char *, struct remote_object **,
		    size_t *, char **, char **);

#endif
