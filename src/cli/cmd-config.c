/* cmd-config.c: show the effective settings and where each came from. */
#include "system.h"

#include "cli/cmd.h"
#include "util/conf.h"

/* Print each recovery contact: role, how to reach its holders, where it was set. */
static void
config_contacts(const struct conf *c)
{
	const struct conf_contact	*ct;
	size_t				 i;

	for (i = 0; i < c->ncontacts; i++) {
		ct = &c->contacts[i];
		printf("contacts: %s\n", ct->role);
		printf("  %-22s %-44s %s:%d\n", _("primary, secondary"),
		    ct->primary != NULL ? ct->primary : "-", ct->origin.file, ct->origin.line);
		if (ct->secondary != NULL)
			printf("  %-22s %s\n", "", ct->secondary);
		if (ct->phone != NULL || ct->chat != NULL)
			printf("  %-22s %s%s%s\n", _("phone, chat"), ct->phone != NULL ? ct->phone : "",
			    ct->phone != NULL && ct->chat != NULL ? "  " : "",
			    ct->chat != NULL ? ct->chat : "");
	}
}

/* Print every setting with its origin: "default" or FILE:LINE. */
static int
cmd_config_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct conf		*c = &ctx->conf;
	char				*v;
	size_t				 i;
	int				 opt;

	while ((opt = cmd_getopt(e, argc, argv, "h", longopts)) != -1)
		;
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);

	printf(_("# settings file: %s\n"), c->path != NULL ? cmd_esc(c->path) :
	    _("none (built-in defaults)"));
	for (i = 0; i < CONF__COUNT; i++) {
		v = conf_value_string(c, (enum conf_key)i);
		printf("%-24s %-44s ", conf_key_name((enum conf_key)i),
		    v != NULL ? cmd_esc(v) : "-");
		if (c->origin[i].file != NULL)
			printf("%s:%d\n", cmd_esc(c->origin[i].file), c->origin[i].line);
		else
			printf("%s\n", _("default"));
		free(v);
	}
	config_contacts(c);
	return (EX_OK);
}

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.args = "",
	.summary = N_("show the effective settings and where each came from"),
	.help = N_("Prints every key of dr.yaml with its value and its origin: \"default\"\n"
	    "or FILE:LINE. A settings file with an error is refused with\n"
	    "FILE:LINE:COLUMN and exit status 78.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_config_exec,
};
