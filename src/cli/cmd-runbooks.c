/* cmd-runbooks.c: list, check and show the runbooks. */
#include "system.h"

#include <limits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "util/conf.h"
#include "engine/host/action.h"
#include "engine/stream/pitr.h"
#include "model/runbook.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* A duration the way runbooks write it: "30m", "2h", "1h30m", "-" for none. */
static const char *
runbooks_duration(int64_t secs, char *buf, size_t len)
{
	if (secs <= 0) {
		xsnprintf(buf, len, "-");
		return (buf);
	}
	return (duration_format_spec(secs, buf, len));
}

/* Print "id title rto rpo steps" for every runbook of the folders. */
static int
runbooks_list(struct cmd_ctx *ctx)
{
	struct table_col	  cols[] = {
		{ _("ID"), TABLE_LINE }, { _("RTO"), 0 }, { _("RPO"), 0 },
		{ _("STEPS"), TABLE_RIGHT }, { _("TITLE"), TABLE_WRAP },
	};
	struct runbook_set	 set;
	const struct runbook	*rb;
	struct table		 tb;
	char			**dirs, *errors = NULL, rto[32], rpo[32], steps[32];
	size_t			  ndirs, i;
	int			  rc = EX_OK;

	dirs = cmd_runbook_dirs(&ctx->conf, &ndirs);
	if (runbook_set_load(&set, dirs, ndirs, &errors) != 0) {
		cmd_error("%s", errors);
		free(errors);
		str_list_free(dirs, ndirs);
		return (EX_NOINPUT);
	}
	table_init(&tb, cols, nitems(cols));
	for (i = 0; i < set.n; i++) {
		rb = set.books[i];
		xsnprintf(steps, sizeof steps, "%zu", rb->nsteps);
		table_add(&tb, rb->id, runbooks_duration(rb->rto, rto, sizeof rto),
		    runbooks_duration(rb->rpo, rpo, sizeof rpo), steps, rb->title);
	}
	cmd_print_table(&tb);
	if (errors != NULL) {
		fflush(stdout);
		cmd_print_safe(stderr, errors);
		fputc('\n', stderr);
		free(errors);
		rc = EX_DATAERR;
	}
	runbook_set_clear(&set);
	str_list_free(dirs, ndirs);
	return (rc);
}

/* Whether a file is named after its runbook's id (ID.yaml or ID.yml). */
static bool
runbooks_name_matches(const char *path, const char *id)
{
	const char	*base = strrchr(path, '/');
	size_t		 len = strlen(id);

	base = base == NULL ? path : base + 1;
	return (strncmp(base, id, len) == 0 && (strcmp(base + len, ".yaml") == 0 ||
	    strcmp(base + len, ".yml") == 0));
}

/*
 * What the configured protection delivers, for checking RPO targets: false
 * (with a note) when no dr.yaml was read, so there is nothing to check against.
 */
static bool
runbooks_protection(struct cmd_ctx *ctx, struct pitr_protection *prot)
{
	struct stream_status	 st;
	char			*cause = NULL;

	if (ctx->conf.path == NULL) {
		printf(_("note: no dr.yaml (%s): RPO targets are not checked against "
		    "the backup interval and the stream\n"), CONF_DEFAULT_PATH);
		return (false);
	}
	if (stream_status_read(ctx->conf.backup_dir, &st, &cause) != 0) {
		fflush(stdout);
		fprintf(stderr, _("%s: warning: %s (the stream counts as not running)\n"),
		    PACKAGE, cause);
		free(cause);
		pitr_protection(&ctx->conf, NULL, time_now_ms(), prot);
		return (true);
	}
	pitr_protection(&ctx->conf, &st, time_now_ms(), prot);
	stream_status_clear(&st);
	return (true);
}

/*
 * With contacts: in dr.yaml, warn once per role of the runbook's steps that
 * has no contact, at the first step that names it. Returns the warnings.
 */
static int
runbooks_lint_contacts(const struct conf *c, const char *file, const struct runbook *rb)
{
	size_t	i, j;
	int	warned = 0;

	if (c->ncontacts == 0)
		return (0);
	for (i = 0; i < rb->nsteps; i++) {
		if (rb->steps[i].role == NULL || conf_contact_find(c, rb->steps[i].role) != NULL)
			continue;
		for (j = 0; j < i; j++)
			if (rb->steps[j].role != NULL &&
			    strcmp(rb->steps[j].role, rb->steps[i].role) == 0)
				break;
		if (j < i)
			continue;
		fflush(stdout);
		fprintf(stderr, _("%s:%d:%d: warning: role \"%s\" has no contact in %s "
		    "(contacts:)\n"), file, rb->steps[i].mark.line, rb->steps[i].mark.column,
		    rb->steps[i].role, c->path != NULL ? c->path : "dr.yaml");
		warned++;
	}
	return (warned);
}

/*
 * Check runbook files: every problem as FILE:LINE:COLUMN on stderr; 65 if
 * any. An RPO target that the configured protection cannot meet is a
 * warning: exit 0, or 1 when strict.
 */
static int
runbooks_lint(struct cmd_ctx *ctx, int argc, char **argv, bool strict)
{
	struct runbook_set	  set;
	struct runbook		**books, *copy;
	struct pitr_protection	  prot;
	char			**dirs, *errors = NULL, *refs, *warn;
	size_t			  ndirs, i;
	int			  rc = EX_OK, missing = 0, bad = 0, warned = 0;
	int			  checked = -1;

	memset(&prot, 0, sizeof prot);

	/* The folders, then the folders of the files, give use: its targets. */
	dirs = cmd_runbook_dirs(&ctx->conf, &ndirs);
	dirs = xreallocarray(dirs, ndirs + (size_t)argc + 1, sizeof *dirs);
	for (i = 0; i < (size_t)argc; i++)
		dirs[ndirs++] = fs_dirname(argv[i]);
	if (runbook_set_load(&set, dirs, ndirs, &errors) != 0)
		memset(&set, 0, sizeof set);
	free(errors);

	books = xcalloc((size_t)argc, sizeof *books);
	for (i = 0; i < (size_t)argc; i++) {
		if (access(argv[i], R_OK) != 0) {
			cmd_error(_("%s: %s"), argv[i], strerror(errno));
			missing++;
			continue;
		}
		if ((books[i] = runbook_load(argv[i], &errors)) == NULL) {
			fflush(stdout);
			cmd_print_safe(stderr, errors);
			fputc('\n', stderr);
			free(errors);
			bad++;
			continue;
		}
		/* The files given replace runbooks of the same id in the set. */
		copy = runbook_load(argv[i], NULL);
		if (copy != NULL) {
			size_t	j;

			for (j = 0; j < set.n; j++)
				if (strcmp(set.books[j]->id, copy->id) == 0)
					break;
			if (j < set.n) {
				runbook_free(set.books[j]);
				set.books[j] = copy;
			} else {
				set.books = xreallocarray(set.books, set.n + 1,
				    sizeof *set.books);
				set.books[set.n++] = copy;
			}
		}
	}
	for (i = 0; i < (size_t)argc; i++) {
		if (books[i] == NULL)
			continue;
		refs = NULL;
		if (!runbooks_name_matches(argv[i], books[i]->id)) {
			fflush(stdout);
			fprintf(stderr, _("%s:%d:%d: id \"%s\" differs from the file name "
			    "(name the file %s.yaml)\n"), argv[i], books[i]->id_mark.line,
			    books[i]->id_mark.column, cmd_esc(books[i]->id), cmd_esc(books[i]->id));
			bad++;
		}
		if (runbook_check_refs(&set, books[i], &refs) > 0) {
			fflush(stdout);
			cmd_print_safe(stderr, refs);
			fputc('\n', stderr);
			bad++;
		} else if (books[i]->unattended &&
		    runbook_unattended_check(&set, books[i], &refs) > 0) {
			/* unattended: true, and a used runbook needs a person */
			fflush(stdout);
			fprintf(stderr, "%s\n", refs);
			bad++;
		} else if (runbooks_name_matches(argv[i], books[i]->id))
			printf(_("%s: ok (%zu steps)\n"), argv[i], books[i]->nsteps);
		free(refs);
		if (books[i]->rpo > 0 && checked == -1)
			checked = runbooks_protection(ctx, &prot);
		if (books[i]->rpo > 0 && checked == 1 &&
		    (warn = pitr_rpo_warning(books[i]->id, books[i]->rpo, &prot)) != NULL) {
			fflush(stdout);
			fprintf(stderr, _("%s:%d:%d: warning: %s\n"), argv[i],
			    books[i]->rpo_mark.line, books[i]->rpo_mark.column, warn);
			free(warn);
			warned++;
		}
		warned += runbooks_lint_contacts(&ctx->conf, argv[i], books[i]);
		runbook_free(books[i]);
	}
	free(books);
	runbook_set_clear(&set);
	str_list_free(dirs, ndirs);
	if (bad > 0)
		rc = EX_DATAERR;
	else if (missing > 0)
		rc = EX_NOINPUT;
	else if (warned > 0 && strict)
		rc = 1;
	return (rc);
}

/* Print a text indented, one line at a time. */
static void
runbooks_print_indented(const char *indent, const char *text)
{
	const char	*p, *nl;

	char		*line;

	for (p = text; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			printf("%s%s\n", indent, cmd_esc(p));
			return;
		}
		line = xstrndup(p, (size_t)(nl - p));
		printf("%s%s\n", indent, cmd_esc(line));
		free(line);
	}
}

/* Print a list of texts under a heading, when it has any. */
static void
runbooks_print_list(const char *heading, char *const *list, size_t n)
{
	size_t	i;

	if (n == 0)
		return;
	printf("%s\n", heading);
	for (i = 0; i < n; i++)
		printf("  - %s\n", cmd_esc(list[i]));
}

/* Print one step as text. */
static void
runbooks_print_step(size_t num, const struct rb_step *st)
{
	const struct action_def	*def;
	char			 d[32];
	size_t			 i;

	printf("\n%2zu. %s [%s]\n", num, cmd_esc(st->title), cmd_esc(st->id));
	printf("    %s%s%s", runbook_kind_name(st->kind), st->role != NULL ? ", " : "",
	    st->role != NULL ? cmd_esc(st->role) : "");
	if (st->expect > 0)
		printf(_(", expect %s"), runbooks_duration(st->expect, d, sizeof d));
	printf(_(", drill: %s"), runbook_drill_name(runbook_drill_rule(st)));
	if (st->confirm)
		printf(_(", confirm"));
	printf("\n");
	if (st->description != NULL)
		runbooks_print_indented("    ", st->description);
	switch (st->kind) {
	case RB_RUN:
		runbooks_print_indented("    $ ", st->run);
		break;
	case RB_ACTION:
		def = action_find(st->action);
		printf("    > %s", cmd_esc(st->action));
		for (i = 0; i < st->nparams; i++)
			printf(" %s=%s", cmd_esc(st->params[i].name),
			    cmd_esc(st->params[i].value));
		printf("\n");
		if (def != NULL && def->planned)
			printf(_("    (not built yet: the engine refuses to run it)\n"));
		break;
	case RB_CHECKLIST:
		for (i = 0; i < st->nitems; i++)
			printf("    [ ] %s\n", cmd_esc(st->items[i]));
		break;
	case RB_DECIDE:
		printf("    ? %s\n", cmd_esc(st->question));
		for (i = 0; i < st->nanswers; i++)
			printf("      - %s -> %s\n", cmd_esc(st->answers[i].label),
			    st->answers[i].next != NULL ? cmd_esc(st->answers[i].next) :
			    _("(the next step)"));
		break;
	case RB_PROMPT:
		for (i = 0; i < st->nquestions; i++)
			printf("    ? %s [%s]\n", cmd_esc(st->questions[i].text),
			    cmd_esc(st->questions[i].id));
		break;
	case RB_USE:
		printf(_("    the steps of runbook %s\n"), cmd_esc(st->use));
		break;
	}
}

/* Print a runbook (by id, or a file) with its steps as text. */
static int
runbooks_show(struct cmd_ctx *ctx, const char *name, bool expand)
{
	struct runbook_set	 set;
	struct runbook		*rb, *loaded = NULL, *x = NULL;
	char			**dirs, *errors = NULL, *hint, d[32];
	size_t			  ndirs, i;
	int64_t			  total;
	int			  rc = EX_OK;

	dirs = cmd_runbook_dirs(&ctx->conf, &ndirs);
	if (runbook_set_load(&set, dirs, ndirs, &errors) != 0)
		memset(&set, 0, sizeof set);
	free(errors);
	errors = NULL;
	if (strchr(name, '/') != NULL || str_has_suffix(name, ".yaml") ||
	    str_has_suffix(name, ".yml")) {
		if ((rb = loaded = runbook_load(name, &errors)) == NULL) {
			fflush(stdout);
			cmd_print_safe(stderr, errors);
			fputc('\n', stderr);
			free(errors);
			rc = access(name, R_OK) != 0 ? EX_NOINPUT : EX_DATAERR;
			goto out;
		}
	} else if ((rb = runbook_set_find(&set, name)) == NULL) {
		hint = cmd_hint(&ctx->conf, "runbooks list", NULL);
		cmd_error(_("no runbook \"%s\" (see: %s)"), name, hint);
		free(hint);
		rc = EX_NOINPUT;
		goto out;
	}
	if (expand) {
		if ((x = runbook_expand(&set, rb, &errors)) == NULL) {
			fflush(stdout);
			cmd_print_safe(stderr, errors);
			fputc('\n', stderr);
			free(errors);
			rc = EX_DATAERR;
			goto out;
		}
		rb = x;
	}
	printf("%s: %s\n", cmd_esc(rb->id), cmd_esc(rb->title));
	printf(_("RTO %s"), runbooks_duration(rb->rto, d, sizeof d));
	printf(_(", RPO %s"), runbooks_duration(rb->rpo, d, sizeof d));
	for (i = 0, total = 0; i < rb->nsteps; i++)
		total += rb->steps[i].expect;
	printf(_(", %zu steps"), rb->nsteps);
	if (total > 0)
		printf(_(" expected to take %s"), runbooks_duration(total, d, sizeof d));
	printf(_(", from %s\n"), cmd_esc(rb->file));
	if (rb->description != NULL) {
		printf("\n");
		runbooks_print_indented("", rb->description);
	}
	printf("\n");
	runbooks_print_list(_("Roles:"), rb->roles, rb->nroles);
	runbooks_print_list(_("Detection:"), rb->detection, rb->ndetection);
	runbooks_print_list(_("Prerequisites:"), rb->prerequisites, rb->nprerequisites);
	for (i = 0; i < rb->nsteps; i++)
		runbooks_print_step(i + 1, &rb->steps[i]);
out:
	runbook_free(x);
	runbook_free(loaded);
	runbook_set_clear(&set);
	str_list_free(dirs, ndirs);
	return (rc);
}

/* runbooks [list | lint FILE... | show [--expand] ID]. */
static int
cmd_runbooks_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char			*verb = "list";
	bool				 expand = false, strict = false;
	int				 opt, round;

	/*
	 * Two rounds (the table asks getopt to stop at the first operand): the
	 * options before the verb, then those after it, "runbooks show
	 * --expand ID" (the verb stands in argv[0]'s place for the second).
	 */
	for (round = 0; round < 2; round++) {
		while ((opt = cmd_getopts(e, argc, argv)) != -1) {
			if (opt == 'x')
				expand = true;
			else if (opt == 's')
				strict = true;
		}
		argc -= optind;
		argv += optind;
		if (round == 0) {
			verb = argc > 0 ? argv[0] : "list";
			if (argc == 0)
				break;
			optind = 0;
		}
	}
	if (strcmp(verb, "list") == 0) {
		if (argc > 0)
			cmd_usage_error(e, _("unexpected argument \"%s\""), argv[0]);
		return (runbooks_list(ctx));
	}
	if (strcmp(verb, "lint") == 0) {
		if (argc == 0)
			cmd_usage_error(e, _("lint needs at least one FILE"));
		return (runbooks_lint(ctx, argc, argv, strict));
	}
	if (strcmp(verb, "show") == 0) {
		if (argc != 1)
			cmd_usage_error(e, _("show needs one runbook ID (or FILE)"));
		return (runbooks_show(ctx, argv[0], expand));
	}
	cmd_usage_error(e, _("unknown verb \"%s\" (list, lint or show)"), verb);
}

/* The options of runbooks, each with its verb (options.c). */
static const struct cmd_opt cmd_runbooks_opts[] = {
	{ "strict", 's', NULL, N_("with lint: exit 1 on a warning"), CMD_OPT_SHORT, "lint" },
	{ "expand", 'x', NULL, N_("with show: inline the steps of use: runbooks"),
	    CMD_OPT_SHORT, "show" },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

/* Its verbs, for the usage line. */
static const struct cmd_sub cmd_runbooks_subs[] = {
	{ "list", "" }, { "lint", "FILE..." }, { "show", "ID|FILE" }, { NULL, NULL }
};

const struct cmd_entry cmd_runbooks_entry = {
	.name = "runbooks",
	.args = "[%s]",
	.summary = N_("list, check and show the runbooks"),
	.help = N_("  list          every runbook of the runbook folders: id, RTO, RPO,\n"
	    "                number of steps, title (the default verb)\n"
	    "  lint FILE...  check runbook files (each named ID.yaml); every\n"
	    "                problem is printed as FILE:LINE:COLUMN: what is\n"
	    "                wrong; exit 65 on any. Each RPO target is checked\n"
	    "                against what dr.yaml's protection delivers (the\n"
	    "                backup interval, or a running stream's interval\n"
	    "                plus how far behind it is): one it cannot meet\n"
	    "                is a warning, exit 0\n"
	    "  show ID|FILE  the steps of a runbook as text\n"),
	.flags = CMD_NEEDS_CONFIG | CMD_OPTS_FIRST,
	.exec = cmd_runbooks_exec,
	.opts = cmd_runbooks_opts,
	.opt_col = 16,
	.help_tail = N_("The folders are runbook_dirs of dr.yaml (later ones override earlier\n"
	    "ones by id); a binary run from its build tree reads the source tree's\n"
	    "runbooks/ first. The format: patronus-dr-runbook(5).\n"),
	.subs = cmd_runbooks_subs,
};
