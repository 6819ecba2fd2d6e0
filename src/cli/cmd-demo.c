/* cmd-demo.c: make a sandbox Patronus host and say what to try on it. */
#include "system.h"

#include <unistd.h>

#include "cli/cmd.h"
#include "engine/host/demo.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Commands worth trying on a fresh sandbox; each is shown only once it exists. */
static const struct {
	const char	*command;
	const char	*args;		/* after the command, may be empty */
	const char	*what;
} demo_next[] = {
	{ "config", "", N_("the sandbox's settings and where each came from") },
	{ "backup", "", N_("take a backup the plan's way") },
	{ "backups", "", N_("the backup sets, newest first") },
	{ "assess", "", N_("integrity check of the sandbox database") },
	{ "runbooks", "list", N_("the recovery runbooks") },
	{ "run", "database-corruption --drill", N_("rehearse a runbook on the sandbox") },
	{ "drills", "", N_("drill history against the RTO/RPO targets") },
};

/* Append the sandbox's dr.yaml, absolute and shell-quoted, to q. */
static void
cmd_demo_quote_config(struct buf *q, const struct demo_report *r)
{
	char	*abs;

	if ((abs = realpath(r->config, NULL)) == NULL)
		abs = xstrdup(r->config);
	str_shell_quote(q, abs);
	free(abs);
}

/* Print the tip that makes every command in this shell use the sandbox. */
static void
cmd_demo_export_tip(const struct demo_report *r)
{
	struct buf	 q;
	char		*dir;

	buf_init(&q);
	cmd_demo_quote_config(&q, r);
	printf(_("  export PATRONUS_DR_CONFIG=%s\n      so that every command uses the "
	    "sandbox without --config\n"), q.data);
	/* run from its build folder: without this, "patronus-dr" is "command not found" */
	if ((dir = cmd_program_dir_off_path()) != NULL) {
		buf_reset(&q);
		str_shell_quote(&q, dir);
		printf(_("  export PATH=%s:\"$PATH\"\n      so that the shell finds patronus-dr "
		    "(it runs from its build folder)\n"), q.data);
		free(dir);
	}
	buf_clear(&q);
}

/* Print what demo_create made (or kept) and what to try next. */
static void
cmd_demo_print(const struct demo_report *r)
{
	struct buf	 q;
	char		*prog;
	size_t		 i;

	buf_init(&q);
	cmd_demo_quote_config(&q, r);
	if (r->kept)
		printf(_("Kept the demo sandbox in %s (it was made earlier; --reset makes a "
		    "new one).\n"), r->dir);
	else if (r->replaced)
		printf(_("Replaced the demo sandbox in %s with a new one.\n"), r->dir);
	else
		printf(_("Made a demo sandbox in %s.\n"), r->dir);
	printf(_("  settings        %s\n"), r->config);
	if (r->kept)
		printf(_("  database        %s\n"), r->database);
	else
		printf(_("  database        %s (WAL mode; %ld sites, %ld paths, %ld health "
		    "samples,\n                  %ld policies, %ld users, %ld audit entries)\n"),
		    r->database, r->n_sites, r->n_paths, r->n_health, r->n_policies,
		    r->n_users, r->n_audit);
	printf(_("  configuration   %s (config.yaml, TLS key pair, JWT secret)\n"),
	    r->config_dir);
	printf(_("  WireGuard       %s (wg0.conf, private and public key)\n"),
	    r->wireguard_dir);
	if (r->wg_public != NULL)
		printf(_("  public key      %s\n"), r->wg_public);
	printf(_("  encryption key  %s (mode 0600)\n"), r->encryption_key);
	if (r->kept)
		printf(_("  backups         %s\n"), r->backup_dir);
	else
		printf(_("  backups         %s (%ld sets taken as if 8 days to 10 minutes "
		    "ago;\n                  the newest lacks the last minute's change)\n"),
		    r->backup_dir, r->n_sets);
	if (r->runbook_dir != NULL)
		printf(_("  runbooks        %s\n"), r->runbook_dir);

	printf(_("\nTry next:\n"));
	prog = cmd_hint_program();
	for (i = 0; i < nitems(demo_next); i++) {
		if (!cmd_exists(demo_next[i].command))
			continue;
		printf("  %s --config %s %s%s%s\n      %s\n", prog, q.data,
		    demo_next[i].command, *demo_next[i].args != '\0' ? " " : "",
		    demo_next[i].args, _(demo_next[i].what));
	}
	free(prog);
	cmd_demo_export_tip(r);
	buf_reset(&q);
	str_shell_quote(&q, r->database);
	printf(_("  sqlite3 %s 'SELECT name, status FROM paths LIMIT 5'\n"
	    "      look at the made-up network\n"), q.data);
	buf_clear(&q);
}

/* Make the new sandbox's backup sets (demo_history); 0, or -1 after saying why. */
static int
cmd_demo_history(struct demo_report *rep)
{
	char	*cause = NULL;
	time_t	 now;
	size_t	 n;
	int	 rc;

	if (cmd_now(&now) != 0) {
		cmd_error(_("PATRONUS_DR_NOW: expected @EPOCH"));
		return (-1);
	}
	log_set_echo(false);
	rc = demo_history(rep, now, &n, &cause);
	log_set_echo(true);
	rep->n_sets = (long)n;
	if (rc != 0) {
		cmd_error(_("%s: the demo's backup sets: %s"), rep->dir, cause);
		free(cause);
	}
	return (rc);
}

/* patronus-dr demo [--dir DIR] [--reset] [--no-tui] */
static int
cmd_demo_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct demo_report		 rep;
	const char			*dir = NULL;
	char				*cause = NULL, *def = NULL;
	bool				 reset = false, no_tui = false;
	int				 opt;
	enum fail_class			 fc;

	(void)ctx;
	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'd':
			if (*optarg == '\0')
				cmd_usage_error(e, _("--dir needs a folder"));
			dir = optarg;
			break;
		case 'r':
			reset = true;
			break;
		case 'n':
			no_tui = true;
			break;
		}
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);

	if (dir == NULL && (def = demo_default_dir(&cause)) == NULL) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_USAGE);
	}
	if ((fc = demo_create(dir != NULL ? dir : def, reset, &rep, &cause)) != FAIL_NONE) {
		cmd_error("%s", cause);
		free(cause);
		free(def);
		opt = fail_exit(fc);
		demo_report_clear(&rep);
		return (opt);
	}
	/* a new sandbox gets a history of backup sets, so that a drill restores one */
	if (!rep.kept && cmd_demo_history(&rep) != 0) {
		demo_report_clear(&rep);
		free(def);
		return (EX_IOERR);
	}
	/* on a terminal, the TUI opens on the sandbox: a drill ready to start */
	if (!no_tui && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		/* said before the TUI takes the screen, so it is there when it leaves */
		printf(_("Demo sandbox in %s\nTo use it from this shell:\n"), rep.dir);
		cmd_demo_export_tip(&rep);
		fflush(stdout);
		opt = cmd_demo_walk(ctx, rep.config);
		demo_report_clear(&rep);
		free(def);
		return (opt);
	}
	cmd_demo_print(&rep);
	demo_report_clear(&rep);
	free(def);
	return (EX_OK);
}

/* The options of demo (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_demo_opts[] = {
	{ "dir", 'd', N_("DIR"),
	    N_("the sandbox folder (default: $XDG_DATA_HOME/patronus-dr/demo,\n"
	    "else ~/.local/share/patronus-dr/demo)"),
	    CMD_OPT_SHORT, NULL },
	{ "reset", 'r', NULL,
	    N_("delete the sandbox and make a new one; only a folder that\n"
	    "demo made (it holds .patronus-dr-demo) is ever deleted"),
	    CMD_OPT_SHORT, NULL },
	{ "no-tui", 'n', NULL,
	    N_("only make the sandbox and print what was made"),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_demo_entry = {
	.name = "demo",
	.args = "",
	.summary = N_("make a sandbox Patronus host (database, config, keys, dr.yaml)"),
	.help = N_("Lays out a pretend Patronus host without root: an sdwan.db in WAL mode\n"
	    "with made-up sites, paths, path health, policies, users and an audit log;\n"
	    "a config folder with config.yaml, a TLS key pair and a JWT secret; a\n"
	    "WireGuard folder with real X25519 keys and wg0.conf; a backup encryption\n"
	    "key (mode 0600); and a dr.yaml that points at all of it.\n"),
	.flags = 0,
	.exec = cmd_demo_exec,
	.opts = cmd_demo_opts,
	.opt_col = 17,
	.help_tail = N_("On a terminal (and without --no-tui) it prints the export tip, then the\n"
	    "TUI opens on the sandbox: its open drill of database-corruption is\n"
	    "resumed, else one is declared, ready to start. Another open incident\n"
	    "or drill there is left alone, with the command that closes it.\n"
	    "\n"
	    "An existing sandbox is kept as it is. A folder that exists, is not empty\n"
	    "and is not a sandbox is refused (exit 73).\n"),
};
