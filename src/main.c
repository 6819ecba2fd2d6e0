/* main.c: the command line of patronus-dr: its global options, then the subcommand (cli/cmd.c). */
#include "system.h"

#include <locale.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "util/conf.h"
#include "util/log.h"
#include "util/str.h"

static const char	*program_name = PACKAGE;

/* The global options, before the command (options.c makes getopt's tables and the list). */
static const struct cmd_opt main_opts[] = {
	{ "config", 'c', N_("FILE"), N_("settings file (default: $PATRONUS_DR_CONFIG,\n"
	    "else /etc/patronus/dr.yaml)"), CMD_OPT_SHORT, NULL },
	{ "verbose", 'v', NULL, N_("show debug messages"), CMD_OPT_SHORT, NULL },
	{ "help", 'h', NULL, N_("show this help and exit"), CMD_OPT_SHORT, NULL },
	{ "version", 'V', NULL, N_("show the version and exit"), CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};
static const struct cmd_entry main_entry = {
	.name = PACKAGE, .args = "", .summary = "", .flags = CMD_OPTS_FIRST,
	.opts = main_opts, .opt_col = 21,
};

/* The program's usage and command list, to f. */
static void
usage(FILE *f)
{
	const struct cmd_entry	*const *cmd_table;
	struct buf		 b;
	size_t			 i, n;

	fprintf(f, _("Usage: %s [--config FILE] [--verbose] COMMAND [ARGS]\n"), program_name);
	fprintf(f, "       %s --help | --version\n\n", program_name);
	fputs(_("Disaster-recovery runbooks, backups and incident records for the\n"
	    "Patronus SD-WAN control plane.\n\n"), f);
	fputs(_("Commands:\n"), f);
	cmd_table = cmd_list(&n);
	for (i = 0; i < n; i++)
		if (!(cmd_table[i]->flags & CMD_HIDDEN))
			fprintf(f, "  %-10s %s\n", cmd_table[i]->name,
			    _(cmd_table[i]->summary));
	buf_init(&b);
	cmd_opts_help(&main_entry, &b);
	fprintf(f, _("\nOptions:\n%s\n"), b.data);
	buf_clear(&b);
	fprintf(f, _("Run '%s COMMAND --help' for the options of a command.\n"), program_name);
	fputs(_("Exit status: 0 success, 1 a check failed, 64 usage error, 65 bad input\n"
	    "data, 66 missing input, 73 cannot create, 74 I/O error, 77 permission\n"
	    "denied, 78 bad configuration.\n"), f);
}

/* The global options, then the subcommand's entry with the rest; its exit code. */
int
main(int argc, char **argv)
{
	static struct option		*longopts;	/* static: still reachable at exit */
	static struct buf		 shortopts;
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
	buf_init(&shortopts);
	cmd_opts_getopt(&main_entry, &shortopts, &longopts);
	while ((c = getopt_long(argc, argv, shortopts.data, longopts, NULL)) != -1) {
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
