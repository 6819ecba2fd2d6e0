/* restest.c: the plan's monthly backup test: restore a set into a scratch folder and check it. */
#include "system.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "engine/host/probe.h"
#include "engine/recover/extract.h"
#include "engine/recover/restest.h"
#include "engine/recover/restore.h"
#include "engine/set/catalog.h"
#include "engine/set/manifest.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The most of a config archive read into memory. */
#define RESTEST_MAX_ARCHIVE (512UL * 1024 * 1024)

/* How recent a set the test picks from (the daily ones, as the plan does, else all), in days. */
#define RESTEST_RECENT_DAYS 35

/*
 * The .db of the set to test into *db (caller frees): from (a .db path or a
 * set's name) when not NULL, else a random recent daily set (any tier when
 * there is no daily one). Returns 0, 1 when there is no such set (*cause
 * says so), -1 with *cause.
 */
int
restest_pick(const struct conf *c, const char *from, char **db, char **cause)
{
	struct catalog_set	*sets = NULL;
	size_t			 n = 0, i, *pick, np = 0, tier;
	uint32_t		 r;
	time_t			 now = time(NULL);
	int			 rc = 1;

	*db = NULL;
	if (from != NULL && strchr(from, '/') != NULL) {
		if (!fs_exists(from)) {
			*cause = xasprintf("%s: %s", from, strerror(ENOENT));
			return (1);
		}
		*db = xstrdup(from);
		return (0);
	}
	if (catalog_scan(c->backup_dir, NULL, NULL, &sets, &n, cause) != 0)
		return (-1);
	pick = xcalloc(n + 1, sizeof *pick);
	for (i = 0; i < n && from != NULL; i++)
		if (strcmp(sets[i].name, from) == 0 ||
		    (str_has_suffix(from, ".db") && strncmp(sets[i].name, from,
		    strlen(from) - 3) == 0 && strlen(sets[i].name) == strlen(from) - 3))
			pick[np++] = i;
	for (tier = BACKUP_DAILY; from == NULL && np == 0; tier = BACKUP__TIERS) {
		for (i = 0; i < n; i++)
			if ((tier == BACKUP__TIERS || sets[i].tier == tier) &&
			    sets[i].have[PART_DB] &&
			    now - sets[i].when <= RESTEST_RECENT_DAYS * 86400)
				pick[np++] = i;
		if (tier == BACKUP__TIERS)
			break;
	}
	if (np == 0)
		*cause = from != NULL ? xasprintf(_("no backup set \"%s\" in %s"), from,
		    c->backup_dir) : xasprintf(_("no backup set of the last %d days in %s"),
		    RESTEST_RECENT_DAYS, c->backup_dir);
	else {
		if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
			r = (uint32_t)now;
		i = pick[r % np];
		*db = catalog_path(&sets[i], PART_DB);
		rc = 0;
	}
	free(pick);
	catalog_free(sets, n);
	return (rc);
}

/* Note the first failure (a "FILE: what" line) unless there is one. */
static void
restest_fail(struct restest_result *r, const char *file, const char *what)
{
	if (r->fail == NULL)
		r->fail = xasprintf("%s: %s", file, what);
}

/* Part 1: verify the set: checksums, HMAC, both archives read, WireGuard decrypted. */
static void
restest_verify(const struct conf *c, struct restest_result *r)
{
	struct verify_opts	 vo;
	char			*password = NULL, *why = NULL;
	size_t			 i;

	if (fs_read_key(c->encryption_key, &password, &why) != 0)
		password = NULL;
	verify_opts_conf(&vo, c, password, why);
	verify_run(r->db, &vo, &r->vr);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	free(why);
	r->parts[RESTEST_VERIFY].ok = !r->vr.failed;
	for (i = 0; i < r->vr.n; i++)
		if (r->vr.checks[i].status == VERIFY_FAIL)
			restest_fail(r, r->vr.checks[i].file, r->vr.checks[i].detail);
}

/* Part 2: the database copied to scratch, its integrity, its counts against the manifest. */
static void
restest_db(struct restest_result *r, const char *scratch)
{
	struct manifest	 m;
	char		*copy, *mpath, *text = NULL, *why = NULL;
	size_t		 len;

	copy = str_join_path(scratch, "sdwan.db");
	if (restore_copy_file(r->db, copy, 0600, true, NULL, &why) != 0) {
		restest_fail(r, r->db, why);
		free(why);
		free(copy);
		return;
	}
	if (verify_db_check(copy, false, &r->sites, &r->paths, &why) == 0)
		r->integrity = true;
	else {
		restest_fail(r, r->db, why);
		free(why);
		why = NULL;
	}
	mpath = xasprintf("%.*s-manifest.txt", (int)(strlen(r->db) - 3), r->db);
	if (fs_read_file(mpath, 1024 * 1024, &text, &len, &why) == 0 &&
	    manifest_parse(text, len, mpath, &m, &why) == 0) {
		r->m_sites = m.sites;
		r->m_paths = m.paths;
		manifest_clear(&m);
	}
	free(why);
	free(text);
	r->parts[RESTEST_DB].ok = r->integrity;
	if (r->integrity && (r->m_sites < 0 || r->m_sites != r->sites ||
	    r->m_paths < 0 || r->m_paths != r->paths)) {
		why = xasprintf(_("the restored copy has %ld sites and %ld paths, the "
		    "manifest %s says %ld and %ld"), r->sites, r->paths, mpath, r->m_sites,
		    r->m_paths);
		restest_fail(r, r->db, why);
		free(why);
		r->parts[RESTEST_DB].ok = false;
	}
	free(mpath);
	free(copy);
}

/* Part 3: the config archive extracted to scratch, then check config on the copy. */
static void
restest_config(const struct conf *c, struct restest_result *r, const char *scratch)
{
	struct extract_opts	 o;
	struct extract_result	 x;
	char			*archive, *target, *prefix, *data = NULL, *why = NULL, *yaml;
	size_t			 len, docs;

	archive = xasprintf("%.*s-config.tar.gz", (int)(strlen(r->db) - 3), r->db);
	target = str_join_path(scratch, "config");
	prefix = extract_prefix(c->config_dir);
	memset(&o, 0, sizeof o);
	o.name = archive;
	o.target = target;
	o.prefix = prefix;
	memset(&x, 0, sizeof x);
	if (fs_read_file(archive, RESTEST_MAX_ARCHIVE, &data, &len, &why) != 0 ||
	    extract_tree(data, len, &o, &x, &why) != 0) {
		restest_fail(r, archive, why);
		free(why);
		goto out;
	}
	r->config_entries = x.entries;
	yaml = str_join_path(target, "config.yaml");
	if (probe_yaml(yaml, &docs, &why) == 0) {
		r->config_check = xasprintf(_("config.yaml parses, %zu YAML document(s)"), docs);
		r->parts[RESTEST_CONFIG].ok = true;
	} else {
		r->config_check = xstrdup(why);
		restest_fail(r, archive, why);
		free(why);
	}
	free(yaml);
out:
	extract_result_clear(&x);
	free(data);
	free(prefix);
	free(target);
	free(archive);
}

/*
 * Test the set whose .db is db: verify it, restore its database into scratch
 * (an existing, empty folder) and check it and its counts against the
 * manifest, extract its config there and check it, timing each part. Fills
 * *r (restest_result_clear). Returns 0 when every part passed, 1 when one
 * failed (r->fail names the file and what).
 */
int
restest_run(const struct conf *c, const char *db, const char *scratch, struct restest_result *r,
    char **cause)
{
	static const char *const what[RESTEST__PARTS] = {
		N_("verify: checksums, HMAC, archives read, WireGuard decrypted"),
		N_("database restored to scratch, integrity check, counts"),
		N_("config extracted to scratch, check config"),
	};
	struct catalog_set	 s;
	int64_t			 t0;
	int			 i;

	memset(r, 0, sizeof *r);
	r->db = xstrdup(db);
	r->sites = r->paths = r->m_sites = r->m_paths = -1;
	r->tested = time(NULL);
	for (i = 0; i < RESTEST__PARTS; i++)
		r->parts[i].what = what[i];
	if (catalog_set_from_db(db, &s, cause) != 0)
		return (-1);
	r->when = s.when;
	catalog_set_clear(&s);
	for (i = 0; i < RESTEST__PARTS; i++) {
		log_info(_("backup test: %s"), _(what[i]));
		t0 = time_mono_ms();
		if (i == RESTEST_VERIFY)
			restest_verify(c, r);
		else if (i == RESTEST_DB)
			restest_db(r, scratch);
		else
			restest_config(c, r, scratch);
		r->parts[i].ms = time_mono_ms() - t0;
		r->parts[i].ran = true;
	}
	return (r->fail != NULL ? 1 : 0);
}

/* PASS or FAIL. */
static const char *
restest_word(bool ok)
{
	return (ok ? "PASS" : "FAIL");
}

/* Append the plan's Backup Test Report of r to b, with the parts' timings and the failures. */
void
restest_report(struct buf *b, const struct restest_result *r)
{
	char	t[TIMEUTIL_BUFSZ];
	size_t	i;
	int	p;
	bool	wg = false, sums = true;

	for (i = 0; i < r->vr.n; i++) {
		if (strcmp(r->vr.checks[i].check, "wireguard") == 0)
			wg = r->vr.checks[i].status == VERIFY_OK;
		if ((strcmp(r->vr.checks[i].check, "checksum") == 0 ||
		    strcmp(r->vr.checks[i].check, "hmac") == 0 ||
		    strcmp(r->vr.checks[i].check, "manifest") == 0) &&
		    r->vr.checks[i].status == VERIFY_FAIL)
			sums = false;
	}
	buf_adds(b, "Backup Test Report\n==================\n");
	buf_printf(b, "Date: %s\n", time_format_iso(r->tested, t, sizeof t));
	buf_printf(b, "Backup Tested: %s\n", r->db);
	buf_printf(b, "Backup Date: %s\n\nResults:\n", time_format_iso(r->when, t, sizeof t));
	buf_printf(b, "- Integrity Check: %s\n", restest_word(r->integrity));
	buf_printf(b, "- Data Accessible: %s\n", restest_word(r->sites >= 0));
	buf_printf(b, "- Record Counts: %ld sites, %ld paths (manifest: %ld sites, %ld paths): "
	    "%s\n", r->sites, r->paths, r->m_sites, r->m_paths,
	    restest_word(r->sites >= 0 && r->sites == r->m_sites && r->paths == r->m_paths));
	buf_printf(b, "- Checksums and HMAC: %s\n", restest_word(sums));
	buf_printf(b, "- WireGuard Archive (decrypted, read): %s\n", restest_word(wg));
	buf_printf(b, "- Config Archive (extracted, check config): %s%s%s%s\n",
	    restest_word(r->parts[RESTEST_CONFIG].ok), r->config_check != NULL ? " (" : "",
	    r->config_check != NULL ? r->config_check : "", r->config_check != NULL ? ")" : "");
	buf_adds(b, "\nTiming:\n");
	for (p = 0; p < RESTEST__PARTS; p++)
		if (r->parts[p].ran)
			buf_printf(b, "- %s: %.3f s\n", _(r->parts[p].what),
			    (double)r->parts[p].ms / 1000);
	for (i = 0; i < r->vr.n; i++)
		if (r->vr.checks[i].status == VERIFY_FAIL)
			buf_printf(b, "\nFailed: %s: %s: %s", r->vr.checks[i].check,
			    r->vr.checks[i].file, r->vr.checks[i].detail);
	buf_printf(b, "%s\nStatus: %s\n", r->vr.failed ? "\n" : "",
	    r->fail == NULL ? "SUCCESS" : "FAILURE");
}

/* Free what restest_run filled. */
void
restest_result_clear(struct restest_result *r)
{
	free(r->db);
	free(r->config_check);
	free(r->fail);
	verify_report_clear(&r->vr);
	memset(r, 0, sizeof *r);
}
