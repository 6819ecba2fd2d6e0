/* restore-all.c: restore all: the newest point of every store (sets and the stream), fetched and put back. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/restore-int.h"
#include "engine/set/catalog.h"
#include "engine/set/archive.h"
#include "engine/set/crypt.h"
#include "engine/recover/extract.h"
#include "engine/set/hashio.h"
#include "engine/remote/fallback.h"
#include "engine/stream/offstream.h"
#include "engine/remote/remote.h"
#include "engine/host/sandbox.h"
#include "engine/stream/pitr.h"
#include "engine/recover/restore.h"
#include "model/incident.h"
#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The live database's folder when restore all made it for a staged copy, else NULL. */
static char *restore_stage_dir;

/*
 * A new empty file beside the live database (.BASE.fetch-XXXXXX) for the
 * fetched set's database to be written to as well, so that installing it is
 * a rename, not a second copy (restore_beside_tmp). NULL when the file
 * cannot be made.
 */
static char *
restore_stage_new(const struct conf *c)
{
	char	*path, *cause = NULL;
	bool	 made;
	int	 ex;

	if ((path = restore_beside_tmp(c, "fetch", &made, &ex, &cause)) == NULL) {
		free(cause);
		return (NULL);
	}
	if (made)
		restore_stage_dir = fs_dirname(c->database);
	return (path);
}

/*
 * Remove and forget the staged copy of a fetched database, if there is one
 * (and the folder made for it when nothing else went in).
 */
static void
restore_unstage(char **staged)
{
	if (*staged != NULL)
		unlink(*staged);
	free(*staged);
	*staged = NULL;
	if (restore_stage_dir != NULL)
		rmdir(restore_stage_dir);
	free(restore_stage_dir);
	restore_stage_dir = NULL;
}

/* Say what the stream's newest good point is, and its age. */
static void
restore_all_print_point(const struct pitr_result *r)
{
	char	t[64], age[TIMEUTIL_BUFSZ];
	int64_t	now = time_now_ms();

	duration_format(now > r->point_ms ? (now - r->point_ms) / 1000 : 0, age, sizeof age);
	printf(_("stream: newest good point %s (%s old), generation %s%s\n"),
	    time_format_iso_ms(r->point_ms, t, sizeof t), age, r->generation,
	    r->broken ? _(", the chain is broken after it") : "");
}

/* What restore all --from-remote brought here. Strings owned; restore_all_got_clear. */
struct restore_all_got {
	char		*db;		/* the fetched set's .db; absent with parts_dir */
	char		*staged;	/* a copy of its database beside the live one, or NULL */
	char		*parts_dir;	/* the set's manifest and archives alone, or NULL */
	char		*name;		/* the set's name */
	time_t		 when;
	bool		 checked;	/* the stream's newest point was checked ... */
	bool		 stream;	/* ... and it is usable: point_ms */
	int64_t		 point_ms;
	char		*pitr_tmp;	/* the stream's point rebuilt there (pr), or NULL */
	struct pitr_result pr;
	char		*pitr_dir;	/* the live database's folder, made for pitr_tmp */
};

/* Make g->pitr_tmp beside the live database, once. Returns -1 with *cause. */
static int
restore_all_pitr_tmp(struct cmd_ctx *ctx, struct restore_all_got *g, char **cause)
{
	bool	made;
	int	ex;

	if (g->pitr_tmp != NULL)
		return (0);
	if ((g->pitr_tmp = restore_beside_tmp(&ctx->conf, "pitr", &made, &ex, cause)) == NULL)
		return (-1);
	if (made)
		g->pitr_dir = fs_dirname(ctx->conf.database);
	return (0);
}

/*
 * Rebuild the stream's newest good point at or before ra->at_ms in
 * backup_dir/stream into g->pitr_tmp (made beside the live database the
 * first time), g->pr saying what it holds: each segment read once, and the
 * file installed later as it is (restore_stream_install). Returns -1 with
 * *cause.
 */
static int
restore_all_build(struct cmd_ctx *ctx, const struct restore_args *ra, struct restore_all_got *g,
    char **cause)
{
	pitr_result_clear(&g->pr);
	if (restore_all_pitr_tmp(ctx, g, cause) == -1)
		return (-1);
	log_info(_("rebuilding the database from %s/stream"), ctx->conf.backup_dir);
	return (pitr_rebuild(ctx->conf.backup_dir, ra->at_ms, g->pitr_tmp, &g->pr, cause));
}

/*
 * The stream's newest good point at or before ra->at_ms in backup_dir/stream,
 * rebuilt (restore_all_build): g->stream and g->point_ms; false when there is
 * no usable stream (said why).
 */
static bool
restore_all_stream_point(struct cmd_ctx *ctx, const struct restore_args *ra,
    struct restore_all_got *g)
{
	char	*path, *cause = NULL;

	g->checked = true;
	path = str_join_path(ctx->conf.backup_dir, "stream");
	if (!fs_exists(path)) {
		free(path);
		return (false);
	}
	free(path);
	if (restore_all_build(ctx, ra, g, &cause) != 0) {
		printf(_("skipped: the stream: %s\n"), cmd_esc(cause));
		free(cause);
		return (false);
	}
	restore_all_print_point(&g->pr);
	g->stream = true;
	g->point_ms = g->pr.point_ms;
	return (true);
}

/* What restore_all_check_gen is told and finds. */
struct restore_all_walk {
	struct cmd_ctx			*ctx;
	const struct restore_args	*ra;
	struct restore_all_got		*g;
	const char			*where;		/* the store */
};

/*
 * offstream_fetch_newest's check: whether the stream as fetched so far has a
 * good point in generation gen or a newer one, rebuilt into g->pitr_tmp
 * (restore_all_build; staged: gen's snapshot is in g->pitr_tmp already,
 * hashing so as it arrived, or ""); else the skip is said. 0 when it has.
 */
static int
restore_all_check_gen(void *arg, const char *gen, const char *staged)
{
	struct restore_all_walk	*w = arg;
	char			*cause = NULL;

	/* Its snapshot was written into the rebuild's file as it arrived: not copied there. */
	if (*staged != '\0' && w->g->pitr_tmp != NULL)
		pitr_stage(w->g->pitr_tmp, gen, staged);
	if (restore_all_build(w->ctx, w->ra, w->g, &cause) == 0 &&
	    strcmp(w->g->pr.generation, gen) >= 0) {
		restore_all_print_point(&w->g->pr);
		w->g->stream = true;
		w->g->point_ms = w->g->pr.point_ms;
		return (0);
	}
	printf(_("skipped: stream generation %s on %s: %s\n"), cmd_esc(gen), w->where,
	    cmd_esc(cause != NULL ? cause : w->g->pr.skipped != NULL ? w->g->pr.skipped :
	    "?"));
	free(cause);
	return (-1);
}

/* The prefix of the folder that holds a set's manifest and archives during restore all. */
#define RESTORE_PARTS_PREFIX	".restore-parts-"

/* Remove a parts folder and the files in it (a flat folder of a set's files). */
static void
restore_parts_remove(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			path = str_join_path(dir, de->d_name);
			unlink(path);
			free(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

/*
 * Remove the parts folders (BACKUP_DIR/.restore-parts-PID-XXXXXX) that a
 * killed restore all left: those whose process is gone.
 */
static void
restore_parts_sweep(const char *backup_dir)
{
	DIR		*d;
	struct dirent	*de;
	char		*path;
	long		 pid;

	if ((d = opendir(backup_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, RESTORE_PARTS_PREFIX, strlen(RESTORE_PARTS_PREFIX)) != 0 ||
		    sscanf(de->d_name + strlen(RESTORE_PARTS_PREFIX), "%ld-", &pid) != 1 ||
		    pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		path = str_join_path(backup_dir, de->d_name);
		log_info(_("removing %s, left by an interrupted restore"), path);
		restore_parts_remove(path);
		free(path);
	}
	closedir(d);
}

/* Forget what restore all fetched: the staged copy and the parts folder are removed. */
static void
restore_all_got_clear(struct restore_all_got *g)
{
	restore_unstage(&g->staged);
	if (g->parts_dir != NULL)
		restore_parts_remove(g->parts_dir);
	free(g->parts_dir);
	free(g->db);
	free(g->name);
	if (g->pitr_tmp != NULL)
		unlink(g->pitr_tmp);
	free(g->pitr_tmp);
	pitr_result_clear(&g->pr);
	if (g->pitr_dir != NULL)
		rmdir(g->pitr_dir);
	free(g->pitr_dir);
	memset(g, 0, sizeof *g);
}

/* Make g's parts folder under backup_dir (0700). Returns -1 with *cause. */
static int
restore_parts_new(const char *backup_dir, struct restore_all_got *g, char **cause)
{
	restore_parts_sweep(backup_dir);
	if (fs_mkdir_p(backup_dir, 0700, cause) == -1)
		return (-1);
	g->parts_dir = xasprintf("%s/%s%ld-XXXXXX", backup_dir, RESTORE_PARTS_PREFIX,
	    (long)getpid());
	if (mkdtemp(g->parts_dir) == NULL) {
		*cause = xasprintf("%s: %s", g->parts_dir, strerror(errno));
		free(g->parts_dir);
		g->parts_dir = NULL;
		return (-1);
	}
	return (0);
}

/*
 * restore all --from-remote: ask each store what it holds (printed, with
 * ages); unless a set was named, bring the newest stream into
 * backup_dir/stream first (the next store when one fails) and find its newest
 * good point. When that point is newer than the newest whole set the stores
 * list (that fits --at / --before), the set's database would not be used:
 * only its manifest, config and keys archives are fetched, into a folder of
 * their own under backup_dir (removed after the restore, so that nothing
 * there ever looks like a set whose database is missing), and verified but
 * for the database. Else, or when the stream fails, the newest set that
 * verifies is fetched whole (fallback_fetch_newest), its database also
 * written beside the live one. Fills g (restore_all_got_clear). Returns
 * EX_OK, or the exit status when there is nothing to restore or this host
 * cannot hold it.
 */
static int
restore_all_fetch(struct cmd_ctx *ctx, const struct restore_args *ra,
    const struct restore_all_args *aa, struct restore_all_got *g)
{
	struct remote		 r[REMOTE__KINDS];
	struct fallback_survey	 sv;
	struct fallback_fetched	 got;
	struct restore_all_walk	 w;
	enum fallback_fail	 f;
	const char		*newest_name;
	char			*dir, *cause = NULL, *safe, t[64], b[TIMEUTIL_BUFSZ];
	size_t			 nr, i, n, skipped;
	time_t			 at_most, newest;
	int64_t			 upper;
	bool			 streamed = false;
	int			 ex;

	memset(g, 0, sizeof *g);
	if ((ex = cmd_offsite_stores(ctx, aa->kind, r, &nr)) != EX_OK)
		return (ex);
	fallback_survey(r, nr, aa->want == NULL, &sv);
	cmd_offsite_print_survey(&sv, time(NULL));
	/* --before: sets taken wholly before it (named at S: taken before S + 1 s). */
	at_most = ra->before_ms != INT64_MAX ? (time_t)((ra->before_ms - 1000) / 1000) :
	    ra->at_ms != INT64_MAX ? (time_t)(ra->at_ms / 1000) : 0;
	/*
	 * The stream first, newest generation first: its newest good point is
	 * known once its segments are checked; older generations are not fetched.
	 */
	dir = str_join_path(ctx->conf.backup_dir, "stream");
	w.ctx = ctx;
	w.ra = ra;
	w.g = g;
	newest = fallback_newest_set(&sv, at_most, &newest_name);
	for (i = 0; i < sv.n && aa->want == NULL && !streamed; i++) {
		if (sv.v[i].stream_newest == NULL)
			continue;
		g->checked = true;
		w.where = sv.v[i].store->where;
		/* A stream whose newest segment is not newer than the set is not fetched. */
		if (newest > 0 && ra->at_ms == INT64_MAX && ra->before_ms == INT64_MAX &&
		    offstream_newest_ms(sv.v[i].store, ctx->conf.backup_dir, &upper, &cause) == 0 &&
		    upper <= (int64_t)newest * 1000) {
			printf(_("skipped: the stream on %s: its latest signed capture (%s) is not "
			    "newer than the newest set %s: not fetched\n"), sv.v[i].store->where,
			    time_format_iso_ms(upper, t, sizeof t), cmd_esc(newest_name));
			continue;
		}
		free(cause);
		cause = NULL;
		log_info(_("Fetching the stream from %s into %s"), sv.v[i].store->where, dir);
		/* The snapshot goes into the rebuild's file as it arrives, not copied after. */
		if (restore_all_pitr_tmp(ctx, g, &cause) == -1) {
			log_warn("%s", cause);
			free(cause);
			cause = NULL;
		}
		if (offstream_fetch_newest(sv.v[i].store, dir, ra->at_ms, g->pitr_tmp,
		    restore_all_check_gen, &w, &n, &skipped, &cause) == -1) {
			safe = str_safe(cause);
			printf(_("skipped: the stream on %s: %s\n"), sv.v[i].store->where, safe);
			free(safe);
			free(cause);
			cause = NULL;
			continue;
		}
		printf(_("fetched the stream from %s: %zu files (%zu already there)\n"),
		    sv.v[i].store->where, n, skipped);
		streamed = true;
	}
	free(dir);
	/* No store's stream: one fetched earlier may be here. */
	if (aa->want == NULL && !streamed)
		restore_all_stream_point(ctx, ra, g);
	if (g->stream && newest > 0 && g->point_ms > (int64_t)newest * 1000) {
		printf(_("database: from the stream (%s), newer than the newest set %s (%s): "
		    "only that set's manifest, config and keys are fetched\n"),
		    time_format_iso_ms(g->point_ms, t, sizeof t), cmd_esc(newest_name),
		    time_format_iso(newest, b, sizeof b));
		fflush(stdout);
		if (restore_parts_new(ctx->conf.backup_dir, g, &cause) == -1) {
			cmd_error("%s", cmd_esc(cause));
			free(cause);
			fallback_survey_clear(&sv);
			for (i = 0; i < nr; i++)
				remote_clear(&r[i]);
			return (EX_CANTCREAT);
		}
		f = fallback_fetch_parts(&ctx->conf, &sv, at_most, g->parts_dir, &got, &cause);
	} else {
		if (g->stream && newest > 0)
			printf(_("database: the stream's newest point (%s) is not newer than the "
			    "newest set %s (%s): the set is fetched whole\n"),
			    time_format_iso_ms(g->point_ms, t, sizeof t), cmd_esc(newest_name),
			    time_format_iso(newest, b, sizeof b));
		else if (g->checked && newest > 0)
			printf(_("database: no usable stream: the set is fetched whole\n"));
		fflush(stdout);
		g->staged = restore_stage_new(&ctx->conf);
		for (i = 0; i < nr; i++)
			r[i].stage_db = g->staged;
		f = fallback_fetch_newest(&ctx->conf, &sv, aa->want, at_most, &got, &cause);
	}
	cmd_offsite_print_skips(got.skips, got.nskips);
	ex = EX_OK;
	if (f == FALLBACK_OK) {
		if (got.here)
			printf(_("%s is here already, verified and unchanged since\n"), got.name);
		else if (got.parts)
			printf(_("fetched the manifest, config and keys of %s from %s (not its "
			    "database); they verify\n"), got.name, got.store->where);
		else
			printf(_("fetched %s from %s; it verifies\n"), got.name,
			    got.store->where);
		g->db = xstrdup(got.db);
		g->name = xstrdup(got.name);
		g->when = got.when;
	}
	if (g->parts_dir != NULL && (f != FALLBACK_OK || !got.parts)) {
		/* Not used: the set was here whole, or nothing came. */
		restore_parts_remove(g->parts_dir);
		free(g->parts_dir);
		g->parts_dir = NULL;
	}
	if (g->staged != NULL && (f != FALLBACK_OK || !got.staged)) {
		unlink(g->staged);
		free(g->staged);
		g->staged = NULL;
	}
	if (f != FALLBACK_OK) {
		fflush(stdout);
		safe = str_safe(cause);
		cmd_error("%s", safe);
		free(safe);
		free(cause);
		/* Disk full here, or nothing at all: the stream alone cannot give config and keys. */
		if (f == FALLBACK_LOCAL || (!streamed && aa->want == NULL) || aa->want != NULL)
			ex = cmd_offsite_fail_exit(f);
	}
	fflush(stdout);
	fallback_fetched_clear(&got);
	fallback_survey_clear(&sv);
	for (i = 0; i < nr; i++)
		remote_clear(&r[i]);
	return (ex);
}

/*
 * The pick of the set whose manifest and archives alone restore_all_fetch
 * brought into g->parts_dir (its database absent: the stream gives it).
 * Returns -1 with *cause.
 */
static int
restore_parts_pick(const struct restore_all_got *g, struct restore_pick *p, char **cause)
{
	struct catalog_set	s;

	memset(p, 0, sizeof *p);
	if (catalog_set_from_db(g->db, &s, cause) == -1)
		return (-1);
	p->name = xstrdup(s.name);
	p->db = xstrdup(g->db);
	p->config = catalog_path(&s, PART_CONFIG);
	p->wireguard = catalog_path(&s, PART_WIREGUARD);
	p->when = g->when;
	catalog_set_clear(&s);
	return (0);
}

/*
 * restore all: the database (from the newest point: the stream's when newer
 * than the set), the config and the keys (from the set), one question for the
 * three, one forensic copy and one "restored" event per part. Stops at the
 * first part that fails and says which were not done.
 */
int
restore_run_all(struct cmd_ctx *ctx, struct restore_args *ra, const struct restore_all_args *aa)
{
	struct restore_all_got	 g;
	struct restore_pick	 p;
	char			*pw, *why = NULL, *cause = NULL, *db_from = NULL, *what;
	char			*bcause = NULL, t[64], b[TIMEUTIL_BUFSZ];
	int64_t			 point_ms = 0;
	bool			 picked, stream;
	int			 ex;
	enum fail_class		 fc;

	memset(&g, 0, sizeof g);
	if (aa->remote && (ex = restore_all_fetch(ctx, ra, aa, &g)) != EX_OK) {
		restore_all_got_clear(&g);
		return (ex);
	}
	if (g.db != NULL)
		db_from = xstrdup(g.db);
	if (!aa->remote && aa->want != NULL)
		db_from = xstrdup(aa->want);
	/*
	 * The newest (before --before): what was just fetched and stamped, or a
	 * newer set here; not verified twice.
	 */
	if (aa->remote && aa->want == NULL && g.parts_dir == NULL && (ra->at_ms == INT64_MAX ||
	    ra->before_ms != INT64_MAX)) {
		free(db_from);
		db_from = NULL;
	}
	/* the key authenticates every set and decrypts the keys: none, nothing changes */
	pw = restore_password(&ctx->conf, &why, &fc);
	if (pw == NULL) {
		cmd_error("%s", why);
		if (fc == FAIL_NOINPUT)
			restore_key_hint();
		free(why);
		free(db_from);
		restore_all_got_clear(&g);
		return (fail_exit(fc));
	}
	if (g.parts_dir != NULL)
		/* Its manifest and archives verified as fetched; rechecked as each goes in. */
		picked = restore_parts_pick(&g, &p, &cause) == 0;
	else
		picked = restore_pick_before(&ctx->conf, db_from, ra->before_ms, RESTORE_KEYS,
		    pw, why, false, &p, &cause) == 0;
	free(why);
	free(db_from);
	if (picked && ra->at_ms != INT64_MAX && (int64_t)p.when * 1000 > ra->at_ms) {
		restore_pick_clear(&p);
		picked = false;
		cause = xstrdup(_("the newest set that verifies is newer than the time asked for"));
	}
	/* The stream's point, checked already when it was fetched. */
	if (g.checked) {
		stream = g.stream;
		point_ms = g.point_ms;
	} else if (aa->want == NULL && picked && ra->at_ms == INT64_MAX &&
	    pitr_newest_bound(ctx->conf.backup_dir, &point_ms, &bcause) == 0 &&
	    point_ms <= (int64_t)p.when * 1000) {
		/* Nothing of the stream can be newer than the set: it is not read further. */
		printf(_("stream: its latest capture (%s, its signed headers) is not newer than "
		    "%s: not used\n"), time_format_iso_ms(point_ms, t, sizeof t), p.name);
		stream = false;
	} else {
		stream = aa->want == NULL && restore_all_stream_point(ctx, ra, &g);
		point_ms = g.point_ms;
	}
	free(bcause);
	stream = stream && (!picked || point_ms > (int64_t)p.when * 1000);
	/* The staged copy is of the fetched set's database: used when that is what goes in. */
	if (stream || !picked || g.db == NULL || strcmp(g.db, p.db) != 0)
		restore_unstage(&g.staged);
	if (!picked) {
		cmd_error("%s", cause);
		free(cause);
		if (!stream) {
			restore_password_free(pw);
			restore_all_got_clear(&g);
			return (aa->remote ? 1 : EX_NOINPUT);
		}
		cmd_error(_("only the database can be restored (from the stream); config "
		    "and keys need a backup set"));
	}
	if (stream)
		printf(_("database: from the stream, as at %s%s\n"),
		    time_format_iso_ms(point_ms, t, sizeof t), picked ?
		    _(" (newer than the newest set)") : "");
	else
		printf(_("database: from %s (%s)\n"), p.name, time_format_iso(p.when, b,
		    sizeof b));
	if (picked)
		printf(_("config and keys: from %s (%s)\n"), p.name, time_format_iso(p.when, b,
		    sizeof b));
	fflush(stdout);
	if (picked)
		what = xasprintf(_("Replace the database %s, the config %s and the keys %s?\n"
		    "Each is kept first (DB.corrupted.TIME, DIR.pre-restore-TIME)."),
		    ctx->conf.database, ctx->conf.config_dir, ctx->conf.wireguard_dir);
	else
		what = xasprintf(_("Replace the database %s alone (no set for the config and "
		    "the keys)?\nIt is kept first as DB.corrupted.TIME."), ctx->conf.database);
	ex = restore_ask(ra, what);
	free(what);
	ra->yes = true;
	if (ex == 0 && stream) {
		ra->kind = RESTORE_DB;
		/* rebuilt already when its point was found: installed as it is */
		ex = restore_stream_install(ctx, ra, g.pitr_tmp, &g.pr);
		g.pitr_tmp = NULL;
	} else if (ex == 0) {
		ra->kind = RESTORE_DB;
		/* restore_run_db records it as soon as it is installed */
		if ((ex = restore_run_db(ctx, ra, &p, pw, g.staged)) == EX_OK)
			restore_print_window(ra, (int64_t)p.when * 1000);
	}
	restore_unstage(&g.staged);
	if (ex == 0 && picked) {
		ra->kind = RESTORE_CONFIG;
		/* restore_run_tree records it as soon as it is swapped in */
		if ((ex = restore_run_tree(ctx, ra, &p, pw)) != EX_OK)
			cmd_error(_("the config was not restored, nor the keys"));
	}
	if (ex == 0 && picked) {
		ra->kind = RESTORE_KEYS;
		if (pw == NULL) {
			cmd_error(_("the keys were not restored: the encryption key %s cannot "
			    "be read"), ctx->conf.encryption_key);
			ex = EX_NOINPUT;
		} else if ((ex = restore_run_tree(ctx, ra, &p, pw)) != EX_OK)
			cmd_error(_("the keys were not restored"));
	}
	if (ex == 0 && !picked)
		ex = 1;
	if (ex == 0)
		printf(_("restored: database, config and keys\n"));
	if (picked)
		restore_pick_clear(&p);
	restore_password_free(pw);
	restore_all_got_clear(&g);
	return (ex);
}
