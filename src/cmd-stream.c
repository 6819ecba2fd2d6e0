/* cmd-stream.c: follow the live database and ship every commit to BACKUP_DIR/stream. */
#include "system.h"

#include <signal.h>

#include "cmd.h"
#include "engine/stream.h"
#include "util/conf.h"
#include "util/log.h"

static volatile sig_atomic_t	cmd_stream_stop;

/* SIGTERM, SIGINT: finish the round in hand (make it durable), then stop. */
static void
cmd_stream_signal(int sig)
{
	(void)sig;
	cmd_stream_stop = 1;
}

/* The exit status for a stream error (sysexits). */
static int
cmd_stream_exit(enum stream_error err)
{
	switch (err) {
	case STREAM_ERR_NODB:
		return (EX_NOINPUT);
	case STREAM_ERR_NOTWAL:
		return (EX_CONFIG);
	case STREAM_ERR_LOCKED:
		return (EX_TEMPFAIL);
	case STREAM_ERR_CREATE:
		return (EX_CANTCREAT);
	case STREAM_ERR_CONFIG:
		return (EX_CONFIG);
	case STREAM_ERR_OFFSITE:
		return (EX_TEMPFAIL);
	case STREAM_ERR_NONE:
	case STREAM_ERR_IO:
		break;
	}
	return (EX_IOERR);
}

/* Run the stream in the foreground until SIGTERM/SIGINT, or catch up once with --once. */
static int
cmd_stream_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const struct conf		*c = &ctx->conf;
	struct stream_opts		 o;
	struct sigaction		 sa;
	enum stream_error		 err;
	char				*cause = NULL;
	int				 opt;

	memset(&o, 0, sizeof o);
	while ((opt = cmd_getopt(e, argc, argv, "ho", longopts)) != -1) {
		if (opt == 'o')
			o.once = true;
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (c->database == NULL || c->backup_dir == NULL) {
		cmd_error(_("database and backup_dir must be set"));
		return (EX_CONFIG);
	}
	o.database = c->database;
	o.backup_dir = c->backup_dir;
	o.interval_ms = c->stream_interval * 1000;
	o.retention_s = c->stream_retention;
	o.checkpoint_frames = c->stream_checkpoint_frames;
	o.conf = c;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_stream_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (stream_run(&o, &cmd_stream_stop, &err, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		return (cmd_stream_exit(err));
	}
	return (EX_OK);
}

const struct cmd_entry cmd_stream_entry = {
	.name = "stream",
	.args = "[--once]",
	.summary = N_("follow the live database and ship every commit to backup_dir/stream"),
	.help = N_("Runs in the foreground (for systemd) and copies every committed\n"
	    "transaction of the WAL-mode database into numbered, checksummed\n"
	    "segment files under backup_dir/stream/GENERATION/, within about a\n"
	    "second. It holds a read transaction so nothing is checkpointed before\n"
	    "it is copied, and checkpoints itself (PASSIVE only, past\n"
	    "stream.checkpoint_frames). When the chain breaks (someone else\n"
	    "checkpointed, the database was replaced) it starts a new generation\n"
	    "from a fresh snapshot and says so. Generations older than\n"
	    "stream.retention are removed, never the current one.\n"
	    "SIGTERM or SIGINT end it after making what it has durable.\n"
	    "\n"
	    "With remote.sftp or remote.s3 configured (as for backup), every\n"
	    "snapshot and segment is also copied to each store's stream/GEN/,\n"
	    "by a thread per store that never holds up the capture; a failing\n"
	    "store is retried with a backoff and named in stream/status.\n"
	    "\n"
	    "  --once    catch up once, wait for the off-site copies, and exit\n"
	    "\n"
	    "Exit status: 0 done, 66 no database, 73 cannot create the stream\n"
	    "folder, 74 I/O error, 75 another stream is running (its pid is\n"
	    "named) or, with --once, an off-site copy failed (the store is\n"
	    "named), 78 the database is not in WAL mode or the off-site stores\n"
	    "are misconfigured.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_stream_exec,
};
