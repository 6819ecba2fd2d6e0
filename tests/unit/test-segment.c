/* test-segment.c: unit tests of the stream's on-disk format (src/engine/stream/segment.c). */
#include "system.h"

#include <check.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define PS 512
#define FSZ (SEGMENT_FRAME_HDRLEN + PS)

/* A temporary folder for one test; the caller frees and removes it. */
static char *
tmpdir(void)
{
	char	*d = xstrdup("/tmp/test-segment.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return (d);
}

/* Remove a folder and the files in it. */
static void
rmdir_all(const char *d)
{
	char	*cmd = xasprintf("rm -rf '%s'", d);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Fill one WAL frame: page pgno full of byte fill, commit size dbsize, the given salts. */
static void
frame(unsigned char *f, uint32_t pgno, uint32_t dbsize, uint32_t s1, uint32_t s2, int fill)
{
	memset(f, 0, FSZ);
	segment_put32(f, pgno);
	segment_put32(f + 4, dbsize);
	segment_put32(f + 8, s1);
	segment_put32(f + 12, s2);
	memset(f + SEGMENT_FRAME_HDRLEN, fill, PS);
}

/* Flip one byte of a file at off. */
static void
flip(const char *path, off_t off)
{
	unsigned char	c;
	int		fd = open(path, O_RDWR);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(pread(fd, &c, 1, off), 1);
	c ^= 0x40;
	ck_assert_int_eq(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

START_TEST(test_names)
{
	uint64_t	 seq;
	char		*n, *g;

	n = segment_name(7);
	ck_assert_str_eq(n, "00000007.seg");
	ck_assert_int_eq(segment_parse_name(n, &seq), 0);
	ck_assert_int_eq(seq, 7);
	free(n);
	ck_assert_int_eq(segment_parse_name("0000007.seg", &seq), -1);
	ck_assert_int_eq(segment_parse_name("00000007.seg.tmp", &seq), -1);
	ck_assert_int_eq(segment_parse_name("00000000.seg", &seq), -1);
	ck_assert_int_eq(segment_parse_name("123456789.seg", &seq), 0);
	ck_assert_int_eq(seq, 123456789);
	g = segment_gen_name(1760191200);
	ck_assert(segment_is_gen_name(g));
	ck_assert(str_has_prefix(g, "20251011-140000-"));
	free(g);
	ck_assert(!segment_is_gen_name("20251011-140000-ABCDEF01"));
	ck_assert(!segment_is_gen_name("20251011-140000"));
}
END_TEST

START_TEST(test_write_read)
{
	struct segment_hdr	 h;
	struct segment		 seg;
	unsigned char		 payload[3 * FSZ], sha[SEGMENT_SHALEN], md[SEGMENT_SHALEN];
	char			*d = tmpdir(), *path, *cause = NULL, *data;
	size_t			 len;
	uint64_t		 top;
	struct stat		 st;
	struct segment_hdr	 hr;

	frame(payload, 1, 0, 10, 20, 'a');
	frame(payload + FSZ, 2, 0, 10, 20, 'b');
	frame(payload + 2 * FSZ, 3, 3, 10, 20, 'c');
	memset(&h, 0, sizeof h);
	h.page_size = PS;
	h.seq = 1;
	h.time_ms = 1760191200123;
	h.first_frame = 5;
	h.salt1 = 10;
	h.salt2 = 20;
	memset(h.prev_sha, 0x11, sizeof h.prev_sha);
	ck_assert_int_eq(segment_write(d, &h, payload, sizeof payload, sha, &cause), 0);
	ck_assert_int_eq(h.n_frames, 3);
	path = segment_path(d, 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, SEGMENT_HDRLEN + sizeof payload);
	ck_assert_int_eq(fs_read_file(path, 1 << 20, &data, &len, &cause), 0);
	ck_assert_mem_eq(data, "PDRSEG02", 8);
	segment_sha256(data, len, md);
	ck_assert_mem_eq(md, sha, SEGMENT_SHALEN);
	free(data);

	ck_assert_int_eq(segment_read(path, &seg, &cause), 0);
	ck_assert_int_eq(seg.hdr.n_frames, 3);
	ck_assert_int_eq(seg.hdr.seq, 1);
	ck_assert_int_eq(seg.hdr.time_ms, 1760191200123);
	ck_assert_int_eq(seg.hdr.first_frame, 5);
	ck_assert_int_eq(seg.hdr.salt1, 10);
	ck_assert_int_eq(seg.hdr.salt2, 20);
	ck_assert_mem_eq(seg.sha, sha, SEGMENT_SHALEN);
	ck_assert_mem_eq(seg.payload, payload, sizeof payload);
	segment_clear(&seg);
	ck_assert_int_eq(segment_last_seq(d, &top, &cause), 0);
	ck_assert_int_eq(top, 1);

	/* A flipped payload byte: named, with the reason; the header alone still reads. */
	flip(path, SEGMENT_HDRLEN + FSZ + 100);
	ck_assert_int_eq(segment_read(path, &seg, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, path));
	ck_assert_ptr_nonnull(strstr(cause, "SHA-256"));
	free(cause);
	cause = NULL;
	memset(&hr, 0, sizeof hr);
	ck_assert_int_eq(segment_read_hdr(path, &hr, &cause), 0);
	ck_assert_int_eq(hr.seq, 1);
	ck_assert_int_eq(hr.time_ms, 1760191200123);
	ck_assert_int_eq(hr.n_frames, 3);
	flip(path, SEGMENT_HDRLEN + FSZ + 100);
	ck_assert_int_eq(segment_read(path, &seg, &cause), 0);
	segment_clear(&seg);

	/* Bad magic, truncation. */
	flip(path, 0);
	ck_assert_int_eq(segment_read(path, &seg, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "magic"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(segment_read_hdr(path, &hr, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "magic"));
	free(cause);
	cause = NULL;
	flip(path, 0);
	ck_assert_int_eq(truncate(path, SEGMENT_HDRLEN + 2 * FSZ + 7), 0);
	ck_assert_int_eq(segment_read(path, &seg, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "frames"));
	free(cause);
	cause = NULL;
	free(path);

	/* Refused on write: no commit frame last, a frame under other salts. */
	h.seq = 2;
	frame(payload + 2 * FSZ, 3, 0, 10, 20, 'c');
	ck_assert_int_eq(segment_write(d, &h, payload, sizeof payload, NULL, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "commit"));
	free(cause);
	cause = NULL;
	frame(payload + 2 * FSZ, 3, 3, 11, 20, 'c');
	ck_assert_int_eq(segment_write(d, &h, payload, sizeof payload, NULL, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "salts"));
	free(cause);
	rmdir_all(d);
	free(d);
}
END_TEST

START_TEST(test_chain)
{
	struct segment_pos	pos;
	struct segment_hdr	h;
	struct segment_snapinfo	si;

	memset(&si, 0, sizeof si);
	si.salt1 = 10;
	si.salt2 = 20;
	si.wal_frame = 4;
	segment_pos_snapshot(&si, &pos);
	memset(&h, 0, sizeof h);
	h.salt1 = 10;
	h.salt2 = 20;
	h.first_frame = 5;
	h.n_frames = 3;
	ck_assert(segment_continues(&pos, &h));
	h.first_frame = 6;				/* a gap */
	ck_assert(!segment_continues(&pos, &h));
	h.first_frame = 4;				/* an overlap */
	ck_assert(!segment_continues(&pos, &h));
	h.first_frame = 1;
	h.salt1 = 11;
	h.salt2 = 99;					/* WAL restarted */
	ck_assert(segment_continues(&pos, &h));
	h.salt1 = 12;					/* restarted twice: frames lost */
	ck_assert(!segment_continues(&pos, &h));
	h.salt1 = 10;
	h.first_frame = 5;
	segment_pos_after(&h, &pos);
	ck_assert_int_eq(pos.frame, 7);
	h.first_frame = 8;
	ck_assert(segment_continues(&pos, &h));

	/* A snapshot of an empty WAL: frame 1 under any salt. */
	memset(&si, 0, sizeof si);
	segment_pos_snapshot(&si, &pos);
	h.first_frame = 1;
	h.salt1 = 12345;
	ck_assert(segment_continues(&pos, &h));
	h.first_frame = 2;
	ck_assert(!segment_continues(&pos, &h));
}
END_TEST

START_TEST(test_snapinfo_rebuild)
{
	struct segment_snapinfo	 si, si2;
	struct segment_hdr	 h;
	unsigned char		 db[2 * PS], payload[3 * FSZ], sha1[SEGMENT_SHALEN];
	char			*d = tmpdir(), *snap, *out, *cause = NULL, *data, *path;
	size_t			 len;
	uint64_t		 last;

	memset(db, 'x', PS);
	memset(db + PS, 'y', PS);
	snap = str_join_path(d, SEGMENT_SNAPSHOT);
	ck_assert_int_eq(fs_write_atomic(snap, db, sizeof db, 0600, &cause), 0);
	memset(&si, 0, sizeof si);
	segment_sha256(db, sizeof db, si.sha);
	si.time_ms = 1000;
	si.page_size = PS;
	si.salt1 = 10;
	si.salt2 = 20;
	si.wal_frame = 4;
	ck_assert_int_eq(segment_snapinfo_write(d, &si, &cause), 0);
	ck_assert_int_eq(segment_snapshot_verify(d, &si2, &cause), 0);
	ck_assert(si2.authed);
	si.authed = true;	/* read back authenticated */
	ck_assert_mem_eq(&si, &si2, sizeof si);
	path = str_join_path(d, SEGMENT_SNAPSHOT_SHA);
	ck_assert_int_eq(fs_read_file(path, 4096, &data, &len, &cause), 0);
	free(path);
	ck_assert_ptr_nonnull(strstr(data, "  snapshot.db\nTime-Ms: 1000\nPage-Size: 512\n"
	    "Wal-Salt: 10 20\nWal-Frame: 4\n"));
	free(data);

	/* Segment 1: page 2 rewritten, page 3 added (db 3 pages). */
	memset(&h, 0, sizeof h);
	h.page_size = PS;
	h.seq = 1;
	h.time_ms = 2000;
	h.first_frame = 5;
	h.salt1 = 10;
	h.salt2 = 20;
	memcpy(h.prev_sha, si.sha, SEGMENT_SHALEN);
	frame(payload, 2, 0, 10, 20, 'b');
	frame(payload + FSZ, 3, 3, 10, 20, 'c');
	ck_assert_int_eq(segment_write(d, &h, payload, 2 * FSZ, sha1, &cause), 0);
	/* Segment 2, after a WAL restart: db back to 1 page, page 1 rewritten. */
	h.seq = 2;
	h.time_ms = 3000;
	h.first_frame = 1;
	h.salt1 = 11;
	h.salt2 = 7;
	memcpy(h.prev_sha, sha1, SEGMENT_SHALEN);
	frame(payload, 1, 1, 11, 7, 'z');
	ck_assert_int_eq(segment_write(d, &h, payload, FSZ, NULL, &cause), 0);

	out = str_join_path(d, "out.db");
	ck_assert_int_eq(segment_rebuild(d, out, 2500, &last, &cause), 0);
	ck_assert_int_eq(last, 1);
	ck_assert_int_eq(fs_read_file(out, 1 << 20, &data, &len, &cause), 0);
	ck_assert_int_eq(len, 3 * PS);
	ck_assert_int_eq(data[0], 'x');
	ck_assert_int_eq(data[PS], 'b');
	ck_assert_int_eq(data[2 * PS + PS - 1], 'c');
	free(data);
	ck_assert_int_eq(segment_rebuild(d, out, -1, &last, &cause), 0);
	ck_assert_int_eq(last, 2);
	ck_assert_int_eq(fs_read_file(out, 1 << 20, &data, &len, &cause), 0);
	ck_assert_int_eq(len, PS);
	ck_assert_int_eq(data[0], 'z');
	free(data);

	/* A missing segment in the middle: the gap is named. */
	h.seq = 3;
	h.time_ms = 4000;
	h.first_frame = 2;
	frame(payload, 1, 1, 11, 7, 'q');
	ck_assert_int_eq(segment_write(d, &h, payload, FSZ, NULL, &cause), 0);
	path = segment_path(d, 2);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(segment_rebuild(d, out, -1, &last, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, path));
	ck_assert_ptr_nonnull(strstr(cause, "gap"));
	free(cause);
	cause = NULL;
	free(path);

	/* A corrupt snapshot is refused. */
	flip(snap, 10);
	ck_assert_int_eq(segment_snapshot_verify(d, &si2, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "snapshot.db"));
	free(cause);
	free(out);
	free(snap);
	rmdir_all(d);
	free(d);
}
END_TEST

/* How many files of folder d have ".tmp." in their name. */
static int
count_tmp(const char *d)
{
	DIR		*dir;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(dir = opendir(d));
	while ((de = readdir(dir)) != NULL)
		if (strstr(de->d_name, ".tmp.") != NULL)
			n++;
	closedir(dir);
	return (n);
}

/*
 * A segment of more frames than a 1 MiB chunk holds, streamed: written frame by
 * frame (the open transaction's frames after the last commit cut off), verified
 * and applied in chunks, the same bytes as from memory; a file changed after it
 * was verified is refused by the apply; a failed writer leaves nothing.
 */
START_TEST(test_stream_big)
{
	struct segment_writer	 w;
	struct segment_hdr	 h;
	struct segment		 seg, mem;
	unsigned char		*payload, sha[SEGMENT_SHALEN], md[SEGMENT_SHALEN], f[FSZ];
	char			*d = tmpdir(), *path, *out1, *out2, *cause = NULL, *a, *b;
	size_t			 i, n = 3000, la, lb;
	struct stat		 st;
	int			 fd;

	memset(&h, 0, sizeof h);
	h.page_size = PS;
	h.seq = 1;
	h.time_ms = 5000;
	h.first_frame = 1;
	h.salt1 = 10;
	h.salt2 = 20;
	payload = xmalloc((n + 7) * FSZ);
	ck_assert_int_eq(segment_writer_open(&w, d, &h, &cause), 0);
	for (i = 0; i < n + 7; i++) {
		frame(payload + i * FSZ, (uint32_t)(i % 50) + 1, i < n && (i + 1) % 100 == 0 ? 50 : 0,
		    10, 20, 'a' + (int)(i % 26));
		ck_assert_int_eq(segment_writer_add(&w, payload + i * FSZ, &cause), 0);
	}
	ck_assert_int_eq(count_tmp(d), 1);
	ck_assert_int_eq(segment_writer_finish(&w, &h, sha, &cause), 0);
	ck_assert_int_eq(h.n_frames, n);
	ck_assert_int_eq(count_tmp(d), 0);
	path = segment_path(d, 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, SEGMENT_HDRLEN + n * FSZ);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(fs_read_file(path, 1 << 22, &a, &la, &cause), 0);
	segment_sha256(a, la, md);
	ck_assert_mem_eq(md, sha, SEGMENT_SHALEN);
	ck_assert_mem_eq(a + SEGMENT_HDRLEN, payload, n * FSZ);
	free(a);

	/* Verified in chunks, applied in chunks: the same file as from memory. */
	ck_assert_int_eq(segment_open(path, &seg, &cause), 0);
	ck_assert_ptr_null(seg.payload);
	ck_assert_mem_eq(seg.sha, sha, SEGMENT_SHALEN);
	ck_assert_mem_eq(seg.last, payload + (n - 1) * FSZ, FSZ);
	ck_assert_int_eq(segment_read(path, &mem, &cause), 0);
	out1 = str_join_path(d, "a.db");
	out2 = str_join_path(d, "b.db");
	ck_assert_int_ne(fd = open(out1, O_RDWR | O_CREAT, 0600), -1);
	ck_assert_int_eq(segment_apply(fd, out1, &seg, &cause), 0);
	close(fd);
	ck_assert_int_ne(fd = open(out2, O_RDWR | O_CREAT, 0600), -1);
	ck_assert_int_eq(segment_apply(fd, out2, &mem, &cause), 0);
	close(fd);
	ck_assert_int_eq(fs_read_file(out1, 1 << 22, &a, &la, &cause), 0);
	ck_assert_int_eq(fs_read_file(out2, 1 << 22, &b, &lb, &cause), 0);
	ck_assert_int_eq(la, 50 * PS);
	ck_assert_int_eq(la, lb);
	ck_assert_mem_eq(a, b, la);
	free(a);
	free(b);
	segment_clear(&mem);

	/* Changed after it was verified: the apply refuses it. */
	flip(path, SEGMENT_HDRLEN + (n - 10) * FSZ + 100);
	ck_assert_int_ne(fd = open(out1, O_RDWR), -1);
	ck_assert_int_eq(segment_apply(fd, out1, &seg, &cause), FAIL_IO);
	close(fd);
	ck_assert_ptr_nonnull(strstr(cause, "changed while it was applied"));
	free(cause);
	cause = NULL;
	segment_clear(&seg);

	/* A frame under other salts, no commit frame at all: refused, nothing left. */
	h.seq = 2;
	ck_assert_int_eq(segment_writer_open(&w, d, &h, &cause), 0);
	frame(f, 1, 0, 11, 20, 'x');
	ck_assert_int_eq(segment_writer_add(&w, f, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "salts"));
	free(cause);
	cause = NULL;
	segment_writer_abort(&w);
	ck_assert_int_eq(segment_writer_open(&w, d, &h, &cause), 0);
	frame(f, 1, 0, 10, 20, 'x');
	ck_assert_int_eq(segment_writer_add(&w, f, &cause), 0);
	ck_assert_int_eq(segment_writer_finish(&w, &h, NULL, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "commit"));
	free(cause);
	ck_assert_int_eq(count_tmp(d), 0);
	free(path);
	path = segment_path(d, 2);
	ck_assert_int_eq(access(path, F_OK), -1);
	free(path);
	free(out1);
	free(out2);
	free(payload);
	rmdir_all(d);
	free(d);
}
END_TEST

START_TEST(test_list_gens)
{
	char	*d = tmpdir(), *p, **names, *cause = NULL;
	size_t	 n;

	p = str_join_path(d, "20251011-140000-00000001");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = str_join_path(d, "20250101-000000-ffffffff");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	p = str_join_path(d, "lock");
	ck_assert_int_eq(fs_write_atomic(p, "", 0, 0600, &cause), 0);
	free(p);
	ck_assert_int_eq(segment_list_gens(d, &names, &n, &cause), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(names[0], "20250101-000000-ffffffff");
	ck_assert_str_eq(names[1], "20251011-140000-00000001");
	str_list_free(names, n);
	p = str_join_path(d, "none");
	ck_assert_int_eq(segment_list_gens(p, &names, &n, &cause), 0);
	ck_assert_int_eq(n, 0);
	free(p);
	rmdir_all(d);
	free(d);
}
END_TEST

/* The suite. */
/* Copy a file (cp). */
static void
copy(const char *from, const char *to)
{
	char	*cmd = xasprintf("cp '%s' '%s'", from, to);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Whether s contains what. */
static bool
has(const char *s, const char *what)
{
	return (s != NULL && strstr(s, what) != NULL);
}

/*
 * Authentication: a signed segment and snapshot.sha256 read back as authed;
 * moved to another generation, or with a byte of the header or HMAC changed,
 * refused; an unsigned PDRSEG01 file refused unless allowed; no key, nothing.
 */
START_TEST(test_auth)
{
	struct segment_hdr	 h;
	struct segment		 seg;
	struct segment_snapinfo	 si, si2;
	unsigned char		 payload[FSZ], *data;
	char			*d = tmpdir(), *e = tmpdir(), *path, *path2, *cause = NULL, *s1, *s2;
	size_t			 len;
	int			 fd;

	frame(payload, 1, 1, 10, 20, 'a');
	memset(&h, 0, sizeof h);
	h.page_size = PS;
	h.seq = 1;
	h.first_frame = 1;
	h.salt1 = 10;
	h.salt2 = 20;
	ck_assert_int_eq(segment_write(d, &h, payload, sizeof payload, NULL, &cause), 0);
	path = segment_path(d, 1);
	ck_assert_int_eq(segment_read(path, &seg, &cause), 0);
	ck_assert(seg.authed);
	ck_assert_int_eq(seg.hdrlen, SEGMENT_HDRLEN);
	segment_clear(&seg);

	/* moved to another generation: the HMAC binds the folder's name */
	path2 = segment_path(e, 1);
	copy(path, path2);
	ck_assert_int_eq(segment_read(path2, &seg, &cause), -1);
	ck_assert_msg(has(cause, "HMAC does not match"), "%s", cause);
	free(cause);
	cause = NULL;

	/* a header field (the capture time) or the HMAC changed */
	flip(path, 30);
	ck_assert_int_eq(segment_read(path, &seg, &cause), -1);
	ck_assert_msg(has(cause, "HMAC does not match"), "%s", cause);
	free(cause);
	cause = NULL;
	flip(path, 30);
	flip(path, SEGMENT_HDRLEN - 1);
	ck_assert_int_eq(segment_read(path, &seg, &cause), -1);
	free(cause);
	cause = NULL;
	flip(path, SEGMENT_HDRLEN - 1);

	/* PDRSEG01: the same fields, no HMAC */
	ck_assert_int_eq(fs_read_file(path, 1 << 20, (char **)&data, &len, &cause), 0);
	memcpy(data, SEGMENT_MAGIC_V1, 8);
	memmove(data + SEGMENT_HDRLEN_V1, data + SEGMENT_HDRLEN, len - SEGMENT_HDRLEN);
	ck_assert_int_ge(fd = open(path2, O_WRONLY | O_TRUNC), 0);
	ck_assert_int_eq(write(fd, data, len - 32), (ssize_t)(len - 32));
	close(fd);
	free(data);
	ck_assert_int_eq(segment_read(path2, &seg, &cause), -1);
	ck_assert_msg(has(cause, "unsigned"), "%s", cause);
	free(cause);
	cause = NULL;
	segment_auth_allow_unsigned(true);
	ck_assert_int_eq(segment_read(path2, &seg, &cause), 0);
	ck_assert(!seg.authed);
	ck_assert_int_eq(seg.hdrlen, SEGMENT_HDRLEN_V1);
	segment_clear(&seg);
	segment_auth_allow_unsigned(false);

	/* snapshot.sha256: signed, bound to its generation, any line covered */
	memset(&si, 0, sizeof si);
	si.page_size = PS;
	si.time_ms = 1760191200000;
	ck_assert_int_eq(segment_snapinfo_write(d, &si, &cause), 0);
	ck_assert_int_eq(segment_snapinfo_read(d, &si2, &cause), 0);
	ck_assert(si2.authed);
	s1 = str_join_path(d, SEGMENT_SNAPSHOT_SHA);
	s2 = str_join_path(e, SEGMENT_SNAPSHOT_SHA);
	copy(s1, s2);
	ck_assert_int_eq(segment_snapinfo_read(e, &si2, &cause), -1);
	ck_assert_msg(has(cause, "HMAC does not match"), "%s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(fs_read_file(s1, 1 << 20, (char **)&data, &len, &cause), 0);
	ck_assert_ptr_nonnull(strstr((char *)data, "Time-Ms: 1760191200000\n"));
	strstr((char *)data, "Time-Ms: 1760191200000\n")[17] = '9';
	ck_assert_int_eq(fs_write_atomic(s1, data, len, 0600, &cause), 0);
	ck_assert_int_eq(segment_snapinfo_read(d, &si2, &cause), -1);
	ck_assert_msg(has(cause, "HMAC does not match"), "%s", cause);
	free(cause);
	cause = NULL;
	/* without its HMAC line: unsigned */
	*strstr((char *)data, SEGMENT_HMAC_TAG) = '\0';
	ck_assert_int_eq(fs_write_atomic(s1, data, strlen((char *)data), 0600, &cause), 0);
	free(data);
	ck_assert_int_eq(segment_snapinfo_read(d, &si2, &cause), -1);
	ck_assert_msg(has(cause, "unsigned"), "%s", cause);
	free(cause);
	cause = NULL;
	/* peek (retention's dating) reads it all the same, as not authenticated */
	ck_assert_int_eq(segment_snapinfo_peek(d, &si2, &cause), 0);
	ck_assert(!si2.authed);
	ck_assert_int_eq(si2.time_ms, 1760191290000);	/* the changed line */

	/* no key: nothing verifies, nothing is signed */
	segment_auth_keyfile("/nonexistent/key");
	ck_assert_int_eq(segment_read(path, &seg, &cause), -1);
	ck_assert_msg(has(cause, "cannot be authenticated"), "%s", cause);
	free(cause);
	cause = NULL;
	h.seq = 2;
	ck_assert_int_eq(segment_write(d, &h, payload, sizeof payload, NULL, &cause), -1);
	ck_assert_msg(has(cause, "cannot sign"), "%s", cause);
	free(cause);
	segment_auth_password("unit-test-key");

	free(s1);
	free(s2);
	free(path);
	free(path2);
	rmdir_all(d);
	rmdir_all(e);
	free(d);
	free(e);
}
END_TEST

static Suite *
segment_suite(void)
{
	Suite	*s = suite_create("segment");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_chain);
	tcase_add_test(tc, test_snapinfo_rebuild);
	tcase_add_test(tc, test_list_gens);
	tcase_add_test(tc, test_stream_big);
	tcase_add_test(tc, test_auth);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(segment_suite());
	int	 failed;

	segment_auth_password("unit-test-key");
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
