/*
 * fuzz-stream.c: libFuzzer target for the stream's files as a hostile
 * backup_dir or off-site store hands them over: snapshot.sha256 (its HMAC
 * line) and a segment (PDRSEG01/PDRSEG02 header, its HMAC, the frames). The
 * first byte picks the file (bit 0) and whether unsigned files are allowed
 * (bit 1); the rest is the file.
 */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine/stream/segment.h"
#include "util/str.h"
#include "util/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The generation folder every input is written into (made once). */
static char	*fuzz_gendir;

/* Write len bytes to path, replacing it. */
static void
fuzz_put(const char *path, const uint8_t *data, size_t len)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

/* Read one input as snapshot.sha256 or segment 1; a refusal always says why. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct segment_snapinfo	 si;
	struct segment		 seg;
	struct segment_hdr	 h;
	char			*cause = NULL, *path, *top;
	bool			 allow;

	if (fuzz_gendir == NULL) {
		top = xstrdup("/tmp/fuzz-stream.XXXXXX");
		if (mkdtemp(top) == NULL)
			abort();
		fuzz_gendir = str_join_path(top, "20261127-120000-0a1b2c3d");
		free(top);
		if (mkdir(fuzz_gendir, 0700) == -1)
			abort();
		segment_auth_password("fuzz-key-fuzz-key");
	}
	if (size == 0)
		return (0);
	allow = (data[0] & 2) != 0;
	segment_auth_allow_unsigned(allow);
	if ((data[0] & 1) == 0) {
		path = str_join_path(fuzz_gendir, SEGMENT_SNAPSHOT_SHA);
		fuzz_put(path, data + 1, size - 1);
		if (segment_snapinfo_read(fuzz_gendir, &si, &cause) != 0) {
			if (cause == NULL)
				abort();
			free(cause);
			cause = NULL;
		} else if (!si.authed && !allow)
			abort();	/* unsigned, and taken without --allow-unsigned */
		if (segment_snapinfo_peek(fuzz_gendir, &si, &cause) != 0) {
			if (cause == NULL)
				abort();
			free(cause);
		}
	} else {
		path = segment_path(fuzz_gendir, 1);
		fuzz_put(path, data + 1, size - 1);
		if (segment_read(path, &seg, &cause) != 0) {
			if (cause == NULL)
				abort();
			free(cause);
			cause = NULL;
		} else {
			if ((!seg.authed && !allow) || seg.hdr.seq != 1)
				abort();
			segment_clear(&seg);
		}
		if (segment_read_hdr(path, &h, &cause) != 0)
			free(cause);
	}
	unlink(path);
	free(path);
	return (0);
}
