/* cmd-stream.c: follow the live database and ship every commit to BACKUP_DIR/stream. */
#include "system.h"

#include <signal.h>

#include <openssl/crypto.h>

#include "cli/cmd.h"
#include "engine/stream/pitr.h"
#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

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

/*
 * stream status: the status file and the lock, every key of the file, the
 * generations on disk, and the verdict. Exit 0 running and caught up within
 * max(5 s, 3 x interval), 1 not running or stale, 66 no stream folder.
 */
static int
cmd_stream_status(const struct conf *c, bool json)
{
	struct stream_status	 st;
	enum pitr_verdict	 v;
	char			*dir, *text, *cause = NULL;
	int64_t			 now;

	if (c->backup_dir == NULL) {
		cmd_error(_("backup_dir must be set"));
		return (EX_CONFIG);
	}
	dir = xasprintf("%s/%s", c->backup_dir, STREAM_DIR);
	if (!fs_exists(dir)) {
		cmd_error(_("%s: no stream folder (the stream has never run here)"), dir);
		free(dir);
		return (EX_NOINPUT);
	}
	free(dir);
	if (stream_status_read(c->backup_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_DATAERR);
	}
	pitr_status_gens(c->backup_dir, &st);
	now = time_now_ms();
	text = pitr_status_text(&st, now, PITR_STATUS_ALL | (json ? PITR_STATUS_JSON : 0));
	fputs(text, stdout);
	free(text);
	/* The status file is not signed: say when the point it names does not verify. */
	if (!json && pitr_status_check(c->backup_dir, &st, &cause) != 0) {
		printf(_("WARNING: the stream's newest point is not authenticated: %s\n"),
		    cmd_esc(cause));
		free(cause);
	}
	v = pitr_status_verdict(&st, now, NULL);
	stream_status_clear(&st);
	return (v == PITR_FRESH ? EX_OK : 1);
}

/* Run the stream in the foreground until SIGTERM/SIGINT, or catch up once with --once. */
static int
cmd_stream_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct conf		*c = &ctx->conf;
	struct stream_opts		 o;
	struct sigaction		 sa;
	enum stream_error		 err;
	char				*cause = NULL, *pw = NULL;
	enum fail_class			 fc;
	bool				 json = false;
	int				 opt;

	memset(&o, 0, sizeof o);
	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		if (opt == 'o')
			o.once = true;
		else if (opt == 'j')
			json = true;
	}
	if (optind < argc && strcmp(argv[optind], "status") == 0) {
		if (optind + 1 < argc)
			cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
		if (o.once)
			cmd_usage_error(e, _("--once is not for stream status"));
		return (cmd_stream_status(c, json));
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (json)
		cmd_usage_error(e, _("--json is for stream status only"));
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
	/* A stream nobody can verify is worthless: it is signed with the encryption key. */
	if ((fc = fs_load_key(c->encryption_key, &pw, &cause)) != FAIL_NONE) {
		cmd_error(_("%s; the stream signs what it writes with the encryption key and "
		    "does not start without it"), cause);
		free(cause);
		return (fc == FAIL_PERM ? EX_NOPERM : EX_CONFIG);
	}
	segment_auth_password(pw);
	OPENSSL_cleanse(pw, strlen(pw));
	free(pw);

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

/* The options of stream (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_stream_opts[] = {
	{ "once", 'o', NULL,
	    N_("catch up once, wait for the off-site copies, and exit"),
	    0, "" },
	{ "json", 'j', NULL,
	    N_("with status: one JSON object"),
	    0, "status" },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

/* Its forms, for the usage line: the stream itself, and status. */
static const struct cmd_sub cmd_stream_subs[] = {
	{ "", "" }, { "status", "" }, { NULL, NULL }
};

const struct cmd_entry cmd_stream_entry = {
	.name = "stream",
	.args = "%s",
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
	    "Every file is signed (HMAC-SHA256) with a key derived from the\n"
	    "encryption key; without a readable key file it does not start (78;\n"
	    "77 for one group or others can read). Readers skip what does not\n"
	    "verify.\n"
	    "SIGTERM or SIGINT end it after making what it has durable.\n"
	    "Each capture round holds backup_dir/stream/pause shared; restore db\n"
	    "takes it exclusively while it installs a database, so the stream\n"
	    "waits, then starts a new generation with the reason \"database\n"
	    "restored\".\n"
	    "\n"
	    "With remote.sftp or remote.s3 configured (as for backup), every\n"
	    "snapshot and segment is also copied to each store's stream/GEN/,\n"
	    "by a thread per store that never holds up the capture; a failing\n"
	    "store is retried with a backoff and named in stream/status.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_stream_exec,
	.opts = cmd_stream_opts,
	.opt_col = 12,
	.subs = cmd_stream_subs,
	.help_tail = N_("stream status prints the status file (every key in it), whether the\n"
	    "stream runs (its pid), its newest point and age, lag, oldest point\n"
	    "and the generations on disk; --json prints one object.\n"
	    "\n"
	    "Exit status: 0 done, 66 no database, 73 cannot create the stream\n"
	    "folder, 74 I/O error, 75 another stream is running (its pid is\n"
	    "named) or, with --once, an off-site copy failed (the store is\n"
	    "named), 78 the database is not in WAL mode or the off-site stores\n"
	    "are misconfigured. stream status: 0 running and caught up within\n"
	    "max(5s, 3 x stream.interval), 1 not running or stale (the state line\n"
	    "says which), 65 unreadable status file, 66 no stream folder.\n"),
};
