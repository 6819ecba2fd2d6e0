/* run.c: the runs of a step's command: claimed before they start, settled by what happened. */
#include "system.h"

#include <sys/random.h>
#include <signal.h>
#include <unistd.h>

#include "model/run.h"
#include "util/json.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/testhook.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* A new run id from the kernel's random bytes (caller frees). */
char *
run_new_id(void)
{
	unsigned char	 r[8];
	char		 hex[sizeof r * 2 + 1];
	size_t		 got = 0;
	ssize_t		 n;

	while (got < sizeof r) {
		n = getrandom(r + got, sizeof r - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof r) {
		/* no entropy source: time and pid still tell two runs apart */
		snprintf(hex, sizeof hex, "%08lx%08lx", (unsigned long)time_now_ms() & 0xffffffffUL,
		    (unsigned long)getpid() & 0xffffffffUL);
		return (xstrdup(hex));
	}
	str_hex(r, sizeof r, hex);
	return (xstrdup(hex));
}

/* The SSH connection (client address and port) and the terminal of this process, or "". */
char *
run_client(void)
{
	struct buf	 b;
	const char	*s, *tty = NULL;
	char		*addr;
	size_t		 n;
	int		 fd;

	buf_init(&b);
	if ((s = getenv("SSH_CONNECTION")) != NULL && *s != '\0') {
		/* "CLIENT-ADDR CLIENT-PORT SERVER-ADDR SERVER-PORT" */
		n = strcspn(s, " ");
		buf_printf(&b, "ssh %.*s", (int)n, s);
		s += n;
		s += strspn(s, " ");
		if ((n = strcspn(s, " ")) > 0)
			buf_printf(&b, ":%.*s", (int)n, s);
	} else if ((addr = incident_client()) != NULL) {
		buf_printf(&b, "ssh %s", addr);
		free(addr);
	}
	for (fd = 0; fd <= 2 && tty == NULL; fd++)
		tty = ttyname(fd);
	if (tty != NULL)
		buf_printf(&b, "%s%s", b.len > 0 ? " " : "", tty);
	if (getenv("TMUX") != NULL && *getenv("TMUX") != '\0')
		buf_adds(&b, b.len > 0 ? " (tmux)" : "tmux");
	if (b.data == NULL)
		buf_adds(&b, "");
	return (buf_steal(&b));
}

/* This host's name (the test hook's when set) into buf. */
static void
run_host(char *buf, size_t len)
{
	if (testhook_host != NULL) {
		snprintf(buf, len, "%s", testhook_host);
		return;
	}
	if (gethostname(buf, len - 1) == -1)
		snprintf(buf, len, "?");
	buf[len - 1] = '\0';
}

/* Free what a claim owns. */
void
run_claim_clear(struct run_claim *c)
{
	if (c == NULL)
		return;
	free(c->run);
	free(c->step);
	free(c->operator);
	free(c->client);
	free(c->host);
	free(c->boot);
	free(c->command);
	memset(c, 0, sizeof *c);
}

/* Free an array of claims. */
void
run_claims_free(struct run_claim *c, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		run_claim_clear(&c[i]);
	free(c);
}

/* Whether the supervisor of an open run lives, checked on this host. */
enum run_life
run_life(const struct run_claim *c)
{
	char		host[256], boot[PROC_BOOT_ID_MAX];
	uint64_t	start;

	if (c->run == NULL)
		return (RUN_UNCLAIMED);
	run_host(host, sizeof host);
	if (c->host == NULL || strcmp(c->host, host) != 0)
		return (RUN_ELSEWHERE);
	proc_boot_id(boot, sizeof boot);
	if (c->boot == NULL || *boot == '\0' || strcmp(c->boot, boot) != 0)
		return (RUN_GONE);	/* same host, another boot: every process of then is gone */
	if (c->pid <= 0 || proc_start_time((pid_t)c->pid, &start) != 0 || start != c->start)
		return (RUN_GONE);	/* gone, or the pid now belongs to another process */
	return (RUN_ALIVE);
}

/* Who holds a run, as a sentence for the screen (caller frees). */
char *
run_holder_text(const struct run_claim *c, int64_t now_ms)
{
	char	age[TIMEUTIL_BUFSZ];
	int64_t	s = (now_ms - c->time_ms) / 1000;

	duration_format(s > 0 ? s : 0, age, sizeof age);
	if (c->run == NULL)
		return (xasprintf(_("started by %s %s ago, by an older version (no claim)"),
		    c->operator != NULL ? c->operator : "?", age));
	return (xasprintf(_("run by %s (%s), pid %" PRId64 " on %s, for %s"),
	    c->operator != NULL ? c->operator : "?",
	    c->client != NULL && *c->client != '\0' ? c->client : "-", c->pid,
	    c->host != NULL ? c->host : "?", age));
}

/* Fill a claim from a run-claimed event (or a command-started without a run). */
void
run_claim_from_event(const struct incident_event *ev, struct run_claim *c)
{
	int64_t	v;

	memset(c, 0, sizeof *c);
	c->step = xstrdup(ev->step != NULL ? ev->step : "");
	c->operator = xstrdup(ev->operator != NULL ? ev->operator : "");
	c->time_ms = ev->time_ms;
	if (ev->kind == INCIDENT_EV_COMMAND_STARTED) {
		c->command = xstrdup(ev->payload);
		return;
	}
	c->run = ev->run != NULL ? xstrdup(ev->run) : incident_event_get(ev, "run");
	if (c->run == NULL)
		c->run = xstrdup("?");
	c->client = incident_event_get(ev, "client");
	c->host = incident_event_get(ev, "host");
	c->boot = incident_event_get(ev, "boot");
	c->command = incident_event_get(ev, "command");
	if (incident_event_get_int(ev, "pid", &v) == 0)
		c->pid = v;
	if (incident_event_get_int(ev, "start", &v) == 0 && v >= 0)
		c->start = (uint64_t)v;
}

/* Whether event ev belongs to the open run c (a run id, or both without one). */
bool
run_event_of(const struct run_claim *c, const struct incident_event *ev)
{
	if (c->run == NULL)
		return (ev->run == NULL);
	return (ev->run != NULL && strcmp(ev->run, c->run) == 0);
}

/* The open runs; see run.h. */
int
run_open(struct incident_store *st, const char *id, const char *step,
    struct run_claim **claims, size_t *n, char **cause)
{
	struct incident_event	*evs;
	struct run_claim	*open = NULL, *c;
	size_t			 nevs, nopen = 0, i, k, out = 0;
	bool			*live = NULL;

	*claims = NULL;
	*n = 0;
	if (incident_events(st, id, 0, &evs, &nevs, cause) != 0)
		return (-1);
	for (i = 0; i < nevs; i++) {
		const struct incident_event *ev = &evs[i];

		if (ev->step == NULL || (step != NULL && strcmp(ev->step, step) != 0))
			continue;
		for (k = 0; k < nopen; k++)
			if (strcmp(open[k].step, ev->step) == 0)
				break;
		switch (ev->kind) {
		case INCIDENT_EV_RUN_CLAIMED:
		case INCIDENT_EV_COMMAND_STARTED:
			/* the command-started of a claimed run comes right after its claim */
			if (ev->kind == INCIDENT_EV_COMMAND_STARTED && ev->run != NULL)
				break;
			if (k == nopen) {
				open = xreallocarray(open, nopen + 1, sizeof *open);
				live = xreallocarray(live, nopen + 1, sizeof *live);
				nopen++;
			} else
				run_claim_clear(&open[k]);
			run_claim_from_event(ev, &open[k]);
			live[k] = true;
			break;
		case INCIDENT_EV_OUTPUT:
			if (k < nopen && live[k] && run_event_of(&open[k], ev))
				open[k].output_bytes += strlen(ev->payload);
			break;
		case INCIDENT_EV_EXIT:
			if (k < nopen && live[k] && run_event_of(&open[k], ev))
				live[k] = false;
			break;
		default:
			break;
		}
	}
	incident_events_free(evs, nevs);
	for (i = 0; i < nopen; i++) {
		if (!live[i]) {
			run_claim_clear(&open[i]);
			continue;
		}
		if (out != i)
			open[out] = open[i];
		out++;
	}
	free(live);
	if (out == 0) {
		free(open);
		open = NULL;
	}
	c = open;
	*claims = c;
	*n = out;
	return (0);
}

/* Inside a transaction: append the exit of run c with status (and step-failed). */
static int
run_append_end(struct incident_store *st, const char *id, const struct run_claim *c,
    const char *status, bool cancelled, bool unknown, char **cause)
{
	struct buf	b;
	int		rc;

	incident_store_set_run(st, c->run);
	buf_init(&b);
	buf_adds(&b, "{\"status\":");
	json_add_string(&b, status);
	buf_printf(&b, ",\"code\":-1,\"signal\":0,\"cancelled\":%s,\"unknown\":%s,"
	    "\"output_bytes\":%" PRIu64 ",\"output_dropped\":0}",
	    cancelled ? "true" : "false", unknown ? "true" : "false", c->output_bytes);
	rc = incident_append(st, id, c->step, INCIDENT_EV_EXIT, b.data, NULL, cause);
	if (rc == 0)
		rc = incident_append(st, id, c->step, INCIDENT_EV_STEP_FAILED, status, NULL,
		    cause);
	incident_store_set_run(st, NULL);
	buf_clear(&b);
	return (rc);
}

/* Inside a transaction: settle every open run (of step) whose supervisor is gone. */
static int
run_settle_tx(struct incident_store *st, const char *id, const char *step,
    struct run_claim *holder, char **cause)
{
	struct run_claim	*c;
	size_t			 n, i;
	int			 settled = 0;
	enum run_life		 life;

	if (run_open(st, id, step, &c, &n, cause) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		life = run_life(&c[i]);
		if (life == RUN_GONE) {
			if (run_append_end(st, id, &c[i], RUN_UNKNOWN_STATUS, false, true,
			    cause) != 0) {
				run_claims_free(c, n);
				return (-1);
			}
			settled++;
		} else if (holder != NULL && holder->step == NULL) {
			*holder = c[i];
			memset(&c[i], 0, sizeof c[i]);
		}
	}
	run_claims_free(c, n);
	return (settled);
}

/* Settle the runs nobody watched; see run.h. */
int
run_settle(struct incident_store *st, const char *id, const char *step, char **cause)
{
	int	n;

	if (incident_tx_begin(st, cause) != 0)
		return (-1);
	if ((n = run_settle_tx(st, id, step, NULL, cause)) < 0) {
		incident_tx_end(st, false, NULL);
		return (-1);
	}
	if (incident_tx_end(st, n > 0, cause) != 0)
		return (-1);
	return (n);
}

/*
 * Begin a write transaction in which no run of step (NULL: of any step) is
 * open: runs whose supervisor is gone are settled in it. Returns 0 inside the
 * transaction, 1 when a run holds on (*holder, the transaction ended), -1.
 */
static int
run_free_tx(struct incident_store *st, const char *id, const char *step,
    struct run_claim *holder, char **cause)
{
	int	r;

	memset(holder, 0, sizeof *holder);
	if (incident_tx_begin(st, cause) != 0)
		return (-1);
	if ((r = run_settle_tx(st, id, step, holder, cause)) >= 0 && holder->step == NULL)
		return (0);
	incident_tx_end(st, false, NULL);
	if (r >= 0)
		return (1);
	run_claim_clear(holder);
	return (-1);
}

/* Close the incident unless a run is still open; see run.h. */
int
run_close(struct incident_store *st, const char *id, enum incident_ev kind, const char *text,
    struct run_claim *holder, struct incident_event *ev, char **cause)
{
	int	rc;

	if ((rc = run_free_tx(st, id, NULL, holder, cause)) != 0)
		return (rc);
	if (incident_append(st, id, NULL, kind, text, ev, cause) != 0) {
		incident_tx_end(st, false, NULL);
		return (-1);
	}
	if (incident_tx_end(st, true, cause) == 0)
		return (0);
	if (ev != NULL)
		incident_event_clear(ev);
	return (-1);
}

/* Claim a step for a run; see run.h. */
int
run_claim(struct incident_store *st, const char *id, const char *step, const char *run,
    const char *command, const char *client, struct run_claim *holder, char **cause)
{
	struct buf	 b;
	char		 host[256], boot[PROC_BOOT_ID_MAX];
	uint64_t	 start = 0;
	int		 rc = -1;

	if ((rc = run_free_tx(st, id, step, holder, cause)) != 0)
		return (rc);
	rc = -1;
	run_host(host, sizeof host);
	proc_boot_id(boot, sizeof boot);
	proc_start_time(getpid(), &start);
	buf_init(&b);
	buf_adds(&b, "{\"run\":");
	json_add_string(&b, run);
	buf_adds(&b, ",\"command\":");
	json_add_string(&b, command);
	buf_adds(&b, ",\"client\":");
	json_add_string(&b, client != NULL ? client : "");
	buf_adds(&b, ",\"host\":");
	json_add_string(&b, host);
	buf_adds(&b, ",\"boot\":");
	json_add_string(&b, boot);
	buf_printf(&b, ",\"pid\":%ld,\"start\":%" PRIu64 "}", (long)getpid(), start);
	incident_store_set_run(st, run);
	if (incident_append(st, id, step, INCIDENT_EV_RUN_CLAIMED, b.data, NULL, cause) == 0 &&
	    incident_append(st, id, step, INCIDENT_EV_COMMAND_STARTED, command, NULL,
	    cause) == 0)
		rc = 0;
	incident_store_set_run(st, NULL);
	buf_clear(&b);
	if (rc == 0)
		return (incident_tx_end(st, true, cause));
	incident_tx_end(st, false, NULL);
	return (rc);
}

/*
 * In one write transaction: end the first open run of step that is run (NULL:
 * one without a claim, of an older version) and, when life is not -1, has
 * that life, with status. Returns 1 when ended, 0 when there was none, -1.
 */
static int
run_end_one(struct incident_store *st, const char *id, const char *step, const char *run,
    int life, const char *status, bool cancelled, char **cause)
{
	struct run_claim	*c;
	size_t			 n, i;
	int			 rc = 0;

	if (incident_tx_begin(st, cause) != 0)
		return (-1);
	if (run_open(st, id, step, &c, &n, cause) != 0) {
		incident_tx_end(st, false, NULL);
		return (-1);
	}
	for (i = 0; i < n && rc == 0; i++) {
		if ((run == NULL) != (c[i].run == NULL) ||
		    (run != NULL && strcmp(c[i].run, run) != 0) ||
		    (life != -1 && (int)run_life(&c[i]) != life))
			continue;
		rc = run_append_end(st, id, &c[i], status, cancelled, true, cause) == 0 ? 1 : -1;
	}
	run_claims_free(c, n);
	if (incident_tx_end(st, rc == 1, rc == 1 ? cause : NULL) != 0)
		return (-1);
	return (rc);
}

/* Give up a run claimed on another host as ended, outcome unknown; see run.h. */
int
run_abandon(struct incident_store *st, const char *id, const char *step, const char *run,
    char **cause)
{
	return (run_end_one(st, id, step, run, RUN_ELSEWHERE, RUN_UNKNOWN_STATUS, false,
	    cause));
}

/* Mark an unclaimed run interrupted; see run.h. */
int
run_mark_interrupted(struct incident_store *st, const char *id, const char *step,
    char **cause)
{
	return (run_end_one(st, id, step, NULL, -1, "interrupted", true, cause));
}

/* SIGTERM to a live run's supervisor. */
int
run_cancel(const struct run_claim *c, char **cause)
{
	switch (run_life(c)) {
	case RUN_ALIVE:
		if (kill((pid_t)c->pid, SIGTERM) == 0)
			return (0);
		*cause = xasprintf(_("cannot signal pid %" PRId64 ": %s"), c->pid,
		    strerror(errno));
		return (-1);
	case RUN_ELSEWHERE:
		*cause = xasprintf(_("the run is on %s: cancel it there"),
		    c->host != NULL ? c->host : "?");
		return (-1);
	default:
		*cause = xstrdup(_("the run's supervisor is gone"));
		return (-1);
	}
}
