/* cmd-backups.c: list the backup sets, newest first, with their state. */
#include "system.h"

#include <openssl/crypto.h>
#include <time.h>

#include "cli/cmd.h"
#include "engine/set/catalog.h"
#include "engine/set/manifest.h"
#include "engine/stream/pitr.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* After the table: the continuous stream under BACKUP_DIR/stream, when there is one. */
static void
cmd_backups_stream(const char *backup_dir)
{
	struct stream_status	 st;
	char			*cause = NULL, *text;

	if (stream_status_read(backup_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return;
	}
	if (st.present || st.running) {
		text = pitr_status_text(&st, time_now_ms(), false);
		printf("\n%s", text);
		free(text);
	}
	stream_status_free(&st);
}

/* Whether BACKUP_DIR holds a stream (restore db --at can use it). */
static bool
cmd_backups_have_stream(const char *backup_dir)
{
	struct stream_status	 st;
	char			*cause = NULL;
	bool			 have;

	if (stream_status_read(backup_dir, &st, &cause) != 0) {
		free(cause);
		return (false);
	}
	have = st.present;
	stream_status_free(&st);
	return (have);
}

/* List every set; exit 0, 66 when there is none (and no stream), 74 when BACKUP_DIR cannot be read. */
static int
cmd_backups_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct catalog_set		*sets;
	struct buf			 b;
	struct tm			 tm;
	char				*password = NULL, *cause = NULL, when[32], size[32], sites[32];
	bool				 json = false;
	size_t				 n, i;
	int				 opt;

	while ((opt = cmd_getopt(e, argc, argv, "hj", longopts)) != -1)
		if (opt == 'j')
			json = true;
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);

	if (fs_read_key(ctx->conf.encryption_key, &password, &cause) == -1) {
		free(cause);	/* without the key, HMAC lines are not checked */
		password = NULL;
	}
	cause = NULL;
	if (catalog_scan(ctx->conf.backup_dir, ctx->conf.state_dir, password, &sets, &n,
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
	buf_init(&b);
	if (json)
		buf_addc(&b, '[');
	else if (n == 0 && cmd_backups_have_stream(ctx->conf.backup_dir))
		printf(_("no backup sets in %s\n"), ctx->conf.backup_dir);
	else if (n == 0) {
		/* a step that looks for a backup must not pass when there is none */
		cmd_error(_("no backup sets in %s, and no stream: nothing to restore from "
		    "(take one with patronus-dr backup)"), ctx->conf.backup_dir);
		catalog_free(sets, n);
		buf_free(&b);
		return (EX_NOINPUT);
	} else
		printf("%-19s  %-7s  %6s  %5s  %-12s  %s\n", _("TIME"), _("TIER"), _("SIZE"),
		    _("SITES"), _("STATE"), _("SET"));
	for (i = 0; i < n; i++) {
		localtime_r(&sets[i].when, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		if (json) {
			buf_adds(&b, i > 0 ? ",\n {\"time\": " : "\n {\"time\": ");
			json_add_string(&b, when);
			buf_printf(&b, ", \"epoch\": %jd, \"tier\": \"%s\", \"name\": ",
			    (intmax_t)sets[i].when, backup_tier_names[sets[i].tier]);
			json_add_string(&b, sets[i].name);
			buf_adds(&b, ", \"dir\": ");
			json_add_string(&b, sets[i].dir);
			buf_printf(&b, ", \"size\": %ju, \"sites\": %ld, \"state\": \"%s\", "
			    "\"hmac\": %s, \"why\": ", (uintmax_t)sets[i].size, sets[i].sites,
			    catalog_state_name(sets[i].state), sets[i].hmac ? "true" : "false");
			if (sets[i].why != NULL)
				json_add_string(&b, sets[i].why);
			else
				buf_adds(&b, "null");
			buf_addc(&b, '}');
			continue;
		}
		manifest_du_size(sets[i].size, size, sizeof size);
		if (sets[i].sites >= 0)
			xsnprintf(sites, sizeof sites, "%ld", sets[i].sites);
		else
			xsnprintf(sites, sizeof sites, "-");
		printf("%-19s  %-7s  %6s  %5s  %-12s  %s/%s%s%s\n", when,
		    backup_tier_names[sets[i].tier], size,
		    sites,
		    _(catalog_state_name(sets[i].state)), backup_tier_names[sets[i].tier],
		    sets[i].name, sets[i].why != NULL ? ": " : "",
		    sets[i].why != NULL ? cmd_esc(sets[i].why) : "");
	}
	if (json) {
		buf_adds(&b, n > 0 ? "\n]\n" : "]\n");
		fputs(b.data, stdout);
		if (n == 0 && !cmd_backups_have_stream(ctx->conf.backup_dir)) {
			buf_free(&b);
			catalog_free(sets, n);
			return (EX_NOINPUT);
		}
	} else
		cmd_backups_stream(ctx->conf.backup_dir);
	buf_free(&b);
	catalog_free(sets, n);
	return (EX_OK);
}

const struct cmd_entry cmd_backups_entry = {
	.name = "backups",
	.args = "[--json]",
	.summary = N_("list the backup sets, newest first, with their state"),
	.help = N_("Shows every set under backup_dir: time, tier, size, sites and state.\n"
	    "complete: all files, a sound manifest, verified as they are now;\n"
	    "not verified: all files and a sound manifest, not verified since they\n"
	    "last changed (run verify); incomplete: a file or the manifest is missing\n"
	    "(an interrupted backup); corrupt: the manifest is unsound, its HMAC does\n"
	    "not match, or verify failed on these files; unsigned: the manifest has\n"
	    "no HMAC line (the plan's own script, or a forgery): restore never picks\n"
	    "it by itself.\n"
	    "Then, when there is one, the stream (restore db --at): running or not,\n"
	    "its generation, newest point, when it last caught up, lag and oldest point.\n\n"
	    "  --json   a JSON array instead of a table\n\n"
	    "Exit status: 0 listed, 66 no backup set and no stream (nothing to\n"
	    "restore from), 74 backup_dir cannot be read.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_backups_exec,
};
