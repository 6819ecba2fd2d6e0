/* run-walk.c: the TUI walk of an incident or drill (runbook, sandbox, metrics), for run, resume and demo. */
#include "system.h"

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/backup/metrics.h"
#include "engine/host/sandbox.h"
#include "model/incident.h"
#include "model/runbook.h"
#include "ui/tui.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* This program's path (for engine actions run as children); the caller frees. */
static char *
run_self(void)
{
	char	 path[PATH_MAX];
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", path, sizeof path - 1)) <= 0)
		return (xstrdup(PACKAGE));
	path[n] = '\0';
	return (xstrdup(path));
}

/*
 * Load the runbook id from the runbook folders (the source tree's first when
 * this binary runs from its build tree, then runbook_dirs) and expand its
 * use: steps; with unattended, refuse one that needs a person (a decide
 * without default:, its own or a used runbook's). Returns the runbook
 * (runbook_free), or NULL after printing why.
 */
static struct runbook *
run_load_runbook(const struct conf *c, const char *id, bool unattended, int *rc)
{
	struct runbook_set	 set;
	struct runbook		*rb, *x = NULL;
	char			**dirs, *errors = NULL;
	size_t			  n = 0;

	dirs = cmd_runbook_dirs(c, &n);
	memset(&set, 0, sizeof set);
	*rc = EX_NOINPUT;
	if (runbook_set_load(&set, dirs, n, &errors) != 0)
		cmd_error("%s", errors != NULL ? errors : _("no runbook folder can be read"));
	else if ((rb = runbook_set_find(&set, id)) == NULL)
		cmd_error(_("no runbook \"%s\" in the runbook folders"), id);
	else {
		free(errors);
		errors = NULL;
		if (unattended && runbook_unattended_check(&set, rb, &errors) > 0) {
			cmd_error(_("no drill declared, it needs a person:\n%s"), errors);
			*rc = EX_DATAERR;
		} else if ((x = runbook_expand(&set, rb, &errors)) == NULL) {
			cmd_error("%s: %s", rb->file, errors != NULL ? errors : "?");
			*rc = EX_DATAERR;
		}
	}
	free(errors);
	runbook_set_clear(&set);
	str_list_free(dirs, n);
	return (x);
}

/*
 * Rewrite metrics_file (when set) so that the incident and drill gauges show
 * an incident declared or closed now, not only after the next backup, verify
 * or prune. Quiet on the terminal (the TUI may own it): a failure goes to the
 * log file and syslog only.
 */
void
cmd_run_metrics(const struct conf *c)
{
	struct metrics	m;

	if (c->metrics_file == NULL)
		return;
	metrics_init(&m);
	log_set_echo(false);
	cmd_metrics(c, &m, time(NULL));
	log_set_echo(true);
}

/*
 * A drill's sandbox settings, when it has a sandbox: 1 and *c filled
 * (conf_clear) with *path (caller frees) its dr.yaml; 0 when it has none; -1
 * after saying why it cannot be read.
 */
static int
run_sandbox_conf(const struct conf *live, const struct incident *inc, struct conf *c,
    char **path)
{
	char	*dir, *cause = NULL;

	*path = NULL;
	if (inc->mode != INCIDENT_MODE_DRILL)
		return (0);
	dir = sandbox_dir(live->state_dir, inc->id);
	*path = str_join_path(dir, SANDBOX_CONFIG);
	free(dir);
	if (!fs_exists(*path)) {
		free(*path);
		*path = NULL;
		return (0);
	}
	if (conf_load(c, *path, false, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		conf_clear(c);
		free(*path);
		*path = NULL;
		return (-1);
	}
	return (1);
}

/* After a drill closed: remove its sandbox, unless it was started with --keep-sandbox. */
void
cmd_run_sandbox_done(const struct conf *live, const struct incident *inc)
{
	char	*dir, *cause = NULL;

	if (inc->mode != INCIDENT_MODE_DRILL)
		return;
	dir = sandbox_dir(live->state_dir, inc->id);
	if (!fs_exists(dir))
		;
	else if (sandbox_kept(dir))
		printf(_("The drill's sandbox is kept in %s (--keep-sandbox).\n"), dir);
	else if (sandbox_remove(dir, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
	} else
		printf(_("The drill's sandbox %s is removed.\n"), dir);
	free(dir);
}

/*
 * Walk an open incident with its runbook (rb, expanded, or NULL to load it;
 * freed here): in the TUI, or without a person when unattended. Then say how
 * it ended. Returns the exit status.
 */
static int
run_walk(struct cmd_ctx *ctx, struct incident_store *st, const struct incident *inc,
    struct runbook *rb, bool resumed, bool unattended)
{
	struct tui_opts	 o;
	struct conf	 sc;
	enum tui_end	 end;
	struct buf	 safe;
	char		*cause = NULL, *self, *spath = NULL, *verdict = NULL, *hint;
	int		 rc, hs;

	if (rb == NULL && (rb = run_load_runbook(&ctx->conf, inc->runbook_id, false, &rc)) ==
	    NULL)
		return (rc);
	if ((hs = run_sandbox_conf(&ctx->conf, inc, &sc, &spath)) < 0) {
		runbook_free(rb);
		return (EX_CONFIG);
	}
	self = run_self();
	memset(&o, 0, sizeof o);
	o.conf = &ctx->conf;
	o.config_path = ctx->conf.path;
	o.self = self;
	o.store = st;
	o.inc = inc;
	o.rb = rb;
	o.resumed = resumed;
	o.closed = cmd_run_metrics;
	o.drill_conf = hs == 1 ? &sc : NULL;
	o.drill_config = spath;
	rc = EX_OK;
	if (unattended) {
		rc = run_unattended(&o, &verdict);
		cmd_run_sandbox_done(&ctx->conf, inc);
		/* the reason on the last line, for the timer's journal */
		if (verdict != NULL) {
			buf_init(&safe);
			str_add_safe(&safe, verdict, strlen(verdict));
			printf("%s\n", safe.data);
			buf_clear(&safe);
		}
		free(verdict);
	} else if (tui_main(&o, &end, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_IOERR;
	} else if (end == TUI_CLOSED) {
		hint = cmd_hint(&ctx->conf, "report", inc->id);
		printf(_("%s %s is closed; its report: %s\n"), inc->mode == INCIDENT_MODE_DRILL ?
		    _("Drill") : _("Incident"), inc->id, hint);
		free(hint);
		cmd_run_sandbox_done(&ctx->conf, inc);
	} else if (end == TUI_LEFT) {
		hint = cmd_hint(&ctx->conf, "resume", inc->id);
		printf(_("%s stays open; continue with: %s\n"), inc->id, hint);
		free(hint);
	}
	if (hs == 1)
		conf_clear(&sc);
	free(spath);
	free(self);
	runbook_free(rb);
	return (rc);
}

/* Walk an open incident in the TUI, loading its runbook. Returns the exit status. */
int
cmd_tui_walk(struct cmd_ctx *ctx, struct incident_store *st, const struct incident *inc,
    bool resumed)
{
	return (run_walk(ctx, st, inc, NULL, resumed, false));
}

/* Remove a sandbox that no drill got (dir may be NULL; freed here). */
static void
run_sandbox_drop(char *dir)
{
	char	*cause = NULL;

	if (dir != NULL && sandbox_remove(dir, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
	}
	free(dir);
}

/*
 * Remove what drills left behind: the sandboxes of closed drills (unless
 * kept with --keep-sandbox; a drill closed outside the TUI, or a TUI that
 * died after the close) and the unfinished sandboxes of runs that died
 * before declaring (.sandbox-PID of a process that is gone).
 */
static void
run_sandbox_sweep(const struct conf *c, struct incident_store *st)
{
	struct incident	*l = NULL;
	DIR		*d;
	struct dirent	*de;
	char		*dir, *path, *cause = NULL;
	size_t		 n = 0, i;
	long		 pid;

	if (incident_list(st, &l, &n, &cause) == 0) {
		for (i = 0; i < n; i++) {
			if (l[i].mode != INCIDENT_MODE_DRILL || l[i].closed_ms == 0)
				continue;
			path = sandbox_dir(c->state_dir, l[i].id);
			if (fs_exists(path) && !sandbox_kept(path) &&
			    sandbox_remove(path, &cause) != 0) {
				log_warn("%s", cause);
				free(cause);
				cause = NULL;
			}
			free(path);
		}
		incident_list_free(l, n);
	} else {
		free(cause);
		cause = NULL;
	}
	dir = str_join_path(c->state_dir, "incidents");
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, ".sandbox-", 9) != 0 ||
			    (pid = strtol(de->d_name + 9, NULL, 10)) <= 0 ||
			    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			path = str_join_path(dir, de->d_name);
			if (sandbox_remove(path, &cause) != 0) {
				free(cause);
				cause = NULL;
				/* no marker yet: it died while copying */
				if (fs_remove_tree(path, &cause) != 0) {
					log_warn("%s", cause);
					free(cause);
					cause = NULL;
				}
			}
			free(path);
		}
		closedir(d);
	}
	free(dir);
}

/*
 * Lay out a drill's sandbox under STATE_DIR/incidents in a folder of its own
 * (moved to the drill's folder once it is declared; *dir, caller frees).
 * Returns 0, or the exit status after saying why not.
 */
static int
run_sandbox_make(const struct conf *c, bool keep, char **dir)
{
	struct sandbox_stats	 stats;
	char			*cause = NULL;
	enum fail_class		 fc;

	*dir = xasprintf("%s/incidents/.sandbox-%ld", c->state_dir, (long)getpid());
	if ((fc = sandbox_make(c, *dir, keep, &stats, &cause)) != FAIL_NONE) {
		cmd_error(_("no drill declared: its sandbox cannot be made: %s"), cause);
		free(cause);
		free(*dir);
		*dir = NULL;
		return (fail_exit(fc));
	}
	log_debug("sandbox %s: database %ju bytes in %jd ms; %zu files (%zu reflinked, "
	    "%ju bytes copied) in %jd ms", *dir, (uintmax_t)stats.db_bytes,
	    (intmax_t)stats.db_ms, stats.files, stats.reflinked,
	    (uintmax_t)stats.tree_bytes, (intmax_t)stats.tree_ms);
	return (EX_OK);
}

/*
 * Declare an incident (or drill, flags RUN_DRILL) of runbook id, detected at
 * detected_ms (0: now), and walk it: in the TUI, or with RUN_UNATTENDED
 * without a person. A drill gets its sandbox first (RUN_KEEP_SANDBOX keeps it
 * after the drill). Returns the exit status.
 */
int
cmd_run_start(struct cmd_ctx *ctx, const char *id, unsigned flags, int64_t detected_ms)
{
	struct incident_store	*st = NULL;
	struct incident_decl	 d;
	struct incident		 inc;
	struct runbook		*rb;
	char			*cause = NULL, *iid = NULL, *dir, *sbox = NULL, *to;
	bool			 drill = (flags & RUN_DRILL) != 0;
	bool			 unattended = (flags & RUN_UNATTENDED) != 0;
	int			 rc;

	if (!unattended && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		cmd_error(_("run needs a terminal (the TUI) on standard input and output "
		    "(a drill can run without one: --drill --unattended)"));
		return (EX_USAGE);
	}
	if (!unattended && tui_can_start(&cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_USAGE);
	}
	if ((rb = run_load_runbook(&ctx->conf, id, unattended, &rc)) == NULL)
		return (rc);
	if (drill && (rc = run_sandbox_make(&ctx->conf, (flags & RUN_KEEP_SANDBOX) != 0,
	    &sbox)) != EX_OK) {
		runbook_free(rb);
		return (rc);
	}
	if (incident_store_open(ctx->conf.state_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		runbook_free(rb);
		run_sandbox_drop(sbox);
		return (EX_CANTCREAT);
	}
	run_sandbox_sweep(&ctx->conf, st);
	memset(&d, 0, sizeof d);
	d.runbook_id = rb->id;
	d.runbook_title = rb->title;
	d.mode = drill ? INCIDENT_MODE_DRILL : INCIDENT_MODE_INCIDENT;
	d.detected_ms = detected_ms;
	d.rto = rb->rto;
	d.rpo = rb->rpo;
	memset(&inc, 0, sizeof inc);
	if (incident_declare(st, &d, &iid, &cause) != 0 ||
	    incident_get(st, iid, &inc, &cause) != 1) {
		cmd_error("%s", cause != NULL ? cause : _("the new incident cannot be read"));
		free(cause);
		free(iid);
		runbook_free(rb);
		incident_store_close(st);
		run_sandbox_drop(sbox);
		return (EX_IOERR);
	}
	cmd_run_metrics(&ctx->conf);
	/* incident.dir: this incident's own folder for copies, dumps, evidence */
	dir = xasprintf("%s/incidents/%s", ctx->conf.state_dir, iid);
	if (fs_mkdir_p(dir, 0700, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
	}
	free(dir);
	if (sbox != NULL) {
		to = sandbox_dir(ctx->conf.state_dir, iid);
		if (rename(sbox, to) == -1) {
			/* the drill goes on without it: its restores are simulated */
			cmd_error(_("%s: %s (the drill has no sandbox)"), to, strerror(errno));
			run_sandbox_drop(sbox);
		} else
			free(sbox);
		free(to);
	}
	rc = run_walk(ctx, st, &inc, rb, false, unattended);
	incident_clear(&inc);
	free(iid);
	incident_store_close(st);
	return (rc);
}

/*
 * The TUI on a demo sandbox (config is its dr.yaml): the sandbox's open
 * drill of database-corruption is resumed, else one starts; another open
 * incident or drill is left alone, with the command that closes it.
 * Returns the exit status.
 */
int
cmd_demo_walk(struct cmd_ctx *ctx, const char *config)
{
	struct cmd_ctx		 c;
	struct incident_store	*st = NULL;
	struct incident		*l = NULL;
	char			*cause = NULL, *hint;
	size_t			 n = 0, i, mine = 0;
	int			 r, rc;

	memset(&c, 0, sizeof c);
	c.config_path = config;
	c.verbose = ctx->verbose;
	if ((rc = cmd_load_config(&c)) != EX_OK)
		return (rc);
	if (incident_store_open(c.conf.state_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		conf_clear(&c.conf);
		return (EX_CANTCREAT);
	}
	/* demo's drill: the newest open drill of database-corruption */
	if (incident_list(st, &l, &n, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_IOERR;
		r = -1;
	} else {
		r = 0;
		for (i = 0; i < n; i++) {
			if (l[i].closed_ms != 0)
				continue;
			if (r == 0 && l[i].mode == INCIDENT_MODE_DRILL &&
			    strcmp(l[i].runbook_id, "database-corruption") == 0) {
				mine = i;
				r = 1;
				continue;
			}
			/* another open one is left alone; how to end it, if by mistake */
			hint = cmd_hint(&c.conf, "incidents close", l[i].id);
			printf(_("%s (%s) is open in this sandbox and stays so; if it was opened "
			    "by mistake: %s --reason 'opened by mistake'\n"), l[i].id,
			    l[i].runbook_id, hint);
			free(hint);
		}
		fflush(stdout);
		if (r == 1)
			rc = cmd_tui_walk(&c, st, &l[mine], true);
		incident_list_free(l, n);
	}
	incident_store_close(st);
	if (r == 0)
		rc = cmd_run_start(&c, "database-corruption", RUN_DRILL, 0);
	conf_clear(&c.conf);
	return (rc);
}
