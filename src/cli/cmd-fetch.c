/* cmd-fetch.c: list the off-site backup sets and bring one back into backup_dir. */
#include "system.h"

#include <openssl/crypto.h>

#include "cli/cmd.h"
#include "engine/set/catalog.h"
#include "engine/set/manifest.h"
#include "engine/stream/offstream.h"
#include "engine/stream/pitr.h"
#include "engine/remote/fallback.h"
#include "engine/remote/remote.h"
#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "engine/set/verify.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/*
 * Print what each surveyed store holds: sets newest first with their age, in
 * a table that fits the terminal, and its stream.
 */
void
cmd_fetch_print_survey(const struct fallback_survey *sv, time_t now)
{
	struct table_col		 cols[] = {
		{ _("NAME"), TABLE_LINE }, { _("TIER"), 0 }, { _("STATE"), 0 },
		{ _("BYTES"), TABLE_RIGHT }, { _("AGE"), 0 },
	};
	const struct fallback_view	*v;
	struct table			 tb;
	char				 age[TIMEUTIL_BUFSZ], *safe, size[32], *old;
	uint64_t			 total;
	size_t				 i, j;
	int				 k;

	for (j = 0; j < sv->n; j++) {
		v = &sv->v[j];
		if (v->error != NULL) {
			fflush(stdout);
			safe = str_safe(v->error);
			cmd_error(_("%s (the store cannot be listed)"), safe);
			free(safe);
			continue;
		}
		cmd_say(_("Backup sets in %s:\n"), v->store->where);
		table_init(&tb, cols, nitems(cols));
		for (i = 0; i < v->nsets; i++) {
			for (total = 0, k = 0; k < PART__COUNT; k++)
				total += v->sets[i].size[k];
			duration_format(now > v->sets[i].when ? now - v->sets[i].when : 0, age,
			    sizeof age);
			xsnprintf(size, sizeof size, "%" PRIu64, total);
			old = xasprintf(_("%s old"), age);
			table_add(&tb, v->sets[i].name, backup_tier_names[v->sets[i].tier],
			    fallback_set_whole(&v->sets[i]) ? _("whole") : _("incomplete"), size,
			    old);
			free(old);
		}
		if (v->nsets == 0) {
			printf(_("(none)\n"));
			table_clear(&tb);
		} else
			cmd_print_table(&tb);
		if (v->stream_error != NULL) {
			safe = str_safe(v->stream_error);
			cmd_say(_("stream: cannot be listed: %s\n"), safe);
			free(safe);
		}
		if (v->stream_newest != NULL) {
			duration_format(now > v->stream_since ? now - v->stream_since : 0, age,
			    sizeof age);
			cmd_say(_("stream: %zu generations, %zu files; newest generation %s "
			    "(begun %s ago), segment %" PRIu64 " (fetch --stream brings it)\n"),
			    v->stream_gens, v->stream_files, v->stream_newest, age,
			    v->stream_top);
		}
	}
}

/* Print verify's checks of a fetched set. */
static void
cmd_fetch_print_report(const struct verify_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		printf("%-8s %-10s %s: %s\n", _(verify_status_name(r->checks[i].status)),
		    r->checks[i].check, cmd_esc(r->checks[i].file), cmd_esc(r->checks[i].detail));
}

/* Print each point skipped, newest first, and why. */
void
cmd_fetch_print_skips(char *const *skips, size_t n)
{
	size_t	i;
	char	*safe;

	for (i = 0; i < n; i++) {
		safe = str_safe(skips[i]);
		printf(_("skipped: %s\n"), safe);
		free(safe);
	}
}

/*
 * Check each generation of the fetched stream with restore --at's chain walk
 * and print what can be restored. Returns 0, or 1 when a chain is broken or
 * a generation cannot be used (each named, with the last good point).
 */
static int
cmd_fetch_stream_check(const char *backup_dir, const char *streamdir)
{
	struct segment_snapinfo	 si;
	struct pitr_result	 r;
	char			**names, *gendir, *cause = NULL, t1[64], t2[64];
	size_t			 n, i;
	int64_t			 at, oldest = 0, newest = 0;
	int			 rc = 0;

	if (segment_list_gens(streamdir, &names, &n, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		return (1);
	}
	for (i = 0; i < n; i++) {
		/* The end of generation i: just before the next one's snapshot. */
		at = INT64_MAX;
		if (i + 1 < n) {
			gendir = str_join_path(streamdir, names[i + 1]);
			if (segment_snapinfo_read(gendir, &si, &cause) == 0)
				at = si.time_ms - 1;
			free(cause);
			cause = NULL;
			free(gendir);
		}
		if (pitr_rebuild(backup_dir, at, NULL, &r, &cause) == -1 ||
		    strcmp(r.generation, names[i]) != 0) {
			printf(_("generation %s: cannot be used: %s\n"), names[i],
			    cause != NULL ? cause : r.skipped != NULL ? r.skipped : "?");
			free(cause);
			cause = NULL;
			pitr_result_clear(&r);
			rc = 1;
			continue;
		}
		printf(_("generation %s: %s to %s (segment %" PRIu64 " of %" PRIu64 ")\n"),
		    names[i], time_format_iso_ms(r.snapshot_ms, t1, sizeof t1),
		    time_format_iso_ms(r.point_ms, t2, sizeof t2), r.sequence, r.top);
		if (r.broken) {
			printf(_("generation %s: the chain stops at %s: that is its last good "
			    "point\n"), names[i], r.why);
			rc = 1;
		}
		if (oldest == 0 || r.snapshot_ms < oldest)
			oldest = r.snapshot_ms;
		if (r.point_ms > newest)
			newest = r.point_ms;
		pitr_result_clear(&r);
	}
	if (oldest > 0)
		printf(_("restorable: from %s to %s\n"), time_format_iso_ms(oldest, t1, sizeof t1),
		    time_format_iso_ms(newest, t2, sizeof t2));
	else {
		printf(_("restorable: nothing\n"));
		rc = 1;
	}
	str_list_free(names, n);
	return (rc);
}

/* fetch --stream: bring a store's stream into backup_dir/stream (the next store when one fails). */
static int
cmd_fetch_stream(struct cmd_ctx *ctx, struct remote *r, size_t nr)
{
	char	*dir, *cause = NULL;
	size_t	 got, skipped, i;
	int	 rc;

	dir = str_join_path(ctx->conf.backup_dir, STREAM_DIR);
	for (i = 0; i < nr; i++) {
		log_info(_("Fetching the stream from %s into %s"), r[i].where, dir);
		if (offstream_fetch(&r[i], dir, &got, &skipped, &cause) == 0)
			break;
		if (i + 1 < nr)
			printf(_("skipped: %s\n"), cmd_esc(cause));
		else
			cmd_error("%s", cause);
		free(cause);
		cause = NULL;
	}
	if (i == nr) {
		free(dir);
		return (EX_IOERR);
	}
	printf(_("Fetched %zu files of the stream from %s into %s (%zu already there)\n"), got,
	    r[i].where, dir, skipped);
	rc = cmd_fetch_stream_check(ctx->conf.backup_dir, dir);
	free(dir);
	return (rc);
}

/* The progress line of the download under way, on a terminal. */
struct cmd_fetch_progress {
	char		 what[256];
	int64_t		 start_ms;
	int64_t		 last_ms;
	uint64_t	 now;
	bool		 shown;
};

/*
 * A store's progress function: at most four updates a second on stderr, the
 * file, bytes of bytes, the rate and the time left ("now" 0 and "total" 0:
 * the file is done, its line ends). Installed only when stderr is a terminal.
 */
static void
cmd_fetch_progress(void *arg, const char *what, uint64_t now, uint64_t total)
{
	struct cmd_fetch_progress	*p = arg;
	char				 a[32], b[32], c[32], left[TIMEUTIL_BUFSZ];
	int64_t				 t = time_mono_ms(), el;
	uint64_t			 rate;

	if (now == 0 && total == 0) {
		if (p->shown) {
			el = t - p->start_ms > 0 ? t - p->start_ms : 1;
			manifest_du_size(p->now, a, sizeof a);
			manifest_du_size(p->now * 1000 / (uint64_t)el, c, sizeof c);
			fputs("\r", stderr);
			fprintf(stderr, _("%s: %s in %s (%s/s)"), p->what, a,
			    pitr_format_ms(el, left, sizeof left), c);
			fputs("\033[K\n", stderr);
		}
		memset(p, 0, sizeof *p);
		return;
	}
	if (strcmp(p->what, what) != 0) {
		xsnprintf(p->what, sizeof p->what, "%s", what);
		p->start_ms = p->last_ms = t;
		p->shown = false;
	}
	p->now = now;
	if (t - p->last_ms < 250)
		return;
	p->last_ms = t;
	el = t - p->start_ms > 0 ? t - p->start_ms : 1;
	rate = now * 1000 / (uint64_t)el;
	manifest_du_size(now, a, sizeof a);
	manifest_du_size(rate, c, sizeof c);
	fputs("\r", stderr);
	if (total > now && rate > 0) {
		manifest_du_size(total, b, sizeof b);
		duration_format((int64_t)((total - now) / rate), left, sizeof left);
		fprintf(stderr, _("%s: %s of %s, %s/s, %s left"), what, a, b, c, left);
	} else
		fprintf(stderr, _("%s: %s, %s/s"), what, a, c);
	fputs("\033[K", stderr);
	fflush(stderr);
	p->shown = true;
}

/*
 * The configured off-site stores (only those of kind, when not -1) into r
 * (room for REMOTE__KINDS), *n of them; free each with remote_clear. Returns
 * EX_OK, else the exit status after saying why.
 */
int
cmd_fetch_stores(struct cmd_ctx *ctx, int kind, struct remote *r, size_t *n)
{
	static struct cmd_fetch_progress	 progress;
	char					*cause = NULL;
	size_t					 i, j;

	if (remote_configure(&ctx->conf, r, n, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		return (errno == EACCES ? EX_NOPERM : EX_CONFIG);
	}
	for (i = j = 0; i < *n; i++) {
		if (kind != -1 && (int)r[i].kind != kind)
			remote_clear(&r[i]);
		else if (i != j) {
			r[j++] = r[i];
			memset(&r[i], 0, sizeof r[i]);
		} else
			j++;
	}
	*n = j;
	for (i = 0; i < j && isatty(STDERR_FILENO); i++) {
		r[i].progress = cmd_fetch_progress;
		r[i].progress_arg = &progress;
	}
	if (j > 0)
		return (EX_OK);
	if (kind == -1)
		cmd_error("%s", _("no off-site store is configured (remote.sftp or "
		    "remote.s3 in dr.yaml, or REMOTE_BACKUP_ENABLED / S3_BACKUP_ENABLED)"));
	else
		cmd_error(_("no %s store is configured"), remote_kind_names[kind]);
	return (EX_CONFIG);
}

/*
 * When off-site stores are configured: say whether they hold a point newer
 * than local_ms (0: nothing here) and how to bring it, or which cannot be
 * listed. Silent without stores.
 */
void
cmd_fetch_offsite_note(struct cmd_ctx *ctx, int64_t local_ms)
{
	struct remote		 r[REMOTE__KINDS];
	struct fallback_survey	 sv;
	const char		*what, *where;
	char			*cause = NULL, *safe, t[TIMEUTIL_BUFSZ], age[TIMEUTIL_BUFSZ];
	int64_t			 best, now = time_now_ms();
	size_t			 nr, i;

	if (remote_configure(&ctx->conf, r, &nr, &cause) == -1) {
		free(cause);
		return;
	}
	if (nr == 0)
		return;
	fallback_survey(r, nr, true, &sv);
	for (i = 0; i < sv.n; i++) {
		if (sv.v[i].error == NULL)
			continue;
		safe = str_safe(sv.v[i].error);
		printf(_("off-site: %s cannot be listed: %s\n"), sv.v[i].store->where, safe);
		free(safe);
	}
	best = fallback_newest_ms(&sv, &what, &where);
	if (best > local_ms) {
		time_format_iso((time_t)(best / 1000), t, sizeof t);
		duration_format(now > best ? (now - best) / 1000 : 0, age, sizeof age);
		printf(_("off-site: %s holds %s (%s, %s old), newer than anything here; "
		    "%s fetch --latest brings the set, %s restore all --from-remote "
		    "restores from the newest point\n"), where, what, t, age, PACKAGE, PACKAGE);
	} else if (best == 0 && local_ms == 0)
		printf(_("off-site: no store holds a whole set or a stream\n"));
	fflush(stdout);
	fallback_survey_clear(&sv);
	for (i = 0; i < nr; i++)
		remote_clear(&r[i]);
}

/* A set no store holds: the error (why), and the names the stores do hold, the newest three. */
static void
cmd_fetch_unknown(const struct fallback_survey *sv, const char *why)
{
	struct buf	 b;
	size_t		 i, j, shown = 0, more = 0;

	buf_init(&b);
	for (i = 0; i < sv->n; i++)
		for (j = 0; j < sv->v[i].nsets; j++) {
			if (shown == 3) {
				more++;
				continue;
			}
			buf_printf(&b, "%s%s", shown > 0 ? ", " : "", sv->v[i].sets[j].name);
			shown++;
		}
	if (shown > 0)
		cmd_error(_("%s; the newest there: %s%s"), why, b.data, more > 0 ? ", ..." : "");
	else
		cmd_error("%s", why);
	buf_clear(&b);
}

/* The exit status for a fallback that fetched nothing. */
int
cmd_fetch_fail_exit(int f)
{
	switch ((enum fallback_fail)f) {
	case FALLBACK_OK:
		return (EX_OK);
	case FALLBACK_NONE:
		return (EX_NOINPUT);
	case FALLBACK_UNREACHABLE:
		return (EX_UNAVAILABLE);
	case FALLBACK_DAMAGED:
		return (1);
	case FALLBACK_LOCAL:
		break;
	}
	return (EX_IOERR);
}

/* List the off-site sets, or fetch one and verify it; exit 0, 1 when none verifies. */
static int
cmd_fetch_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct remote			 r[REMOTE__KINDS];
	struct fallback_survey		 sv;
	struct fallback_fetched		 got;
	enum fallback_fail		 f;
	const char			*want = NULL;
	char				*cause = NULL, *safe, *db, *name = NULL;
	size_t				 nr, i, j, listed, held;
	bool				 latest = false, stream = false;
	int				 opt, from = -1, rc = EX_OK;
	int64_t				 wait_ms = 0;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'w':
			wait_ms = cmd_wait_ms(e, optarg);
			break;
		case 'f':
			if ((from = remote_kind_parse(optarg)) == -1)
				cmd_usage_error(e, _("--from: \"%s\" is not sftp or s3"), optarg);
			break;
		case 'l':
			latest = true;
			break;
		case 's':
			stream = true;
			break;
		}
	}
	if (optind < argc)
		want = argv[optind++];
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (latest && want != NULL)
		cmd_usage_error(e, _("give --latest or a set name, not both"));
	if (stream && (latest || want != NULL))
		cmd_usage_error(e, _("--stream takes no set name and no --latest"));
	/* One run at a time in backup_dir, for whatever writes there. */
	if ((latest || want != NULL || stream) &&
	    (rc = cmd_lock(&ctx->conf, "fetch", wait_ms, true)) != 0)
		return (rc);

	/* NAME as backups prints it: the set's name, TIER/NAME or a path to its .db */
	if (want != NULL) {
		if (catalog_resolve(ctx->conf.backup_dir, want, false, &db, &name, &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
			return (EX_USAGE);
		}
		free(db);
	}
	if ((rc = cmd_fetch_stores(ctx, from, r, &nr)) != EX_OK) {
		free(name);
		return (rc);
	}
	if (stream) {
		rc = cmd_fetch_stream(ctx, r, nr);
		goto out;
	}
	fallback_survey(r, nr, !latest && want == NULL, &sv);
	if (!latest && want == NULL) {
		cmd_fetch_print_survey(&sv, time(NULL));
		for (listed = held = 0, i = 0; i < sv.n; i++) {
			listed += sv.v[i].error == NULL;
			held += sv.v[i].stream_newest != NULL;
			for (j = 0; j < sv.v[i].nsets; j++)
				held += fallback_set_whole(&sv.v[i].sets[j]);
		}
		rc = listed == 0 ? EX_UNAVAILABLE : held == 0 ? EX_NOINPUT : EX_OK;
		if (rc == EX_NOINPUT)
			cmd_error("%s", _("nothing to recover from: no store holds a whole set "
			    "or a stream"));
		fallback_survey_clear(&sv);
		goto out;
	}
	f = fallback_fetch_newest(&ctx->conf, &sv, name, 0, &got, &cause);
	cmd_fetch_print_skips(got.skips, got.nskips);
	if (f != FALLBACK_OK) {
		fflush(stdout);
		safe = str_safe(cause);
		if (f == FALLBACK_NONE && name != NULL)
			cmd_fetch_unknown(&sv, safe);
		else
			cmd_error("%s", safe);
		free(safe);
		free(cause);
		rc = cmd_fetch_fail_exit(f);
	} else {
		cmd_fetch_print_report(&got.report);
		if (got.here)
			printf(_("%s/%s/%s is here already, verified and unchanged since\n"),
			    ctx->conf.backup_dir, backup_tier_names[got.tier], got.name);
		else
			printf(_("Fetched %s/%s/%s from %s\n"), ctx->conf.backup_dir,
			    backup_tier_names[got.tier], got.name, got.store->where);
		printf(_("Backup verification successful\n"));
	}
	fallback_fetched_clear(&got);
	fallback_survey_clear(&sv);
out:
	for (i = 0; i < nr; i++)
		remote_clear(&r[i]);
	free(name);
	return (rc);
}
/* The options of fetch (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_fetch_opts[] = {
	{ "from", 'f', N_("KIND"),
	    N_("sftp or s3; default: every configured store, SFTP first"),
	    0, NULL },
	{ "latest", 'l', NULL,
	    N_("the newest whole set that verifies"),
	    0, NULL },
	{ "stream", 's', NULL,
	    N_("the stream (snapshots and segments) instead of a set"),
	    0, NULL },
	{ "wait", 'w', N_("DURATION"),
	    N_("wait this long for another run on backup_dir to end\n"
	    "(default 0)"),
	    0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_fetch_entry = {
	.name = "fetch",
	.args = "[NAME]",
	.summary = N_("list the off-site backup sets, or bring one back and verify it"),
	.help = N_("Without --latest or NAME, lists what each off-site store holds: its\n"
	    "backup sets, newest first, with their age, and its stream. With one,\n"
	    "downloads the newest whole set (or NAME) into backup_dir/TIER, the\n"
	    "manifest last, each file under a temporary name first so that a broken\n"
	    "download resumes where it stopped, then verifies it as `verify` does.\n"
	    "Every configured store is asked (only KIND with --from). A store that\n"
	    "cannot be reached is left for the next; a set that is gone, damaged at\n"
	    "rest (not its ETag) or fails verify is removed here and the same set on\n"
	    "the next store, then the next older set, is tried; each skip is named.\n"
	    "NAME is the set's name as this list and backups print it, TIER/NAME, or\n"
	    "a path ending in the set's .db file.\n"
	    "The first step of complete-rebuild and datacenter-loss.\n"
	    "With --stream, brings a store's copy of the stream (every generation it\n"
	    "holds) into backup_dir/stream, skipping the files already there with the\n"
	    "same size, checks each generation's chain as restore db --at does and\n"
	    "prints the restorable window; then restore db --at TIME works from it.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_fetch_exec,
	.opts = cmd_fetch_opts,
	.opt_col = 16,
	.help_tail = N_("Exit status: 0 fetched and verified (or listed), 1 every set that fits\n"
	    "is damaged on every store, or a fetched stream chain is broken (named,\n"
	    "with its last good point), 66 no such set (the newest three are named;\n"
	    "listing: no store holds a whole set or a stream), 69 no store can be\n"
	    "listed or every download broke (run again to resume), 74 backup_dir\n"
	    "cannot hold it (disk full, named), 75 another run holds backup_dir/.lock\n"
	    "(its pid is named), 78 no store configured.\n"),
};
