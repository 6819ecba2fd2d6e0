/* restore-all.c: restore all: the newest point of every store (sets and the stream), fetched and put back. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
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
 * a rename, not a second copy; those a killed run left are removed first.
 * The folder is made (0755, as the install would) when it is not there.
 * NULL when the file cannot be made.
 */
static char *
restore_stage_new(const struct conf *c)
{
	char	*dir, *path, *cause = NULL;
	int	 fd;

	restore_sweep(c->database, "fetch");
	dir = fs_dirname(c->database);
	if (!fs_exists(dir)) {
		if (fs_mkdir_p(dir, 0755, &cause) == -1) {
			free(cause);
			free(dir);
			return (NULL);
		}
		restore_stage_dir = xstrdup(dir);
	}
	path = xasprintf("%s/.%s.fetch-XXXXXX", dir, strrchr(c->database, '/') != NULL ?
	    strrchr(c->database, '/') + 1 : c->database);
	free(dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1) {
		free(path);
		return (NULL);
	}
	close(fd);
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

/*
 * restore all --from-remote: ask each store what it holds (printed, with
 * ages), bring the newest stream into backup_dir/stream (the next store when
 * one fails) unless a set was named, and fetch the newest set that verifies
 * (fallback_fetch_newest). *db_from gets the fetched set's .db (caller frees),
 * NULL when none could be; *staged (caller frees and removes) a copy of its
 * database written beside the live one as it was fetched, NULL when there is
 * none. Returns EX_OK, or the exit status when there is nothing to restore
 * or this host cannot hold it.
 */
static int
restore_all_fetch(struct cmd_ctx *ctx, const struct restore_args *ra,
    const struct restore_all_args *aa, char **db_from, char **staged)
{
	struct remote		 r[REMOTE__KINDS];
	struct fallback_survey	 sv;
	struct fallback_fetched	 got;
	enum fallback_fail	 f;
	char			*dir, *cause = NULL, *safe;
	size_t			 nr, i, n, skipped;
	bool			 streamed = false;
	int			 ex;

	*db_from = NULL;
	if ((ex = cmd_offsite_stores(ctx, aa->kind, r, &nr)) != EX_OK)
		return (ex);
	*staged = restore_stage_new(&ctx->conf);
	for (i = 0; i < nr; i++)
		r[i].stage_db = *staged;
	fallback_survey(r, nr, aa->want == NULL, &sv);
	cmd_offsite_print_survey(&sv, time(NULL));
	dir = str_join_path(ctx->conf.backup_dir, "stream");
	for (i = 0; i < sv.n && aa->want == NULL && !streamed; i++) {
		if (sv.v[i].stream_newest == NULL)
			continue;
		log_info(_("Fetching the stream from %s into %s"), sv.v[i].store->where, dir);
		if (offstream_fetch(sv.v[i].store, dir, &n, &skipped, &cause) == -1) {
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
	fflush(stdout);
	/* --before: sets taken wholly before it (named at S: taken before S + 1 s). */
	f = fallback_fetch_newest(&ctx->conf, &sv, aa->want,
	    ra->before_ms != INT64_MAX ? (time_t)((ra->before_ms - 1000) / 1000) :
	    ra->at_ms != INT64_MAX ? (time_t)(ra->at_ms / 1000) : 0, &got, &cause);
	cmd_offsite_print_skips(got.skips, got.nskips);
	ex = EX_OK;
	if (f == FALLBACK_OK) {
		if (got.here)
			printf(_("%s is here already, verified and unchanged since\n"), got.name);
		else
			printf(_("fetched %s from %s; it verifies\n"), got.name,
			    got.store->where);
		*db_from = xstrdup(got.db);
	}
	if (*staged != NULL && (f != FALLBACK_OK || !got.staged)) {
		unlink(*staged);
		free(*staged);
		*staged = NULL;
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
 * The stream's newest good point at or before ra->at_ms in backup_dir/stream,
 * in *point_ms; false when there is no usable stream (said why).
 */
static bool
restore_all_stream_point(struct cmd_ctx *ctx, const struct restore_args *ra, int64_t *point_ms)
{
	struct pitr_result	 r;
	char			*path, *cause = NULL, t[64], age[TIMEUTIL_BUFSZ];
	int64_t			 now = time_now_ms();

	path = str_join_path(ctx->conf.backup_dir, "stream");
	if (!fs_exists(path)) {
		free(path);
		return (false);
	}
	free(path);
	if (pitr_rebuild(ctx->conf.backup_dir, ra->at_ms, NULL, &r, &cause) != 0) {
		printf(_("skipped: the stream: %s\n"), cmd_esc(cause));
		free(cause);
		pitr_result_clear(&r);
		return (false);
	}
	*point_ms = r.point_ms;
	duration_format(now > r.point_ms ? (now - r.point_ms) / 1000 : 0, age, sizeof age);
	printf(_("stream: newest good point %s (%s old), generation %s%s\n"),
	    time_format_iso_ms(r.point_ms, t, sizeof t), age, r.generation,
	    r.broken ? _(", the chain is broken after it") : "");
	pitr_result_clear(&r);
	return (true);
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
	struct restore_pick	 p;
	char			*pw, *why = NULL, *cause = NULL, *db_from = NULL, *what;
	char			*staged = NULL, *fetched = NULL;
	char			 t[64], b[TIMEUTIL_BUFSZ];
	int64_t			 point_ms = 0;
	bool			 picked, stream;
	int			 ex;
	enum fail_class		 fc;

	if (aa->remote && (ex = restore_all_fetch(ctx, ra, aa, &db_from, &staged)) != EX_OK)
		return (ex);
	if (staged != NULL)
		fetched = xstrdup(db_from);
	if (!aa->remote && aa->want != NULL)
		db_from = xstrdup(aa->want);
	/*
	 * The newest (before --before): what was just fetched and stamped, or a
	 * newer set here; not verified twice.
	 */
	if (aa->remote && aa->want == NULL && (ra->at_ms == INT64_MAX ||
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
		free(fetched);
		restore_unstage(&staged);
		return (fail_exit(fc));
	}
	picked = restore_pick_before(&ctx->conf, db_from, ra->before_ms, RESTORE_KEYS, pw, why,
	    false, &p, &cause) == 0;
	free(why);
	free(db_from);
	if (picked && ra->at_ms != INT64_MAX && (int64_t)p.when * 1000 > ra->at_ms) {
		restore_pick_clear(&p);
		picked = false;
		cause = xstrdup(_("the newest set that verifies is newer than the time asked for"));
	}
	stream = aa->want == NULL && restore_all_stream_point(ctx, ra, &point_ms) &&
	    (!picked || point_ms > (int64_t)p.when * 1000);
	/* The staged copy is of the fetched set's database: used when that is what goes in. */
	if (stream || !picked || fetched == NULL || strcmp(fetched, p.db) != 0)
		restore_unstage(&staged);
	free(fetched);
	if (!picked) {
		cmd_error("%s", cause);
		free(cause);
		if (!stream) {
			restore_password_free(pw);
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
		ex = restore_run_stream(ctx, ra);
	} else if (ex == 0) {
		ra->kind = RESTORE_DB;
		/* restore_run_db records it as soon as it is installed */
		if ((ex = restore_run_db(ctx, ra, &p, pw, staged)) == EX_OK)
			restore_print_window(ra, (int64_t)p.when * 1000);
	}
	restore_unstage(&staged);
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
	return (ex);
}
