/* wal.h: reading an SQLite -wal file from outside SQLite: header, frames, checksums. */
#ifndef PDR_WAL_H
#define PDR_WAL_H

#include "system.h"

#include <sys/types.h>

#define WAL_HDRLEN	32
#define WAL_MAGIC_LE	0x377f0682
#define WAL_MAGIC_BE	0x377f0683
#define WAL_CHUNK	((size_t)1 << 20)	/* bytes read at a time */

/* What wal_scan does with a valid frame (24 + page_size bytes) and its number; -1 with *cause stops it. */
typedef int (*wal_frame_fn)(void *, const unsigned char *, uint64_t, char **);

/* A WAL file header as read from the -wal file. */
struct wal_hdr {
	bool		 valid;		/* false: no file, short, or bad header checksum */
	bool		 be;		/* checksums over big-endian words */
	uint32_t	 page_size;
	uint32_t	 salt1;
	uint32_t	 salt2;
	uint32_t	 cksum[2];
};

int	wal_open(const char *, int *, char **);
int	wal_header(const char *, int, struct wal_hdr *, char **);
off_t	wal_frame_off(const struct wal_hdr *, uint64_t);
int	wal_scan(const char *, int, const struct wal_hdr *, uint64_t, uint64_t, wal_frame_fn,
	    void *, uint64_t *, uint64_t *, char **);

#endif
