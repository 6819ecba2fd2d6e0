/* cmd-backups.c: list the backup sets, newest first, with their state. */
#include "system.h"

#include <sys/stat.h>

#include <openssl/crypto.h>
#include <time.h>

#include "cli/cmd.h"
#include "engine/backup/retention.h"
#include "engine/recover/restore.h"
#include "engine/set/catalog.h"
#include "engine/set/manifest.h"
#include "engine/stream/pitr.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/str.h"
#include "util/table.h"
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
		cmd_say("\n%s", text);
		free(text);
	}
	stream_status_clear(&st);
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
	stream_status_clear(&st);
	return (have);
}

/* A path with control characters shown as '?' (file names are untrusted; caller frees). */
static char *
cmd_backups_path(const char *path)
{
	char	*p = xstrdup(path), *q;

	for (q = p; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return (p);
}

/* The size of a file for the table, "?" when it is gone. */
static void
cmd_backups_size(const char *path, char *size, size_t len)
{
	struct stat	st;

	if (lstat(path, &st) == 0)
		manifest_du_size((uint64_t)st.st_size, size, len);
	else
		xsnprintf(size, len, "?");
}

/* What killed backups and restores left: hidden temporaries, and who removes them. */
static void
cmd_backups_leftovers(const struct conf *c)
{
	const char *const live[] = { c->database, c->config_dir, c->wireguard_dir };
	char	**list, size[32];
	size_t	  n, i, k;
	char	 *p;
	bool	  busy;

	busy = retention_busy(c->backup_dir);
	list = NULL;
	n = 0;
	retention_stale(c->backup_dir, time(NULL), -1, &list, &n);
	for (i = 0; i < n; i++) {
		cmd_backups_size(list[i], size, sizeof size);
		p = cmd_backups_path(list[i]);
		if (busy)
			printf(_("being written by a running backup: %s (%s)\n"), p, size);
		else
			printf(_("left over by an interrupted backup: %s (%s); the next backup "
			    "removes it\n"), p, size);
		free(p);
	}
	str_list_free(list, n);
	/* beside the live database (copies, rebuilds) and the live trees (staging folders) */
	for (k = 0; k < nitems(live); k++) {
		if (live[k] == NULL)
			continue;
		restore_leftovers(live[k], k == 0 ? NULL : "restore", &list, &n);
		for (i = 0; i < n; i++) {
			cmd_backups_size(list[i], size, sizeof size);
			p = cmd_backups_path(list[i]);
			printf(_("left over by a restore: %s (%s); the next restore removes "
			    "it\n"), p, size);
			free(p);
		}
		str_list_free(list, n);
	}
}

/* List every set; exit 0, 66 when there is none (and no stream), 74 when BACKUP_DIR cannot be read. */
static int
cmd_backups_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct table_col		 cols[] = {
		{ _("TIME"), 0 }, { _("TIER"), 0 }, { _("SIZE"), TABLE_RIGHT },
		{ _("SITES"), TABLE_RIGHT }, { _("STATE"), 0 }, { _("SET"), TABLE_WRAP },
	};
	struct catalog_set		*sets;
	struct table			 tb;
	struct buf			 b;
	struct tm			 tm;
	char				*password = NULL, *cause = NULL, when[32], size[32], sites[32];
	char				*set;
	bool				 json = false;
	size_t				 n, i;
	int				 opt;

	while ((opt = cmd_getopts(e, argc, argv)) != -1)
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
	table_init(&tb, cols, nitems(cols));
	if (json)
		buf_addc(&b, '[');
	else if (n == 0 && cmd_backups_have_stream(ctx->conf.backup_dir))
		cmd_say(_("no backup sets in %s\n"), ctx->conf.backup_dir);
	else if (n == 0) {
		/* a step that looks for a backup must not pass when there is none */
		cmd_error(_("no backup sets in %s, and no stream: nothing to restore from "
		    "(take one with patronus-dr backup)"), ctx->conf.backup_dir);
		table_clear(&tb);
		cmd_backups_leftovers(&ctx->conf);
		catalog_free(sets, n);
		buf_clear(&b);
		return (EX_NOINPUT);
	}
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
		/* the name verify, restore --from, fetch and prune take */
		set = xasprintf("%s/%s%s%s", backup_tier_names[sets[i].tier], sets[i].name,
		    sets[i].why != NULL ? ": " : "", sets[i].why != NULL ? sets[i].why : "");
		table_add(&tb, when, backup_tier_names[sets[i].tier], size, sites,
		    _(catalog_state_name(sets[i].state)), set);
		free(set);
	}
	if (json) {
		buf_adds(&b, n > 0 ? "\n]\n" : "]\n");
		fputs(b.data, stdout);
		if (n == 0 && !cmd_backups_have_stream(ctx->conf.backup_dir)) {
			table_clear(&tb);
			buf_clear(&b);
			catalog_free(sets, n);
			return (EX_NOINPUT);
		}
	} else {
		if (n > 0)
			cmd_print_table(&tb);
		cmd_backups_leftovers(&ctx->conf);
		cmd_backups_stream(ctx->conf.backup_dir);
	}
	table_clear(&tb);
	buf_clear(&b);
	catalog_free(sets, n);
	return (EX_OK);
}

/* The options of backups (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_backups_opts[] = {
	{ "json", 'j', NULL,
	    N_("a JSON array instead of a table"),
	    0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_backups_entry = {
	.name = "backups",
	.args = "",
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
	    "its generation, newest point, when it last caught up, lag and oldest point.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_backups_exec,
	.opts = cmd_backups_opts,
	.opt_col = 11,
	.help_tail = N_("Exit status: 0 listed, 66 no backup set and no stream (nothing to\n"
	    "restore from), 74 backup_dir cannot be read.\n"),
};
