/* cmd-fetch.c: list the off-site backup sets and bring one back into backup_dir. */
#include "system.h"

#include <openssl/crypto.h>

#include "cmd.h"
#include "engine/catalog.h"
#include "engine/remote.h"
#include "engine/verify.h"
#include "util/fsutil.h"
#include "util/log.h"
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
	struct catalog_set	 s;
	char			*password = NULL, *key_why = NULL, *cause = NULL, *why = NULL;
	size_t			 i;
	int			 rc;

	if (fs_read_key(ctx->conf.encryption_key, &password, &key_why) == -1)
		password = NULL;
	rc = verify_run(db, password, key_why, &r);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	for (i = 0; i < r.n; i++) {
		printf("%-8s %-10s %s: %s\n", _(verify_status_name(r.checks[i].status)),
		    r.checks[i].check, r.checks[i].file, r.checks[i].detail);
		if (r.checks[i].status == VERIFY_FAIL && why == NULL)
			why = xasprintf("%s: %s", r.checks[i].file, r.checks[i].detail);
	}
	if (catalog_set_from_db(db, &s, &cause) == 0) {
		if (catalog_stamp(ctx->conf.state_dir, &s, rc == 0, why, &cause) == -1)
			free(cause);
		catalog_set_clear(&s);
	} else
		free(cause);
	free(why);
	free(key_why);
	verify_report_free(&r);
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
		{ NULL, 0, NULL, 0 }
	};
	struct remote			 r[REMOTE__KINDS], *st = NULL;
	struct remote_set		*sets = NULL, *pick = NULL;
	const char			*want = NULL;
	char				*cause = NULL, *db, *name;
	size_t				 nr, n = 0, i, len;
	bool				 latest = false;
	int				 opt, from = -1, rc = EX_OK;

	while ((opt = cmd_getopt(e, argc, argv, "f:hl", longopts)) != -1) {
		switch (opt) {
		case 'f':
			if ((from = remote_kind_parse(optarg)) == -1)
				cmd_usage_error(e, _("--from: \"%s\" is not sftp or s3"), optarg);
			break;
		case 'l':
			latest = true;
			break;
		}
	}
	if (optind < argc)
		want = argv[optind++];
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (latest && want != NULL)
		cmd_usage_error(e, _("give --latest or a set name, not both"));

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
	.args = "[--from sftp|s3] [--latest | NAME]",
	.summary = N_("list the off-site backup sets, or bring one back and verify it"),
	.help = N_("Without --latest or NAME, lists the backup sets of the off-site store,\n"
	    "newest first. With one, downloads that set (or the newest complete one)\n"
	    "into backup_dir/TIER, the manifest last, each file under a temporary name\n"
	    "first so that a broken download resumes where it stopped, then verifies it\n"
	    "as `verify` does. The first step of complete-rebuild and datacenter-loss.\n\n"
	    "  --from KIND   sftp or s3; default: sftp when configured, else s3\n"
	    "  --latest      the newest complete set\n\n"
	    "Exit status: 0 fetched and verified (or listed), 1 the fetched set does\n"
	    "not verify, 66 no such set, 69 the store cannot be listed, 74 the download\n"
	    "failed (run again to resume), 78 no store configured.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_fetch_exec,
};
