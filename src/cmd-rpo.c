/* cmd-rpo.c: the data-loss window against the newest backup set that verifies. */
#include "system.h"

#include <time.h>

#include <openssl/crypto.h>

#include "cmd.h"
#include "engine/restore.h"
#include "util/fsutil.h"
#include "util/timeutil.h"

/* rpo: how much would be lost restoring now, and whether it is within the target. */
static int
cmd_rpo_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "incident-start", required_argument, NULL, 'i' },
		{ "target", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct restore_pick		 p;
	char				*pw = NULL, *why = NULL, *cause = NULL;
	char				 bw[TIMEUTIL_BUFSZ], rw[TIMEUTIL_BUFSZ];
	char				 dw[TIMEUTIL_BUFSZ], tw[TIMEUTIL_BUFSZ];
	const char			*incident = NULL;
	int64_t				 target = -1, window;
	time_t				 now = time(NULL), ref = now;
	int				 opt, ex;

	while ((opt = cmd_getopt(e, argc, argv, "i:t:h", longopts)) != -1) {
		switch (opt) {
		case 'i':
			incident = optarg;
			break;
		case 't':
			if (duration_parse(optarg, &target, &cause) != 0) {
				free(cause);
				cmd_usage_error(e, _("--target wants a duration such as "
				    "15m, not \"%s\""), optarg);
			}
			break;
		}
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (incident != NULL && time_parse(incident, now, &ref, &cause) != 0) {
		cmd_error("--incident-start: %s", cause);
		free(cause);
		return (EX_USAGE);
	}
	if (fs_read_key(ctx->conf.encryption_key, &pw, &why) != 0)
		pw = NULL;
	ex = restore_pick(&ctx->conf, NULL, RESTORE_DB, pw, why, &p, &cause);
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
	free(why);
	if (ex != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_NOINPUT);
	}
	window = (int64_t)ref - (int64_t)p.when;
	if (window < 0)
		window = 0;
	time_format_iso(p.when, bw, sizeof bw);
	time_format_iso(ref, rw, sizeof rw);
	duration_format(window, dw, sizeof dw);
	printf(_("newest set that verifies: %s (%s)\n"), p.name, bw);
	printf(_("data-loss window: %s (against %s %s)\n"), dw,
	    incident != NULL ? _("incident start") : _("now"), rw);
	ex = EX_OK;
	if (target >= 0) {
		duration_format(target, tw, sizeof tw);
		if (window <= target)
			printf(_("ok: within the RPO target of %s\n"), tw);
		else {
			printf(_("OVER the RPO target of %s\n"), tw);
			ex = 1;
		}
	}
	restore_pick_free(&p);
	return (ex);
}

const struct cmd_entry cmd_rpo_entry = {
	.name = "rpo",
	.args = "[--incident-start TIME] [--target DURATION]",
	.summary = N_("data-loss window against the newest set that verifies"),
	.help = N_("Finds the newest backup set across all tiers that passes verify\n"
	    "(newer damaged sets are skipped and named) and prints the data that\n"
	    "a restore would lose: its time against now or the incident start.\n"
	    "\n"
	    "  -i, --incident-start TIME   measure against this time\n"
	    "  -t, --target DURATION       the RPO target, e.g. 15m\n"
	    "\n"
	    "Exit status: 0 within the target (or none given), 1 over it,\n"
	    "66 no set verifies.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_rpo_exec,
};
