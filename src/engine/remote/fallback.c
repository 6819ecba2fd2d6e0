/* fallback.c: every off-site point found, the newest that verifies fetched, each skip named. */
#include "system.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "engine/remote/fallback.h"
#include "engine/set/catalog.h"
#include "engine/set/hashio.h"
#include "engine/stream/segment.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* One whole set of one store that may be fetched. */
struct fallback_cand {
	size_t			 v;		/* its store's view */
	const struct remote_set	*s;
};

/* Whether a remote set has all four files. */
bool
fallback_set_whole(const struct remote_set *s)
{
	int	i;

	for (i = 0; i < PART__COUNT; i++)
		if (!s->have[i])
			return (false);
	return (true);
}

/* Note what the store's stream objects say: generations, the newest, its top segment. */
static void
fallback_view_stream(struct fallback_view *v, const struct remote_object *o, size_t n)
{
	struct tm	 tm;
	const char	*gen;
	uint64_t	 seq;
	size_t		 i, j;
	bool		 seen;

	for (i = 0; i < n; i++) {
		gen = strchr(o[i].tier, '/') != NULL ? strchr(o[i].tier, '/') + 1 : o[i].tier;
		/* A folder a hostile store named otherwise is not the stream's. */
		if (!segment_is_gen_name(gen))
			continue;
		v->stream_files++;
		for (seen = false, j = 0; j < i && !seen; j++)
			seen = strcmp(o[j].tier, o[i].tier) == 0;
		if (!seen)
			v->stream_gens++;
		if (v->stream_newest == NULL || strcmp(gen, v->stream_newest) > 0) {
			free(v->stream_newest);
			v->stream_newest = xstrdup(gen);
			v->stream_top = 0;
		}
	}
	if (v->stream_newest != NULL) {
		memset(&tm, 0, sizeof tm);
		if (sscanf(v->stream_newest, "%4d%2d%2d-%2d%2d%2d", &tm.tm_year, &tm.tm_mon,
		    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
			tm.tm_year -= 1900;
			tm.tm_mon -= 1;
			tm.tm_isdst = -1;
			v->stream_since = mktime(&tm);
		}
	}
	for (i = 0; i < n && v->stream_newest != NULL; i++) {
		gen = strchr(o[i].tier, '/') != NULL ? strchr(o[i].tier, '/') + 1 : o[i].tier;
		if (strcmp(gen, v->stream_newest) == 0 &&
		    segment_parse_name(o[i].file, &seq) == 0 && seq > v->stream_top)
			v->stream_top = seq;
	}
}

/*
 * Ask each of the n stores what it holds: its sets and, with stream, its
 * stream's objects. A store that cannot be listed keeps the reason in its
 * view's error. Fills sv; free with fallback_survey_clear.
 */
void
fallback_survey(struct remote *stores, size_t n, bool stream, struct fallback_survey *sv)
{
	struct remote_object	*o;
	struct fallback_view	*v;
	size_t			 no, i;
	char			*cause = NULL;

	memset(sv, 0, sizeof *sv);
	for (i = 0; i < n && i < REMOTE__KINDS; i++) {
		v = &sv->v[sv->n++];
		v->store = &stores[i];
		if (remote_sets(&stores[i], &v->sets, &v->nsets, &cause) == -1) {
			v->error = cause;
			cause = NULL;
			continue;
		}
		if (!stream)
			continue;
		if (remote_list_under(&stores[i], "stream", &o, &no, &cause) == -1) {
			/* The sets were listed: the stream's listing failing is said, not fatal. */
			v->stream_error = cause;
			cause = NULL;
			continue;
		}
		fallback_view_stream(v, o, no);
		remote_objects_free(o, no);
	}
}

/*
 * The newest point the surveyed stores hold, in unix ms (0: none): the newest
 * whole set's time, or the start of the newest stream generation when later
 * (its points are later still). *what gets the set's or generation's name,
 * *where the store; both point into sv.
 */
int64_t
fallback_newest_ms(const struct fallback_survey *sv, const char **what, const char **where)
{
	const struct fallback_view	*v;
	int64_t				 best = 0;
	size_t				 i, j;

	*what = *where = NULL;
	for (i = 0; i < sv->n; i++) {
		v = &sv->v[i];
		for (j = 0; j < v->nsets; j++) {
			if (!fallback_set_whole(&v->sets[j]) ||
			    (int64_t)v->sets[j].when * 1000 <= best)
				continue;
			best = (int64_t)v->sets[j].when * 1000;
			*what = v->sets[j].name;
			*where = v->store->where;
		}
		if (v->stream_newest != NULL && (int64_t)v->stream_since * 1000 > best) {
			best = (int64_t)v->stream_since * 1000;
			*what = v->stream_newest;
			*where = v->store->where;
		}
	}
	return (best);
}

/*
 * The newest whole set the surveyed stores list, none taken after at_most
 * (when > 0): its time (0: none), *name its name (into sv; NULL: none).
 */
time_t
fallback_newest_set(const struct fallback_survey *sv, time_t at_most, const char **name)
{
	const struct remote_set	*s;
	time_t			 best = 0;
	size_t			 i, j;

	*name = NULL;
	for (i = 0; i < sv->n; i++)
		for (j = 0; j < sv->v[i].nsets; j++) {
			s = &sv->v[i].sets[j];
			if (!fallback_set_whole(s) || (at_most > 0 && s->when > at_most) ||
			    s->when <= best)
				continue;
			best = s->when;
			*name = s->name;
		}
	return (best);
}

/* Free what a survey holds (not the stores). */
void
fallback_survey_clear(struct fallback_survey *sv)
{
	size_t	i;

	for (i = 0; i < sv->n; i++) {
		free(sv->v[i].error);
		free(sv->v[i].stream_error);
		remote_sets_free(sv->v[i].sets, sv->v[i].nsets);
		free(sv->v[i].stream_newest);
	}
	memset(sv, 0, sizeof *sv);
}

/* Whether set s is the one asked for: want is its name, or its name and ".db". */
static bool
fallback_is(const struct remote_set *s, const char *want)
{
	size_t	len = strlen(s->name);

	return (strncmp(want, s->name, len) == 0 && (want[len] == '\0' ||
	    strcmp(want + len, catalog_suffixes[PART_DB]) == 0));
}

/* Candidates newest first; the same set in the order the stores were given. */
static int
fallback_cand_cmp(const void *a, const void *b)
{
	const struct fallback_cand	*x = a, *y = b;
	int				 c;

	if (x->s->when != y->s->when)
		return (x->s->when > y->s->when ? -1 : 1);
	if ((c = strcmp(x->s->name, y->s->name)) != 0)
		return (c);
	return (x->v < y->v ? -1 : x->v > y->v);
}

/* Add a skip, formatted, to out's list. */
static void PDR_PRINTF(2, 3)
fallback_skip(struct fallback_fetched *out, const char *fmt, ...)
{
	va_list	ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	out->skips = xreallocarray(out->skips, out->nskips + 1, sizeof *out->skips);
	out->skips[out->nskips++] = s;
}

/*
 * The folder set s is fetched into: BACKUP_DIR/TIER, or parts_dir when only
 * its manifest and archives are fetched (fallback_fetch_parts). Caller frees.
 */
static char *
fallback_dir(const char *backup_dir, const struct remote_set *s, const char *parts_dir)
{
	if (parts_dir != NULL)
		return (xstrdup(parts_dir));
	return (xasprintf("%s/%s", backup_dir, backup_tier_names[s->tier]));
}

/* Remove what a failed fetch of s left in its folder: its files and their temporary names. */
static void
fallback_remove(const char *backup_dir, const struct remote_set *s, const char *parts_dir)
{
	char	*dir, *path, *tmp, *held;
	int	 i;

	dir = fallback_dir(backup_dir, s, parts_dir);
	for (i = PART__COUNT - 1; i >= 0; i--) {
		path = xasprintf("%s/%s%s", dir, s->name, catalog_suffixes[i]);
		tmp = hashio_tmpname(path);
		unlink(path);
		unlink(tmp);
		free(tmp);
		if (i == PART_MANIFEST) {
			/* The manifest held while the others came, and its own temporary name. */
			held = remote_held_manifest(path);
			tmp = hashio_tmpname(held);
			unlink(held);
			unlink(tmp);
			free(tmp);
			free(held);
		}
		free(path);
	}
	free(dir);
}

/*
 * Whether BACKUP_DIR has room for set s (with parts, for all of it but its
 * database): false with *cause naming the disk, the bytes free and the bytes
 * needed. A folder that cannot be asked passes.
 */
static bool
fallback_room(const char *backup_dir, const struct remote_set *s, bool parts, char **cause)
{
	struct statvfs	sf;
	uint64_t	need = 0, avail;
	int		i;

	for (i = 0; i < PART__COUNT; i++)
		if (!parts || i != PART_DB)
			need += s->size[i];
	if (statvfs(backup_dir, &sf) == -1)
		return (true);
	avail = (uint64_t)sf.f_bavail * (uint64_t)sf.f_frsize;
	if (avail >= need)
		return (true);
	*cause = xasprintf(_("%s: %s: %" PRIu64 " bytes free, the set %s needs %" PRIu64),
	    backup_dir, strerror(ENOSPC), avail, s->name, need);
	return (false);
}

/*
 * Whether set s is in BACKUP_DIR already, whole and verified since its files
 * last changed (its stamp): then it is not fetched again.
 */
static bool
fallback_here(const struct conf *c, const struct remote_set *s)
{
	struct catalog_set	*sets = NULL;
	char			*password = NULL, *why = NULL, *cause = NULL;
	size_t			 n = 0, i;
	bool			 here = false;

	if (fs_read_key(c->encryption_key, &password, &why) == -1)
		password = NULL;
	free(why);
	if (catalog_scan(c->backup_dir, c->state_dir, password, &sets, &n, &cause) == -1)
		free(cause);
	for (i = 0; i < n && !here; i++)
		here = sets[i].tier == s->tier && strcmp(sets[i].name, s->name) == 0 &&
		    sets[i].state == CATALOG_COMPLETE;
	catalog_free(sets, n);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	return (here);
}

/* Remove the database's second copy a store made (the set it is of is not used). */
static void
fallback_unstage(struct remote *r)
{
	if (r->also_done && r->stage_db != NULL)
		unlink(r->stage_db);
	r->also_done = false;
}

/*
 * Verify the fetched copy of db as `verify` does (its SHA-256 db_sha256 as
 * computed while it arrived, NULL or "": hashed again) and stamp the
 * catalogue with a verdict about its content only (never one for want of the
 * key); with parts, all but the database (not fetched), and nothing stamped.
 * 0 when it passes.
 */
static int
fallback_verify(const struct conf *c, const char *db, const char *db_sha256, bool parts,
    struct verify_report *rep, char **why)
{
	struct catalog_set	 s;
	struct verify_opts	 vo;
	char			*password = NULL, *key_why = NULL, *cause = NULL;
	size_t			 i;
	int			 rc;

	*why = NULL;
	if (fs_read_key(c->encryption_key, &password, &key_why) == -1)
		password = NULL;
	verify_opts_conf(&vo, c, password, key_why);
	vo.db_sha256 = db_sha256;
	vo.no_db = parts;
	rc = verify_run(db, &vo, rep);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	for (i = 0; i < rep->n && *why == NULL; i++)
		if (rep->checks[i].status == VERIFY_FAIL)
			*why = xasprintf("%s: %s", rep->checks[i].file, rep->checks[i].detail);
	if (rc != 0 && *why == NULL)
		*why = xstrdup(_("verify failed"));
	/* A set without its database is no verdict on the set: never stamped. */
	if (!parts && verify_verdict(rep) >= 0 && catalog_set_from_db(db, &s, &cause) == 0) {
		if (catalog_stamp(c->state_dir, &s, verify_verdict(rep) == 1, *why, &cause) == -1)
			free(cause);
		catalog_set_clear(&s);
	} else
		free(cause);
	free(key_why);
	return (rc == 0 ? 0 : -1);
}

/*
 * remote_fetch_set of s from store r into c's backup_dir, with the key (when
 * it can be read) to authenticate the set's manifest as it comes. Returns -1
 * with *cause.
 */
static int
fallback_fetch_set(const struct conf *c, struct remote *r, const struct remote_set *s,
    char (*sums)[HASHIO_HEXLEN], char **cause)
{
	char	*password = NULL, *why = NULL;
	int	 rc;

	if (fs_read_key(c->encryption_key, &password, &why) == -1)
		password = NULL;
	free(why);
	rc = remote_fetch_set(r, c->backup_dir, s, password, sums, cause);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	return (rc);
}

/*
 * Download set s's manifest, config and keys archives, not its database,
 * into dir, each under its temporary name first (remote_get), the manifest
 * last. sums as remote_fetch_set's (the database's ""). Returns -1 with
 * *cause and r->fail.
 */
static int
fallback_get_parts(struct remote *r, const char *dir, const struct remote_set *s,
    char (*sums)[HASHIO_HEXLEN], char **cause)
{
	static const enum catalog_part	 order[] = { PART_CONFIG, PART_WIREGUARD,
					     PART_MANIFEST };
	const char			*tier = backup_tier_names[s->tier];
	char				*file, *local;
	size_t				 k;
	int				 rc = 0;

	sums[PART_DB][0] = '\0';
	for (k = 0; k < nitems(order) && rc == 0; k++) {
		file = xasprintf("%s%s", s->name, catalog_suffixes[order[k]]);
		local = xasprintf("%s/%s", dir, file);
		log_info(_("Fetching %s/%s (%" PRIu64 " bytes)"), tier, file, s->size[order[k]]);
		rc = remote_get(r, tier, file, local, cause);
		xsnprintf(sums[order[k]], HASHIO_HEXLEN, "%s", rc == 0 ? r->sha256 : "");
		free(local);
		free(file);
	}
	return (rc);
}

/*
 * Fetch the newest set the surveyed stores hold whole (want: only that one;
 * at_most > 0: none newer) into BACKUP_DIR and verify it; with parts_dir,
 * all of it but its database, into parts_dir. A store that cannot be reached
 * is left for the next one; a set damaged at rest, gone or failing verify is
 * removed here and the same set on the next store, then the next older set,
 * is tried; each skip is named in out->skips, newest first. A failure to
 * write here stops it: no store can help. Fills out (free with
 * fallback_fetched_clear) and returns FALLBACK_OK, else the class with *cause.
 */
static enum fallback_fail
fallback_fetch(const struct conf *c, struct fallback_survey *sv, const char *want,
    time_t at_most, const char *parts_dir, struct fallback_fetched *out, char **cause)
{
	struct fallback_cand	*cand = NULL;
	struct fallback_view	*v;
	const struct remote_set	*s;
	bool			 down[REMOTE__KINDS] = { false, false };
	bool			 listed = false, unreachable = false;
	size_t			 nc = 0, i, j;
	char			*why = NULL, *dir, sums[PART__COUNT][HASHIO_HEXLEN];
	bool			 parts = parts_dir != NULL;
	int			 rc;

	memset(out, 0, sizeof *out);
	for (i = 0; i < sv->n; i++) {
		v = &sv->v[i];
		if (v->error != NULL) {
			fallback_skip(out, _("%s: cannot be listed: %s"), v->store->where, v->error);
			down[i] = true;
			unreachable = true;
			continue;
		}
		listed = true;
		for (j = 0; j < v->nsets; j++) {
			s = &v->sets[j];
			if ((want != NULL && !fallback_is(s, want)) ||
			    (at_most > 0 && s->when > at_most))
				continue;
			if (!fallback_set_whole(s)) {
				fallback_skip(out, _("%s on %s: incomplete there (not all four "
				    "files)"), s->name, v->store->where);
				continue;
			}
			cand = xreallocarray(cand, nc + 1, sizeof *cand);
			cand[nc].v = i;
			cand[nc++].s = s;
		}
	}
	if (nc == 0) {
		free(cand);
		if (!listed) {
			*cause = xstrdup(_("no off-site store could be listed"));
			return (FALLBACK_UNREACHABLE);
		}
		if (want != NULL)
			*cause = xasprintf(_("no store holds a whole backup set %s"), want);
		else
			*cause = xstrdup(_("no store holds a whole backup set"));
		return (FALLBACK_NONE);
	}
	qsort(cand, nc, sizeof *cand, fallback_cand_cmp);
	for (i = 0; i < nc; i++) {
		v = &sv->v[cand[i].v];
		s = cand[i].s;
		if (fallback_here(c, s)) {
			log_info(_("%s is here already, verified and unchanged since: not "
			    "fetched again"), s->name);
			out->db = xasprintf("%s/%s/%s%s", c->backup_dir,
			    backup_tier_names[s->tier], s->name, catalog_suffixes[PART_DB]);
			out->name = xstrdup(s->name);
			out->tier = s->tier;
			out->when = s->when;
			out->store = v->store;
			out->here = true;
			free(cand);
			return (FALLBACK_OK);
		}
		if (down[cand[i].v]) {
			fallback_skip(out, _("%s on %s: not tried, the store failed before"),
			    s->name, v->store->where);
			continue;
		}
		if (fs_mkdir_p(c->backup_dir, 0700, cause) == -1) {
			free(cand);
			return (FALLBACK_LOCAL);
		}
		dir = fallback_dir(c->backup_dir, s, parts_dir);
		if (!fallback_room(c->backup_dir, s, parts, cause)) {
			free(dir);
			free(cand);
			return (FALLBACK_LOCAL);
		}
		if (parts)
			log_info(_("Fetching the manifest, config and keys of %s from %s into %s "
			    "(not its database)"), s->name, v->store->where, dir);
		else
			log_info(_("Fetching %s from %s into %s"), s->name, v->store->where, dir);
		v->store->fail = REMOTE_FAIL_NONE;
		v->store->also_done = false;
		if (parts)
			rc = fallback_get_parts(v->store, dir, s, sums, &why);
		else
			rc = fallback_fetch_set(c, v->store, s, sums, &why);
		if (rc == -1) {
			fallback_unstage(v->store);
			switch (v->store->fail) {
			case REMOTE_FAIL_LOCAL:
				fallback_remove(c->backup_dir, s, parts_dir);
				if (!fallback_room(c->backup_dir, s, parts, cause)) {
					free(why);
					why = *cause;
				}
				*cause = xasprintf(_("%s (nothing of %s is left in %s)"), why,
				    s->name, dir);
				free(why);
				free(dir);
				free(cand);
				return (FALLBACK_LOCAL);
			case REMOTE_FAIL_CONNECT:
			case REMOTE_FAIL_NONE:
				fallback_skip(out, _("%s on %s: the download broke: %s"), s->name,
				    v->store->where, why);
				down[cand[i].v] = true;
				unreachable = true;
				break;
			case REMOTE_FAIL_GONE:
				fallback_skip(out, _("%s on %s: listed, but gone: %s"), s->name,
				    v->store->where, why);
				fallback_remove(c->backup_dir, s, parts_dir);
				break;
			case REMOTE_FAIL_DAMAGED:
				fallback_skip(out, _("%s on %s: damaged: %s"), s->name,
				    v->store->where, why);
				fallback_remove(c->backup_dir, s, parts_dir);
				break;
			}
			free(why);
			why = NULL;
			free(dir);
			continue;
		}
		out->db = xasprintf("%s/%s%s", dir, s->name, catalog_suffixes[PART_DB]);
		free(dir);
		if (fallback_verify(c, out->db, sums[PART_DB], parts, &out->report, &why) == -1) {
			fallback_unstage(v->store);
			fallback_skip(out, _("%s from %s: damaged, fails verify: %s"), s->name,
			    v->store->where, why);
			free(why);
			why = NULL;
			verify_report_clear(&out->report);
			memset(&out->report, 0, sizeof out->report);
			free(out->db);
			out->db = NULL;
			fallback_remove(c->backup_dir, s, parts_dir);
			continue;
		}
		out->name = xstrdup(s->name);
		out->tier = s->tier;
		out->when = s->when;
		out->store = v->store;
		out->staged = v->store->also_done;
		out->parts = parts;
		free(cand);
		return (FALLBACK_OK);
	}
	free(cand);
	/* Every candidate was tried: a store that did not answer may later; damage stays. */
	if (unreachable) {
		*cause = xstrdup(_("no set that fits could be fetched whole and verified from "
		    "the stores that answered; the stores that did not may be tried again"));
		return (FALLBACK_UNREACHABLE);
	}
	*cause = xstrdup(_("every set that fits is damaged on every store that holds it"));
	return (FALLBACK_DAMAGED);
}

/* fallback_fetch of the whole set, into BACKUP_DIR/TIER. */
enum fallback_fail
fallback_fetch_newest(const struct conf *c, struct fallback_survey *sv, const char *want,
    time_t at_most, struct fallback_fetched *out, char **cause)
{
	return (fallback_fetch(c, sv, want, at_most, NULL, out, cause));
}

/*
 * fallback_fetch of the manifest, config and keys archives alone, into dir
 * (restore all when the stream's point is newer than the set: the set's
 * database would not be used). A set here already whole and verified is
 * used as it is (out->here, out->parts false).
 */
enum fallback_fail
fallback_fetch_parts(const struct conf *c, struct fallback_survey *sv, time_t at_most,
    const char *dir, struct fallback_fetched *out, char **cause)
{
	return (fallback_fetch(c, sv, NULL, at_most, dir, out, cause));
}

/* Free what out holds. */
void
fallback_fetched_clear(struct fallback_fetched *out)
{
	free(out->name);
	free(out->db);
	if (out->report.checks != NULL)
		verify_report_clear(&out->report);
	str_list_free(out->skips, out->nskips);
	memset(out, 0, sizeof *out);
}
