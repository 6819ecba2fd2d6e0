/* hashio.h: files written under a temporary name with a running SHA-256, and file hashing. */
#ifndef PDR_HASHIO_H
#define PDR_HASHIO_H

#include "system.h"

#include <sys/types.h>

#include "util/fail.h"

/* Size of the reads that hash a file. */
#define HASHIO_BLOCK (1024 * 1024)

/* Hex SHA-256 with its NUL. */
#define HASHIO_HEXLEN 65

/* Signature of a byte consumer: returns 0, or -1 with *cause. */
typedef int (*hashio_sink_fn)(void *, const void *, size_t, char **);
/* Signature of a byte producer: bytes read, 0 at the end, -1 with *cause. */
typedef ssize_t (*hashio_source_fn)(void *, void *, size_t, char **);

/* An output file in the making; appears under path only at hashio_commit. */
struct hashio_out {
	char		*path;		/* final name, owned */
	char		*tmp;		/* temporary name, owned */
	int		 fd;
	void		*md;		/* EVP_MD_CTX */
	uint64_t	 size;
	char		 hex[HASHIO_HEXLEN];
	enum fail_class	 fail;		/* the class of a failed open, write or commit */
};

/* An input file read with a running SHA-256. */
struct hashio_in {
	char		*path;		/* owned */
	int		 fd;
	void		*md;		/* EVP_MD_CTX */
	uint64_t	 size;
	bool		 eof;
	char		 hex[HASHIO_HEXLEN];
};

char	*hashio_tmpname(const char *);
int	 hashio_open(struct hashio_out *, const char *, char **);
int	 hashio_write(struct hashio_out *, const void *, size_t, char **);
int	 hashio_sink(void *, const void *, size_t, char **);
int	 hashio_commit(struct hashio_out *, char **);
void	 hashio_abort(struct hashio_out *);

int	 hashio_in_open(struct hashio_in *, const char *, char **);
ssize_t	 hashio_in_read(void *, void *, size_t, char **);
int	 hashio_in_finish(struct hashio_in *, char **);
void	 hashio_in_close(struct hashio_in *);

int	 hashio_file(const char *, char *, uint64_t *, char **);

/* Called at each step that a kill could interrupt (util/testhook.h). */
void	 hashio_checkpoint(const char *);

#endif
