/*
 * incidents-offsite.c: the incident record off-site: incidents ship and
 * incidents fetch, and the follower that ships each event as it is appended.
 */
#include "system.h"

#include <sys/file.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cmd.h"
#include "engine/remote/remote.h"
#include "model/incident.h"
#include "model/alert.h"
#include "model/journal.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Sleep ms milliseconds. */
static void
incidents_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* How long a shipper in the foreground waits for the incident's follower to let go. */
#define INCIDENTS_SHIP_WAIT_MS	15000

/*
 * Ship one incident until every store has all of it; in the background, keep
 * trying a failing store with a growing pause (1 s to 30 s, for at most 10
 * minutes) and catch events appended meanwhile. Returns an exit code.
 */
static int
incidents_ship_one(struct cmd_ctx *ctx, struct incident_store *st, const char *id,
    bool background)
{
	struct incident	 inc;
	struct buf	 b;
	struct remote	 rem[REMOTE__KINDS];
	char		*cause = NULL, *lock;
	int64_t		 shipped = -1, deadline = time_mono_ms() + 600000;
	long		 pause = 1000;
	size_t		 nr = 0, i;
	int		 fd, r, a, found;
	bool		 ship, locked = false;

	/* ship only where a store is configured; the notifications go regardless */
	if (remote_configure(&ctx->conf, rem, &nr, &cause) != 0) {
		free(cause);
		cause = NULL;
		nr = 0;
	}
	for (i = 0; i < nr; i++)
		remote_clear(&rem[i]);
	ship = nr > 0;
	if (!ship && !alert_configured(&ctx->conf) && !background) {
		cmd_error("%s", _("no off-site store is configured (remote.sftp or remote.s3 in "
		    "dr.yaml)"));
		return (EX_CONFIG);
	}

	/* one follower per incident: each incident's events wait for their own */
	lock = xasprintf("%s/journal/.ship-lock-%s", ctx->conf.state_dir, id);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(lock);
	if (fd == -1 && background)
		return (EX_CANTCREAT);
	buf_init(&b);
	for (;;) {
		/*
		 * One shipper at a time: a background one leaves it to the one
		 * running, which holds the lock through its retries and rounds.
		 */
		if (fd != -1 && !locked) {
			if (fs_flock_until(fd, LOCK_EX, background ? 0 :
			    time_mono_ms() + INCIDENTS_SHIP_WAIT_MS, 100) != 0) {
				if (!background) {
					/* never a silent hang behind a follower stuck on a store */
					cmd_error(_("%s: another shipper of this incident has held "
					    "%s/journal/.ship-lock-%s for %d s (the incident's "
					    "follower, retrying a store): try again later"), id,
					    ctx->conf.state_dir, id, INCIDENTS_SHIP_WAIT_MS / 1000);
					r = EX_TEMPFAIL;
				} else
					r = EX_OK;
				break;
			}
			locked = true;
		}
		/* what is here before this round: a later event needs another round */
		if (incident_get(st, id, &inc, &cause) != 1) {
			free(cause);
			cause = NULL;
		} else {
			shipped = inc.last_seq;
			incident_clear(&inc);
		}
		buf_reset(&b);
		r = ship ? journal_ship(&ctx->conf, st, id, &b, &cause) : 0;
		if (r == -1) {
			cmd_error("%s", cause);
			free(cause);
			cause = NULL;
		}
		/* the notifications of the same events, each channel at least once */
		if ((a = alert_follow(&ctx->conf, st, id, &cause)) != 0) {
			buf_printf(&b, _("notify: not sent (retried): %s\n"), cause);
			log_warn("%s: %s", id, cause);
			free(cause);
			cause = NULL;
			if (r == 0)
				r = 1;
		}
		if (!background) {
			if (fd != -1)
				flock(fd, LOCK_UN);
			locked = false;
			/* the store's answers (a witness's host, its causes) are not ours */
			cmd_print_safe(stdout, b.data != NULL ? b.data : "");
			r = r == 0 ? EX_OK : r == 1 ? EX_TEMPFAIL : EX_UNAVAILABLE;
			break;
		}
		if (r != 0) {
			if (time_mono_ms() > deadline)
				break;
			incidents_sleep_ms(pause);
			pause = pause * 2 > 30000 ? 30000 : pause * 2;
			continue;
		}
		/*
		 * Caught up with what was there before the round: another round
		 * for events appended meanwhile, else wait a moment for more.
		 */
		found = incident_get(st, id, &inc, &cause);
		if (found != 1) {
			free(cause);
			break;
		}
		if (inc.last_seq == shipped) {
			incident_clear(&inc);
			incidents_sleep_ms(1500);
			if ((found = incident_get(st, id, &inc, &cause)) != 1) {
				free(cause);
				break;
			}
			if (inc.last_seq == shipped) {
				incident_clear(&inc);
				/*
				 * Let go, then look once more: a shipper started meanwhile
				 * found the lock held and left the new event to us.
				 */
				if (fd != -1)
					flock(fd, LOCK_UN);
				locked = false;
				if (incident_get(st, id, &inc, &cause) != 1) {
					free(cause);
					break;
				}
				if (inc.last_seq == shipped) {
					incident_clear(&inc);
					break;
				}
			}
		}
		incident_clear(&inc);
	}
	if (locked && fd != -1)
		flock(fd, LOCK_UN);
	buf_clear(&b);
	if (fd != -1)
		close(fd);
	return (r);
}

/* incidents ship [--background] [ID]: copy the record (one incident, or every one) off-site. */
int
incidents_ship(struct cmd_ctx *ctx, const char *id, bool background)
{
	struct incident_store	*st;
	struct incident		*l = NULL;
	char			*cause = NULL, *dir;
	size_t			 n = 0, i;
	bool			 none;
	int			 rc, worst = EX_OK;

	if (background) {
		/* detached from the terminal that started it */
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
	}
	if ((rc = cmd_incidents_open(ctx, &st, &none)) != EX_OK)
		return (rc);
	if (none) {
		cmd_error(_("no incident record in %s"), ctx->conf.state_dir);
		return (EX_NOINPUT);
	}
	dir = str_join_path(ctx->conf.state_dir, "journal");
	if (fs_mkdir_p(dir, 0700, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(dir);
		incident_store_close(st);
		return (EX_CANTCREAT);
	}
	free(dir);
	if (id != NULL)
		worst = incidents_ship_one(ctx, st, id, background);
	else if (incident_list(st, &l, &n, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		worst = EX_IOERR;
	} else {
		for (i = 0; i < n; i++) {
			if (!background)
				printf("%s:\n", l[i].id);
			if ((rc = incidents_ship_one(ctx, st, l[i].id, background)) != EX_OK)
				worst = rc;
		}
		incident_list_free(l, n);
	}
	incident_store_close(st);
	return (worst);
}

/* Fetch one incident from one store into the record: 0, or an exit code after saying why. */
static int
incidents_fetch_one(struct incident_store *st, struct remote *r, const char *id,
    const char *password)
{
	struct incident_event	*evs = NULL;
	struct journal_head	 h;
	char			*cause = NULL;
	size_t			 n = 0;
	int64_t			 added = 0;
	int			 rc;

	if ((rc = journal_fetch(r, id, password, &evs, &n, &h, &cause)) != 0) {
		printf(_("%s: from %s: NOT fetched: %s\n"), id, remote_kind_names[r->kind], cause);
		free(cause);
		return (rc == 1 ? EX_DATAERR : EX_UNAVAILABLE);
	}
	rc = incident_import(st, id, evs, n, &added, &cause);
	if (rc != 0) {
		printf(_("%s: from %s: NOT installed: %s\n"), id, remote_kind_names[r->kind],
		    cause);
		free(cause);
		rc = rc == 1 ? EX_DATAERR : EX_IOERR;
	} else
		printf(_("%s: from %s (%s): %zu events, %" PRId64 " new here; the chain holds to "
		    "its head %.12s (shipped by %s)\n"), id, remote_kind_names[r->kind], r->where,
		    n, added, h.hash, h.host != NULL ? h.host : "?");
	free(h.host);
	incident_events_free(evs, n);
	return (rc);
}

/*
 * incidents fetch [--from sftp|s3] [ID]: bring the record of one incident, or
 * of every one a store keeps, back from off-site, each checked end to end
 * before it is installed; without --from, SFTP first, S3 when it fails.
 */
int
incidents_fetch(struct cmd_ctx *ctx, int from, const char *id)
{
	struct incident_store	*st = NULL;
	struct remote		 r[REMOTE__KINDS];
	char			*cause = NULL, **ids = NULL, **got = NULL, *hint, *password = NULL;
	size_t			 nr = 0, nids = 0, ngot = 0, i, j, k;
	enum fail_class		 fc;
	int			 rc, worst = EX_OK, failed = EX_OK, asked = 0;

	if (remote_configure(&ctx->conf, r, &nr, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_CONFIG);
	}
	if (nr == 0) {
		cmd_error("%s", _("no off-site store is configured (remote.sftp or remote.s3 in "
		    "dr.yaml)"));
		return (EX_CONFIG);
	}
	/*
	 * Only the encryption key tells a record a host of ours shipped from one
	 * that someone who can write the store made: each head must be signed.
	 */
	if ((fc = fs_load_key(ctx->conf.encryption_key, &password, &cause)) == FAIL_PERM) {
		cmd_error("%s", cause);
		free(cause);
		for (i = 0; i < nr; i++)
			remote_clear(&r[i]);
		return (fail_exit(fc));
	} else if (fc != FAIL_NONE) {
		printf(_("NOT AUTHENTICATED: %s: what is fetched is installed without knowing who "
		    "shipped it\n"), cause);
		free(cause);
		cause = NULL;
		password = NULL;
	}
	if (incident_store_open(ctx->conf.state_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		worst = EX_CANTCREAT;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (from != -1 && (int)r[i].kind != from)
			continue;
		asked++;
		if (id != NULL) {
			ids = xcalloc(1, sizeof *ids);
			ids[0] = xstrdup(id);
			nids = 1;
		} else if (journal_list(&r[i], &ids, &nids, &cause) != 0) {
			printf(_("%s: cannot list the record: %s\n"), remote_kind_names[r[i].kind],
			    cause);
			free(cause);
			cause = NULL;
			failed = failed == EX_OK ? EX_UNAVAILABLE : failed;
			continue;
		}
		for (j = 0; j < nids; j++) {
			for (k = 0; k < ngot; k++)
				if (strcmp(got[k], ids[j]) == 0)
					break;
			if (k < ngot)
				continue;	/* the first store that gave it whole wins */
			rc = incidents_fetch_one(st, &r[i], ids[j], password);
			if (rc == EX_OK) {
				got = xreallocarray(got, ngot + 1, sizeof *got);
				got[ngot++] = xstrdup(ids[j]);
			} else if (failed == EX_OK || rc == EX_DATAERR)
				failed = rc;
		}
		str_list_free(ids, nids);
		ids = NULL;
		nids = 0;
	}
	/*
	 * A copy that failed on one store but came whole from the other is said
	 * above and does not fail the fetch; one that came from nowhere does.
	 */
	if (asked == 0) {
		cmd_error(_("%s is not configured"), remote_kind_names[from]);
		worst = EX_CONFIG;
	} else if (ngot > 0 && (id != NULL || failed == EX_OK))
		worst = EX_OK;
	else if (ngot > 0 || failed != EX_OK)
		worst = failed;
	else {
		cmd_error(_("no incident record on the off-site stores"));
		worst = EX_NOINPUT;
	}
	if (ngot > 0 && id != NULL) {
		/* a command that works pasted: the program as found, the settings quoted */
		hint = cmd_hint(&ctx->conf, "resume", id);
		printf(_("continue with: %s\n"), hint);
		free(hint);
	}
out:
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	str_list_free(got, ngot);
	if (st != NULL)
		incident_store_close(st);
	for (i = 0; i < nr; i++)
		remote_clear(&r[i]);
	return (worst);
}

/* The program to start a shipper with: this binary. */
static char incidents_self[PATH_MAX];
static char incidents_config[PATH_MAX];
static int64_t incidents_kicked_ms;

/*
 * incident_appended_hook: start a detached `incidents ship --background ID`
 * at most once a second; it ships what is new, then waits a moment for more,
 * so an event never waits for the next one to be shipped.
 */
static void
incidents_kick(const char *id)
{
	pid_t	pid;
	int	fd, status;
	int64_t	now = time_mono_ms();

	if (incidents_kicked_ms != 0 && now - incidents_kicked_ms < 1000)
		return;
	incidents_kicked_ms = now;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return;
	if (pid == 0) {
		sigset_t	none;

		/*
		 * Not what the caller had: a restore appends its event with
		 * SIGTERM held back, and exec keeps blocked and ignored signals.
		 */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		if (fork() != 0)
			_exit(0);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		if (*incidents_config != '\0')
			execl(incidents_self, "patronus-dr", "--config", incidents_config,
			    "incidents", "ship", "--background", id, (char *)NULL);
		else
			execl(incidents_self, "patronus-dr", "incidents", "ship", "--background",
			    id, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/*
 * With an off-site store or a notification channel configured, ship every
 * event of the record, and tell people of the notable ones, as it is appended.
 */
void
cmd_journal_install(const struct conf *c)
{
	struct remote	r[REMOTE__KINDS];
	char		*cause = NULL, *abs;
	size_t		 nr = 0, i;
	ssize_t		 len;

	if (getenv("PATRONUS_DR_NO_SHIP") != NULL)
		return;
	if (remote_configure(c, r, &nr, &cause) != 0) {
		free(cause);
		return;
	}
	for (i = 0; i < nr; i++)
		remote_clear(&r[i]);
	if (nr == 0 && !alert_configured(c))
		return;
	if ((len = readlink("/proc/self/exe", incidents_self, sizeof incidents_self - 1)) <= 0)
		return;
	incidents_self[len] = '\0';
	if (c->path != NULL && (abs = realpath(c->path, NULL)) != NULL) {
		snprintf(incidents_config, sizeof incidents_config, "%s", abs);
		free(abs);
	}
	incident_appended_hook = incidents_kick;
}
