/* hashio.c: files written under a temporary name with a running SHA-256, and file hashing. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "engine/set/hashio.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/testhook.h"
#include "util/xmalloc.h"

/* Give the test hook (if any) a chance to kill the process at a named point. */
void
hashio_checkpoint(const char *what)
{
	if (testhook_checkpoint != NULL)
		testhook_checkpoint(what);
}

/* The temporary name used while path is written: ".BASE.tmp" beside it; the caller frees. */
char *
hashio_tmpname(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return (xasprintf(".%s.tmp", path));
	return (xasprintf("%.*s/.%s.tmp", (int)(slash - path), path, slash + 1));
}

/* The class of a failed write, fsync or rename: no room is CANTCREAT, anything else IO. */
static enum fail_class
hashio_write_class(int err)
{
	return (err == ENOSPC || err == EDQUOT ? FAIL_CANTCREAT : FAIL_IO);
}

/* Start writing path under its temporary name, mode 0600. Returns -1 with *cause and o->fail. */
int
hashio_open(struct hashio_out *o, const char *path, char **cause)
{
	enum fail_class	fc;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->path = xstrdup(path);
	o->tmp = hashio_tmpname(path);
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (o->fd == -1 || fchmod(o->fd, 0600) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", o->tmp, strerror(errno));
		hashio_abort(o);
		o->fail = fc;
		return (-1);
	}
	o->md = EVP_MD_CTX_new();
	if (o->md == NULL || EVP_DigestInit_ex(o->md, EVP_sha256(), NULL) != 1) {
		*cause = xasprintf(_("%s: cannot start SHA-256"), path);
		hashio_abort(o);
		o->fail = FAIL_IO;
		return (-1);
	}
	return (0);
}

/* Append bytes to the file and its hash. Returns -1 with *cause and o->fail (errno kept). */
int
hashio_write(struct hashio_out *o, const void *data, size_t len, char **cause)
{
	const char	*p = data;
	ssize_t		 n;
	int		 saved;

	hashio_checkpoint("write");
	EVP_DigestUpdate(o->md, data, len);
	o->size += len;
	while (len > 0) {
		if ((n = write(o->fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			o->fail = hashio_write_class(saved);
			*cause = xasprintf("%s: %s", o->tmp, strerror(saved));
			errno = saved;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* hashio_write as a hashio_sink_fn over a struct hashio_out. */
int
hashio_sink(void *arg, const void *data, size_t len, char **cause)
{
	return (hashio_write(arg, data, len, cause));
}

/*
 * fsync, close and rename the file to its final name, fsync the folder; fills
 * o->hex. Returns -1 with *cause and o->fail (errno kept).
 */
int
hashio_commit(struct hashio_out *o, char **cause)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	int		 saved;

	EVP_DigestFinal_ex(o->md, md, &mdlen);
	str_hex(md, mdlen, o->hex);
	hashio_checkpoint("fsync");
	if (fsync(o->fd) == -1 || close(o->fd) == -1) {
		saved = errno;
		o->fd = -1;
		*cause = xasprintf("%s: %s", o->tmp, strerror(saved));
		hashio_abort(o);
		o->fail = hashio_write_class(saved);
		errno = saved;
		return (-1);
	}
	o->fd = -1;
	hashio_checkpoint("rename");
	if (rename(o->tmp, o->path) == -1) {
		saved = errno;
		*cause = xasprintf("%s: %s", o->path, strerror(saved));
		hashio_abort(o);
		o->fail = hashio_write_class(saved);
		errno = saved;
		return (-1);
	}
	free(o->tmp);
	o->tmp = NULL;
	if (fs_fsync_parent(o->path, cause) == -1) {
		saved = errno;
		hashio_abort(o);
		o->fail = hashio_write_class(saved);
		errno = saved;
		return (-1);
	}
	hashio_abort(o);	/* frees what is left, the file stays */
	return (0);
}

/* Give up on a file: remove the temporary, free everything (o->hex and o->fail stay). */
void
hashio_abort(struct hashio_out *o)
{
	char		hex[HASHIO_HEXLEN];
	enum fail_class	fc = o->fail;

	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp != NULL)
		unlink(o->tmp);
	if (o->md != NULL)
		EVP_MD_CTX_free(o->md);
	free(o->tmp);
	free(o->path);
	memcpy(hex, o->hex, sizeof hex);
	memset(o, 0, sizeof *o);
	memcpy(o->hex, hex, sizeof hex);
	o->fail = fc;
	o->fd = -1;
}

/* Open an existing file for reading with a running hash. Returns -1 with *cause. */
int
hashio_in_open(struct hashio_in *in, const char *path, char **cause)
{
	int	saved;

	memset(in, 0, sizeof *in);
	in->path = xstrdup(path);
	/* A regular file only: a FIFO in its place would block the read for ever. */
	if ((in->fd = fs_open_regular_why(path, 0, cause)) == -1) {
		saved = errno;
		free(in->path);
		in->path = NULL;
		errno = saved;
		return (-1);
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	in->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(in->md, EVP_sha256(), NULL);
	return (0);
}

/* Read up to len bytes (a hashio_source_fn over a struct hashio_in). */
ssize_t
hashio_in_read(void *arg, void *buf, size_t len, char **cause)
{
	struct hashio_in	*in = arg;
	ssize_t			 n;

	if (in->eof)
		return (0);
	do
		n = read(in->fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		*cause = xasprintf("%s: %s", in->path, strerror(errno));
		return (-1);
	}
	if (n == 0)
		in->eof = true;
	EVP_DigestUpdate(in->md, buf, (size_t)n);
	in->size += (uint64_t)n;
	return (n);
}

/* Read what is left of the file and finish its hash into in->hex. Returns -1 with *cause. */
int
hashio_in_finish(struct hashio_in *in, char **cause)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		*buf = xmalloc(HASHIO_BLOCK);
	ssize_t		 n;

	while ((n = hashio_in_read(in, buf, HASHIO_BLOCK, cause)) > 0)
		;
	free(buf);
	if (n == -1)
		return (-1);
	EVP_DigestFinal_ex(in->md, md, &mdlen);
	str_hex(md, mdlen, in->hex);
	return (0);
}

/* Close an input file and free its state. */
void
hashio_in_close(struct hashio_in *in)
{
	if (in->fd != -1)
		close(in->fd);
	if (in->md != NULL)
		EVP_MD_CTX_free(in->md);
	free(in->path);
	in->path = NULL;
	in->md = NULL;
	in->fd = -1;
}

/* SHA-256 of a whole file into hex (HASHIO_HEXLEN), its size into *size (may be NULL). */
int
hashio_file(const char *path, char *hex, uint64_t *size, char **cause)
{
	struct hashio_in	in;
	int			rc;

	if (hashio_in_open(&in, path, cause) == -1)
		return (-1);
	rc = hashio_in_finish(&in, cause);
	if (rc == 0) {
		memcpy(hex, in.hex, HASHIO_HEXLEN);
		if (size != NULL)
			*size = in.size;
	}
	hashio_in_close(&in);
	return (rc);
}
