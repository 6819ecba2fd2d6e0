/* cmd-evidence.c: the plan's "preserve evidence" of a security incident. */
#include "system.h"

#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/recover/evidence.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* evidence collect DIR: logs, database, processes, connections, recent files, hashed. */
static int
cmd_evidence_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct conf		*c = &ctx->conf;
	struct evidence_opts		 o;
	struct evidence_result		 r;
	const char			*paths[6];
	char				*dir, *dbdir, *logdir, *cwd, *cause = NULL, *abs;
	struct buf			 q;
	int				 ex;
	enum fail_class			 fc;

	while (cmd_getopts(e, argc, argv) != -1)
		;
	if (optind >= argc || strcmp(argv[optind], "collect") != 0)
		cmd_usage_error(e, _("say what to do: collect DIR"));
	if (optind + 1 >= argc)
		cmd_usage_error(e, _("evidence collect wants a folder"));
	if (optind + 2 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 2]);
	if (argv[optind + 1][0] == '/')
		dir = xstrdup(argv[optind + 1]);
	else {
		cwd = getcwd(NULL, 0);
		dir = str_join_path(cwd != NULL ? cwd : ".", argv[optind + 1]);
		free(cwd);
	}

	dbdir = fs_dirname(c->database);
	logdir = fs_dirname(c->log_file);
	paths[0] = c->config_dir;
	paths[1] = c->wireguard_dir;
	paths[2] = dbdir;
	paths[3] = logdir;
	paths[4] = c->state_dir;
	paths[5] = c->backup_dir;
	memset(&o, 0, sizeof o);
	o.dir = dir;
	o.database = c->database;
	o.log_dir = logdir;
	o.paths = paths;
	o.npaths = nitems(paths);
	o.since = time(NULL) - 24 * 3600;
	printf(_("collecting evidence into %s\n"), dir);
	fflush(stdout);
	if ((fc = evidence_collect(&o, &r, &cause)) != FAIL_NONE) {
		ex = fail_exit(fc);
		cmd_error("%s", cause);
		free(cause);
	} else {
		printf(_("%zu items (%" PRIu64 " bytes) hashed into %s/%s: %zu processes, "
		    "%zu connections, %zu recently changed paths\n"), r.files, r.bytes,
		    dir, EVIDENCE_MANIFEST, r.processes, r.connections, r.recent);
		/* a command that works pasted into any shell: absolute, quoted */
		if ((abs = realpath(dir, NULL)) == NULL)
			abs = xstrdup(dir);
		buf_init(&q);
		str_shell_quote(&q, abs);
		printf(_("the folder is now read-only; check it with: cd %s && "
		    "sha256sum -c %s\n"), q.data, EVIDENCE_MANIFEST);
		buf_clear(&q);
		free(abs);
		ex = EX_OK;
	}
	free(dbdir);
	free(logdir);
	free(dir);
	return (ex);
}

const struct cmd_entry cmd_evidence_entry = {
	.name = "evidence",
	.args = "collect DIR",
	.summary = N_("hashed, read-only evidence for a security incident"),
	.help = N_("Fills DIR (new or empty) without running other programs: copies of\n"
	    "the log folder and the database (with -wal/-shm), the process list\n"
	    "and the network connections read from /proc, the paths changed in the\n"
	    "last day under the Patronus folders, and a note of who collected it\n"
	    "when. Every item's SHA-256 goes into DIR/SHA256SUMS (sha256sum -c\n"
	    "checks it); then files become 0400 and folders 0500.\n"
	    "\n"
	    "Exit status: 0 collected, 73 DIR not empty or not writable, 74 I/O.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_evidence_exec,
};
