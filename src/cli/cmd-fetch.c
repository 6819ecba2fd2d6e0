/* cmd-fetch.c: list the off-site backup sets and bring one back into backup_dir. */
#include "system.h"

#include <openssl/crypto.h>

#include "cli/cmd.h"
#include "engine/set/catalog.h"
#include "engine/stream/offstream.h"
#include "engine/stream/pitr.h"
#include "engine/remote/remote.h"
#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "engine/set/verify.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Whether a remote set has all four files. */
static bool
cmd_fetch_whole(const struct remote_set *s)
{
	int	i;

	for (i = 0; i < PART__COUNT; i++)
		if (!s->have[i])
			return (false);
	return (true);
}

/* Print the store's sets, newest first. */
static void
cmd_fetch_list(const struct remote *r, const struct remote_set *sets, size_t n)
{
	uint64_t	total;
	size_t		i;
	int		k;

	printf(_("Backup sets in %s:\n"), r->where);
	for (i = 0; i < n; i++) {
		for (total = 0, k = 0; k < PART__COUNT; k++)
			total += sets[i].size[k];
		printf("%-36s %-8s %-10s %12" PRIu64 "\n", sets[i].name,
		    backup_tier_names[sets[i].tier],
		    cmd_fetch_whole(&sets[i]) ? _("complete") : _("incomplete"), total);
	}
	if (n == 0)
		printf(_("(none)\n"));
}

/* Verify the fetched set with the backup engine's checks; 0 when they pass. */
static int
cmd_fetch_verify(struct cmd_ctx *ctx, const char *db)
{
	struct verify_report	 r;
	struct verify_opts	 vo;
	struct catalog_set	 s;
	char			*password = NULL, *key_why = NULL, *cause = NULL, *why = NULL;
	size_t			 i;
	int			 rc;

	if (fs_read_key(ctx->conf.encryption_key, &password, &key_why) == -1)
		password = NULL;
	verify_opts_conf(&vo, &ctx->conf, password, key_why);
	rc = verify_run(db, &vo, &r);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	for (i = 0; i < r.n; i++) {
		printf("%-8s %-10s %s: %s\n", _(verify_status_name(r.checks[i].status)),
		    r.checks[i].check, cmd_esc(r.checks[i].file),
		    cmd_esc(r.checks[i].detail));
		if (r.checks[i].status == VERIFY_FAIL && why == NULL)
			why = xasprintf("%s: %s", r.checks[i].file, r.checks[i].detail);
	}
	/* Content verdicts only: not one for want of the key. */
	if (verify_verdict(&r) >= 0 && catalog_set_from_db(db, &s, &cause) == 0) {
		if (catalog_stamp(ctx->conf.state_dir, &s, verify_verdict(&r) == 1, why,
		    &cause) == -1)
			free(cause);
		catalog_set_clear(&s);
	} else
		free(cause);
	free(why);
	free(key_why);
	verify_report_free(&r);
	return (rc);
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
			pitr_result_free(&r);
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
		pitr_result_free(&r);
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

/* fetch --stream: bring the store's stream into backup_dir/stream and check it. */
static int
cmd_fetch_stream(struct cmd_ctx *ctx, struct remote *st)
{
	char	*dir, *cause = NULL;
	size_t	 got, skipped;
	int	 rc;

	dir = str_join_path(ctx->conf.backup_dir, STREAM_DIR);
	log_info(_("Fetching the stream from %s into %s"), st->where, dir);
	if (offstream_fetch(st, dir, &got, &skipped, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		free(dir);
		return (EX_IOERR);
	}
	printf(_("Fetched %zu files of the stream from %s into %s (%zu already there)\n"), got,
	    st->where, dir, skipped);
	rc = cmd_fetch_stream_check(ctx->conf.backup_dir, dir);
	free(dir);
	return (rc);
}

/* List the off-site sets, or fetch one and verify it; exit 0, 1 when it does not verify. */
static int
cmd_fetch_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "latest", no_argument, NULL, 'l' },
		{ "stream", no_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct remote			 r[REMOTE__KINDS], *st = NULL;
	struct remote_set		*sets = NULL, *pick = NULL;
	const char			*want = NULL;
	char				*cause = NULL, *db, *name;
	size_t				 nr, n = 0, i, len;
	bool				 latest = false, stream = false;
	int				 opt, from = -1, rc = EX_OK;
	int64_t				 wait_ms = 0;

	while ((opt = cmd_getopt(e, argc, argv, "f:hlsw:", longopts)) != -1) {
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

	if (remote_configure(&ctx->conf, r, &nr, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		return (errno == EACCES ? EX_NOPERM : EX_CONFIG);
	}
	for (i = 0; i < nr && st == NULL; i++)
		if (from == -1 || (int)r[i].kind == from)
			st = &r[i];
	if (st == NULL) {
		if (from == -1)
			cmd_error("%s", _("no off-site store is configured (remote.sftp or "
			    "remote.s3 in dr.yaml, or REMOTE_BACKUP_ENABLED / S3_BACKUP_ENABLED)"));
		else
			cmd_error(_("no %s store is configured"), remote_kind_names[from]);
		rc = EX_CONFIG;
		goto out;
	}
	if (stream) {
		rc = cmd_fetch_stream(ctx, st);
		goto out;
	}
	if (remote_sets(st, &sets, &n, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if (!latest && want == NULL) {
		cmd_fetch_list(st, sets, n);
		goto out;
	}
	for (i = 0; i < n && pick == NULL; i++) {
		if (latest && cmd_fetch_whole(&sets[i]))
			pick = &sets[i];
		else if (want != NULL) {
			len = strlen(sets[i].name);
			if (strncmp(want, sets[i].name, len) == 0 && (want[len] == '\0' ||
			    strcmp(want + len, ".db") == 0))
				pick = &sets[i];
		}
	}
	if (pick == NULL) {
		if (latest)
			cmd_error(_("%s: no complete backup set"), st->where);
		else
			cmd_error(_("%s: no backup set %s"), st->where, want);
		rc = EX_NOINPUT;
		goto out;
	}
	if (!cmd_fetch_whole(pick)) {
		cmd_error(_("%s: set %s is incomplete there"), st->where, pick->name);
		rc = EX_NOINPUT;
		goto out;
	}
	log_info(_("Fetching %s from %s into %s/%s"), pick->name, st->where,
	    ctx->conf.backup_dir, backup_tier_names[pick->tier]);
	if (remote_fetch_set(st, ctx->conf.backup_dir, pick, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_IOERR;
		goto out;
	}
	name = xasprintf("%s/%s/%s", ctx->conf.backup_dir, backup_tier_names[pick->tier],
	    pick->name);
	db = xasprintf("%s%s", name, catalog_suffixes[PART_DB]);
	printf(_("Fetched %s\n"), name);
	if (cmd_fetch_verify(ctx, db) == 0)
		printf(_("Backup verification successful\n"));
	else {
		printf(_("Backup verification FAILED\n"));
		rc = 1;
	}
	free(db);
	free(name);
out:
	remote_sets_free(sets, n);
	for (i = 0; i < nr; i++)
		remote_free(&r[i]);
	return (rc);
}

const struct cmd_entry cmd_fetch_entry = {
	.name = "fetch",
	.args = "[--from sftp|s3] [--latest | NAME | --stream] [--wait DURATION]",
	.summary = N_("list the off-site backup sets, or bring one back and verify it"),
	.help = N_("Without --latest or NAME, lists the backup sets of the off-site store,\n"
	    "newest first. With one, downloads that set (or the newest complete one)\n"
	    "into backup_dir/TIER, the manifest last, each file under a temporary name\n"
	    "first so that a broken download resumes where it stopped, then verifies it\n"
	    "as `verify` does. The first step of complete-rebuild and datacenter-loss.\n"
	    "With --stream, brings the store's copy of the stream (every generation it\n"
	    "holds) into backup_dir/stream, skipping the files already there with the\n"
	    "same size, checks each generation's chain as restore db --at does and\n"
	    "prints the restorable window; then restore db --at TIME works from it.\n\n"
	    "  --from KIND   sftp or s3; default: sftp when configured, else s3\n"
	    "  --latest      the newest complete set\n"
	    "  --stream      the stream (snapshots and segments) instead of a set\n"
	    "  --wait DURATION\n"
	    "                wait this long for another run on backup_dir to end\n"
	    "                (default 0)\n\n"
	    "Exit status: 0 fetched and verified (or listed), 1 the fetched set does\n"
	    "not verify or a fetched stream chain is broken (named, with its last good\n"
	    "point), 66 no such set, 69 the store cannot be listed, 74 the download\n"
	    "failed (run again to resume), 75 another run holds backup_dir/.lock\n"
	    "(its pid is named), 78 no store configured.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_fetch_exec,
};
