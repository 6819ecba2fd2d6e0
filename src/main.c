/* main.c: the command line of patronus-dr and the table of its subcommands. */
#include "system.h"

#include <locale.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/table.h"
#include "util/xmalloc.h"

/* Every subcommand, in the order --help lists them. */
static const struct cmd_entry *const cmd_table[] = {
	&cmd_config_entry,
	&cmd_demo_entry,
	&cmd_backup_entry,
	&cmd_stream_entry,
	&cmd_verify_entry,
	&cmd_restore_entry,
	&cmd_restore_test_entry,
	&cmd_assess_entry,
	&cmd_keys_entry,
	&cmd_evidence_entry,
	&cmd_rpo_entry,
	&cmd_check_entry,
	&cmd_prune_entry,
	&cmd_fetch_entry,
	&cmd_backups_entry,
	&cmd_run_entry,
	&cmd_resume_entry,
	&cmd_runbooks_entry,
	&cmd_drills_entry,
	&cmd_incidents_entry,
	&cmd_report_entry,
	&cmd_supervise_entry,
};

static const char	*program_name = PACKAGE;

/*
 * Print an error message on stderr, prefixed with the program name; control
 * characters in it (from file, archive or runbook contents) are escaped.
 */
void
cmd_error(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "%s: ", program_name);
	cmd_print_safe(stderr, msg);
	fputc('\n', stderr);
	free(msg);
}

/* Print text (lines kept) to f with every control character escaped (str_escape_buf). */
void
cmd_print_safe(FILE *f, const char *text)
{
	struct buf	b;

	buf_init(&b);
	str_escape_buf(&b, text, STR_ESCAPE_LINES);
	fputs(b.data, f);
	buf_clear(&b);
}

/*
 * An untrusted string made safe for the terminal, newlines included
 * (str_escape). The result stays valid for the next 31 calls; for printf.
 */
const char *
cmd_esc(const char *s)
{
	static char	*ring[32];
	static size_t	 next;
	char		*r;

	free(ring[next]);
	r = ring[next] = str_escape(s != NULL ? s : "");
	next = (next + 1) % nitems(ring);
	return (r);
}

/* Print a message on stdout wrapped to the terminal's width (table.c), each long line's rest indented. */
void
cmd_say(const char *fmt, ...)
{
	va_list		 ap;
	char		*s;
	struct buf	 b;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_init(&b);
	table_lines(&b, s, table_width());
	fputs(b.data, stdout);
	buf_clear(&b);
	free(s);
}

/* Print a table on stdout laid out for the terminal's width (table.c), then clear it. */
void
cmd_print_table(struct table *t)
{
	struct buf	b;

	buf_init(&b);
	table_render(t, table_width(), &b);
	fputs(b.data, stdout);
	buf_clear(&b);
	table_clear(t);
}

/* The program's usage and command list, to f. */
static void
usage(FILE *f)
{
	size_t	i;

	fprintf(f, _("Usage: %s [--config FILE] [--verbose] COMMAND [ARGS]\n"), program_name);
	fprintf(f, "       %s --help | --version\n\n", program_name);
	fputs(_("Disaster-recovery runbooks, backups and incident records for the\n"
	    "Patronus SD-WAN control plane.\n\n"), f);
	fputs(_("Commands:\n"), f);
	for (i = 0; i < nitems(cmd_table); i++)
		if (!(cmd_table[i]->flags & CMD_HIDDEN))
			fprintf(f, "  %-10s %s\n", cmd_table[i]->name,
			    _(cmd_table[i]->summary));
	fputs(_("\nOptions:\n"
	    "  -c, --config FILE  settings file (default: $PATRONUS_DR_CONFIG,\n"
	    "                     else /etc/patronus/dr.yaml)\n"
	    "  -v, --verbose      show debug messages\n"
	    "  -h, --help         show this help and exit\n"
	    "  -V, --version      show the version and exit\n\n"), f);
	fprintf(f, _("Run '%s COMMAND --help' for the options of a command.\n"), program_name);
	fputs(_("Exit status: 0 success, 1 a check failed, 64 usage error, 65 bad input\n"
	    "data, 66 missing input, 73 cannot create, 74 I/O error, 77 permission\n"
	    "denied, 78 bad configuration.\n"), f);
}

/* The help of one subcommand, to f. */
void
cmd_help(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, _("Usage: %s %s %s\n\n"), program_name, e->name, e->args);
	fprintf(f, "%s\n", _(e->summary));
	if (e->help != NULL && *e->help != '\0')
		fprintf(f, "\n%s", _(e->help));
}

/* Report a usage error of a subcommand and exit 64. */
void
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fprintf(stderr, "%s %s: ", program_name, e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, _("\nUsage: %s %s %s\n"), program_name, e->name, e->args);
	exit(EX_USAGE);
}

/*
 * getopt_long for a subcommand: -h/--help prints its help and exits 0, an
 * unknown option or missing argument exits 64. Returns the option, -1 at the end.
 */
int
cmd_getopt(const struct cmd_entry *e, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	int	c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == 'h') {
		cmd_help(e, stdout);
		exit(EX_OK);
	}
	if (c == '?' || c == ':') {
		if (optopt != 0)
			cmd_usage_error(e, _("unknown option or missing argument: -%c"), optopt);
		cmd_usage_error(e, _("unknown option or missing argument: %s"),
		    argv[optind - 1]);
	}
	return (c);
}

/* Load dr.yaml into ctx->conf; on error print every problem and return 78. */
int
cmd_load_config(struct cmd_ctx *ctx)
{
	char	*cause = NULL;

	if (conf_load(&ctx->conf, ctx->config_path, true, &cause) != 0) {
		fflush(stdout);
		fprintf(stderr, "%s\n", cause);
		free(cause);
		conf_clear(&ctx->conf);
		return (EX_CONFIG);
	}
	cmd_journal_install(&ctx->conf);
	return (EX_OK);
}

/*
 * The runbook folders, in increasing priority: the source tree's when this
 * binary runs from its build tree, then runbook_dirs of dr.yaml; a folder
 * named twice (a demo sandbox names the source tree's) is listed once. The
 * caller frees with str_list_free.
 */
char **
cmd_runbook_dirs(const struct conf *c, size_t *n)
{
	char	**dirs, *src;
	size_t	  i, j;

	dirs = xcalloc(c->n_runbook_dirs + 2, sizeof *dirs);
	*n = 0;
	if (fs_in_build_tree()) {
		if ((src = realpath(PDR_SRC_RUNBOOKDIR, NULL)) == NULL)
			src = xstrdup(PDR_SRC_RUNBOOKDIR);
		dirs[(*n)++] = src;
	}
	for (i = 0; i < c->n_runbook_dirs; i++) {
		for (j = 0; j < *n; j++)
			if (fs_same_file(dirs[j], c->runbook_dirs[i]))
				break;
		if (j == *n)
			dirs[(*n)++] = xstrdup(c->runbook_dirs[i]);
	}
	return (dirs);
}

/*
 * How a hint names this program so that it works pasted into a fresh shell:
 * "patronus-dr", followed by --config and the settings file (absolute,
 * shell-quoted) when they did not come from the default /etc/patronus/dr.yaml
 * (from --config or $PATRONUS_DR_CONFIG, which a fresh shell lacks). The
 * caller frees.
 */
char *
cmd_hint_prefix(const struct conf *c)
{
	struct buf	 b;
	char		*abs;

	buf_init(&b);
	buf_adds(&b, PACKAGE);
	if (c->path != NULL && strcmp(c->path, CONF_DEFAULT_PATH) != 0) {
		if ((abs = realpath(c->path, NULL)) == NULL)
			abs = xstrdup(c->path);
		buf_adds(&b, " --config ");
		str_shell_quote(&b, abs);
		free(abs);
	}
	return (buf_steal(&b));
}

/* A hint: the program (cmd_hint_prefix), then sub, then arg shell-quoted when not NULL (caller frees). */
char *
cmd_hint(const struct conf *c, const char *sub, const char *arg)
{
	struct buf	 b;
	char		*p = cmd_hint_prefix(c);

	buf_init(&b);
	buf_printf(&b, "%s %s", p, sub);
	free(p);
	if (arg != NULL) {
		buf_addc(&b, ' ');
		str_shell_quote(&b, arg);
	}
	return (buf_steal(&b));
}

/* Find a subcommand by name. */
static const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(cmd_table); i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return (cmd_table[i]);
	return (NULL);
}

/* Whether a subcommand of that name exists in this build. */
bool
cmd_exists(const char *name)
{
	return (cmd_find(name) != NULL);
}

int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry		*e;
	struct cmd_ctx			 ctx;
	const char			*localedir;
	int				 c, rc;

	setlocale(LC_ALL, "");
#if ENABLE_NLS
	/* PATRONUS_DR_LOCALEDIR lets the tests and a build tree use their own catalogues. */
	if ((localedir = getenv("PATRONUS_DR_LOCALEDIR")) == NULL || *localedir == '\0')
		localedir = LOCALEDIR;
	bindtextdomain(PACKAGE, localedir);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
#else
	(void)localedir;
#endif
	log_init(PACKAGE);

	memset(&ctx, 0, sizeof ctx);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:hvV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx.config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return (EX_OK);
		case 'v':
			ctx.verbose++;
			break;
		case 'V':
			printf("%s %s\n", PACKAGE, VERSION);
			return (EX_OK);
		default:
			if (optopt != 0)
				cmd_error(_("unknown option or missing argument: -%c"), optopt);
			else
				cmd_error(_("unknown option or missing argument: %s"),
				    argv[optind - 1]);
			usage(stderr);
			return (EX_USAGE);
		}
	}
	if (optind >= argc) {
		cmd_error(_("no command given"));
		usage(stderr);
		return (EX_USAGE);
	}
	if ((e = cmd_find(argv[optind])) == NULL) {
		cmd_error(_("unknown command \"%s\""), argv[optind]);
		usage(stderr);
		return (EX_USAGE);
	}
	if (ctx.verbose > 0)
		log_set_verbosity(LOG_LVL_DEBUG);

	argc -= optind;
	argv += optind;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cmd_help(e, stdout);
		return (EX_OK);
	}
	if (e->flags & CMD_NEEDS_CONFIG) {
		if ((rc = cmd_load_config(&ctx)) != EX_OK)
			return (rc);
	}
	optind = 0;	/* reinitialise getopt for the subcommand */
	rc = e->exec(e, &ctx, argc, argv);
	if (e->flags & CMD_NEEDS_CONFIG)
		conf_clear(&ctx.conf);
	log_close();
	return (rc);
}
