/* dbio.c: a SQLite VFS over the default one that reads ahead and writes in large blocks. */
#include "system.h"

#include <pthread.h>

#include <sqlite3.h>

#include "engine/set/dbio.h"
#include "util/xmalloc.h"

/*
 * SQLite reads and writes a database one page (4 KiB) per system call. On a
 * virtual machine a system call costs as much as copying several pages, so a
 * backup (three full reads and one full write of the database) spends most of
 * its time entering the kernel. This VFS wraps the default one and changes
 * only how the main database file is read and written:
 *
 * - Reads that go forward through the file (the backup API copying pages in
 *   order, integrity_check walking a table that grew by appending) are served
 *   from a window of DBIO_BLOCK bytes read at once. A read that jumps
 *   elsewhere is passed through and leaves the window alone. The window is
 *   dropped whenever a lock changes (xLock, xUnlock, xShmLock, xShmBarrier),
 *   so that it never outlives the transaction it was read in: within one
 *   read transaction, the pages SQLite reads from the database file do not
 *   change (the same guarantee SQLite's own memory-mapped reads rely on).
 * - Writes that follow each other are gathered into one buffer of
 *   DBIO_BLOCK bytes and written together; the buffer is written out before
 *   any read, sync, truncate, size query, lock change, file control or close,
 *   so SQLite never sees the difference.
 *
 * Journals and WAL files are passed through untouched. Memory-mapped I/O is
 * turned off for files opened here (xFetch gives no mapping), so every page
 * goes through xRead and the process's resident memory stays small.
 */

/* The largest write the default VFS takes in one call (it masks the length with 0x1ffff). */
#define DBIO_WRITE_MAX (64 * 1024)

struct dbio_file {
	sqlite3_file		 base;
	sqlite3_file		*real;		/* the default VFS's file, right after us */
	bool			 bulk;		/* main database: buffered */
	unsigned char		*rbuf;		/* read window, owned */
	sqlite3_int64		 roff;		/* window covers [roff, roff + rlen) */
	size_t			 rlen;
	sqlite3_int64		 rprev;		/* start of the last read passed through */
	sqlite3_int64		 rnext;		/* end of the last read passed through */
	unsigned char		*wbuf;		/* pending writes, owned */
	sqlite3_int64		 woff;		/* pending covers [woff, woff + wlen) */
	size_t			 wlen;
};

static sqlite3_vfs	*dbio_parent;
static sqlite3_vfs	 dbio_the_vfs;
static int		 dbio_register_rc = SQLITE_ERROR;
static pthread_once_t	 dbio_once = PTHREAD_ONCE_INIT;
static struct dbio_stats dbio_counts;

/* Add n to a counter shared by all threads. */
static void
dbio_count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* The counters so far. */
void
dbio_stats(struct dbio_stats *s)
{
	s->hits = __atomic_load_n(&dbio_counts.hits, __ATOMIC_RELAXED);
	s->misses = __atomic_load_n(&dbio_counts.misses, __ATOMIC_RELAXED);
	s->fills = __atomic_load_n(&dbio_counts.fills, __ATOMIC_RELAXED);
	s->writes = __atomic_load_n(&dbio_counts.writes, __ATOMIC_RELAXED);
	s->flushes = __atomic_load_n(&dbio_counts.flushes, __ATOMIC_RELAXED);
}

/* Forget the read window. */
static void
dbio_drop(struct dbio_file *f)
{
	f->rlen = 0;
}

/* Write out the pending writes, if any. */
static int
dbio_flush(struct dbio_file *f)
{
	size_t	done, n;
	int	rc;

	if (f->wlen == 0)
		return (SQLITE_OK);
	/* The default VFS takes at most 128 KiB per write. */
	for (done = 0, rc = SQLITE_OK; rc == SQLITE_OK && done < f->wlen; done += n) {
		n = f->wlen - done < DBIO_WRITE_MAX ? f->wlen - done : DBIO_WRITE_MAX;
		dbio_count(&dbio_counts.flushes, 1);
		rc = f->real->pMethods->xWrite(f->real, f->wbuf + done, (int)n,
		    f->woff + (sqlite3_int64)done);
	}
	f->wlen = 0;
	return (rc);
}

/* Close the file, writing out what is pending first. */
static int
dbio_close(sqlite3_file *file)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc, rc2;

	rc = dbio_flush(f);
	rc2 = f->real->pMethods->xClose(f->real);
	free(f->rbuf);
	free(f->wbuf);
	f->rbuf = f->wbuf = NULL;
	return (rc != SQLITE_OK ? rc : rc2);
}

/*
 * Read amt bytes at off: from the window, by filling a new window when the
 * reads walk forward or backward through the file, else passed through.
 */
static int
dbio_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	sqlite3_int64		 size, start, end, wend = f->roff + (sqlite3_int64)f->rlen;
	int			 rc;
	bool			 forward, backward;

	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	if (!f->bulk || amt <= 0 || amt > DBIO_BLOCK / 2)
		return (f->real->pMethods->xRead(f->real, out, amt, off));
	if (f->rlen > 0 && off >= f->roff && off + amt <= wend) {
		memcpy(out, f->rbuf + (off - f->roff), (size_t)amt);
		dbio_count(&dbio_counts.hits, 1);
		return (SQLITE_OK);
	}

	/*
	 * Forward: just past the window, or right after the last read passed
	 * through (the backup API, the table scans of integrity_check).
	 * Backward: just before the window, or right before the last read
	 * passed through (integrity_check walks each b-tree page's cells from
	 * the last to the first).
	 */
	forward = off == f->rnext || (f->rlen > 0 && off >= wend && off < wend + DBIO_BLOCK);
	backward = off + amt == f->rprev || (f->rlen > 0 && off < f->roff &&
	    off + amt > f->roff - DBIO_BLOCK);
	f->rprev = off;
	f->rnext = off + amt;
	if ((!forward && !backward) ||
	    f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK || off + amt > size) {
		dbio_count(&dbio_counts.misses, 1);
		return (f->real->pMethods->xRead(f->real, out, amt, off));
	}
	if (forward) {
		start = off;
		end = size - off < DBIO_BLOCK ? size : off + DBIO_BLOCK;
	} else {
		end = off + amt;
		start = end < DBIO_BLOCK ? 0 : end - DBIO_BLOCK;
	}
	if (f->rbuf == NULL)
		f->rbuf = xmalloc(DBIO_BLOCK);
	dbio_drop(f);
	if (f->real->pMethods->xRead(f->real, f->rbuf, (int)(end - start), start) != SQLITE_OK) {
		/* The file changed size under us: let the default VFS answer. */
		dbio_count(&dbio_counts.misses, 1);
		return (f->real->pMethods->xRead(f->real, out, amt, off));
	}
	dbio_count(&dbio_counts.fills, 1);
	dbio_count(&dbio_counts.hits, 1);
	f->roff = start;
	f->rlen = (size_t)(end - start);
	memcpy(out, f->rbuf + (off - start), (size_t)amt);
	return (SQLITE_OK);
}

/* Write amt bytes at off: appended to the pending block when it follows it. */
static int
dbio_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	dbio_drop(f);
	if (!f->bulk || amt <= 0 || amt > DBIO_BLOCK / 2)
		return ((rc = dbio_flush(f)) != SQLITE_OK ? rc :
		    f->real->pMethods->xWrite(f->real, data, amt, off));
	dbio_count(&dbio_counts.writes, 1);
	if (f->wlen > 0 && (off != f->woff + (sqlite3_int64)f->wlen ||
	    f->wlen + (size_t)amt > DBIO_BLOCK) && (rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	if (f->wbuf == NULL)
		f->wbuf = xmalloc(DBIO_BLOCK);
	if (f->wlen == 0)
		f->woff = off;
	memcpy(f->wbuf + f->wlen, data, (size_t)amt);
	f->wlen += (size_t)amt;
	return (SQLITE_OK);
}

/* Truncate, after the pending writes. */
static int
dbio_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	dbio_drop(f);
	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xTruncate(f->real, size));
}

/* Sync, after the pending writes. */
static int
dbio_sync(sqlite3_file *file, int flags)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xSync(f->real, flags));
}

/* The size, counting the pending writes. */
static int
dbio_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xFileSize(f->real, size));
}

/* Take a lock; what was read before may have changed. */
static int
dbio_lock(sqlite3_file *file, int level)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	dbio_drop(f);
	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xLock(f->real, level));
}

/* Release a lock, after the pending writes. */
static int
dbio_unlock(sqlite3_file *file, int level)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	dbio_drop(f);
	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xUnlock(f->real, level));
}

/* Passed through. */
static int
dbio_check_reserved(sqlite3_file *file, int *out)
{
	struct dbio_file	*f = (struct dbio_file *)file;

	return (f->real->pMethods->xCheckReservedLock(f->real, out));
}

/* Passed through, after the pending writes. */
static int
dbio_file_control(sqlite3_file *file, int op, void *arg)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	if (op == SQLITE_FCNTL_VFSNAME) {
		/* Our name, then the default VFS's (SQLite frees the old one). */
		rc = f->real->pMethods->xFileControl(f->real, op, arg);
		if (rc == SQLITE_OK) {
			char *old = *(char **)arg;

			*(char **)arg = sqlite3_mprintf("%s/%z", DBIO_VFS, old);
		}
		return (rc);
	}
	dbio_drop(f);
	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xFileControl(f->real, op, arg));
}

/* Passed through. */
static int
dbio_sector_size(sqlite3_file *file)
{
	struct dbio_file	*f = (struct dbio_file *)file;

	return (f->real->pMethods->xSectorSize(f->real));
}

/* Passed through. */
static int
dbio_device_characteristics(sqlite3_file *file)
{
	struct dbio_file	*f = (struct dbio_file *)file;

	return (f->real->pMethods->xDeviceCharacteristics(f->real));
}

/* Passed through (WAL index). */
static int
dbio_shm_map(sqlite3_file *file, int pg, int pgsz, int extend, void volatile **pp)
{
	struct dbio_file	*f = (struct dbio_file *)file;

	if (f->real->pMethods->iVersion < 2)
		return (SQLITE_IOERR);
	return (f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp));
}

/* WAL lock: a transaction starts or ends, drop the window. */
static int
dbio_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	if (f->real->pMethods->iVersion < 2)
		return (SQLITE_IOERR);
	dbio_drop(f);
	if ((rc = dbio_flush(f)) != SQLITE_OK)
		return (rc);
	return (f->real->pMethods->xShmLock(f->real, offset, n, flags));
}

/* WAL barrier: drop the window. */
static void
dbio_shm_barrier(sqlite3_file *file)
{
	struct dbio_file	*f = (struct dbio_file *)file;

	dbio_drop(f);
	if (f->real->pMethods->iVersion >= 2)
		f->real->pMethods->xShmBarrier(f->real);
}

/* Passed through. */
static int
dbio_shm_unmap(sqlite3_file *file, int del)
{
	struct dbio_file	*f = (struct dbio_file *)file;

	if (f->real->pMethods->iVersion < 2)
		return (SQLITE_OK);
	return (f->real->pMethods->xShmUnmap(f->real, del));
}

/* No memory mapping: every page goes through xRead. */
static int
dbio_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
	(void)file;
	(void)off;
	(void)amt;
	*pp = NULL;
	return (SQLITE_OK);
}

/* Nothing was mapped. */
static int
dbio_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	(void)file;
	(void)off;
	(void)p;
	return (SQLITE_OK);
}

static const sqlite3_io_methods dbio_methods = {
	3,
	dbio_close,
	dbio_read,
	dbio_write,
	dbio_truncate,
	dbio_sync,
	dbio_file_size,
	dbio_lock,
	dbio_unlock,
	dbio_check_reserved,
	dbio_file_control,
	dbio_sector_size,
	dbio_device_characteristics,
	dbio_shm_map,
	dbio_shm_lock,
	dbio_shm_barrier,
	dbio_shm_unmap,
	dbio_fetch,
	dbio_unfetch,
};

/* Open a file with the default VFS and wrap it. */
static int
dbio_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outflags)
{
	struct dbio_file	*f = (struct dbio_file *)file;
	int			 rc;

	(void)vfs;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	f->bulk = (flags & SQLITE_OPEN_MAIN_DB) != 0;
	f->rprev = f->rnext = -1;
	rc = dbio_parent->xOpen(dbio_parent, name, f->real, flags, outflags);
	if (f->real->pMethods == NULL) {
		f->base.pMethods = NULL;
		return (rc != SQLITE_OK ? rc : SQLITE_CANTOPEN);
	}
	f->base.pMethods = &dbio_methods;
	return (rc);
}

/* Passed through to the default VFS. */
static int
dbio_delete(sqlite3_vfs *vfs, const char *name, int dirsync)
{
	(void)vfs;
	return (dbio_parent->xDelete(dbio_parent, name, dirsync));
}

/* Passed through to the default VFS. */
static int
dbio_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return (dbio_parent->xAccess(dbio_parent, name, flags, out));
}

/* Passed through to the default VFS. */
static int
dbio_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return (dbio_parent->xFullPathname(dbio_parent, name, n, out));
}

/* Passed through to the default VFS. */
static void *
dbio_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return (dbio_parent->xDlOpen(dbio_parent, name));
}

/* Passed through to the default VFS. */
static void
dbio_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	dbio_parent->xDlError(dbio_parent, n, msg);
}

/* Passed through to the default VFS. */
static void
(*dbio_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return (dbio_parent->xDlSym(dbio_parent, h, sym));
}

/* Passed through to the default VFS. */
static void
dbio_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	dbio_parent->xDlClose(dbio_parent, h);
}

/* Passed through to the default VFS. */
static int
dbio_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return (dbio_parent->xRandomness(dbio_parent, n, out));
}

/* Passed through to the default VFS. */
static int
dbio_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return (dbio_parent->xSleep(dbio_parent, us));
}

/* Passed through to the default VFS. */
static int
dbio_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return (dbio_parent->xCurrentTime(dbio_parent, out));
}

/* Passed through to the default VFS. */
static int
dbio_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return (dbio_parent->xGetLastError(dbio_parent, n, out));
}

/* Passed through to the default VFS. */
static int
dbio_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return (dbio_parent->xCurrentTimeInt64(dbio_parent, out));
}

/* Register the VFS once (not as the default). */
static void
dbio_register_once(void)
{
	if ((dbio_parent = sqlite3_vfs_find(NULL)) == NULL)
		return;
	dbio_the_vfs.iVersion = dbio_parent->iVersion >= 2 ? 2 : 1;
	dbio_the_vfs.szOsFile = (int)sizeof(struct dbio_file) + dbio_parent->szOsFile;
	dbio_the_vfs.mxPathname = dbio_parent->mxPathname;
	dbio_the_vfs.zName = DBIO_VFS;
	dbio_the_vfs.xOpen = dbio_open;
	dbio_the_vfs.xDelete = dbio_delete;
	dbio_the_vfs.xAccess = dbio_access;
	dbio_the_vfs.xFullPathname = dbio_full_pathname;
	dbio_the_vfs.xDlOpen = dbio_dlopen;
	dbio_the_vfs.xDlError = dbio_dlerror;
	dbio_the_vfs.xDlSym = dbio_dlsym;
	dbio_the_vfs.xDlClose = dbio_dlclose;
	dbio_the_vfs.xRandomness = dbio_randomness;
	dbio_the_vfs.xSleep = dbio_sleep;
	dbio_the_vfs.xCurrentTime = dbio_current_time;
	dbio_the_vfs.xGetLastError = dbio_last_error;
	if (dbio_parent->iVersion >= 2 && dbio_parent->xCurrentTimeInt64 != NULL)
		dbio_the_vfs.xCurrentTimeInt64 = dbio_current_time64;
	else
		dbio_the_vfs.iVersion = 1;
	dbio_register_rc = sqlite3_vfs_register(&dbio_the_vfs, 0);
}

/*
 * The name of the VFS to pass as sqlite3_open_v2's zVfs, registered on first
 * use (any thread), or NULL (SQLite's default VFS) when it cannot be set up.
 */
const char *
dbio_vfs(void)
{
	pthread_once(&dbio_once, dbio_register_once);
	return (dbio_register_rc == SQLITE_OK ? DBIO_VFS : NULL);
}
