/* cmd.c: the table of subcommands and what every command uses to print, parse and load. */
#include "system.h"

#include <sys/stat.h>

#include <limits.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/stream/segment.h"
#include "util/conf.h"
#include "util/fsutil.h"
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

/* The help of one subcommand, to f: usage, summary, help, options (options.c), help_tail. */
void
cmd_help(const struct cmd_entry *e, FILE *f)
{
	struct buf	u, o;

	buf_init(&u);
	buf_init(&o);
	cmd_opts_usage(e, &u);
	cmd_opts_help(e, &o);
	fprintf(f, _("Usage: %s %s %s\n\n"), program_name, e->name, u.data);
	fprintf(f, "%s\n", _(e->summary));
	if (e->help != NULL && *e->help != '\0')
		fprintf(f, "\n%s", _(e->help));
	if (o.len > 0)
		fprintf(f, "\n%s", o.data);
	if (e->help_tail != NULL)
		fprintf(f, "\n%s", _(e->help_tail));
	buf_clear(&o);
	buf_clear(&u);
}

/* Report a usage error of a subcommand and exit 64. */
void
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list		ap;
	struct buf	u;

	fflush(stdout);
	fprintf(stderr, "%s %s: ", program_name, e->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	buf_init(&u);
	cmd_opts_usage(e, &u);
	fprintf(stderr, _("\nUsage: %s %s %s\n"), program_name, e->name, u.data);
	buf_clear(&u);
	exit(EX_USAGE);
}

/*
 * getopt_long for a subcommand: -h/--help prints its help and exits 0, an
 * unknown option or missing argument exits 64. Returns the option, -1 at the end.
 */
static int
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
		if (optopt != 0 && optopt < 256)
			cmd_usage_error(e, _("unknown option or missing argument: -%c"), optopt);
		cmd_usage_error(e, _("unknown option or missing argument: %s"),
		    argv[optind - 1]);
	}
	return (c);
}

/*
 * cmd_getopt with the tables made from e's options (options.c), once per
 * process: a process runs one subcommand.
 */
int
cmd_getopts(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct cmd_entry	*made;
	static struct option		*longopts;
	static struct buf		 shortopts;

	if (made != e) {
		free(longopts);
		buf_clear(&shortopts);
		buf_init(&shortopts);
		cmd_opts_getopt(e, &shortopts, &longopts);
		made = e;
	}
	return (cmd_getopt(e, argc, argv, shortopts.data, longopts));
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
	/* The stream's files are checked with a key from it, read when first needed. */
	segment_auth_keyfile(ctx->conf.encryption_key);
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
 * Whether "patronus-dr" typed into a shell with this $PATH runs this very
 * program (the same file as /proc/self/exe).
 */
static bool
cmd_on_path(const char *self)
{
	struct stat	 a, b;
	const char	*path = getenv("PATH");
	char		*copy, *rest, *dir, *cand;
	bool		 same = false;

	if (path == NULL || stat(self, &a) == -1)
		return (false);
	rest = copy = xstrdup(path);
	while ((dir = strsep(&rest, ":")) != NULL) {
		/* The first executable match wins, as in the shell; "" is ".". */
		cand = str_join_path(*dir != '\0' ? dir : ".", PACKAGE);
		if (access(cand, X_OK) == 0 && stat(cand, &b) == 0 && S_ISREG(b.st_mode)) {
			same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
			free(cand);
			break;
		}
		free(cand);
	}
	free(copy);
	return (same);
}

/*
 * How a hint names this program so that it works pasted into a fresh shell:
 * "patronus-dr" when that finds this program in $PATH, else its absolute path,
 * shell-quoted (run from a build folder, as the README's demo is, "patronus-dr"
 * would be "command not found"). The caller frees.
 */
char *
cmd_hint_program(void)
{
	struct buf	 b;
	char		 self[PATH_MAX];
	ssize_t		 n;

	buf_init(&b);
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if (cmd_on_path(self))
			buf_adds(&b, PACKAGE);
		else
			str_shell_quote(&b, self);
	} else
		buf_adds(&b, PACKAGE);
	return (buf_steal(&b));
}

/*
 * The folder of this program when "patronus-dr" typed into a shell with this
 * $PATH does not find it (a build folder), NULL when it does. The caller frees.
 */
char *
cmd_program_dir_off_path(void)
{
	char	self[PATH_MAX];
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) <= 0)
		return (NULL);
	self[n] = '\0';
	return (cmd_on_path(self) ? NULL : fs_dirname(self));
}

/*
 * The program as cmd_hint_program names it, followed by --config and the
 * settings file (absolute, shell-quoted) when they did not come from the
 * default /etc/patronus/dr.yaml (from --config or $PATRONUS_DR_CONFIG, which a
 * fresh shell lacks). The caller frees.
 */
char *
cmd_hint_prefix(const struct conf *c)
{
	struct buf	 b;
	char		*abs, *prog = cmd_hint_program();

	buf_init(&b);
	buf_adds(&b, prog);
	free(prog);
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
const struct cmd_entry *
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

/* Every subcommand, in the order --help lists them; *n is set to their number. */
const struct cmd_entry *const *
cmd_list(size_t *n)
{
	*n = nitems(cmd_table);
	return (cmd_table);
}
