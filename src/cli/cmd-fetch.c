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

/* Print verify's checks of a fetched set. */
static void
cmd_fetch_print_report(const struct verify_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		printf("%-8s %-10s %s: %s\n", _(verify_status_name(r->checks[i].status)),
		    r->checks[i].check, cmd_esc(r->checks[i].file), cmd_esc(r->checks[i].detail));
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
		if (pitr_rebuild(backup_dir, at, NULL, &r, &cause) != FAIL_NONE ||
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
	if ((rc = cmd_offsite_stores(ctx, from, r, &nr)) != EX_OK) {
		free(name);
		return (rc);
	}
	if (stream) {
		rc = cmd_fetch_stream(ctx, r, nr);
		goto out;
	}
	fallback_survey(r, nr, !latest && want == NULL, &sv);
	if (!latest && want == NULL) {
		cmd_offsite_print_survey(&sv, time(NULL));
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
	cmd_offsite_print_skips(got.skips, got.nskips);
	if (f != FALLBACK_OK) {
		fflush(stdout);
		safe = str_safe(cause);
		if (f == FALLBACK_NONE && name != NULL)
			cmd_fetch_unknown(&sv, safe);
		else
			cmd_error("%s", safe);
		free(safe);
		free(cause);
		rc = cmd_offsite_fail_exit(f);
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
