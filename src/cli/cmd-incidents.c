/* cmd-incidents.c: list incidents, show one's timeline, verify its hash chain, ship and fetch it off-site. */
#include "system.h"

#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/remote/remote.h"
#include "model/incident.h"
#include "model/alert.h"
#include "model/journal.h"
#include "model/run.h"
#include "model/runbook.h"
#include "model/walk.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/log.h"
#include "util/str.h"
#include "util/table.h"
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
int
cmd_incidents_open(struct cmd_ctx *ctx, struct incident_store **st, bool *none)
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

	if ((rc = cmd_incidents_open(ctx, &st, &none)) != EX_OK)
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
		buf_clear(&b);
	} else if (n == 0)
		cmd_say(_("No incidents recorded in %s.\n"),
		    ctx->conf.state_dir);
	else {
		/* the id on a line of its own when the row does not fit: it is what show takes */
		struct table_col cols[] = {
			{ _("ID"), TABLE_LINE }, { _("RUNBOOK"), TABLE_CUT }, { _("MODE"), 0 },
			{ _("STATE"), 0 }, { _("DECLARED"), 0 }, { _("CLOSED"), 0 },
		};
		struct table	 tb;

		table_init(&tb, cols, nitems(cols));
		for (i = 0; i < n; i++) {
			time_format_iso((time_t)(l[i].declared_ms / 1000), d, sizeof d);
			if (l[i].closed_ms != 0)
				time_format_iso((time_t)(l[i].closed_ms / 1000), c, sizeof c);
			else
				snprintf(c, sizeof c, "-");
			table_add(&tb, l[i].id, l[i].runbook_id, incident_mode_name(l[i].mode),
			    l[i].closed_ms != 0 ? _("closed") : _("open"), d, c);
		}
		cmd_print_table(&tb);
	}
	incident_list_free(l, n);
	incident_store_close(st);
	return (ferror(stdout) ? EX_IOERR : EX_OK);
}

/* Print text, its continuation lines indented by indent. */
static void
incidents_print_indented(const char *text, const char *indent)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b);
	str_escape_buf(&b, text, STR_ESCAPE_LINES);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	for (p = b.data; *p != '\0'; p++) {
		putchar(*p);
		if (*p == '\n')
			fputs(indent, stdout);
	}
	putchar('\n');
	buf_clear(&b);
}

/*
 * Open the store and read incident id into *inc (incident_clear) and *st
 * (incident_store_close). Returns EX_OK, or an exit code after saying why
 * (66: no such incident).
 */
static int
incidents_get(struct cmd_ctx *ctx, const char *id, struct incident_store **st,
    struct incident *inc)
{
	char	*cause = NULL;
	bool	 none;
	int	 rc, found;

	if ((rc = cmd_incidents_open(ctx, st, &none)) != EX_OK)
		return (rc);
	found = none ? 0 : incident_get(*st, id, inc, &cause);
	if (found == 1)
		return (EX_OK);
	if (found == 0)
		cmd_error(_("no incident \"%s\" in %s"), id, ctx->conf.state_dir);
	else {
		cmd_error("%s", cause);
		free(cause);
	}
	incident_store_close(*st);
	*st = NULL;
	return (found == 0 ? EX_NOINPUT : EX_IOERR);
}

/* Print each step's state as the walk (the one replay of the record) says it. */
static void
incidents_print_steps(struct cmd_ctx *ctx, const struct incident *inc,
    const struct incident_event *evs, size_t n)
{
	struct runbook_set	 set;
	struct runbook		*rb;
	struct walk		 w;
	struct buf		 b;
	char			*line;
	size_t			 i;

	rb = cmd_report_runbook(&ctx->conf, &set, inc->runbook_id);
	walk_init(&w, rb);
	walk_replay(&w, evs, n);
	printf(_("Steps:%s\n"), rb == NULL ? _(" (the runbook cannot be loaded: as recorded)") :
	    "");
	buf_init(&b);
	for (i = 0; i < w.nsteps; i++) {
		buf_reset(&b);
		if (w.steps[i].state == WALK_PENDING && !w.steps[i].failed &&
		    w.steps[i].first_ms == 0 && !w.steps[i].visited)
			buf_adds(&b, _("not reached"));
		else
			walk_step_describe(&w, (int)i, &b);
		line = xasprintf("  %-24s %s", w.steps[i].id, b.data);
		incidents_print_indented(line, "      | ");
		free(line);
	}
	buf_clear(&b);
	if (w.abandoned) {
		line = xasprintf(_("Abandoned: %s"), w.outcome != NULL ? w.outcome : "");
		incidents_print_indented(line, "      | ");
		free(line);
	}
	putchar('\n');
	walk_clear(&w);
	runbook_free(rb);
	runbook_set_clear(&set);
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

/* incidents show ID: the incident, its steps' states and its timeline. */
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
	int			 rc, settled;

	if ((rc = incidents_get(ctx, id, &st, &inc)) != EX_OK)
		return (rc);
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
		incident_clear(&inc);
		incident_store_close(st);
		return (EX_IOERR);
	}

	printf(_("Incident:  %s (%s, %s)\n"), cmd_esc(inc.id), incident_mode_name(inc.mode),
	    inc.closed_ms != 0 ? _("closed") : _("open"));
	printf(_("Runbook:   %s: %s\n"), cmd_esc(inc.runbook_id), cmd_esc(inc.runbook_title));
	printf(_("Host:      %s\n"), cmd_esc(inc.host));
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
	incidents_print_steps(ctx, &inc, evs, n);

	buf_init(&what);
	for (i = 0; i < n; i++) {
		who = evs[i].client != NULL ? xasprintf("%s@%s", evs[i].operator, evs[i].client) :
		    xstrdup(evs[i].operator);
		buf_reset(&what);
		incident_event_describe(&evs[i], true, &what);
		printf("%4" PRId64 "  %s  %-16s %-16s ", evs[i].seq,
		    time_format_iso_ms(evs[i].time_ms, t, sizeof t), cmd_esc(who),
		    evs[i].step != NULL ? cmd_esc(evs[i].step) : "-");
		incidents_print_indented(what.data, "      | ");
		free(who);
	}
	buf_clear(&what);
	incident_events_free(evs, n);
	incident_clear(&inc);
	incident_store_close(st);
	return (ferror(stdout) ? EX_IOERR : EX_OK);
}

/*
 * incidents verify ID [--offline]: 0 when the chain holds and, unless
 * offline, the off-site heads agree; 1 naming the first bad event, or a
 * record that was rewritten or rolled back against its witness.
 */
static int
incidents_verify(struct cmd_ctx *ctx, const char *id, bool offline)
{
	struct incident_store		*st;
	struct incident_verify_result	 r;
	struct remote			 rem[REMOTE__KINDS];
	struct buf			 b;
	char				*cause = NULL;
	size_t				 nr = 0, i;
	bool				 none;
	int				 rc, w;

	if ((rc = cmd_incidents_open(ctx, &st, &none)) != EX_OK)
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
	if (rc != EX_OK) {
		incident_store_close(st);
		return (rc);
	}
	/* The witness: a chain recomputed on this host proves nothing against its root. */
	if (offline) {
		printf(_("%s: --offline: the local chain alone was checked, no witness asked\n"),
		    id);
		incident_store_close(st);
		return (EX_OK);
	}
	if (remote_configure(&ctx->conf, rem, &nr, &cause) != 0) {
		/* a store set up wrong is not "none": the witness was meant to be asked */
		cmd_error("%s", cause);
		free(cause);
		incident_store_close(st);
		return (EX_CONFIG);
	}
	if (nr == 0) {
		printf(_("%s: no off-site store is configured: the local chain alone was "
		    "checked\n"), id);
		incident_store_close(st);
		return (EX_OK);
	}
	for (i = 0; i < nr; i++)
		remote_clear(&rem[i]);
	buf_init(&b);
	w = journal_witness(&ctx->conf, st, id, &b, &cause);
	/* the stores' answers (a head's host, their causes) are not ours: escaped */
	cmd_print_safe(stdout, b.data != NULL ? b.data : "");
	buf_clear(&b);
	incident_store_close(st);
	switch (w) {
	case 0:
		printf(_("%s: the chain holds and matches its off-site witness\n"), id);
		return (EX_OK);
	case 1:
		printf(_("%s: the record here is NOT the one its witness holds: it was "
		    "rewritten or rolled back\n"), id);
		return (1);
	case 2:
		printf(_("%s: WARNING: no off-site witness could vouch for the chain; only "
		    "the local chain was checked\n"), id);
		return (EX_OK);
	default:
		cmd_error("%s", cause);
		free(cause);
		return (EX_IOERR);
	}
}

/*
 * incidents close ID --reason TEXT: end an incident or drill opened by
 * mistake with an "abandoned" event. 0 closed, 66 no such incident, 64
 * already closed or no reason.
 */
static int
incidents_close(struct cmd_ctx *ctx, const char *id, const char *reason)
{
	struct incident_store	*st;
	struct incident		 inc;
	struct run_claim	 holder;
	char			*cause = NULL, *hint, *who;
	int			 rc, r = 0;

	if ((rc = incidents_get(ctx, id, &st, &inc)) != EX_OK)
		return (rc);
	if (inc.closed_ms != 0) {
		hint = cmd_hint(&ctx->conf, "incidents show", id);
		cmd_error(_("%s is already closed; nothing changed (its timeline: %s)"), id, hint);
		free(hint);
		rc = EX_USAGE;
	} else if ((r = run_close(st, id, INCIDENT_EV_ABANDONED, reason, &holder, NULL,
	    &cause)) == 1) {
		/* a run still going would have nowhere to record its end */
		who = run_holder_text(&holder, incident_now_ms());
		cmd_error(_("%s stays open: step %s is %s; cancel it or let it end first"), id,
		    holder.step, who);
		free(who);
		run_claim_clear(&holder);
		rc = EX_TEMPFAIL;
	} else if (r != 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_IOERR;
	} else {
		cmd_run_metrics(&ctx->conf);
		hint = cmd_hint(&ctx->conf, "report", id);
		printf(_("%s %s is closed as abandoned: %s\nIt counts as neither a pass nor a "
		    "fail; its report: %s\n"), inc.mode == INCIDENT_MODE_DRILL ? _("Drill") :
		    _("Incident"), id, reason, hint);
		free(hint);
		cmd_run_sandbox_done(&ctx->conf, &inc);
		rc = EX_OK;
	}
	incident_clear(&inc);
	incident_store_close(st);
	return (rc);
}

/* incidents [list [--json] | show ID | verify ID [--offline] | close ID --reason TEXT |
 * ship [ID] | fetch [ID]]. */
static int
cmd_incidents_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char			*sub, *reason = NULL;
	bool				 json = false, offline = false, background = false;
	int				 opt, nargs, from = -1;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'b':
			background = true;
			break;
		case 'f':
			if ((from = remote_kind_parse(optarg)) == -1)
				cmd_usage_error(e, _("--from wants sftp or s3, not \"%s\""), optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'o':
			offline = true;
			break;
		case 'r':
			reason = optarg;
			break;
		}
	}
	sub = optind < argc ? argv[optind] : "list";
	nargs = argc - optind - 1;
	if (json && strcmp(sub, "list") != 0)
		cmd_usage_error(e, _("--json goes with list only"));
	if (offline && strcmp(sub, "verify") != 0)
		cmd_usage_error(e, _("--offline goes with verify only"));
	if (from != -1 && strcmp(sub, "fetch") != 0)
		cmd_usage_error(e, _("--from goes with fetch only"));
	if (background && strcmp(sub, "ship") != 0)
		cmd_usage_error(e, _("--background goes with ship only"));
	if (strcmp(sub, "list") == 0) {
		if (nargs > 0)
			cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
		return (incidents_list(ctx, json));
	}
	if (reason != NULL && strcmp(sub, "close") != 0)
		cmd_usage_error(e, _("--reason goes with close only"));
	if (strcmp(sub, "ship") == 0 || strcmp(sub, "fetch") == 0) {
		if (nargs > 1)
			cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 2]);
		if (strcmp(sub, "ship") == 0)
			return (incidents_ship(ctx, nargs == 1 ? argv[optind + 1] : NULL,
			    background));
		return (incidents_fetch(ctx, from, nargs == 1 ? argv[optind + 1] : NULL));
	}
	if (strcmp(sub, "show") != 0 && strcmp(sub, "verify") != 0 &&
	    strcmp(sub, "close") != 0)
		cmd_usage_error(e, _("unknown subcommand \"%s\""), sub);
	if (nargs < 1)
		cmd_usage_error(e, _("%s needs an incident id"), sub);
	if (nargs > 1)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 2]);
	if (strcmp(sub, "close") == 0) {
		if (reason == NULL || *reason == '\0')
			cmd_usage_error(e, _("close needs --reason TEXT: why the incident was "
			    "opened by mistake"));
		return (incidents_close(ctx, argv[optind + 1], reason));
	}
	if (strcmp(sub, "show") == 0)
		return (incidents_show(ctx, argv[optind + 1]));
	return (incidents_verify(ctx, argv[optind + 1], offline));
}

/* The options of incidents, each with the verb it goes with (options.c). */
static const struct cmd_opt cmd_incidents_opts[] = {
	{ "json", 'j', NULL, N_("with list: a JSON array instead of the table"), 0, "list" },
	{ "offline", 'o', NULL, N_("with verify: the local chain alone"), 0, "verify" },
	{ "reason", 'r', N_("TEXT"), N_("with close: why, recorded in its event"),
	    CMD_OPT_REQUIRED, "close" },
	{ "from", 'f', N_("KIND"), N_("with fetch: only this store, sftp or s3 (else SFTP,\n"
	    "then S3 when it fails)"), 0, "fetch" },
	{ "background", 'b', NULL, NULL, CMD_OPT_HIDDEN, "ship" },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

/* Its verbs, for the usage line. */
static const struct cmd_sub cmd_incidents_subs[] = {
	{ "list", "" }, { "show", "ID" }, { "verify", "ID" }, { "close", "ID" },
	{ "ship", "[ID]" }, { "fetch", "[ID]" }, { NULL, NULL }
};

const struct cmd_entry cmd_incidents_entry = {
	.name = "incidents",
	.args = "[%s]",
	.summary = N_("list incidents and drills, show a timeline, verify a record"),
	.help = N_("  list [--json]  every incident and drill, newest first: id, runbook,\n"
	    "                 mode, state (open or closed), declared, closed\n"
	    "  show ID        the incident, each step's state (from the same replay of\n"
	    "                 the record as the TUI and the reports) and its timeline:\n"
	    "                 steps, commands and their output, ticks, decisions,\n"
	    "                 answers, notes, clock alarms\n"
	    "  verify ID      check the SHA-256 chain over the incident's events: exit 0\n"
	    "                 when it holds, 1 naming the first event changed, removed\n"
	    "                 or out of order; then, with an off-site store, against\n"
	    "                 the chain head kept there (the witness): 1 when the record\n"
	    "                 here was rewritten or rolled back\n"
	    "  close ID --reason TEXT\n"
	    "                 end an incident or drill opened by mistake: recorded\n"
	    "                 as an \"abandoned\" event; reports and drills show it as\n"
	    "                 abandoned, neither pass nor fail. Exit 66 when there is\n"
	    "                 no such incident, 64 when it is already closed (nothing\n"
	    "                 changes) or --reason is missing\n"
	    "  ship [ID]      copy the record (one incident, or all) to every off-site\n"
	    "                 store: a journal per incident and its chain head; done by\n"
	    "                 itself within seconds of each event when remote: is set\n"
	    "  fetch [ID]     bring the record (one incident, or every one the store\n"
	    "                 keeps) back from off-site, checked end to end before it\n"
	    "                 is installed; then `resume ID` continues here\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_incidents_exec,
	.opts = cmd_incidents_opts,
	.opt_col = 17,
	.help_tail = N_("The record is STATE_DIR/incidents.db (state_dir in dr.yaml). Exit status:\n"
	    "0 ok, 1 a chain broken or not its witness's, 65 an off-site journal that\n"
	    "does not hold together or has forked from this record, 66 nothing to\n"
	    "fetch, 69 a store unreachable, 75 shipping failed (it is retried).\n"),
	.subs = cmd_incidents_subs,
};
