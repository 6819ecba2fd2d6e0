/* wal.h: reading an SQLite -wal file from outside SQLite: header, frames, checksums. */
#ifndef PDR_WAL_H
#define PDR_WAL_H

#include "system.h"

#include <sys/types.h>

#include "util/str.h"

#define WAL_HDRLEN	32
#define WAL_MAGIC_LE	0x377f0682
#define WAL_MAGIC_BE	0x377f0683

/* A WAL file header as read from the -wal file. */
struct wal_hdr {
	bool		 valid;		/* false: no file, short, or bad header checksum */
	bool		 be;		/* checksums over big-endian words */
	uint32_t	 page_size;
	uint32_t	 salt1;
	uint32_t	 salt2;
	uint32_t	 cksum[2];
};

ssize_t	wal_pread(int, const char *, void *, size_t, off_t, char **);
int	wal_open(const char *, int *, char **);
int	wal_header(const char *, int, struct wal_hdr *, char **);
off_t	wal_frame_off(const struct wal_hdr *, uint64_t);
int	wal_scan(const char *, int, const struct wal_hdr *, uint64_t, struct buf *,
	    uint64_t *, uint64_t *, char **);

#endif
