/* cmd-incidents.c: list incidents, show one's timeline, verify its hash chain. */
#include "system.h"

#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "model/incident.h"
#include "model/run.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* UTC in RFC 3339 for JSON: "2026-11-27T15:30:02.120Z". */
static void
incidents_json_time(struct buf *b, int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "\"%s.%03dZ\"", s, (int)(ms % 1000));
}

/* Open the store; 0, or an exit code after printing why. missing_ok: no file is not an error. */
static int
incidents_open(struct cmd_ctx *ctx, struct incident_store **st, bool *none)
{
	char	*path, *cause = NULL;
	int	 rc;

	*st = NULL;
	*none = false;
	path = str_join_path(ctx->conf.state_dir, "incidents.db");
	if (access(path, F_OK) != 0) {
		free(path);
		*none = true;
		return (EX_OK);
	}
	if (access(path, R_OK | W_OK) != 0 && errno == EACCES) {
		cmd_error("%s: %s", path, strerror(errno));
		free(path);
		return (EX_NOPERM);
	}
	free(path);
	if ((rc = incident_store_open(ctx->conf.state_dir, st, &cause)) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_IOERR);
	}
	return (EX_OK);
}

/* One incident as a JSON object. */
static void
incidents_json_one(struct buf *b, const struct incident *inc)
{
	buf_adds(b, "{\"id\":");
	json_add_string(b, inc->id);
	buf_adds(b, ",\"runbook\":");
	json_add_string(b, inc->runbook_id);
	buf_adds(b, ",\"title\":");
	json_add_string(b, inc->runbook_title);
	buf_printf(b, ",\"mode\":\"%s\",\"state\":\"%s\",\"declared\":",
	    incident_mode_name(inc->mode), inc->closed_ms != 0 ? "closed" : "open");
	incidents_json_time(b, inc->declared_ms);
	buf_adds(b, ",\"detected\":");
	incidents_json_time(b, inc->detected_ms);
	buf_adds(b, ",\"closed\":");
	if (inc->closed_ms != 0)
		incidents_json_time(b, inc->closed_ms);
	else
		buf_adds(b, "null");
	buf_printf(b, ",\"rto\":%" PRId64 ",\"rpo\":%" PRId64 ",\"events\":%" PRId64
	    ",\"host\":", inc->rto, inc->rpo, inc->last_seq);
	json_add_string(b, inc->host);
	buf_addc(b, '}');
}

/* incidents list [--json]. */
static int
incidents_list(struct cmd_ctx *ctx, bool json)
{
	struct incident_store	*st;
	struct incident		*l = NULL;
	struct buf		 b;
	size_t			 n = 0, i;
	char			*cause = NULL, d[64], c[64];
	bool			 none;
	int			 rc;

	if ((rc = incidents_open(ctx, &st, &none)) != EX_OK)
		return (rc);
	if (!none && incident_list(st, &l, &n, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		incident_store_close(st);
		return (EX_IOERR);
	}
	if (json) {
		buf_init(&b);
		buf_addc(&b, '[');
		for (i = 0; i < n; i++) {
			buf_adds(&b, i == 0 ? "\n  " : ",\n  ");
			incidents_json_one(&b, &l[i]);
		}
		buf_adds(&b, n > 0 ? "\n]\n" : "]\n");
		fputs(b.data, stdout);
		buf_free(&b);
	} else if (n == 0)
		printf(_("No incidents recorded in %s.\n"), ctx->conf.state_dir);
	else {
		printf("%-44s %-24s %-8s %-6s %-19s %s\n", _("ID"), _("RUNBOOK"), _("MODE"),
		    _("STATE"), _("DECLARED"), _("CLOSED"));
		for (i = 0; i < n; i++) {
			time_format_iso((time_t)(l[i].declared_ms / 1000), d, sizeof d);
			if (l[i].closed_ms != 0)
				time_format_iso((time_t)(l[i].closed_ms / 1000), c, sizeof c);
			else
				snprintf(c, sizeof c, "-");
			printf("%-44s %-24s %-8s %-6s %-19s %s\n", l[i].id, l[i].runbook_id,
			    incident_mode_name(l[i].mode),
			    l[i].closed_ms != 0 ? _("closed") : _("open"), d, c);
		}
	}
	incident_list_free(l, n);
	incident_store_close(st);
	return (ferror(stdout) ? EX_IOERR : EX_OK);
}

/* Append text for a terminal: control characters (other than newline and tab) as \xHH. */
static void
incidents_safe(struct buf *b, const char *s)
{
	unsigned char	c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_addc(b, (char)c);
	}
}

/* Print text, its continuation lines indented by indent. */
static void
incidents_print_indented(const char *text, const char *indent)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b);
	incidents_safe(&b, text);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	for (p = b.data; *p != '\0'; p++) {
		putchar(*p);
		if (*p == '\n')
			fputs(indent, stdout);
	}
	putchar('\n');
	buf_free(&b);
}

/*
 * An open incident's runs: those whose supervisor is gone are settled first
 * (recorded as ended, outcome unknown); the others are shown as running, with
 * their pid and age, or as not checkable from here.
 */
static void
incidents_show_runs(struct incident_store *st, const struct incident *inc, int settled)
{
	struct run_claim	*c;
	size_t			 n, i;
	char			*cause = NULL, *who, *line;

	if (inc->closed_ms != 0)
		return;
	if (settled > 0)
		printf(_("Settled:   %d run(s) whose supervisor was gone: ended while nobody "
		    "watched, outcome unknown\n"), settled);
	if (run_open(st, inc->id, NULL, &c, &n, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		who = run_holder_text(&c[i], incident_now_ms());
		switch (run_life(&c[i])) {
		case RUN_ALIVE:
			line = xasprintf(_("Running:   %s, %s"), c[i].step, who);
			break;
		case RUN_ELSEWHERE:
			line = xasprintf(_("Running:   %s, %s (cannot be checked from here)"),
			    c[i].step, who);
			break;
		case RUN_UNCLAIMED:
			line = xasprintf(_("Unfinished: %s, %s"), c[i].step, who);
			break;
		default:
			line = xasprintf(_("Ended:     %s, %s (its supervisor is gone)"),
			    c[i].step, who);
			break;
		}
		incidents_print_indented(line, "           ");
		free(line);
		free(who);
	}
	run_claims_free(c, n);
}

/* incidents show ID: the incident and its timeline. */
static int
incidents_show(struct cmd_ctx *ctx, const char *id)
{
	struct incident_store	*st;
	struct incident		 inc;
	struct incident_event	*evs = NULL;
	struct buf		 what;
	size_t			 n = 0, i;
	char			*cause = NULL, *who, t[64], d1[TIMEUTIL_BUFSZ];
	char			 d2[TIMEUTIL_BUFSZ];
	bool			 none;
	int			 rc, found, settled;

	if ((rc = incidents_open(ctx, &st, &none)) != EX_OK)
		return (rc);
	found = none ? 0 : incident_get(st, id, &inc, &cause);
	if (found != 1) {
		if (found == 0)
			cmd_error(_("no incident \"%s\" in %s"), id, ctx->conf.state_dir);
		else {
			cmd_error("%s", cause);
			free(cause);
		}
		incident_store_close(st);
		return (found == 0 ? EX_NOINPUT : EX_IOERR);
	}
	/* settled before the events are read, so that the timeline shows it */
	settled = 0;
	if (inc.closed_ms == 0 && (settled = run_settle(st, id, NULL, &cause)) < 0) {
		cmd_error("%s", cause);
		free(cause);
		cause = NULL;
	}
	if (incident_events(st, id, 0, &evs, &n, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		incident_free(&inc);
		incident_store_close(st);
		return (EX_IOERR);
	}

	printf(_("Incident:  %s (%s, %s)\n"), inc.id, incident_mode_name(inc.mode),
	    inc.closed_ms != 0 ? _("closed") : _("open"));
	printf(_("Runbook:   %s: %s\n"), inc.runbook_id, inc.runbook_title);
	printf(_("Host:      %s\n"), inc.host);
	printf(_("Targets:   RTO %s, RPO %s\n"), duration_format(inc.rto, d1, sizeof d1),
	    inc.rpo > 0 ? duration_format(inc.rpo, d2, sizeof d2) : "-");
	printf(_("Detected:  %s\n"), time_format_iso_ms(inc.detected_ms, t, sizeof t));
	printf(_("Declared:  %s\n"), time_format_iso_ms(inc.declared_ms, t, sizeof t));
	if (inc.closed_ms != 0) {
		printf(_("Closed:    %s (after %s)\n"), time_format_iso_ms(inc.closed_ms, t, sizeof t),
		    duration_format((inc.closed_ms - inc.detected_ms) / 1000, d1, sizeof d1));
	}
	incidents_show_runs(st, &inc, settled);
	printf(_("Events:    %zu\n\n"), n);

	buf_init(&what);
	for (i = 0; i < n; i++) {
		who = evs[i].client != NULL ? xasprintf("%s@%s", evs[i].operator, evs[i].client) :
		    xstrdup(evs[i].operator);
		buf_reset(&what);
		incident_event_describe(&evs[i], true, &what);
		printf("%4" PRId64 "  %s  %-16s %-16s ", evs[i].seq,
		    time_format_iso_ms(evs[i].time_ms, t, sizeof t), who,
		    evs[i].step != NULL ? evs[i].step : "-");
		incidents_print_indented(what.data, "      | ");
		free(who);
	}
	buf_free(&what);
	incident_events_free(evs, n);
	incident_free(&inc);
	incident_store_close(st);
	return (ferror(stdout) ? EX_IOERR : EX_OK);
}

/* incidents verify ID: 0 when the chain holds, 1 naming the first bad event. */
static int
incidents_verify(struct cmd_ctx *ctx, const char *id)
{
	struct incident_store		*st;
	struct incident_verify_result	 r;
	char				*cause = NULL;
	bool				 none;
	int				 rc;

	if ((rc = incidents_open(ctx, &st, &none)) != EX_OK)
		return (rc);
	if (none) {
		cmd_error(_("no incident \"%s\" in %s"), id, ctx->conf.state_dir);
		return (EX_NOINPUT);
	}
	switch (incident_verify(st, id, &r, &cause)) {
	case 0:
		printf(_("%s: the chain of %" PRId64 " events holds\n"), id, r.events);
		rc = EX_OK;
		break;
	case 1:
		printf(_("%s: BROKEN at event %" PRId64 ": %s\n"), id, r.bad_seq, r.why);
		free(r.why);
		rc = 1;
		break;
	default:
		cmd_error("%s", cause);
		rc = strstr(cause, "no incident") != NULL ? EX_NOINPUT : EX_IOERR;
		free(cause);
		break;
	}
	incident_store_close(st);
	return (rc);
}

/* incidents [list [--json] | show ID | verify ID]. */
static int
cmd_incidents_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*sub;
	bool				 json = false;
	int				 opt, nargs;

	while ((opt = cmd_getopt(e, argc, argv, "hj", longopts)) != -1) {
		if (opt == 'j')
			json = true;
	}
	sub = optind < argc ? argv[optind] : "list";
	nargs = argc - optind - 1;
	if (strcmp(sub, "list") == 0) {
		if (nargs > 0)
			cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
		return (incidents_list(ctx, json));
	}
	if (strcmp(sub, "show") != 0 && strcmp(sub, "verify") != 0)
		cmd_usage_error(e, _("unknown subcommand \"%s\""), sub);
	if (json)
		cmd_usage_error(e, _("--json goes with list only"));
	if (nargs < 1)
		cmd_usage_error(e, _("%s needs an incident id"), sub);
	if (nargs > 1)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 2]);
	if (strcmp(sub, "show") == 0)
		return (incidents_show(ctx, argv[optind + 1]));
	return (incidents_verify(ctx, argv[optind + 1]));
}

const struct cmd_entry cmd_incidents_entry = {
	.name = "incidents",
	.args = "[list [--json] | show ID | verify ID]",
	.summary = N_("list incidents and drills, show a timeline, verify a record"),
	.help = N_("  list [--json]  every incident and drill, newest first: id, runbook,\n"
	    "                 mode, state (open or closed), declared, closed\n"
	    "  show ID        the incident and its timeline: steps, commands and their\n"
	    "                 output, ticks, decisions, answers, notes, clock alarms\n"
	    "  verify ID      check the SHA-256 chain over the incident's events: exit 0\n"
	    "                 when it holds, 1 naming the first event changed, removed\n"
	    "                 or out of order\n\n"
	    "The record is STATE_DIR/incidents.db (state_dir in dr.yaml).\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_incidents_exec,
};
