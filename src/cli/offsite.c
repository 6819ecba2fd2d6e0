/*
 * offsite.c: what fetch, restore and rpo share about the off-site stores:
 * the stores configured, what they hold, the skips and the progress line.
 */
#include "system.h"

#include <unistd.h>

#include <openssl/crypto.h>
#include "cli/cmd.h"
#include "engine/set/catalog.h"
#include "engine/set/manifest.h"
#include "engine/stream/offstream.h"
#include "engine/stream/pitr.h"
#include "engine/remote/fallback.h"
#include "engine/remote/remote.h"
#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "engine/set/verify.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The progress line of the download under way, on a terminal. */
struct cmd_offsite_progress {
	char		 what[256];
	int64_t		 start_ms;
	int64_t		 last_ms;
	uint64_t	 now;
	bool		 shown;
};

/*
 * Print what each surveyed store holds: sets newest first with their age, in
 * a table that fits the terminal, and its stream.
 */
void
cmd_offsite_print_survey(const struct fallback_survey *sv, time_t now)
{
	struct table_col		 cols[] = {
		{ _("NAME"), TABLE_LINE }, { _("TIER"), 0 }, { _("STATE"), 0 },
		{ _("BYTES"), TABLE_RIGHT }, { _("AGE"), 0 },
	};
	const struct fallback_view	*v;
	struct table			 tb;
	char				 age[TIMEUTIL_BUFSZ], *safe, size[32], *old;
	uint64_t			 total;
	size_t				 i, j;
	int				 k;

	for (j = 0; j < sv->n; j++) {
		v = &sv->v[j];
		if (v->error != NULL) {
			fflush(stdout);
			safe = str_safe(v->error);
			cmd_error(_("%s (the store cannot be listed)"), safe);
			free(safe);
			continue;
		}
		cmd_say(_("Backup sets in %s:\n"), v->store->where);
		table_init(&tb, cols, nitems(cols));
		for (i = 0; i < v->nsets; i++) {
			for (total = 0, k = 0; k < PART__COUNT; k++)
				total += v->sets[i].size[k];
			duration_format(now > v->sets[i].when ? now - v->sets[i].when : 0, age,
			    sizeof age);
			xsnprintf(size, sizeof size, "%" PRIu64, total);
			old = xasprintf(_("%s old"), age);
			table_add(&tb, v->sets[i].name, backup_tier_names[v->sets[i].tier],
			    fallback_set_whole(&v->sets[i]) ? _("whole") : _("incomplete"), size,
			    old);
			free(old);
		}
		if (v->nsets == 0) {
			printf(_("(none)\n"));
			table_clear(&tb);
		} else
			cmd_print_table(&tb);
		if (v->stream_error != NULL) {
			safe = str_safe(v->stream_error);
			cmd_say(_("stream: cannot be listed: %s\n"), safe);
			free(safe);
		}
		if (v->stream_newest != NULL) {
			duration_format(now > v->stream_since ? now - v->stream_since : 0, age,
			    sizeof age);
			cmd_say(_("stream: %zu generations, %zu files; newest generation %s "
			    "(begun %s ago), segment %" PRIu64 " (fetch --stream brings it)\n"),
			    v->stream_gens, v->stream_files, v->stream_newest, age,
			    v->stream_top);
		}
	}
}

/* Print each point skipped, newest first, and why. */
void
cmd_offsite_print_skips(char *const *skips, size_t n)
{
	size_t	i;
	char	*safe;

	for (i = 0; i < n; i++) {
		safe = str_safe(skips[i]);
		printf(_("skipped: %s\n"), safe);
		free(safe);
	}
}

/*
 * A store's progress function: at most four updates a second on stderr, the
 * file, bytes of bytes, the rate and the time left ("now" 0 and "total" 0:
 * the file is done, its line ends). Installed only when stderr is a terminal.
 */
static void
cmd_offsite_progress(void *arg, const char *what, uint64_t now, uint64_t total)
{
	struct cmd_offsite_progress	*p = arg;
	char				 a[32], b[32], c[32], left[TIMEUTIL_BUFSZ];
	int64_t				 t = time_mono_ms(), el;
	uint64_t			 rate;

	if (now == 0 && total == 0) {
		if (p->shown) {
			el = t - p->start_ms > 0 ? t - p->start_ms : 1;
			manifest_du_size(p->now, a, sizeof a);
			manifest_du_size(p->now * 1000 / (uint64_t)el, c, sizeof c);
			fputs("\r", stderr);
			fprintf(stderr, _("%s: %s in %s (%s/s)"), p->what, a,
			    pitr_format_ms(el, left, sizeof left), c);
			fputs("\033[K\n", stderr);
		}
		memset(p, 0, sizeof *p);
		return;
	}
	if (strcmp(p->what, what) != 0) {
		xsnprintf(p->what, sizeof p->what, "%s", what);
		p->start_ms = p->last_ms = t;
		p->shown = false;
	}
	p->now = now;
	if (t - p->last_ms < 250)
		return;
	p->last_ms = t;
	el = t - p->start_ms > 0 ? t - p->start_ms : 1;
	rate = now * 1000 / (uint64_t)el;
	manifest_du_size(now, a, sizeof a);
	manifest_du_size(rate, c, sizeof c);
	fputs("\r", stderr);
	if (total > now && rate > 0) {
		manifest_du_size(total, b, sizeof b);
		duration_format((int64_t)((total - now) / rate), left, sizeof left);
		fprintf(stderr, _("%s: %s of %s, %s/s, %s left"), what, a, b, c, left);
	} else
		fprintf(stderr, _("%s: %s, %s/s"), what, a, c);
	fputs("\033[K", stderr);
	fflush(stderr);
	p->shown = true;
}

/*
 * The configured off-site stores (only those of kind, when not -1) into r
 * (room for REMOTE__KINDS), *n of them; free each with remote_clear. Returns
 * EX_OK, else the exit status after saying why.
 */
int
cmd_offsite_stores(struct cmd_ctx *ctx, int kind, struct remote *r, size_t *n)
{
	static struct cmd_offsite_progress	 progress;
	enum fail_class				 fc;
	char					*cause = NULL;
	size_t					 i, j;

	if ((fc = remote_configure(&ctx->conf, r, n, &cause)) != FAIL_NONE) {
		cmd_error("%s", cause);
		free(cause);
		return (fail_exit(fc));
	}
	for (i = j = 0; i < *n; i++) {
		if (kind != -1 && (int)r[i].kind != kind)
			remote_clear(&r[i]);
		else if (i != j) {
			r[j++] = r[i];
			memset(&r[i], 0, sizeof r[i]);
		} else
			j++;
	}
	*n = j;
	for (i = 0; i < j && isatty(STDERR_FILENO); i++) {
		r[i].progress = cmd_offsite_progress;
		r[i].progress_arg = &progress;
	}
	if (j > 0)
		return (EX_OK);
	if (kind == -1)
		cmd_error("%s", _("no off-site store is configured (remote.sftp or "
		    "remote.s3 in dr.yaml, or REMOTE_BACKUP_ENABLED / S3_BACKUP_ENABLED)"));
	else
		cmd_error(_("no %s store is configured"), remote_kind_names[kind]);
	return (EX_CONFIG);
}

/*
 * When off-site stores are configured: say whether they hold a point newer
 * than local_ms (0: nothing here) and how to bring it, or which cannot be
 * listed. Silent without stores.
 */
void
cmd_offsite_note(struct cmd_ctx *ctx, int64_t local_ms)
{
	struct remote		 r[REMOTE__KINDS];
	struct fallback_survey	 sv;
	const char		*what, *where;
	char			*cause = NULL, *safe, *prog, t[TIMEUTIL_BUFSZ], age[TIMEUTIL_BUFSZ];
	int64_t			 best, now = time_now_ms();
	size_t			 nr, i;

	if (remote_configure(&ctx->conf, r, &nr, &cause) != FAIL_NONE) {
		free(cause);
		return;
	}
	if (nr == 0)
		return;
	fallback_survey(r, nr, true, &sv);
	for (i = 0; i < sv.n; i++) {
		if (sv.v[i].error == NULL)
			continue;
		safe = str_safe(sv.v[i].error);
		printf(_("off-site: %s cannot be listed: %s\n"), sv.v[i].store->where, safe);
		free(safe);
	}
	best = fallback_newest_ms(&sv, &what, &where);
	if (best > local_ms) {
		time_format_iso((time_t)(best / 1000), t, sizeof t);
		duration_format(now > best ? (now - best) / 1000 : 0, age, sizeof age);
		/* commands that work pasted, with this run's settings */
		prog = cmd_hint_prefix(&ctx->conf);
		printf(_("off-site: %s holds %s (%s, %s old), newer than anything here; "
		    "%s fetch --latest brings the set, %s restore all --from-remote "
		    "restores from the newest point\n"), where, what, t, age, prog, prog);
		free(prog);
	} else if (best == 0 && local_ms == 0)
		printf(_("off-site: no store holds a whole set or a stream\n"));
	fflush(stdout);
	fallback_survey_clear(&sv);
	for (i = 0; i < nr; i++)
		remote_clear(&r[i]);
}

/* The exit status for a fallback that fetched nothing. */
int
cmd_offsite_fail_exit(int f)
{
	switch ((enum fallback_fail)f) {
	case FALLBACK_OK:
		return (EX_OK);
	case FALLBACK_NONE:
		return (EX_NOINPUT);
	case FALLBACK_UNREACHABLE:
		return (EX_UNAVAILABLE);
	case FALLBACK_DAMAGED:
		return (1);
	case FALLBACK_LOCAL:
		break;
	}
	return (EX_IOERR);
}
