/* action.c: the registry of engine actions that runbooks call with action:. */
#include "system.h"

#include "engine/host/action.h"
#include "util/xmalloc.h"

/*
 * Each action is one subcommand of the program (ARCHITECTURE.md, command
 * line). planned marks the ones whose subcommand is not built yet: the linter
 * accepts them, the engine refuses to run them until it exists. The engine
 * cannot see the command line's option tables (src/cli, a layer above), so
 * tests/unit/test-options.c checks that each command word, each parameter
 * that is not positional and each yes_flag is an option of that command,
 * with a value or without as the table declares it.
 */

static const char *const cmd_backup[] = { "backup", NULL };
static const struct action_param params_backup[] = {
	{ "type", false, N_("hourly, daily, weekly or monthly (default: from the time)"),
	    false, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_verify[] = { "verify", NULL };
static const struct action_param params_verify[] = {
	{ "backup", true, N_("the backup's .db file"), true, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_restore_db[] = { "restore", "db", NULL };
static const struct action_param params_restore_db[] = {
	{ "from", false, N_("the backup's .db file (default: the newest that verifies)"),
	    false, false },
	{ "incident-start", false, N_("when the incident began, for the data-loss window"),
	    false, false },
	{ "before", false, N_("only points taken before this time (restore_before: detected "
	    "passes the detection)"), false, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_restore_config[] = { "restore", "config", NULL };
static const char *const cmd_restore_keys[] = { "restore", "keys", NULL };
static const struct action_param params_restore_from[] = {
	{ "from", false, N_("the backup set (default: the newest that verifies)"),
	    false, false },
	{ "before", false, N_("only points taken before this time (restore_before: detected "
	    "passes the detection)"), false, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_restore_all[] = { "restore", "all", NULL };
static const struct action_param params_restore_all[] = {
	{ "from-remote", false, N_("ask the off-site stores and fetch the newest point first"),
	    false, true },
	{ "at", false, N_("nothing newer than this time"), false, false },
	{ "before", false, N_("only points taken before this time (restore_before: detected "
	    "passes the detection)"), false, false },
	{ "incident-start", false, N_("when the incident began, for the data-loss window"),
	    false, false },
	{ "name", false, N_("the backup set's name (default: the newest point)"), true, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_assess[] = { "assess", NULL };
static const struct action_param params_assess[] = {
	{ "db", false, N_("the database to check (default: database from dr.yaml)"),
	    true, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_keys_rotate[] = { "keys", "rotate", NULL };
static const struct action_param params_none[] = {
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_evidence_collect[] = { "evidence", "collect", NULL };
static const struct action_param params_evidence_collect[] = {
	{ "dir", true, N_("the folder the evidence is written to"), true, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_rpo[] = { "rpo", NULL };
static const struct action_param params_rpo[] = {
	{ "incident-start", false, N_("when the incident began"), false, false },
	{ "target", false, N_("the RPO to compare against, e.g. 15m"), false, false },
	{ "before", false, N_("only points taken before this time (restore_before: detected "
	    "passes the detection)"), false, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_check_http[] = { "check", "http", NULL };
static const struct action_param params_check_http[] = {
	{ "url", true, N_("the address to request"), true, false },
	{ "expect", false, N_("the HTTP status expected (default: 2xx or 3xx)"), false, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_check_config[] = { "check", "config", NULL };

static const char *const cmd_prune[] = { "prune", NULL };
static const struct action_param params_prune[] = {
	{ "dry-run", false, N_("only show what would be removed"), false, true },
	{ "remote", false, N_("prune the off-site copies too"), false, true },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_fetch[] = { "fetch", NULL };
static const struct action_param params_fetch[] = {
	{ "from", false, N_("sftp or s3"), false, false },
	{ "latest", false, N_("the newest backup set"), false, true },
	{ "name", false, N_("the backup set's name"), true, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_backups[] = { "backups", NULL };

static const char *const cmd_backup_test_report[] = { "report", "--format", "backup-test",
    "--record", NULL };
static const struct action_param params_backup_test_report[] = {
	{ "incident", true, N_("the incident id of the test (${incident.id})"), true, false },
	{ NULL, false, NULL, false, false }
};

static const char *const cmd_restore_test[] = { "restore-test", NULL };
static const struct action_param params_restore_test[] = {
	{ "from", false, N_("the backup set to test (default: a random recent one)"),
	    false, false },
	{ "scratch", false, N_("the folder to restore into (default: a temporary one)"),
	    false, false },
	{ NULL, false, NULL, false, false }
};

static const struct action_def action_table[] = {
	{ "backup", N_("take a backup set (database, config, encrypted keys, manifest)"),
	    cmd_backup, params_backup, false, false, NULL, true },
	{ "verify", N_("verify a backup set: integrity, queries, checksums"),
	    cmd_verify, params_verify, false, false, NULL, false },
	{ "restore-db", N_("replace the live database with a verified backup"),
	    cmd_restore_db, params_restore_db, true, false, "--yes", false },
	{ "restore-config", N_("replace the configuration folder from a backup"),
	    cmd_restore_config, params_restore_from, true, false, "--yes", false },
	{ "restore-keys", N_("decrypt and restore the WireGuard keys from a backup"),
	    cmd_restore_keys, params_restore_from, true, false, "--yes", false },
	{ "restore-all", N_("restore database, config and keys from the newest point that "
	    "verifies, off-site or here"), cmd_restore_all, params_restore_all, true, false,
	    "--yes", false },
	{ "assess", N_("integrity check and salvage dump of a database"),
	    cmd_assess, params_assess, false, false, NULL, false },
	{ "keys-rotate", N_("new WireGuard key pair, the old one kept aside"),
	    cmd_keys_rotate, params_none, true, false, NULL, false },
	{ "evidence-collect", N_("hashed, read-only evidence for a security incident"),
	    cmd_evidence_collect, params_evidence_collect, false, false, NULL, false },
	{ "rpo", N_("the data-loss window: newest good backup against the incident start"),
	    cmd_rpo, params_rpo, false, false, NULL, false },
	{ "check-http", N_("request a URL and check the answer"),
	    cmd_check_http, params_check_http, false, false, NULL, true },
	{ "check-config", N_("check the Patronus configuration"),
	    cmd_check_config, params_none, false, false, NULL, false },
	{ "prune", N_("apply the retention policy, local and off-site"),
	    cmd_prune, params_prune, true, false, NULL, true },
	{ "fetch", N_("bring a backup set from off-site into the backup folder"),
	    cmd_fetch, params_fetch, false, true, NULL, true },
	{ "backups", N_("list the backup sets, newest first"),
	    cmd_backups, params_none, false, false, NULL, false },
	{ "backup-test-report", N_("the plan's Backup Test Report, to the log folder and the record"),
	    cmd_backup_test_report, params_backup_test_report, false, false, NULL, true },
	{ "restore-test", N_("restore a backup set into a scratch folder, check it and "
	    "write the Backup Test Report"),
	    cmd_restore_test, params_restore_test, false, false, NULL, true },
};

/* The action called name, or NULL. */
const struct action_def *
action_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(action_table); i++)
		if (strcmp(action_table[i].name, name) == 0)
			return (&action_table[i]);
	return (NULL);
}

/* Every action; *n is set to their number. The table is static. */
const struct action_def *
action_list(size_t *n)
{
	*n = nitems(action_table);
	return (action_table);
}

/* The parameter called name of an action, or NULL. */
const struct action_param *
action_find_param(const struct action_def *def, const char *name)
{
	const struct action_param	*p;

	for (p = def->params; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return (p);
	return (NULL);
}

/* Whether a flag value is true (1), false (0) or neither (-1). */
int
action_flag_value(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "True", "Yes", "TRUE" };
	static const char *const no[] = { "false", "no", "off", "0", "False", "No", "FALSE" };
	size_t			 i;

	for (i = 0; i < nitems(yes); i++)
		if (strcmp(v, yes[i]) == 0)
			return (1);
	for (i = 0; i < nitems(no); i++)
		if (strcmp(v, no[i]) == 0)
			return (0);
	return (-1);
}

/*
 * The child argv of an action: self, --config FILE, the command words, the
 * options in the order given, then "--" and the positional parameters. The caller frees
 * the array and every string in it.
 */
char **
action_argv(const struct action_def *def, const char *self, const char *config,
    const char *const *names, const char *const *values, size_t n, bool confirmed)
{
	const struct action_param	*p;
	char				**argv;
	size_t				  i, argc = 0, cap;
	bool				  dashdash = false;

	cap = 6 + 2 * n;
	for (i = 0; def->command[i] != NULL; i++)
		cap++;
	argv = xcalloc(cap, sizeof *argv);
	argv[argc++] = xstrdup(self);
	if (config != NULL) {
		argv[argc++] = xstrdup("--config");
		argv[argc++] = xstrdup(config);
	}
	for (i = 0; def->command[i] != NULL; i++)
		argv[argc++] = xstrdup(def->command[i]);
	if (confirmed && def->yes_flag != NULL)
		argv[argc++] = xstrdup(def->yes_flag);
	for (i = 0; i < n; i++) {
		if ((p = action_find_param(def, names[i])) == NULL || p->positional)
			continue;
		if (p->flag) {
			if (action_flag_value(values[i]) == 1)
				argv[argc++] = xasprintf("--%s", p->name);
			continue;
		}
		argv[argc++] = xasprintf("--%s", p->name);
		argv[argc++] = xstrdup(values[i]);
	}
	for (i = 0; i < n; i++) {
		if ((p = action_find_param(def, names[i])) == NULL || !p->positional)
			continue;
		if (!dashdash) {
			argv[argc++] = xstrdup("--");	/* a value may begin with '-' */
			dashdash = true;
		}
		argv[argc++] = xstrdup(values[i]);
	}
	argv[argc] = NULL;
	return (argv);
}
