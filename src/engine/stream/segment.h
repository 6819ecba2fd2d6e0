/* segment.h: the stream's on-disk format (STREAM-CONTRACT.md): segments, snapshot.sha256, chains. */
#ifndef PDR_SEGMENT_H
#define PDR_SEGMENT_H

#include "system.h"

#include <sys/types.h>

#include <openssl/evp.h>

#include "util/fail.h"

#define SEGMENT_MAGIC		"PDRSEG02"	/* signed: the header ends in its HMAC */
#define SEGMENT_MAGIC_V1	"PDRSEG01"	/* unsigned, read only with --allow-unsigned */
#define SEGMENT_HDRLEN_V1	112	/* the fields, and a PDRSEG01 file's payload offset */
#define SEGMENT_HDRLEN		144	/* ... and the HMAC: bytes before a PDRSEG02 payload */
#define SEGMENT_HMAC_TAG	"HMAC-SHA256:"	/* the line that signs snapshot.sha256 */
#define SEGMENT_FRAME_HDRLEN	24	/* WAL frame header */
#define SEGMENT_SHALEN		32
#define SEGMENT_SNAPSHOT	"snapshot.db"
#define SEGMENT_SNAPSHOT_SHA	"snapshot.sha256"
#define SEGMENT_GENLEN		24	/* YYYYmmdd-HHMMSS-xxxxxxxx */

/* BACKUP_DIR/stream and the files beside its generations (STREAM-CONTRACT.md). */
#define STREAM_DIR	"stream"
#define STREAM_LOCK	"lock"
#define STREAM_STATUS	"status"
#define STREAM_PAUSE	"pause"		/* shared by a capture round, exclusive by a restore */

/* The fixed header of a segment file (all big-endian on disk). */
struct segment_hdr {
	uint32_t	page_size;
	uint32_t	n_frames;
	uint64_t	seq;			/* 1-based, = the file name */
	int64_t		time_ms;		/* capture time, unix ms */
	uint64_t	first_frame;		/* WAL frame number (1-based) of frame 1 */
	uint32_t	salt1;
	uint32_t	salt2;
	unsigned char	prev_sha[SEGMENT_SHALEN];	/* previous segment, or snapshot.db */
	unsigned char	payload_sha[SEGMENT_SHALEN];
};

/*
 * A segment read and verified. segment_open streams it (the payload stays in
 * the file, kept open for segment_apply); segment_read holds the payload in
 * memory (small files). Owned; segment_clear frees.
 */
struct segment {
	char		*path;
	struct segment_hdr hdr;
	unsigned char	*payload;		/* segment_read: n_frames * (24 + page_size) */
	size_t		 len;			/* of the payload */
	unsigned char	 sha[SEGMENT_SHALEN];	/* of the whole file */
	unsigned char	*last;			/* the last frame, 24 + page_size bytes */
	int		 fd;			/* segment_open: the file */
	bool		 open;			/* fd is ours */
	size_t		 hdrlen;		/* where the payload starts */
	bool		 authed;		/* its HMAC verified (else allowed unsigned) */
};

/* A segment being written: frames streamed to a temporary file, then named (segment_writer_*). */
struct segment_writer {
	char		*path;			/* GEN/SEQ.seg */
	char		*gen;			/* GEN, which the HMAC binds */
	char		*tmp;
	int		 fd;
	struct segment_hdr hdr;			/* page_size, seq, salts */
	EVP_MD_CTX	*ctx;			/* the payload so far */
	EVP_MD_CTX	*done;			/* ... up to the last commit frame */
	unsigned char	*buf;			/* frames not yet written */
	size_t		 nbuf;
	uint64_t	 n;			/* frames added */
	uint64_t	 n_done;		/* ... up to the last commit frame */
};

/* Where a chain stands: the WAL (by its salts) and the last frame it contains. */
struct segment_pos {
	uint32_t	salt1;
	uint32_t	salt2;
	uint64_t	frame;			/* last frame contained; 0 = none */
	bool		any_salt;		/* snapshot of an empty WAL: next may be any salt */
};

/* snapshot.sha256 of a generation. */
struct segment_snapinfo {
	unsigned char	sha[SEGMENT_SHALEN];	/* of snapshot.db */
	int64_t		time_ms;
	uint32_t	page_size;
	uint32_t	salt1;			/* 0 0 with frame 0: the WAL was empty */
	uint32_t	salt2;
	uint64_t	wal_frame;
	bool		authed;			/* its HMAC verified (else allowed unsigned) */
};

bool	 segment_page_size_ok(uint32_t);
char	*segment_name(uint64_t);
char	*segment_path(const char *, uint64_t);
int	 segment_parse_name(const char *, uint64_t *);
int	 segment_write(const char *, struct segment_hdr *, const void *, size_t,
	     unsigned char *, char **);
int	 segment_read(const char *, struct segment *, char **);
int	 segment_open(const char *, struct segment *, char **);
int	 segment_writer_open(struct segment_writer *, const char *, const struct segment_hdr *,
	     char **);
int	 segment_writer_add(struct segment_writer *, const unsigned char *, char **);
int	 segment_writer_finish(struct segment_writer *, struct segment_hdr *, unsigned char *,
	     char **);
void	 segment_writer_abort(struct segment_writer *);
int	 segment_read_hdr(const char *, struct segment_hdr *, char **);
void	 segment_clear(struct segment *);
int	 segment_last_seq(const char *, uint64_t *, char **);
void	 segment_pos_after(const struct segment_hdr *, struct segment_pos *);
void	 segment_pos_snapshot(const struct segment_snapinfo *, struct segment_pos *);
bool	 segment_continues(const struct segment_pos *, const struct segment_hdr *);
int	 segment_check_link(const struct segment_pos *, const unsigned char *,
	     const struct segment *, char **);
enum fail_class segment_apply(int, const char *, const struct segment *, char **);
enum fail_class segment_apply_frame(int, const char *, uint32_t, const unsigned char *,
	    char **);

int	 segment_snapinfo_write(const char *, const struct segment_snapinfo *, char **);
int	 segment_snapinfo_read(const char *, struct segment_snapinfo *, char **);
int	 segment_snapinfo_peek(const char *, struct segment_snapinfo *, char **);
int	 segment_snapshot_verify(const char *, struct segment_snapinfo *, char **);

char	*segment_gen_name(time_t);
bool	 segment_is_gen_name(const char *);
int	 segment_list_gens(const char *, char ***, size_t *, char **);
bool	 segment_gen_expired(const char *, const char *, int64_t, int64_t, int64_t);

int	 segment_rebuild(const char *, const char *, int64_t, uint64_t *, char **);
int	 segment_hash_fd(int, const char *, unsigned char *, char **);

void	 segment_auth_keyfile(const char *);
void	 segment_auth_password(const char *);
void	 segment_auth_allow_unsigned(bool);
bool	 segment_auth_ready(const char **);
int	 segment_auth_mac(const char *, const void *, size_t, unsigned char *, char **);
int	 segment_auth_check(const char *, const char *, const void *, size_t,
	     const unsigned char *, bool *, char **);
const char *segment_auth_gen(const char *, char *, size_t);

void	 segment_sha256(const void *, size_t, unsigned char *);
ssize_t	 segment_pread(int, const char *, void *, size_t, off_t, char **);
uint32_t segment_get32(const unsigned char *);
uint64_t segment_get64(const unsigned char *);
void	 segment_put32(unsigned char *, uint32_t);
void	 segment_put64(unsigned char *, uint64_t);

#endif
