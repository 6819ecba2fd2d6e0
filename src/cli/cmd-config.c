/* cmd-config.c: show the effective settings and where each came from. */
#include "system.h"

#include "cli/cmd.h"
#include "util/conf.h"
#include "util/str.h"
#include "util/table.h"
#include "util/xmalloc.h"

/* Print each recovery contact: role, how to reach its holders, where it was set; within the width. */
static void
config_contacts(const struct conf *c)
{
	static const struct table_col	 cols[] = { { "", 0 }, { "", TABLE_WRAP } };
	const struct conf_contact	*ct;
	struct table			 tb;
	char				*v, *k1, *k2;
	size_t				 i;

	k1 = xasprintf("  %s", _("primary, secondary"));
	k2 = xasprintf("  %s", _("phone, chat"));
	for (i = 0; i < c->ncontacts; i++) {
		ct = &c->contacts[i];
		cmd_say("contacts: %s\n", ct->role);
		table_init(&tb, cols, nitems(cols));
		tb.nohead = true;
		v = xasprintf("%s  %s:%d", ct->primary != NULL ? ct->primary : "-",
		    ct->origin.file, ct->origin.line);
		table_add(&tb, k1, v);
		free(v);
		if (ct->secondary != NULL)
			table_add(&tb, "", ct->secondary);
		if (ct->phone != NULL || ct->chat != NULL) {
			v = xasprintf("%s%s%s", ct->phone != NULL ? ct->phone : "",
			    ct->phone != NULL && ct->chat != NULL ? "  " : "",
			    ct->chat != NULL ? ct->chat : "");
			table_add(&tb, k2, v);
			free(v);
		}
		cmd_print_table(&tb);
	}
	free(k1);
	free(k2);
}

/* Print every setting with its origin: "default" or FILE:LINE. */
static int
cmd_config_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct table_col		 cols[] = {
		{ _("KEY"), 0 }, { _("VALUE  ORIGIN"), TABLE_WRAP },
	};
	const struct conf		*c = &ctx->conf;
	struct table			 tb;
	char				*v, *o, *vo;
	size_t				 i;
	int				 opt;

	while ((opt = cmd_getopts(e, argc, argv)) != -1)
		;
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);

	cmd_say(_("# settings file: %s\n"), c->path != NULL ? cmd_esc(c->path) :
	    _("none (built-in defaults)"));
	table_init(&tb, cols, nitems(cols));
	for (i = 0; i < CONF__COUNT; i++) {
		v = conf_value_string(c, (enum conf_key)i);
		o = c->origin[i].file != NULL ? xasprintf("%s:%d", c->origin[i].file,
		    c->origin[i].line) : xstrdup(_("default"));
		/* the value, then where it came from: wrapped between them when long */
		vo = xasprintf("%s  %s", v != NULL ? v : "-", o);
		table_add(&tb, conf_key_name((enum conf_key)i), vo);
		free(vo);
		free(o);
		free(v);
	}
	cmd_print_table(&tb);
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
