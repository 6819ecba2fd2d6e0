/* cmd-keys.c: WireGuard key rotation, the plan's key recovery scenario B. */
#include "system.h"

#include <time.h>

#include "cli/cmd.h"
#include "engine/recover/rotate.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/timeutil.h"

/* keys rotate: new key pair for the interface, old one kept aside. */
static int
cmd_keys_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rotate_result		 r;
	const char			*iface = "wg0";
	char				 stamp[TIMEUTIL_BUFSZ], *cause = NULL;
	int				 opt, ex;
	enum fail_class			 fc;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		if (opt == 'i')
			iface = optarg;
	}
	if (optind >= argc || strcmp(argv[optind], "rotate") != 0)
		cmd_usage_error(e, _("say what to do: rotate"));
	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	if (*iface == '\0' || strchr(iface, '/') != NULL || *iface == '.')
		cmd_usage_error(e, _("bad interface name \"%s\""), iface);

	time_format_stamp(time(NULL), stamp, sizeof stamp);
	printf(_("rotating the key pair of %s in %s\n"), iface, ctx->conf.wireguard_dir);
	fflush(stdout);
	/*
	 * The conf and the two key files are replaced one after the other: a
	 * hangup or cancel waits until all are and the new key is printed (the
	 * supervisor records it), so the record and the files agree.
	 */
	proc_defer_signals();
	if ((fc = rotate_keys(ctx->conf.wireguard_dir, iface, stamp, &r, &cause)) !=
	    FAIL_NONE) {
		ex = fail_exit(fc);
		cmd_error("%s", cause);
		proc_undefer_signals();
		free(cause);
		rotate_result_clear(&r);
		return (ex);
	}
	if (r.old_public[0] != '\0')
		printf(_("old public key: %s (files kept in %s)\n"), r.old_public, r.kept);
	else
		printf(_("old files kept in %s\n"), r.kept);
	printf(_("new public key: %s\n"), r.new_public);
	printf(_("Give every peer the new public key, then restart the tunnel "
	    "(systemctl restart wg-quick@%s).\n"), iface);
	fflush(stdout);
	proc_undefer_signals();
	rotate_result_clear(&r);
	return (EX_OK);
}

/* The options of keys (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_keys_opts[] = {
	{ "interface", 'i', N_("NAME"),
	    N_("the interface (default wg0)"),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_keys_entry = {
	.name = "keys",
	.args = "rotate",
	.summary = N_("new WireGuard key pair, old one kept aside"),
	.help = N_("Makes a new X25519 key pair for the interface (default wg0) with\n"
	    "OpenSSL. The old NAME.conf, privatekey and publickey are first kept in\n"
	    "WIREGUARD_DIR/old-STAMP (mode 0700, files 0600); then NAME.conf gets\n"
	    "the new PrivateKey and privatekey (0600) and publickey are replaced,\n"
	    "each atomically. Prints the new public key to give the peers.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_keys_exec,
	.opts = cmd_keys_opts,
	.opt_col = 25,
	.help_tail = N_("Exit status: 0 rotated, 66 no NAME.conf, 74 I/O error.\n"),
};
