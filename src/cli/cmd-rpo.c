/* cmd-rpo.c: the data-loss window against the newest backup set that verifies. */
#include "system.h"

#include <time.h>

#include <openssl/crypto.h>

#include "cli/cmd.h"
#include "engine/stream/offstream.h"
#include "engine/stream/pitr.h"
#include "engine/recover/restore.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* A data-loss window in ms as text: "850ms", "2.4s" under 10 s, else duration_format's. */
static char *
rpo_window(int64_t ms, char *buf, size_t len)
{
	if (ms < 10000)
		return (pitr_format_ms(ms, buf, len));
	return (duration_format(ms / 1000, buf, len));
}

/* One line per store the stream copies to: how far its copy goes. */
static void
rpo_offsite(const struct stream_status *st, int64_t point)
{
	struct offstream_point	 p[REMOTE__KINDS];
	char			 t[64], d[TIMEUTIL_BUFSZ];
	int			 k;

	offstream_points(st, p);
	for (k = 0; k < REMOTE__KINDS; k++) {
		if (!p[k].present)
			continue;
		if (p[k].ms == 0)
			cmd_say(_("off-site %s: nothing copied yet\n"), remote_kind_names[k]);
		else
			cmd_say(_("off-site %s: up to %s (%s behind the stream)\n"),
			    remote_kind_names[k], time_format_iso_ms(p[k].ms, t, sizeof t),
			    pitr_format_ms(point > p[k].ms ? point - p[k].ms : 0, d, sizeof d));
		if (p[k].error != NULL)
			cmd_say(_("off-site %s: FAILING: %s\n"), remote_kind_names[k],
			    p[k].error);
	}
	offstream_points_clear(p);
}

/*
 * The newest point the stream can restore to, 0 when none: its chain
 * checked to the end; when that end is the segment the status file names as
 * newest, its caught-up time (nothing was left uncopied then). Prints the
 * stream's state and its newest point.
 */
static int64_t
rpo_stream(const struct conf *c, int64_t now_ms, int64_t before_ms)
{
	struct stream_status	 st;
	struct pitr_result	 r;
	char			*cause = NULL, t[64], d[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	char			*path;
	int64_t			 point;

	if (stream_status_read(c->backup_dir, &st, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}
	path = xasprintf("%s/stream", c->backup_dir);
	if (!st.present && !fs_exists(path)) {
		cmd_say(_("stream: none (no %s)\n"), path);
		free(path);
		stream_status_clear(&st);
		return (0);
	}
	free(path);
	if (st.running && st.caught_up_ms > 0)
		cmd_say(_("stream: running (pid %jd), caught up %s ago, lag %s, polling every %s\n"),
		    (intmax_t)st.pid, pitr_format_ms(now_ms - st.caught_up_ms, d, sizeof d),
		    pitr_format_ms(st.lag_ms, d2, sizeof d2),
		    pitr_format_ms(st.interval_ms, t, sizeof t));
	else if (st.running)
		cmd_say(_("stream: running (pid %jd), not caught up yet\n"), (intmax_t)st.pid);
	else if (st.present && st.caught_up_ms > 0)
		cmd_say(_("stream: NOT running (last caught up %s)\n"),
		    time_format_iso_ms(st.caught_up_ms, t, sizeof t));
	else
		cmd_say(_("stream: NOT running\n"));
	if (pitr_rebuild(c->backup_dir, before_ms != INT64_MAX ? before_ms - 1 : INT64_MAX, NULL,
	    &r, &cause) != 0) {
		cmd_say(_("stream: no point to restore to: %s\n"), cause);
		free(cause);
		pitr_result_clear(&r);
		stream_status_clear(&st);
		return (0);
	}
	point = r.point_ms;
	if (!r.broken && st.generation != NULL && strcmp(st.generation, r.generation) == 0 &&
	    st.sequence == r.sequence && st.caught_up_ms > point && st.caught_up_ms < before_ms)
		point = st.caught_up_ms;
	cmd_say(_("newest stream point: %s (segment %" PRIu64 " of generation %s)\n"),
	    time_format_iso_ms(point, t, sizeof t), r.sequence, r.generation);
	/* The caught-up time is the status file's word, which nothing signs: said so. */
	if (point != r.point_ms)
		cmd_say(_("note: that is when stream/status (not signed) says the stream last "
		    "caught up; the newest signed point, segment %" PRIu64 "'s capture, is %s\n"),
		    r.sequence, time_format_iso_ms(r.point_ms, d, sizeof d));
	if (r.broken)
		cmd_say(_("WARNING: the stream chain is broken (%s): that is its last good "
		    "point\n"), r.why);
	rpo_offsite(&st, point);
	pitr_result_clear(&r);
	stream_status_clear(&st);
	return (point);
}

/* rpo: how much would be lost restoring now, and whether it is within the target. */
static int
cmd_rpo_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct restore_pick		 p;
	char				*pw = NULL, *why = NULL, *cause = NULL;
	char				 bw[TIMEUTIL_BUFSZ], rw[TIMEUTIL_BUFSZ];
	char				 dw[TIMEUTIL_BUFSZ], tw[TIMEUTIL_BUFSZ], pw_t[64];
	const char			*incident = NULL, *before = NULL;
	int64_t				 target = -1, window, now_ms, sp, point, refms;
	int64_t				 before_ms = INT64_MAX;
	bool				 picked;
	int				 opt, ex;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'i':
			incident = optarg;
			break;
		case 'b':
			before = optarg;
			break;
		case 't':
			if (duration_parse(optarg, &target, &cause) != 0) {
				free(cause);
				cmd_usage_error(e, _("--target wants a duration such as "
				    "15m, not \"%s\""), optarg);
			}
			break;
		}
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	now_ms = time_now_ms();
	refms = now_ms;
	if (incident != NULL && pitr_parse_time(incident, now_ms, &refms, &cause) != 0) {
		cmd_error("--incident-start: %s", cause);
		free(cause);
		return (EX_USAGE);
	}
	if (before != NULL) {
		if (pitr_parse_time(before, now_ms, &before_ms, &cause) != 0) {
			cmd_error("--before: %s", cause);
			free(cause);
			return (EX_USAGE);
		}
		cmd_say(_("only points before %s count: later backups may hold the damage\n"),
		    time_format_iso_ms(before_ms, pw_t, sizeof pw_t));
	}
	if (fs_read_key(ctx->conf.encryption_key, &pw, &why) != 0)
		pw = NULL;
	picked = restore_pick_before(&ctx->conf, NULL, before_ms, RESTORE_DB, pw, why, false,
	    &p, &cause) == 0;
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
	free(why);
	if (picked) {
		time_format_iso(p.when, bw, sizeof bw);
		cmd_say(before != NULL ? _("newest set before that which verifies: %s (%s)\n") :
		    _("newest set that verifies: %s (%s)\n"), p.name, bw);
	}
	sp = rpo_stream(&ctx->conf, now_ms, before_ms);
	/* Off-site points newer than anything here (not asked with --before: older ones count). */
	if (before == NULL)
		cmd_offsite_note(ctx, picked && (int64_t)p.when * 1000 > sp ?
		    (int64_t)p.when * 1000 : sp);
	if (!picked && sp == 0) {
		/* said once, as the error: no set and no stream point */
		cmd_error("%s", cause);
		free(cause);
		return (EX_NOINPUT);
	}
	if (!picked)
		cmd_say(_("no backup set verifies: %s\n"), cause);
	free(cause);
	if (sp > 0 && (!picked || sp > (int64_t)p.when * 1000)) {
		point = sp;
		cmd_say(_("newest restorable point: %s, from the stream\n"),
		    time_format_iso_ms(point, pw_t, sizeof pw_t));
	} else {
		point = (int64_t)p.when * 1000;
		cmd_say(_("newest restorable point: %s, from %s\n"),
		    time_format_iso_ms(point, pw_t, sizeof pw_t), p.name);
	}
	window = refms - point;
	if (window < 0)
		window = 0;
	time_format_iso_ms(refms, rw, sizeof rw);
	rpo_window(window, dw, sizeof dw);
	cmd_say(_("data-loss window: %s (against %s %s)\n"), dw,
	    incident != NULL ? _("incident start") : _("now"), rw);
	ex = EX_OK;
	if (target >= 0) {
		duration_format(target, tw, sizeof tw);
		if (window <= target * 1000)
			cmd_say(_("ok: within the RPO target of %s\n"), tw);
		else {
			cmd_say(_("OVER the RPO target of %s\n"), tw);
			ex = 1;
		}
	}
	if (picked)
		restore_pick_clear(&p);
	return (ex);
}

/* The options of rpo (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_rpo_opts[] = {
	{ "incident-start", 'i', N_("TIME"),
	    N_("measure against this instant (to the ms:\n"
	    "14:05:03 is 14:05:03.000)"),
	    CMD_OPT_SHORT, NULL },
	{ "before", 'b', N_("TIME"),
	    N_("only points taken before TIME count (a\n"
	    "runbook's restore_before: detected passes\n"
	    "the detection time: later backups may\n"
	    "hold the damage)"),
	    CMD_OPT_SHORT, NULL },
	{ "target", 't', N_("DURATION"),
	    N_("the RPO target, e.g. 15m"),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_rpo_entry = {
	.name = "rpo",
	.args = "",
	.summary = N_("data-loss window against the newest restorable point"),
	.help = N_("Finds the newest backup set across all tiers that passes verify\n"
	    "(newer damaged sets are skipped and named) and the stream's newest\n"
	    "good point (its chain checked to the end; its caught-up time when\n"
	    "the end is the segment its status names), says whether the stream\n"
	    "runs and how far behind it is, and prints the data that a restore\n"
	    "would lose: the newer point's time against now or the incident start.\n"
	    "With off-site stores configured, lists them and says when one holds a\n"
	    "point newer than anything here (on a fresh standby: how to fetch it).\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_rpo_exec,
	.opts = cmd_rpo_opts,
	.opt_col = 30,
	.help_tail = N_("Exit status: 0 within the target (or none given), 1 over it,\n"
	    "66 no set verifies and the stream has no point.\n"),
};
