/* cmd-prune.c: apply retention to the backup sets. */
#include "system.h"

#include <openssl/crypto.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "engine/catalog.h"
#include "engine/retention.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Apply retention (or, with --dry-run, show it); exit 0, or 74 when a removal failed. */
static int
cmd_prune_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct catalog_set		*sets;
	struct retention_verdict	*v;
	char				*password = NULL, *cause = NULL, **stale;
	bool				 dry = false;
	size_t				 n, nstale, i, removed = 0;
	time_t				 now;
	int				 opt, rc = EX_OK;

	while ((opt = cmd_getopt(e, argc, argv, "hn", longopts)) != -1)
		if (opt == 'n')
			dry = true;
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (cmd_now(&now) == -1)
		cmd_usage_error(e, _("PATRONUS_DR_NOW must be @SECONDS-SINCE-1970"));

	if (fs_read_key(ctx->conf.encryption_key, &password, &cause) == -1) {
		free(cause);
		password = NULL;
	}
	cause = NULL;
	if (!dry) {
		log_set_echo(false);
		cmd_open_log(&ctx->conf);
	}
	if (retention_plan(&ctx->conf, password, now, &sets, &n, &v, &stale, &nstale,
	    &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		free(password);
		return (EX_IOERR);
	}
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	for (i = 0; i < n; i++) {
		printf("%-6s %s/%s: %s\n", v[i].remove ? (dry ? _("would remove") : _("remove")) :
		    _("keep"), backup_tier_names[sets[i].tier], sets[i].name, v[i].why);
		if (!v[i].remove || dry)
			continue;
		log_info(_("prune: removing %s/%s: %s"), sets[i].dir, sets[i].name, v[i].why);
		if (retention_remove(&ctx->conf, &sets[i], &cause) == -1) {
			cmd_error("%s", cause);
			free(cause);
			cause = NULL;
			rc = EX_IOERR;
		} else
			removed++;
	}
	for (i = 0; i < nstale; i++) {
		printf("%-6s %s: %s\n", dry ? _("would remove") : _("remove"), stale[i],
		    _("temporary file of an interrupted backup, older than a day"));
		if (!dry && unlink(stale[i]) == 0)
			log_info(_("prune: removed %s"), stale[i]);
		free(stale[i]);
	}
	free(stale);
	if (!dry)
		printf(_("%zu of %zu sets removed\n"), removed, n);
	retention_verdicts_free(v, n);
	catalog_free(sets, n);
	return (rc);
}

const struct cmd_entry cmd_prune_entry = {
	.name = "prune",
	.args = "[--dry-run]",
	.summary = N_("apply retention to the backup sets"),
	.help = N_("Keeps what restic's forget --keep-hourly/daily/weekly/monthly keeps with\n"
	    "the counts of dr.yaml's retention, over all tiers together: walking from\n"
	    "the newest set, each rule keeps the newest set of each calendar hour, day,\n"
	    "ISO week or month that has one, until its count is used; one set may be\n"
	    "kept by several rules. The newest set that verifies is never removed.\n"
	    "Incomplete sets older than a day are removed; corrupt sets are kept for\n"
	    "inspection. Each set is listed with what happens to it and why.\n\n"
	    "  --dry-run   only show what would be removed\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_prune_exec,
};
