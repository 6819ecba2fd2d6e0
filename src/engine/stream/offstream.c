/*
 * offstream.c: off-site copies of the stream (SFTP, S3).
 *
 * One thread per store, each with its own struct remote (and libcurl
 * handles), copies what is durable on disk under BACKUP_DIR/stream to the
 * store's stream/GEN/FILE: a generation's snapshot.db and snapshot.sha256
 * first, then its segments in sequence order, so that the store always holds
 * a prefix of each chain, which is restorable. The capture loop only kicks
 * the threads; it never waits for them, so a slow or dead store never holds
 * up the stream. What was copied is recorded per store in
 * stream/GEN/.offsite-KIND (the highest sequence copied, 0 for the snapshot
 * alone), replaced atomically after each file: a restart, even after kill -9,
 * continues from there and re-sends at most the one file in flight. A failing
 * store is logged once per change of state and retried with a backoff from
 * 1 s to 60 s.
 */
#include "system.h"

#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "engine/set/hashio.h"
#include "engine/stream/offstream.h"
#include "engine/stream/pitr.h"
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "engine/stream/segment.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

#define OFFSTREAM_BACKOFF_MIN	1000
#define OFFSTREAM_BACKOFF_MAX	60000
#define OFFSTREAM_PRUNE_MS	60000

struct offstream;

/* One store and its uploader thread. */
struct offstream_store {
	struct offstream	*os;
	struct remote		 r;
	pthread_t		 thr;
	bool			 started;
	int64_t			 prune_ms;	/* last remote retention pass (thread only) */
	/* Under os->mu: */
	char			*gen;		/* newest generation copied, NULL none */
	uint64_t		 seq;
	int64_t			 ms;
	char			*error;		/* NULL: the last pass went through */
	bool			 failed;	/* --once: a copy failed */
};

/* The uploaders of a running stream. */
struct offstream {
	char			*streamdir;
	int64_t			 retention_s;
	bool			 once;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	volatile sig_atomic_t	 cancel;	/* stopping: give up transfers in flight */
	bool			 stop;
	unsigned long		 kicks;
	char			*keep;		/* the stream's current generation */
	size_t			 n;
	struct offstream_store	 st[REMOTE__KINDS];
};

/* The store's folder of generation gen: "stream/GEN". Caller frees. */
static char *
offstream_tier(const char *gen)
{
	return (xasprintf("%s/%s", OFFSTREAM_DIR, gen));
}

/* The progress file of store kind in gendir. Caller frees. */
static char *
offstream_progress_path(const char *gendir, enum remote_kind kind)
{
	return (xasprintf("%s/%s%s", gendir, OFFSTREAM_PROGRESS, remote_kind_names[kind]));
}

/* The highest sequence copied to store kind from gendir: -1 none (not even the snapshot). */
static int64_t
offstream_progress_read(const char *gendir, enum remote_kind kind)
{
	char	*path, *data = NULL, *cause = NULL, *end;
	size_t	 len;
	int64_t	 v = -1;
	long long ll;

	path = offstream_progress_path(gendir, kind);
	if (fs_exists(path) && fs_read_file(path, 64, &data, &len, &cause) == 0) {
		errno = 0;
		ll = strtoll(data, &end, 10);
		if (errno == 0 && end != data && ll >= 0)
			v = ll;
	}
	free(cause);
	free(data);
	free(path);
	return (v);
}

/* Record that store kind holds gendir up to seq. Returns -1 with *cause. */
static int
offstream_progress_write(const char *gendir, enum remote_kind kind, uint64_t seq,
    char **cause)
{
	char	*path, b[32];
	int	 len, rc;

	len = snprintf(b, sizeof b, "%" PRIu64 "\n", seq);
	path = offstream_progress_path(gendir, kind);
	rc = fs_write_atomic(path, b, (size_t)len, 0600, cause);
	free(path);
	return (rc);
}

/* The capture time of segment seq of gendir (its header), or the snapshot's time for 0; 0 unknown. */
static int64_t
offstream_point_ms(const char *gendir, uint64_t seq)
{
	struct segment_snapinfo	 si;
	struct segment_hdr	 h;
	char			*path, *cause = NULL;
	int64_t			 ms = 0;

	if (seq == 0) {
		if (segment_snapinfo_read(gendir, &si, &cause) == 0)
			ms = si.time_ms;
	} else {
		path = segment_path(gendir, seq);
		if (segment_read_hdr(path, &h, &cause) == 0)
			ms = h.time_ms;
		free(path);
	}
	free(cause);
	return (ms);
}

/* Note in the status where the store's copy stands. */
static void
offstream_note_point(struct offstream_store *st, const char *gen, uint64_t seq, int64_t ms)
{
	pthread_mutex_lock(&st->os->mu);
	if (st->gen == NULL || strcmp(st->gen, gen) != 0) {
		free(st->gen);
		st->gen = xstrdup(gen);
	}
	st->seq = seq;
	st->ms = ms;
	pthread_mutex_unlock(&st->os->mu);
}

/* Copy local gendir/FILE to the store's stream/GEN/FILE. Returns -1 with *cause. */
static int
offstream_put(struct offstream_store *st, const char *gendir, const char *gen,
    const char *file, char **cause)
{
	char	*local, *tier;
	int	 rc;

	local = str_join_path(gendir, file);
	tier = offstream_tier(gen);
	rc = remote_put(&st->r, local, tier, file, cause);
	free(tier);
	free(local);
	return (rc);
}

/*
 * Copy one generation's files that the store does not have yet. Returns 1 if
 * the generation is not whole yet (no snapshot.sha256: being created), 0, or
 * -1 with *cause.
 */
static int
offstream_pass_gen(struct offstream_store *st, const char *gen, char **cause)
{
	struct offstream	*os = st->os;
	char			*gendir, *name, *sha;
	int64_t			 done;
	uint64_t		 top, q;
	int			 rc = 0;

	gendir = str_join_path(os->streamdir, gen);
	done = offstream_progress_read(gendir, st->r.kind);
	if (done < 0) {
		sha = str_join_path(gendir, SEGMENT_SNAPSHOT_SHA);
		if (!fs_exists(sha)) {
			free(sha);
			free(gendir);
			return (1);
		}
		free(sha);
		if (offstream_put(st, gendir, gen, SEGMENT_SNAPSHOT, cause) == -1 ||
		    offstream_put(st, gendir, gen, SEGMENT_SNAPSHOT_SHA, cause) == -1 ||
		    offstream_progress_write(gendir, st->r.kind, 0, cause) == -1) {
			rc = -1;
			goto out;
		}
		done = 0;
		log_debug("offsite %s: snapshot of %s copied", remote_kind_names[st->r.kind], gen);
	}
	if (segment_last_seq(gendir, &top, cause) == -1) {
		rc = -1;
		goto out;
	}
	for (q = (uint64_t)done + 1; q <= top && !os->cancel; q++) {
		name = segment_name(q);
		if (offstream_put(st, gendir, gen, name, cause) == -1 ||
		    offstream_progress_write(gendir, st->r.kind, q, cause) == -1) {
			free(name);
			rc = -1;
			goto out;
		}
		free(name);
		done = (int64_t)q;
		offstream_note_point(st, gen, q, offstream_point_ms(gendir, q));
	}
	offstream_note_point(st, gen, (uint64_t)done, offstream_point_ms(gendir, (uint64_t)done));
out:
	if (rc == -1 && !fs_exists(gendir)) {
		/* Removed by the stream's retention meanwhile: nothing to copy. */
		free(*cause);
		*cause = NULL;
		rc = 0;
	}
	free(gendir);
	return (rc);
}

/* Copy everything durable on disk that the store lacks, oldest generation first. -1 with *cause. */
static int
offstream_pass(struct offstream_store *st, char **cause)
{
	char	**names;
	size_t	  n, i;
	int	  rc = 0, r;

	if (segment_list_gens(st->os->streamdir, &names, &n, cause) == -1)
		return (-1);
	for (i = 0; i < n && !st->os->cancel; i++) {
		if ((r = offstream_pass_gen(st, names[i], cause)) == -1) {
			rc = -1;
			break;
		}
		if (r == 1)
			break;
	}
	str_list_free(names, n);
	return (rc);
}

/* Record the outcome of a pass; log only when the store's state changes. */
static void
offstream_note_error(struct offstream_store *st, char *cause)
{
	const char	*kind = remote_kind_names[st->r.kind];
	bool		 was;

	pthread_mutex_lock(&st->os->mu);
	was = st->error != NULL;
	free(st->error);
	st->error = cause;
	pthread_mutex_unlock(&st->os->mu);
	if (cause != NULL && !was)
		log_error(_("stream: off-site copy to %s is failing: %s (capture goes on "
		    "locally; retrying)"), kind, cause);
	else if (cause == NULL && was)
		log_info(_("stream: off-site copy to %s works again"), kind);
}

/* Apply stream.retention to the store's generations. Errors are logged. */
static void
offstream_prune_store(struct offstream_store *st, const char *keep)
{
	char	*cause = NULL, **removed = NULL;
	size_t	 n = 0, i;

	if (offstream_prune(&st->r, st->os->streamdir, st->os->retention_s, keep,
	    time_now_ms(), false, &removed, &n, &cause) == -1) {
		log_warn(_("stream: off-site retention on %s: %s"), remote_kind_names[st->r.kind],
		    cause);
		free(cause);
	}
	for (i = 0; i < n; i++)
		log_info(_("stream: removed generation %s from %s (older than the retention "
		    "window)"), removed[i], remote_kind_names[st->r.kind]);
	str_list_free(removed, n);
	st->prune_ms = time_now_ms();
}

/* Wait on the condition until ms (unix ms, CLOCK_REALTIME). Called with os->mu held. */
static void
offstream_wait_until(struct offstream *os, int64_t ms)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	pthread_cond_timedwait(&os->cv, &os->mu, &ts);
}

/*
 * A store's uploader: a pass on every kick, retried with a backoff after a
 * failure; with once, a single pass once the capture has stopped.
 */
static void *
offstream_main(void *arg)
{
	struct offstream_store	*st = arg;
	struct offstream	*os = st->os;
	unsigned long		 seen = 0;
	int64_t			 backoff = 0, next_ms = 0, now;
	char			*cause, *keep;
	bool			 stopping;
	int			 rc;

	for (;;) {
		pthread_mutex_lock(&os->mu);
		for (;;) {
			now = time_now_ms();
			if (os->stop)
				break;
			if (!os->once && now >= next_ms && (backoff > 0 || os->kicks != seen))
				break;
			offstream_wait_until(os, now < next_ms ? next_ms : now + 1000);
		}
		stopping = os->stop;
		seen = os->kicks;
		keep = os->keep != NULL ? xstrdup(os->keep) : NULL;
		pthread_mutex_unlock(&os->mu);
		if (stopping && !os->once) {
			free(keep);
			break;
		}
		cause = NULL;
		rc = offstream_pass(st, &cause);
		if (rc == -1 && os->cancel) {
			free(cause);
			free(keep);
			break;
		}
		offstream_note_error(st, rc == -1 ? cause : NULL);
		if (rc == 0 && time_now_ms() - st->prune_ms >= OFFSTREAM_PRUNE_MS)
			offstream_prune_store(st, keep);
		free(keep);
		if (rc == -1) {
			backoff = backoff == 0 ? OFFSTREAM_BACKOFF_MIN : backoff * 2;
			if (backoff > OFFSTREAM_BACKOFF_MAX)
				backoff = OFFSTREAM_BACKOFF_MAX;
			next_ms = time_now_ms() + backoff;
		} else
			backoff = next_ms = 0;
		if (os->once) {
			pthread_mutex_lock(&os->mu);
			st->failed = rc == -1;
			pthread_mutex_unlock(&os->mu);
			break;
		}
	}
	return (NULL);
}

/*
 * Start an uploader for each store conf configures (none: *out NULL). With
 * once, they copy once offstream_stop is called. Returns -1 with *cause when
 * the stores are misconfigured or a thread cannot start.
 */
int
offstream_start(const struct conf *c, const char *streamdir, int64_t retention_s, bool once,
    struct offstream **out, char **cause)
{
	struct remote		 r[REMOTE__KINDS];
	struct offstream	*os;
	sigset_t		 all, old;
	size_t			 n, i;
	int			 e;

	*out = NULL;
	if (c == NULL)
		return (0);
	if (remote_configure(c, r, &n, cause) != FAIL_NONE)
		return (-1);
	if (n == 0)
		return (0);
	if (curlio_init(cause) == -1) {
		for (i = 0; i < n; i++)
			remote_clear(&r[i]);
		return (-1);
	}
	os = xcalloc(1, sizeof *os);
	os->streamdir = xstrdup(streamdir);
	os->retention_s = retention_s;
	os->once = once;
	pthread_mutex_init(&os->mu, NULL);
	pthread_cond_init(&os->cv, NULL);
	/* Signals are for the capture loop: the uploaders block them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < n; i++) {
		os->st[i].os = os;
		os->st[i].r = r[i];
		os->st[i].r.cancel = &os->cancel;
		os->n++;
		if ((e = pthread_create(&os->st[i].thr, NULL, offstream_main, &os->st[i])) != 0) {
			*cause = xasprintf(_("cannot start the off-site uploader: %s"), strerror(e));
			for (i++; i < n; i++)
				remote_clear(&r[i]);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			offstream_stop(os, NULL);
			offstream_free(os);
			return (-1);
		}
		os->st[i].started = true;
		log_info(_("stream: copying off-site to %s"), os->st[i].r.where);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = os;
	return (0);
}

/* Tell the uploaders that new files are durable; gen is the stream's current generation. */
void
offstream_kick(struct offstream *os, const char *gen)
{
	if (os == NULL)
		return;
	pthread_mutex_lock(&os->mu);
	if (gen != NULL && (os->keep == NULL || strcmp(os->keep, gen) != 0)) {
		free(os->keep);
		os->keep = xstrdup(gen);
	}
	os->kicks++;
	pthread_cond_broadcast(&os->cv);
	pthread_mutex_unlock(&os->mu);
}

/* Append the stores' status lines (offsite_KIND_generation, _sequence, _ms, _error) to b. */
void
offstream_status(struct offstream *os, struct buf *b)
{
	struct offstream_store	*st;
	const char		*k;
	char			*e;
	size_t			 i;

	if (os == NULL)
		return;
	pthread_mutex_lock(&os->mu);
	for (i = 0; i < os->n; i++) {
		st = &os->st[i];
		k = remote_kind_names[st->r.kind];
		buf_printf(b, "offsite_%s_generation %s\n", k, st->gen != NULL ? st->gen : "-");
		buf_printf(b, "offsite_%s_sequence %" PRIu64 "\n", k, st->seq);
		buf_printf(b, "offsite_%s_ms %" PRId64 "\n", k, st->ms);
		if (st->error == NULL)
			buf_printf(b, "offsite_%s_error -\n", k);
		else {
			e = xstrdup(st->error);
			e[strcspn(e, "\r\n")] = '\0';
			buf_printf(b, "offsite_%s_error %s\n", k, *e != '\0' ? e : "?");
			free(e);
		}
	}
	pthread_mutex_unlock(&os->mu);
}

/*
 * Stop the uploaders. Without once, transfers in flight are given up (the
 * progress files say where to resume); with once, each store first copies
 * what was captured. Returns -1 with *cause (may be NULL) naming the stores
 * whose copy failed.
 */
int
offstream_stop(struct offstream *os, char **cause)
{
	struct buf	 b;
	size_t		 i;
	int		 rc = 0;

	if (os == NULL)
		return (0);
	pthread_mutex_lock(&os->mu);
	os->stop = true;
	if (!os->once)
		os->cancel = 1;
	pthread_cond_broadcast(&os->cv);
	pthread_mutex_unlock(&os->mu);
	for (i = 0; i < os->n; i++) {
		if (os->st[i].started)
			pthread_join(os->st[i].thr, NULL);
		os->st[i].started = false;
	}
	buf_init(&b);
	for (i = 0; i < os->n; i++) {
		if (!os->st[i].failed)
			continue;
		if (b.len > 0)
			buf_adds(&b, "; ");
		buf_printf(&b, _("the off-site copy of the stream to %s failed: %s"),
		    os->st[i].r.where, os->st[i].error != NULL ? os->st[i].error : "?");
		rc = -1;
	}
	if (rc == -1 && cause != NULL)
		*cause = buf_steal(&b);
	else
		buf_clear(&b);
	return (rc);
}

/* Free the uploaders (stopped first with offstream_stop). */
void
offstream_free(struct offstream *os)
{
	size_t	i;

	if (os == NULL)
		return;
	for (i = 0; i < os->n; i++) {
		remote_clear(&os->st[i].r);
		free(os->st[i].gen);
		free(os->st[i].error);
	}
	pthread_mutex_destroy(&os->mu);
	pthread_cond_destroy(&os->cv);
	free(os->keep);
	free(os->streamdir);
	free(os);
}

/* A generation's files as the store has them. */
struct offstream_gen {
	char			*name;
	struct remote_object	*o;		/* borrowed */
	size_t			 n;
};

/* The rank of a stream file in copy order: snapshot.db, snapshot.sha256, segments; 3 other. */
static int
offstream_rank(const char *file)
{
	uint64_t	seq;

	if (strcmp(file, SEGMENT_SNAPSHOT) == 0)
		return (0);
	if (strcmp(file, SEGMENT_SNAPSHOT_SHA) == 0)
		return (1);
	if (segment_parse_name(file, &seq) == 0)
		return (2);
	return (3);
}

/* Order objects by generation, then in copy order. */
static int
offstream_obj_cmp(const void *a, const void *b)
{
	const struct remote_object	*x = a, *y = b;
	int				 c, rx, ry;

	if ((c = strcmp(x->tier, y->tier)) != 0)
		return (c);
	rx = offstream_rank(x->file);
	ry = offstream_rank(y->file);
	if (rx != ry)
		return (rx < ry ? -1 : 1);
	return (strcmp(x->file, y->file));
}

/*
 * The store's stream objects (*o, *no; free with remote_objects_free) grouped
 * into generations, oldest first (*gens, *ng; free the array). Objects that
 * are not in a stream/GEN folder are left out. Returns -1 with *cause.
 */
static int
offstream_list(struct remote *r, struct remote_object **o, size_t *no,
    struct offstream_gen **gens, size_t *ng, char **cause)
{
	const char	*gen;
	size_t		 i, plen = strlen(OFFSTREAM_DIR) + 1;

	*gens = NULL;
	*ng = 0;
	if (remote_list_under(r, OFFSTREAM_DIR, o, no, cause) == -1)
		return (-1);
	if (*no > 0)
		qsort(*o, *no, sizeof **o, offstream_obj_cmp);
	for (i = 0; i < *no; i++) {
		if (strlen((*o)[i].tier) <= plen)
			continue;
		gen = (*o)[i].tier + plen;
		if (!segment_is_gen_name(gen) || offstream_rank((*o)[i].file) == 3)
			continue;
		if (*ng == 0 || strcmp((*gens)[*ng - 1].name, gen) != 0) {
			*gens = xreallocarray(*gens, *ng + 1, sizeof **gens);
			(*gens)[*ng].name = (char *)gen;
			(*gens)[*ng].o = &(*o)[i];
			(*gens)[*ng].n = 0;
			(*ng)++;
		}
		(*gens)[*ng - 1].n++;
	}
	return (0);
}

/*
 * The start of a generation from its name (YYYYmmdd-HHMMSS in local time, as
 * segment_gen_name writes it), unix ms; 0 unknown.
 */
static int64_t
offstream_gen_start_ms(const char *gen)
{
	struct tm	tm;
	char		rest[16];

	memset(&tm, 0, sizeof tm);
	if (sscanf(gen, "%4d%2d%2d-%2d%2d%2d-%15s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, rest) != 7)
		return (0);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return ((int64_t)mktime(&tm) * 1000);
}

/*
 * The newest point of a remote generation: the capture time of its highest
 * segment, read from that segment's header alone (a ranged read of its first
 * SEGMENT_HDRLEN bytes, the header's HMAC checked: the rest of the segment is
 * not downloaded), else its snapshot's time (snapshot.sha256, small, read
 * from a copy downloaded into tmpdir; its HMAC checked with signed_only).
 * Returns 1 when what dates it does not authenticate (*cause says why: the
 * generation cannot be dated), -1 with *cause when the store fails.
 */
static int
offstream_remote_newest(struct remote *r, const char *tmpdir, const struct offstream_gen *g,
    bool signed_only, int64_t *ms, char **cause)
{
	struct segment_snapinfo	 si;
	struct segment_hdr	 h;
	struct buf		 b;
	const char		*file = NULL;
	char			*tier, *local, *what, *gendir;
	size_t			 i;
	bool			 authed;
	int			 rc;

	for (i = 0; i < g->n; i++)
		if (offstream_rank(g->o[i].file) == 2 ||
		    (file == NULL && offstream_rank(g->o[i].file) == 1))
			file = g->o[i].file;
	if (file == NULL) {
		*cause = xasprintf(_("stream/%s: no snapshot.sha256 and no segment"), g->name);
		return (-1);
	}
	tier = offstream_tier(g->name);
	if (offstream_rank(file) == 2) {
		buf_init(&b);
		if ((rc = remote_get_head(r, tier, file, SEGMENT_HDRLEN, &b, cause)) == 0) {
			what = xasprintf("%s/%s/%s", r->where, tier, file);
			if (segment_hdr_parse(what, g->name, (const unsigned char *)b.data, b.len,
			    &h, &authed, cause) == 0)
				*ms = h.time_ms;
			else
				rc = 1;
			free(what);
		}
		buf_clear(&b);
		free(tier);
		return (rc);
	}
	/* In a folder named as the generation, so that its HMAC can be checked there. */
	gendir = str_join_path(tmpdir, g->name);
	if (fs_mkdir_p(gendir, 0700, cause) == -1) {
		free(gendir);
		free(tier);
		return (-1);
	}
	local = str_join_path(gendir, file);
	rc = remote_get(r, tier, file, local, cause);
	if (rc == 0 && signed_only && segment_snapinfo_read(gendir, &si, cause) != 0)
		rc = 1;
	else if (rc == 0 && !signed_only && segment_snapinfo_peek(gendir, &si, cause) != 0)
		rc = -1;
	if (rc == 0)
		*ms = si.time_ms;
	unlink(local);
	rmdir(gendir);
	rmdir(tmpdir);
	free(local);
	free(gendir);
	free(tier);
	return (rc);
}

/*
 * The newest point the store's stream can hold, in *ms: its newest
 * generation's newest segment's capture time (its signed header, a ranged
 * read; else its snapshot's, signed too). No point of the stream is later
 * (pitr refuses a segment captured before the one it follows; a clock set
 * back while the stream ran could still leave an earlier segment later than
 * this). A snapshot.sha256 is read from a copy in a
 * folder made under workdir and removed. Returns 1 when that header does not
 * authenticate, -1 with *cause when the store fails or holds no stream.
 */
int
offstream_newest_ms(struct remote *r, const char *workdir, int64_t *ms, char **cause)
{
	struct remote_object	*o;
	struct offstream_gen	*g;
	char			*tmpdir;
	size_t			 no, ng;
	int			 rc;

	if (offstream_list(r, &o, &no, &g, &ng, cause) == -1)
		return (-1);
	if (ng == 0) {
		*cause = xasprintf(_("%s: no stream there (nothing under %s/)"), r->where,
		    OFFSTREAM_DIR);
		rc = -1;
	} else {
		tmpdir = xasprintf("%s/.offsite-probe-%s", workdir, remote_kind_names[r->kind]);
		rc = offstream_remote_newest(r, tmpdir, &g[ng - 1], true, ms, cause);
		free(tmpdir);
	}
	free(g);
	remote_objects_free(o, no);
	return (rc);
}

/* Remove a remote generation: segments newest first, the snapshot last, then its folder. */
static int
offstream_remove_gen(struct remote *r, const struct offstream_gen *g, char **cause)
{
	char	*tier;
	size_t	 i;
	int	 rc = 0;

	tier = offstream_tier(g->name);
	for (i = g->n; i > 0 && rc == 0; i--)
		rc = remote_delete(r, tier, g->o[i - 1].file, cause);
	if (rc == 0)
		rc = remote_rmdir(r, tier, cause);
	free(tier);
	return (rc);
}

/*
 * Apply stream.retention to the store's generations with the stream's own
 * rule (segment_gen_expired): never keep or the store's newest, never one
 * with a point within retention_s before now_ms. Dating a generation takes
 * a ranged read of its newest segment's header (offstream_remote_newest),
 * only for those that started before the window; one whose header does not
 * authenticate is kept. With dry nothing is removed.
 * *out gets the names (free with str_list_free). Returns -1 with *cause.
 */
int
offstream_prune(struct remote *r, const char *streamdir, int64_t retention_s, const char *keep,
    int64_t now_ms, bool dry, char ***out, size_t *nout, char **cause)
{
	struct remote_object	*o;
	struct offstream_gen	*g;
	char			*tmpdir;
	size_t			 no, ng, i;
	int64_t			 newest = 0, cutoff = now_ms - retention_s * 1000;
	int			 rc = 0, k;

	*out = NULL;
	*nout = 0;
	if (offstream_list(r, &o, &no, &g, &ng, cause) == -1)
		return (-1);
	tmpdir = xasprintf("%s/.offsite-probe-%s", streamdir, remote_kind_names[r->kind]);
	for (i = 0; i + 1 < ng && rc == 0; i++) {
		/* A generation's newest point is no earlier than its start. */
		if (offstream_gen_start_ms(g[i].name) >= cutoff)
			continue;
		if ((k = offstream_remote_newest(r, tmpdir, &g[i], false, &newest, cause)) == -1) {
			rc = -1;
			break;
		}
		if (k == 1) {
			/* Never removed on a time that does not authenticate: kept, and said. */
			log_warn(_("stream: generation %s on %s is kept: %s"), g[i].name, r->where,
			    *cause);
			free(*cause);
			*cause = NULL;
			continue;
		}
		if (!segment_gen_expired(g[i].name, keep != NULL &&
		    strcmp(keep, g[ng - 1].name) < 0 ? keep : g[ng - 1].name, newest,
		    retention_s, now_ms))
			continue;
		if (!dry && offstream_remove_gen(r, &g[i], cause) == -1) {
			rc = -1;
			break;
		}
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[(*nout)++] = xstrdup(g[i].name);
	}
	free(tmpdir);
	free(g);
	remote_objects_free(o, no);
	return (rc);
}

/*
 * Bring generation g of the store into streamdir/GEN: each file skipped when
 * there with the same size, else downloaded under a temporary name, fsynced
 * and renamed (remote_get); the snapshot first, segments in order. With
 * stage, a snapshot downloaded is written there too when the store can, and
 * staged (HASHIO_HEXLEN) gets the SHA-256 of what both files hold, computed
 * as it arrived (else it is left alone). The generation is marked as held by
 * the store (its progress file), so a stream started here does not send it
 * again. *got and *skipped count files (added to). Returns -1 with *cause.
 */
static int
offstream_fetch_one(struct remote *r, const char *streamdir, const struct offstream_gen *g,
    const char *stage, char *staged, size_t *got, size_t *skipped, char **cause)
{
	struct stat	 sb;
	char		*gendir, *local, *tier;
	size_t		 j;
	uint64_t	 seq, top = 0;
	bool		 snap = false;
	int		 rc = 0;

	gendir = str_join_path(streamdir, g->name);
	tier = offstream_tier(g->name);
	if (mkdir(gendir, 0700) == -1 && errno != EEXIST) {
		*cause = xasprintf("%s: %s", gendir, strerror(errno));
		rc = -1;
	}
	for (j = 0; j < g->n && rc == 0; j++) {
		local = str_join_path(gendir, g->o[j].file);
		if (stat(local, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (uint64_t)sb.st_size == g->o[j].size)
			(*skipped)++;
		else {
			log_info(_("Fetching %s/%s (%" PRIu64 " bytes)"), tier, g->o[j].file,
			    g->o[j].size);
			/* The snapshot is written to stage too, as it arrives. */
			r->also = stage != NULL && offstream_rank(g->o[j].file) == 0 ? stage :
			    NULL;
			r->also_done = false;
			if (remote_get(r, tier, g->o[j].file, local, cause) == -1)
				rc = -1;
			else
				(*got)++;
			if (rc == 0 && r->also != NULL && r->also_done &&
			    strlen(r->sha256) == HASHIO_HEXLEN - 1)
				memcpy(staged, r->sha256, HASHIO_HEXLEN);
			r->also = NULL;
		}
		free(local);
		if (rc == 0 && offstream_rank(g->o[j].file) == 1)
			snap = true;
		if (rc == 0 && segment_parse_name(g->o[j].file, &seq) == 0 && seq == top + 1)
			top = seq;
	}
	if (rc == 0 && fs_fsync_dir(gendir, cause) == -1)
		rc = -1;
	if (rc == 0 && snap && offstream_progress_write(gendir, r->kind, top, cause) == -1)
		rc = -1;
	if (rc == 0 && fs_fsync_dir(streamdir, cause) == -1)
		rc = -1;
	free(tier);
	free(gendir);
	return (rc);
}

/*
 * Bring the store's copy of the stream into streamdir: every generation it
 * holds (offstream_fetch_one). *got and *skipped count files. Returns -1
 * with *cause.
 */
int
offstream_fetch(struct remote *r, const char *streamdir, size_t *got, size_t *skipped,
    char **cause)
{
	struct remote_object	*o;
	struct offstream_gen	*g;
	size_t			 no, ng, i;
	int			 rc = 0;

	*got = *skipped = 0;
	if (offstream_list(r, &o, &no, &g, &ng, cause) == -1)
		return (-1);
	if (ng == 0) {
		*cause = xasprintf(_("%s: no stream there (nothing under %s/)"), r->where,
		    OFFSTREAM_DIR);
		rc = -1;
	} else if (fs_mkdir_p(streamdir, 0700, cause) == -1)
		rc = -1;
	for (i = 0; i < ng && rc == 0; i++)
		rc = offstream_fetch_one(r, streamdir, &g[i], NULL, NULL, got, skipped, cause);
	free(g);
	remote_objects_free(o, no);
	return (rc);
}

/*
 * Bring the store's stream into streamdir one generation at a time, newest
 * first, and stop at the first that check(arg, GEN, STAGED) finds usable (0):
 * older generations, which a restore of the newest point does not read, are
 * not downloaded. With stage, each snapshot downloaded is written there too
 * (offstream_fetch_one): STAGED is its SHA-256 as it arrived, "" when it was
 * not. Generations begun after at_ms (INT64_MAX: none) are passed
 * over. check returns -1 with its reason (said by it) to go on to the next
 * older one. *got and *skipped count files. Returns 0 when a generation
 * passed, -1 with *cause when the store failed or none did.
 */
int
offstream_fetch_newest(struct remote *r, const char *streamdir, int64_t at_ms, const char *stage,
    int (*check)(void *, const char *, const char *), void *arg, size_t *got, size_t *skipped,
    char **cause)
{
	struct remote_object	*o;
	struct offstream_gen	*g;
	size_t			 no, ng, i, tried = 0;
	char			 staged[HASHIO_HEXLEN];
	int			 rc = -1;

	*got = *skipped = 0;
	if (offstream_list(r, &o, &no, &g, &ng, cause) == -1)
		return (-1);
	if (ng > 0 && fs_mkdir_p(streamdir, 0700, cause) == -1)
		goto out;
	for (i = ng; i-- > 0;) {
		/*
		 * Begun after at_ms: no point of it is at or before. A day of slack,
		 * as the name is a local time (the rebuild decides; this only saves
		 * the download).
		 */
		if (at_ms != INT64_MAX && offstream_gen_start_ms(g[i].name) - 86400000 > at_ms)
			continue;
		tried++;
		staged[0] = '\0';
		if (offstream_fetch_one(r, streamdir, &g[i], stage, staged, got, skipped,
		    cause) == -1)
			goto out;
		if (check(arg, g[i].name, staged) == 0) {
			rc = 0;
			goto out;
		}
	}
	if (ng == 0)
		*cause = xasprintf(_("%s: no stream there (nothing under %s/)"), r->where,
		    OFFSTREAM_DIR);
	else if (tried == 0)
		*cause = xasprintf(_("%s: no stream generation begun by the time asked for"),
		    r->where);
	else
		*cause = xasprintf(_("%s: no stream generation there is usable"), r->where);
out:
	free(g);
	remote_objects_free(o, no);
	return (rc);
}

/*
 * The stores' points from the stream's status, read by stream_status_read
 * (its offsite_KIND_* keys; pts has REMOTE__KINDS entries; free with
 * offstream_points_clear). A store the status does not name is not present.
 */
void
offstream_points(const struct stream_status *st, struct offstream_point *pts)
{
	static const char	*const fields[] = { "generation", "sequence", "ms", "error" };
	struct offstream_point	*p;
	const char		*v[nitems(fields)];
	char			*key;
	size_t			 i;
	int			 k;

	memset(pts, 0, REMOTE__KINDS * sizeof *pts);
	for (k = 0; k < REMOTE__KINDS; k++) {
		p = &pts[k];
		for (i = 0; i < nitems(fields); i++) {
			key = xasprintf("offsite_%s_%s", remote_kind_names[k], fields[i]);
			if ((v[i] = pitr_status_value(st, key)) != NULL)
				p->present = true;
			free(key);
		}
		if (v[0] != NULL && strcmp(v[0], "-") != 0)
			p->generation = xstrdup(v[0]);
		if (v[1] != NULL)
			p->sequence = strtoull(v[1], NULL, 10);
		if (v[2] != NULL)
			p->ms = strtoll(v[2], NULL, 10);
		if (v[3] != NULL && strcmp(v[3], "-") != 0)
			p->error = xstrdup(v[3]);
	}
}

/* Free what offstream_points put in pts. */
void
offstream_points_clear(struct offstream_point *pts)
{
	int	k;

	for (k = 0; k < REMOTE__KINDS; k++) {
		free(pts[k].generation);
		free(pts[k].error);
	}
	memset(pts, 0, REMOTE__KINDS * sizeof *pts);
}
