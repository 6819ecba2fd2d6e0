/*
 * pagescan.c: reading an SQLite file page by page, without SQLite, as its
 * file format documents (https://www.sqlite.org/fileformat2.html): the
 * header, b-tree pages, cells, records, overflow chains and the freelist.
 * Every offset read from the file is checked against the page before it is
 * used: the file is damaged by definition.
 */
#include "system.h"

#include <sys/mman.h>
#include <limits.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/recover/pagescan.h"
#include "util/xmalloc.h"

/* Deepest b-tree followed; SQLite's own limit is 20. */
#define PS_MAX_DEPTH	40
/* Most fields in a record (SQLITE_MAX_COLUMN's ceiling). */
#define PS_MAX_FIELDS	32767
/* The largest record SQLite writes (SQLITE_MAX_LENGTH's ceiling, plus its header). */
#define PS_MAX_PAYLOAD	((uint64_t)2147483647)
/* Pages looked at when guessing the page size of a file without a header. */
#define PS_GUESS_PAGES	4096

/* A walk in progress. */
struct ps_walk_ctx {
	struct ps_file			*f;
	const struct ps_visitor		*vis;
	uint32_t			 root;
	bool				 index;
	struct ps_value			*v;	/* the record being decoded */
	int				 nv_alloc;
	uint8_t				*seen;	/* pages this walk reached, a bit each */
	uint8_t				*buf;	/* payload spread over overflow pages */
	size_t				 buf_alloc;
	int				 stop;
};

/* A big-endian 16-bit number. */
static uint32_t
ps_be16(const uint8_t *p)
{
	return ((uint32_t)p[0] << 8 | p[1]);
}

/* A big-endian 32-bit number. */
static uint32_t
ps_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* Read a varint from p, not past end. Returns its length, 0 when it runs past end. */
static int
ps_varint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	uint64_t	x = 0;
	int		i;

	for (i = 0; i < 9; i++) {
		if (p + i >= end)
			return (0);
		if (i == 8) {
			*v = x << 8 | p[i];
			return (9);
		}
		x = x << 7 | (p[i] & 0x7f);
		if ((p[i] & 0x80) == 0) {
			*v = x;
			return (i + 1);
		}
	}
	return (0);
}

/* Page n, or NULL when it is outside the file. */
static const uint8_t *
ps_page(const struct ps_file *f, uint32_t n)
{
	if (n < 1 || n > f->npages)
		return (NULL);
	return (f->data + (size_t)(n - 1) * f->pgsz);
}

/*
 * Whether page n holds a sane b-tree page header: its kind (PS_TABLE_LEAF
 * ...), its number of cells and the offset of its cell pointers.
 */
static bool
ps_btree_header(const struct ps_file *f, uint32_t n, enum ps_kind *kind, uint32_t *ncells,
    uint32_t *ptrs)
{
	const uint8_t	*p = ps_page(f, n);
	uint32_t	 h = n == 1 ? 100 : 0, hl;

	if (p == NULL)
		return (false);
	switch (p[h]) {
	case 0x0d:
		*kind = PS_TABLE_LEAF;
		hl = 8;
		break;
	case 0x05:
		*kind = PS_TABLE_INTERIOR;
		hl = 12;
		break;
	case 0x0a:
		*kind = PS_INDEX_LEAF;
		hl = 8;
		break;
	case 0x02:
		*kind = PS_INDEX_INTERIOR;
		hl = 12;
		break;
	default:
		return (false);
	}
	*ncells = ps_be16(p + h + 3);
	*ptrs = h + hl;
	if (p[h + 7] > 60 || *ptrs + 2 * *ncells > f->usable)
		return (false);
	return (true);
}

/* Score a page size for a file without a readable header: sane pages less the others. */
static long
ps_score_pgsz(const struct ps_file *f, uint32_t pgsz)
{
	struct ps_file	 g = *f;
	enum ps_kind	 k;
	uint32_t	 n, nc, ptrs;
	long		 score = 0;

	g.pgsz = g.usable = pgsz;
	g.npages = (uint32_t)(f->size / pgsz);
	for (n = 1; n <= g.npages && n <= PS_GUESS_PAGES; n++) {
		if (ps_btree_header(&g, n, &k, &nc, &ptrs) && nc > 0)
			score++;
		else if (ps_page(&g, n)[n == 1 ? 100 : 0] != 0)
			score--;
	}
	return (score);
}

/* Decode the 100-byte header, or guess the page size when it is damaged. */
static void
ps_header(struct ps_file *f)
{
	const uint8_t	*h = f->data;
	uint32_t	 pgsz = 0, reserved = 0, ps;
	long		 best = LONG_MIN, s;

	f->enc = 1;
	if (f->size >= 100 && memcmp(h, "SQLite format 3", 16) == 0) {
		pgsz = ps_be16(h + 16);
		if (pgsz == 1)
			pgsz = 65536;
		reserved = h[20];
		if (pgsz < 512 || pgsz > 65536 || (pgsz & (pgsz - 1)) != 0 ||
		    pgsz - reserved < 480)
			pgsz = 0;
		else {
			f->hdr_ok = true;
			if (ps_be32(h + 56) >= 1 && ps_be32(h + 56) <= 3)
				f->enc = (int)ps_be32(h + 56);
			if (ps_be32(h + 24) == ps_be32(h + 92))
				f->hdr_npages = ps_be32(h + 28);
		}
	}
	if (pgsz == 0) {
		reserved = 0;
		pgsz = 4096;
		for (ps = 512; ps <= 65536 && f->size >= 512; ps *= 2) {
			if (f->size < ps)
				break;
			if ((s = ps_score_pgsz(f, ps)) > best) {
				best = s;
				pgsz = ps;
			}
		}
	}
	f->pgsz = pgsz;
	f->usable = pgsz - reserved;
	f->npages = (uint32_t)(f->size / pgsz > UINT32_MAX - 1 ? UINT32_MAX - 1 :
	    f->size / pgsz);
	f->kind = xcalloc((size_t)f->npages + 1, 1);
	f->owner = xcalloc((size_t)f->npages + 1, sizeof *f->owner);
}

/* Scan a file held in memory (borrowed: it must outlive f). */
void
ps_open_mem(struct ps_file *f, const uint8_t *data, size_t size)
{
	memset(f, 0, sizeof *f);
	f->data = data;
	f->size = size;
	ps_header(f);
}

/* Map the file at path read-only and scan it. Returns -1 with *cause. */
int
ps_open(struct ps_file *f, const char *path, char **cause)
{
	struct stat	 sb;
	void		*m = NULL;
	int		 fd;

	memset(f, 0, sizeof *f);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(fd, &sb) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (sb.st_size > 0 && (m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE,
	    fd, 0)) == MAP_FAILED) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	ps_open_mem(f, m != NULL ? m : (const uint8_t *)"", (size_t)sb.st_size);
	f->map = m;
	return (0);
}

/* Unmap and free what ps_open put in f. */
void
ps_close(struct ps_file *f)
{
	if (f->map != NULL)
		munmap(f->map, f->size);
	free(f->kind);
	free(f->owner);
	memset(f, 0, sizeof *f);
}

/* Mark the pages of the freelist PS_FREE, as far as its trunk can be followed. */
void
ps_mark_freelist(struct ps_file *f)
{
	const uint8_t	*p;
	uint32_t	 trunk, n, i, leaf, steps = 0;

	if (!f->hdr_ok)
		return;
	trunk = ps_be32(f->data + 32);
	while ((p = ps_page(f, trunk)) != NULL && f->kind[trunk] != PS_FREE &&
	    steps++ < f->npages) {
		f->kind[trunk] = PS_FREE;
		f->nfree++;
		n = ps_be32(p + 4);
		if (n > (f->usable - 8) / 4)
			break;
		for (i = 0; i < n; i++) {
			leaf = ps_be32(p + 8 + 4 * i);
			if (leaf >= 1 && leaf <= f->npages && f->kind[leaf] != PS_FREE) {
				f->kind[leaf] = PS_FREE;
				f->nfree++;
			}
		}
		trunk = ps_be32(p);
	}
}

/* Report damage to the walk's visitor. */
static void
ps_damage(struct ps_walk_ctx *w, uint32_t pgno, int cell, bool range, int64_t lo, int64_t hi,
    const char *why)
{
	struct ps_damage	d = { w->root, pgno, cell, range, lo, hi, why };

	if (w->vis->damage != NULL && w->stop == 0)
		w->stop = w->vis->damage(w->vis->arg, &d);
}

/*
 * The payload of a cell at off on page pgno with P bytes, of which local
 * lie on the page; the rest follows the overflow chain. Returns a pointer
 * to P bytes (into the page or w->buf), or NULL with *why.
 */
static const uint8_t *
ps_payload(struct ps_walk_ctx *w, const uint8_t *page, uint32_t off, uint64_t P,
    uint32_t local, const char **why, int *flags)
{
	struct ps_file	*f = w->f;
	const uint8_t	*ov;
	uint64_t	 got;
	uint32_t	 next, steps = 0, chunk;

	if (P <= local) {
		if (off + P > f->usable) {
			*why = N_("cell runs past the end of its page");
			return (NULL);
		}
		return (page + off);
	}
	if (off + local + 4 > f->usable) {
		*why = N_("cell runs past the end of its page");
		return (NULL);
	}
	if (P > (uint64_t)f->npages * (f->usable - 4) + local || P > PS_MAX_PAYLOAD) {
		*why = N_("payload larger than the file");
		return (NULL);
	}
	if (P > w->buf_alloc) {
		free(w->buf);
		w->buf = xmalloc((size_t)P);
		w->buf_alloc = (size_t)P;
	}
	memcpy(w->buf, page + off, local);
	got = local;
	next = ps_be32(page + off + local);
	while (got < P) {
		if ((ov = ps_page(f, next)) == NULL || steps++ > f->npages) {
			*why = N_("overflow chain broken");
			return (NULL);
		}
		if (f->kind[next] != PS_UNKNOWN && f->kind[next] != PS_OVERFLOW &&
		    f->kind[next] != PS_FREE) {
			*why = N_("overflow chain runs into a b-tree page");
			return (NULL);
		}
		f->kind[next] = PS_OVERFLOW;
		if (ov[0] == 0 && memcmp(ov, ov + 1, f->usable - 1) == 0)
			*flags |= PS_ROW_ZERO_OVERFLOW;	/* zeroed by the damage, or zeroblob() */
		chunk = f->usable - 4;
		if (P - got < chunk)
			chunk = (uint32_t)(P - got);
		memcpy(w->buf + got, ov + 4, chunk);
		got += chunk;
		next = ps_be32(ov);
	}
	return (w->buf);
}

/* Decode a record of n bytes into w->v. Returns the number of fields, -1 when malformed. */
static int
ps_record(struct ps_walk_ctx *w, const uint8_t *rec, uint64_t n)
{
	const uint8_t	*end = rec + n, *hp, *dp;
	struct ps_value	*v;
	uint64_t	 hsize, st, len;
	int		 k, nv = 0, i;
	int64_t		 x;

	if ((k = ps_varint(rec, end, &hsize)) == 0 || hsize < (uint64_t)k || hsize > n)
		return (-1);
	hp = rec + k;
	dp = rec + hsize;
	while (hp < rec + hsize) {
		if ((k = ps_varint(hp, rec + hsize, &st)) == 0 || nv >= PS_MAX_FIELDS)
			return (-1);
		hp += k;
		if (nv >= w->nv_alloc) {
			w->nv_alloc = w->nv_alloc == 0 ? 16 : w->nv_alloc * 2;
			w->v = xreallocarray(w->v, (size_t)w->nv_alloc, sizeof *w->v);
		}
		v = &w->v[nv++];
		memset(v, 0, sizeof *v);
		if (st == 10 || st == 11)
			return (-1);
		if (st >= 12)
			len = (st - 12) / 2;
		else {
			static const uint8_t sizes[] = { 0, 1, 2, 3, 4, 6, 8, 8, 0, 0 };
			len = sizes[st];
		}
		if (len > (uint64_t)(end - dp))
			return (-1);
		if (st == 0)
			v->type = SQLITE_NULL;
		else if (st == 8 || st == 9) {
			v->type = SQLITE_INTEGER;
			v->i = st == 9;
		} else if (st <= 7) {
			x = (dp[0] & 0x80) != 0 ? -1 : 0;	/* sign extension */
			for (i = 0; i < (int)len; i++)
				x = (int64_t)((uint64_t)x << 8 | dp[i]);
			if (st == 7) {
				v->type = SQLITE_FLOAT;
				memcpy(&v->d, &x, sizeof v->d);
			} else {
				v->type = SQLITE_INTEGER;
				v->i = x;
			}
		} else {
			v->type = (st & 1) != 0 ? SQLITE_TEXT : SQLITE_BLOB;
			v->p = dp;
			v->n = (size_t)len;
		}
		dp += len;
	}
	return (nv);
}

/* Hand one decoded row to the visitor. */
static void
ps_emit(struct ps_walk_ctx *w, uint32_t pgno, int cell, int64_t rowid, int nv, int flags)
{
	struct ps_row	r = { w->root, pgno, cell, rowid, w->v, nv, flags };

	if (w->vis->row != NULL && w->stop == 0)
		w->stop = w->vis->row(w->vis->arg, &r);
}

/*
 * Decode cell i of page pgno (of kind k) at offset off: a row of a leaf or
 * an index interior cell. Returns the left child of an interior cell (0 for
 * leaves), and its key in *key for table interior cells; -1 when the cell
 * cannot be read (reported as damage).
 */
static int64_t
ps_cell(struct ps_walk_ctx *w, uint32_t pgno, enum ps_kind k, int i, uint32_t off,
    int64_t lo, int64_t hi, int flags, int64_t *key)
{
	struct ps_file	*f = w->f;
	const uint8_t	*page = ps_page(f, pgno), *end = page + f->usable, *pay;
	const char	*why = N_("cell cannot be read");
	uint64_t	 P = 0, rowid = 0, X, M, K;
	uint32_t	 child = 0, local;
	int		 n, nv;

	if (k == PS_TABLE_INTERIOR || k == PS_INDEX_INTERIOR) {
		if (off + 4 > f->usable)
			goto bad;
		child = ps_be32(page + off);
		off += 4;
	}
	if (k == PS_TABLE_INTERIOR) {
		if ((n = ps_varint(page + off, end, &rowid)) == 0)
			goto bad;
		*key = (int64_t)rowid;
		return (child);
	}
	if ((n = ps_varint(page + off, end, &P)) == 0)
		goto bad;
	off += n;
	if (k == PS_TABLE_LEAF) {
		if ((n = ps_varint(page + off, end, &rowid)) == 0)
			goto bad;
		off += n;
		if (((int64_t)rowid <= lo && lo != INT64_MIN) || (int64_t)rowid > hi)
			flags |= PS_ROW_OUT_OF_RANGE;
		X = f->usable - 35;
	} else
		X = ((uint64_t)(f->usable - 12) * 64 / 255) - 23;
	M = ((uint64_t)(f->usable - 12) * 32 / 255) - 23;
	if (P <= X)
		local = (uint32_t)P;
	else {
		K = M + ((P - M) % (f->usable - 4));
		local = (uint32_t)(K <= X ? K : M);
	}
	if ((pay = ps_payload(w, page, off, P, local, &why, &flags)) == NULL)
		goto bad;
	if ((nv = ps_record(w, pay, P)) < 0) {
		why = N_("record malformed");
		goto bad;
	}
	ps_emit(w, pgno, i, (int64_t)rowid, nv, flags);
	return (child);
bad:
	if (k == PS_TABLE_LEAF && ((int64_t)rowid > lo || lo == INT64_MIN) &&
	    (int64_t)rowid <= hi && P > 0)
		ps_damage(w, pgno, i, true, (int64_t)rowid, (int64_t)rowid, why);
	else
		ps_damage(w, pgno, i, false, 0, 0, why);
	return (-1);
}

/* Walk the subtree at pgno, whose table keys lie in (lo, hi]. */
static void
ps_walk_page(struct ps_walk_ctx *w, uint32_t pgno, int depth, int64_t lo, int64_t hi)
{
	struct ps_file	*f = w->f;
	const uint8_t	*page;
	enum ps_kind	 k;
	uint32_t	 nc, ptrs, off, i;
	int64_t		 child, key, prev = lo;
	int		 flags = 0;
	bool		 range = !w->index;

	if (w->stop != 0)
		return;
	if ((page = ps_page(f, pgno)) == NULL) {
		ps_damage(w, pgno, -1, range, lo, hi, N_("page number beyond the end of the file"));
		return;
	}
	if (depth > PS_MAX_DEPTH) {
		ps_damage(w, pgno, -1, range, lo, hi, N_("tree too deep (a loop)"));
		return;
	}
	if ((w->seen[pgno / 8] & (1 << (pgno % 8))) != 0) {
		ps_damage(w, pgno, -1, range, lo, hi, N_("page reached twice (a loop)"));
		return;
	}
	w->seen[pgno / 8] |= (uint8_t)(1 << (pgno % 8));
	if (f->kind[pgno] == PS_FREE ||
	    (f->owner[pgno] != 0 && f->owner[pgno] != w->root))
		flags |= PS_ROW_SHARED_PAGE;
	if (!ps_btree_header(f, pgno, &k, &nc, &ptrs) ||
	    (w->index != (k == PS_INDEX_LEAF || k == PS_INDEX_INTERIOR))) {
		if (f->kind[pgno] == PS_UNKNOWN)
			f->kind[pgno] = PS_BAD;
		f->owner[pgno] = w->root;
		ps_damage(w, pgno, -1, range, lo, hi, N_("not a b-tree page of this kind"));
		return;
	}
	f->kind[pgno] = (uint8_t)k;
	f->owner[pgno] = w->root;
	for (i = 0; i < nc && w->stop == 0; i++) {
		off = ps_be16(page + ptrs + 2 * i);
		if (off < ptrs + 2 * nc || off >= f->usable) {
			ps_damage(w, pgno, (int)i, false, 0, 0, N_("cell pointer out of its page"));
			continue;
		}
		key = hi;
		child = ps_cell(w, pgno, k, (int)i, off, lo, hi, flags, &key);
		if (child <= 0)
			continue;
		if (k == PS_TABLE_INTERIOR && (key <= prev || key > hi))
			key = key <= prev ? prev : hi;
		ps_walk_page(w, (uint32_t)child, depth + 1, prev, key);
		if (k == PS_TABLE_INTERIOR)
			prev = key;
	}
	if (k == PS_TABLE_INTERIOR || k == PS_INDEX_INTERIOR)
		ps_walk_page(w, ps_be32(page + (pgno == 1 ? 100 : 0) + 8), depth + 1, prev, hi);
}

/* Free what a walk allocated. */
static void
ps_walk_done(struct ps_walk_ctx *w)
{
	free(w->v);
	free(w->buf);
	free(w->seen);
}

/*
 * Walk the tree rooted at root (a table tree, or an index tree, which holds
 * the rows of a WITHOUT ROWID table) tolerating bad pages: every readable
 * row goes to vis->row, every unreadable page or cell to vis->damage.
 * Marks the pages reached. Returns the visitor's nonzero stop value, or 0.
 */
int
ps_walk(struct ps_file *f, uint32_t root, bool index, const struct ps_visitor *vis)
{
	struct ps_walk_ctx	w;

	memset(&w, 0, sizeof w);
	w.f = f;
	w.vis = vis;
	w.root = root;
	w.index = index;
	w.seen = xcalloc((size_t)f->npages / 8 + 1, 1);
	ps_walk_page(&w, root, 0, INT64_MIN, INT64_MAX);
	ps_walk_done(&w);
	return (w.stop);
}

/*
 * Child i of interior page n (nc cells, cell pointers at ptrs; i == nc: the
 * right child), or 0 when it cannot be read or is no other page of the file.
 */
static uint32_t
ps_child(const struct ps_file *f, uint32_t n, uint32_t nc, uint32_t ptrs, uint32_t i)
{
	const uint8_t	*page = ps_page(f, n);
	uint32_t	 off, c;

	if (i < nc) {
		off = ps_be16(page + ptrs + 2 * i);
		if (off < ptrs + 2 * nc || off + 4 > f->usable)
			return (0);
		c = ps_be32(page + off);
	} else
		c = ps_be32(page + (n == 1 ? 100 : 0) + 8);
	return (c >= 1 && c <= f->npages && c != n ? c : 0);
}

/*
 * The table leaf pages that no walk reached and that are not on the
 * freelist (call after the walks), each with the topmost unreached interior
 * page above it (its root page, as far as can be told), or itself. Returns
 * their number; *pages and *roots (owned) hold them. Marks them reached.
 */
size_t
ps_orphans(struct ps_file *f, uint32_t **pages, uint32_t **roots)
{
	enum ps_kind		 k;
	uint32_t		*parent, n, nc, ptrs, i, c, top, steps;
	size_t			 count = 0;

	*pages = *roots = NULL;
	parent = xcalloc((size_t)f->npages + 1, sizeof *parent);
	for (n = 1; n <= f->npages; n++) {
		if (f->kind[n] != PS_UNKNOWN || !ps_btree_header(f, n, &k, &nc, &ptrs) ||
		    k != PS_TABLE_INTERIOR)
			continue;
		for (i = 0; i <= nc; i++) {
			c = ps_child(f, n, nc, ptrs, i);
			if (c != 0 && parent[c] == 0)
				parent[c] = n;
		}
	}
	for (n = 1; n <= f->npages; n++) {
		if (f->kind[n] != PS_UNKNOWN || !ps_btree_header(f, n, &k, &nc, &ptrs) ||
		    k != PS_TABLE_LEAF)
			continue;
		for (top = n, steps = 0; parent[top] != 0 && f->kind[parent[top]] ==
		    PS_UNKNOWN && steps < 64; steps++)
			top = parent[top];
		*pages = xreallocarray(*pages, count + 1, sizeof **pages);
		*roots = xreallocarray(*roots, count + 1, sizeof **roots);
		(*pages)[count] = n;
		(*roots)[count++] = top;
	}
	for (n = 1; n <= f->npages; n++) {
		if (f->kind[n] == PS_UNKNOWN && ps_btree_header(f, n, &k, &nc, &ptrs) &&
		    (k == PS_TABLE_INTERIOR || k == PS_TABLE_LEAF))
			f->kind[n] = (uint8_t)k;
	}
	free(parent);
	return (count);
}

/*
 * The tops of the index trees no walk reached (call after the walks and
 * ps_orphans): index pages, not on the freelist, that no other such page
 * points to. Walk each with ps_walk(..., true, ...). Returns their number;
 * *tops (owned) holds them.
 */
size_t
ps_orphan_index_trees(struct ps_file *f, uint32_t **tops)
{
	enum ps_kind	 k;
	uint8_t		*child;
	uint32_t	 n, nc, ptrs, i, c;
	size_t		 count = 0;

	*tops = NULL;
	child = xcalloc((size_t)f->npages + 1, 1);
	for (n = 1; n <= f->npages; n++) {
		if (f->kind[n] != PS_UNKNOWN || !ps_btree_header(f, n, &k, &nc, &ptrs) ||
		    k != PS_INDEX_INTERIOR)
			continue;
		for (i = 0; i <= nc; i++) {
			if ((c = ps_child(f, n, nc, ptrs, i)) != 0)
				child[c] = 1;
		}
	}
	for (n = 1; n <= f->npages; n++) {
		if (f->kind[n] != PS_UNKNOWN || child[n] != 0 ||
		    !ps_btree_header(f, n, &k, &nc, &ptrs) ||
		    (k != PS_INDEX_LEAF && k != PS_INDEX_INTERIOR))
			continue;
		*tops = xreallocarray(*tops, count + 1, sizeof **tops);
		(*tops)[count++] = n;
	}
	free(child);
	return (count);
}

/*
 * The rows of one table leaf page, as rows of the tree at root (no bounds).
 * Returns the visitor's nonzero stop value, or 0.
 */
int
ps_walk_leaf(struct ps_file *f, uint32_t pgno, uint32_t root, const struct ps_visitor *vis)
{
	struct ps_walk_ctx	w;
	uint8_t			kind;

	if (pgno < 1 || pgno > f->npages)
		return (0);
	memset(&w, 0, sizeof w);
	w.f = f;
	w.vis = vis;
	w.root = root;
	w.seen = xcalloc((size_t)f->npages / 8 + 1, 1);
	kind = f->kind[pgno];
	f->kind[pgno] = PS_UNKNOWN;	/* not "shared": it is where it was found */
	ps_walk_page(&w, pgno, 0, INT64_MIN, INT64_MAX);
	if (f->kind[pgno] == PS_UNKNOWN)
		f->kind[pgno] = kind;
	ps_walk_done(&w);
	return (w.stop);
}

/* The cells on the pages classified as kind (after the walks), but those of tree skip. */
long
ps_count_cells(struct ps_file *f, enum ps_kind kind, uint32_t skip)
{
	enum ps_kind	k;
	uint32_t	n, nc, ptrs;
	long		total = 0;

	for (n = 1; n <= f->npages; n++) {
		if (f->kind[n] == kind && f->owner[n] != skip &&
		    ps_btree_header(f, n, &k, &nc, &ptrs) && k == kind)
			total += nc;
	}
	return (total);
}
