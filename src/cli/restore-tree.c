/* restore-tree.c: restore config and restore keys: a folder from a set's archive, swapped in whole. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/restore-int.h"
#include "engine/set/catalog.h"
#include "engine/set/archive.h"
#include "engine/set/crypt.h"
#include "engine/recover/extract.h"
#include "engine/set/hashio.h"
#include "engine/remote/fallback.h"
#include "engine/stream/offstream.h"
#include "engine/remote/remote.h"
#include "engine/host/sandbox.h"
#include "engine/stream/pitr.h"
#include "engine/recover/restore.h"
#include "model/incident.h"
#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Archive the current config folder dir into state_dir, as the plan's "backup current config". */
static int
restore_save_config(struct cmd_ctx *ctx, const char *dir, const char *stamp, char **saved,
    char **cause)
{
	struct hashio_out	 out;
	struct archive_stats	 stats;
	char			*path;

	*saved = NULL;
	if (!fs_exists(dir))
		return (0);
	if (fs_mkdir_p(ctx->conf.state_dir, 0700, cause) != 0)
		return (-1);
	path = xasprintf("%s/config-before-restore-%s.tar.gz", ctx->conf.state_dir,
	    stamp);
	*saved = restore_unique(path);
	free(path);
	if (hashio_open(&out, *saved, cause) != 0)
		goto fail;
	memset(&stats, 0, sizeof stats);
	if (archive_pack_dir(dir, NULL, 0, hashio_sink, &out, &stats,
	    cause) != 0) {
		hashio_abort(&out);
		archive_stats_clear(&stats);
		goto fail;
	}
	archive_stats_clear(&stats);
	if (hashio_commit(&out, cause) != 0)
		goto fail;
	log_info(_("current config saved in %s (%zu entries)"), *saved, stats.entries);
	return (0);
fail:
	free(*saved);
	*saved = NULL;
	return (-1);
}

/* restore config / restore keys: check the archive whole, then swap the tree in. */
int
restore_run_tree(struct cmd_ctx *ctx, const struct restore_args *ra,
    const struct restore_pick *p, const char *password)
{
	static const char	 marks[] = { '+', '~', '-' };
	struct extract_opts	 o;
	struct extract_result	 r;
	char			 stamp[TIMEUTIL_BUFSZ], *data = NULL, *cause = NULL;
	char			*prefix, *kept, *what, *saved = NULL, *mine, hex[HASHIO_HEXLEN];
	size_t			 len = 0, entries = 0, i;
	bool			 keys = ra->kind == RESTORE_KEYS;
	int			 ex;
	enum fail_class		 fc;

	memset(&o, 0, sizeof o);
	o.name = keys ? p->wireguard : p->config;
	o.target = ra->to != NULL ? ra->to : keys ? ctx->conf.wireguard_dir :
	    ctx->conf.config_dir;
	o.private_files = keys;
	o.carry = ctx->conf.encryption_key;
	if (o.target[0] != '/') {
		cmd_error(_("%s: not an absolute path"), o.target);
		return (EX_CONFIG);
	}
	if (extract_load(o.name, keys ? password : NULL, &data, &len, hex, &cause) != 0 ||
	    restore_recheck(p->db, o.name, hex, password, ra->allow_unsigned, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		if (data != NULL) {
			OPENSSL_cleanse(data, len);
			free(data);
		}
		return (EX_DATAERR);
	}
	/* The archive's own top folder, mapped onto the target when they differ. */
	if (extract_root(data, len, o.name, &prefix, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		OPENSSL_cleanse(data, len);
		free(data);
		return (EX_DATAERR);
	}
	o.prefix = prefix;
	mine = extract_prefix(o.target);
	if (strcmp(mine, prefix) != 0)
		printf(_("the archive holds /%s; it is restored as %s\n"), prefix, o.target);
	free(mine);
	time_format_stamp(time(NULL), stamp, sizeof stamp);
	what = xasprintf("%s.pre-restore-%s", o.target, stamp);
	kept = restore_unique(what);
	free(what);
	o.kept = kept;
	ex = EX_OK;
	if (extract_check(data, len, &o, &entries, &cause) != 0) {
		cmd_error("%s", cause);
		ex = EX_DATAERR;
		goto out;
	}
	what = xasprintf(_("Replace %s with the %zu entries of %s?\n"
	    "The current tree is kept as %s."), o.target, entries, o.name, kept);
	ex = restore_ask(ra, what);
	free(what);
	if (ex != 0)
		goto out;
	if (!keys && restore_save_config(ctx, o.target, stamp, &saved, &cause) != 0) {
		cmd_error("%s", cause);
		ex = EX_CANTCREAT;
		goto out;
	}
	/*
	 * A tree is small: a hangup or cancel waits until the swap is done and
	 * the line that says so is written (the supervisor records it).
	 */
	proc_defer_signals();
	if ((fc = extract_tree(data, len, &o, &r, &cause)) != FAIL_NONE) {
		ex = fail_exit(fc);
		if (r.installed) {
			/* the tree is live: the record and the operator are told so */
			const char	*base = strrchr(o.target, '/');

			base = base != NULL ? base + 1 : o.target;
			printf(_("restored %s from %s, but a step after the swap failed: the "
			    "previous tree may be left beside it as .%s.restore-* (the next "
			    "restore keeps it as %s.pre-restore-interrupted-*)\n"),
			    cmd_esc(o.target), o.name, cmd_esc(base), cmd_esc(base));
			fflush(stdout);
			restore_record_part(ctx, keys ? "keys" : "config", p->name,
			    (int64_t)p->when * 1000, o.name, NULL);
		}
		cmd_error("%s", cause);
		proc_undefer_signals();
		extract_result_clear(&r);
		goto out;
	}
	for (i = 0; i < r.ndiffs; i++)
		printf("%c %s/%s\n", marks[r.diffs[i].kind], cmd_esc(o.target),
		    cmd_esc(r.diffs[i].path));
	printf(_("restored %s from %s: %zu added, %zu changed, %zu removed\n"),
	    o.target, o.name, r.added, r.changed, r.removed);
	fflush(stdout);
	restore_record_part(ctx, keys ? "keys" : "config", p->name, (int64_t)p->when * 1000,
	    o.name, NULL);
	proc_undefer_signals();
	if (r.kept)
		printf(_("previous tree kept as %s\n"), kept);
	if (!keys && str_has_prefix(ctx->conf.encryption_key, o.target) &&
	    !fs_exists(ctx->conf.encryption_key))
		printf(_("WARNING: the encryption key %s is not in the restored config "
		    "(backups leave it out): put it back from its offline copy before "
		    "restore keys\n"), ctx->conf.encryption_key);
	if (saved != NULL)
		printf(_("previous config archived as %s\n"), saved);
	extract_result_clear(&r);
out:
	if (data != NULL) {
		OPENSSL_cleanse(data, len);
		free(data);
	}
	free(saved);
	free(cause);
	free(kept);
	free(prefix);
	return (ex);
}
