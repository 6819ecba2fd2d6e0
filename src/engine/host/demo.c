/*
 * demo.c: a sandbox Patronus host for newcomers, drills and tests, made
 * without root: its folders, keys, certificate, settings and backup history
 * (the made-up network in its database is demo-net.c's).
 */
#include "system.h"

#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "engine/backup/backup.h"
#include "engine/set/crypt.h"
#include "engine/host/demo-int.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* The next number of a SplitMix64 sequence: deterministic made-up data. */
uint64_t
demo_rand(struct demo_ctx *c)
{
	uint64_t	z;

	z = (c->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* A made-up number in [lo, hi). */
double
demo_uniform(struct demo_ctx *c, double lo, double hi)
{
	return (lo + (hi - lo) * (double)(demo_rand(c) >> 11) / 9007199254740992.0);
}

/* A made-up integer in [0, n). */
int
demo_below(struct demo_ctx *c, int n)
{
	return ((int)(demo_rand(c) % (uint64_t)n));
}

/* t as an ISO 8601 UTC stamp into buf (at least 21 bytes). */
const char *
demo_stamp(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (buf);
}

/* The staging path of rel, owned by the caller. */
char *
demo_stage_path(struct demo_ctx *c, const char *rel)
{
	return (str_join_path(c->stage, rel));
}

/* The final path of rel, owned by the caller. */
static char *
demo_final_path(struct demo_ctx *c, const char *rel)
{
	return (str_join_path(c->dir, rel));
}

/* Make folder rel (and its parents) in the sandbox with the given mode. */
static int
demo_mkdir(struct demo_ctx *c, const char *rel, mode_t mode, char **cause)
{
	char	*p = demo_stage_path(c, rel);
	int	 rc = 0;

	if (fs_mkdir_p(p, 0755, cause) != 0)
		rc = -1;
	else if (chmod(p, mode) == -1) {
		*cause = xasprintf("%s: %s", p, strerror(errno));
		rc = -1;
	}
	free(p);
	return (rc);
}

/* Write file rel of the sandbox atomically with the given mode. */
int
demo_write(struct demo_ctx *c, const char *rel, const void *data, size_t len, mode_t mode,
    char **cause)
{
	char	*p = demo_stage_path(c, rel);
	int	 rc;

	rc = fs_write_atomic(p, data, len, mode, cause);
	free(p);
	return (rc);
}

/* Append s to b as a YAML double-quoted scalar. */
static void
demo_yaml_quote(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* Append "key: "FINAL-PATH-OF-rel"" and a newline to b. */
static void
demo_yaml_path(struct demo_ctx *c, struct buf *b, const char *key, const char *rel)
{
	char	*p = demo_final_path(c, rel);

	buf_printf(b, "%s: ", key);
	demo_yaml_quote(b, p);
	buf_addc(b, '\n');
	free(p);
}

/* base64 of n random bytes and a newline, as `openssl rand -base64 n` prints it. */
static int
demo_random_b64(size_t n, struct buf *b, char **cause)
{
	unsigned char	raw[64], out[96];

	if (n > sizeof raw || RAND_bytes(raw, (int)n) != 1) {
		*cause = xasprintf(_("random bytes: %s"), crypt_ssl_error());
		return (-1);
	}
	EVP_EncodeBlock(out, raw, (int)n);
	buf_adds(b, (char *)out);
	buf_addc(b, '\n');
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(out, sizeof out);
	return (0);
}

/* Write a secret file: base64 of n random bytes, mode 0600. */
static int
demo_write_secret(struct demo_ctx *c, const char *rel, size_t n, char **cause)
{
	struct buf	b;
	int		rc = -1;

	buf_init(&b);
	if (demo_random_b64(n, &b, cause) == 0)
		rc = demo_write(c, rel, b.data, b.len, 0600, cause);
	OPENSSL_cleanse(b.data, b.len);
	buf_clear(&b);
	return (rc);
}

/* Add an X.509v3 extension to a certificate that signs itself. */
static int
demo_x509_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;
	int		 rc;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return (-1);
	rc = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return (rc);
}

/* The TLS key pair: an EC P-256 key (0600) and a self-signed certificate for a year. */
static int
demo_tls(struct demo_ctx *c, char **cause)
{
	EVP_PKEY	*pk = NULL;
	X509		*x = NULL;
	X509_NAME	*name;
	BIGNUM		*serial = NULL;
	BIO		*kb = NULL, *cb = NULL;
	char		*data;
	long		 len;
	int		 rc = -1;

	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (x = X509_new()) == NULL || (serial = BN_new()) == NULL)
		goto ossl;
	if (X509_set_version(x, 2) != 1 ||
	    BN_rand(serial, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &c->now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, &c->now) == NULL ||
	    X509_set_pubkey(x, pk) != 1)
		goto ossl;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Patronus SD-WAN demo sandbox", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"patronus-demo.localhost", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto ossl;
	if (demo_x509_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    demo_x509_ext(x, NID_key_usage, "critical,digitalSignature") != 0 ||
	    demo_x509_ext(x, NID_ext_key_usage, "serverAuth") != 0 ||
	    demo_x509_ext(x, NID_subject_key_identifier, "hash") != 0 ||
	    demo_x509_ext(x, NID_subject_alt_name,
	    "DNS:patronus-demo.localhost,DNS:localhost,IP:127.0.0.1") != 0)
		goto ossl;
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		goto ossl;
	if ((kb = BIO_new(BIO_s_mem())) == NULL || (cb = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, x) != 1)
		goto ossl;
	len = BIO_get_mem_data(kb, &data);
	if (demo_write(c, DEMO_CONFIG_DIR "/tls/server.key", data, (size_t)len, 0600,
	    cause) != 0)
		goto out;
	len = BIO_get_mem_data(cb, &data);
	if (demo_write(c, DEMO_CONFIG_DIR "/tls/server.crt", data, (size_t)len, 0644,
	    cause) != 0)
		goto out;
	rc = 0;
	goto out;
ossl:
	*cause = xasprintf(_("TLS key pair: %s"), crypt_ssl_error());
out:
	BIO_free(kb);	/* BIO_free clears a memory BIO's buffer */
	BIO_free(cb);
	BN_free(serial);
	X509_free(x);
	EVP_PKEY_free(pk);
	return (rc);
}

/* The Patronus config.yaml, pointing into the sandbox. */
static int
demo_patronus_config(struct demo_ctx *c, char **cause)
{
	struct buf	 b;
	int		 rc;

	buf_init(&b);
	buf_adds(&b, "# Patronus SD-WAN configuration of a patronus-dr DEMO SANDBOX.\n"
	    "node:\n  name: patronus-demo\n  cluster: demo\n"
	    "api:\n  listen: 0.0.0.0:8081\n"
	    "dashboard:\n  listen: 0.0.0.0:8080\n"
	    "database:\n  ");
	demo_yaml_path(c, &b, "path", DEMO_DATABASE);
	buf_adds(&b, "  busy_timeout: 5s\ntls:\n  ");
	demo_yaml_path(c, &b, "cert", DEMO_CONFIG_DIR "/tls/server.crt");
	buf_adds(&b, "  ");
	demo_yaml_path(c, &b, "key", DEMO_CONFIG_DIR "/tls/server.key");
	buf_adds(&b, "auth:\n  ");
	demo_yaml_path(c, &b, "jwt_secret_file", DEMO_CONFIG_DIR "/jwt-secret");
	buf_adds(&b, "  token_ttl: 1h\nwireguard:\n  interface: wg0\n  ");
	demo_yaml_path(c, &b, "config", DEMO_WIREGUARD_DIR "/wg0.conf");
	buf_adds(&b, "  listen_port: 51820\n"
	    "health:\n  probe_interval: 5s\n  degraded_loss_pct: 1.0\n  down_loss_pct: 50.0\n"
	    "log_level: info\n"
	    "autonomous_mode:\n  enabled: false\n  fallback_policies:\n"
	    "    - name: default-failover\n"
	    "      primary_path: ber-01-to-fra-hub-primary\n"
	    "      backup_path: ber-01-to-fra-hub-backup\n");
	rc = demo_write(c, DEMO_CONFIG_DIR "/config.yaml", b.data, b.len, 0640, cause);
	buf_clear(&b);
	return (rc);
}

/* path without "." and ".." parts when it or its parent exists. Owned by the caller. */
static char *
demo_clean_path(const char *path)
{
	char	*real, *parent, *clean;

	if ((real = realpath(path, NULL)) != NULL)
		return (real);
	parent = fs_dirname(path);
	if ((real = realpath(parent, NULL)) == NULL)
		clean = xstrdup(path);
	else
		clean = str_join_path(real, strrchr(path, '/') != NULL ?
		    strrchr(path, '/') + 1 : path);
	free(real);
	free(parent);
	return (clean);
}

/*
 * The runbook folder for dr.yaml: the source tree's when this binary runs
 * from the build tree, else the installed one. Owned by the caller.
 */
static char *
demo_runbook_dir(void)
{
	return (demo_clean_path(fs_in_build_tree() ? PDR_SRC_RUNBOOKDIR : PDR_RUNBOOKDIR));
}

/* dr.yaml: every path of the sandbox, absolute. */
static int
demo_dr_yaml(struct demo_ctx *c, char **cause)
{
	struct buf	b;
	char		stamp[32];
	int		rc;

	buf_init(&b);
	buf_printf(&b, "# dr.yaml of a patronus-dr DEMO SANDBOX, made by `patronus-dr demo`"
	    " at %s.\n", demo_stamp(c->now, stamp, sizeof stamp));
	buf_adds(&b, "# Every path below is inside the sandbox: a pretend Patronus host with\n"
	    "# made-up sites and real, throw-away keys. Nothing here touches a live system.\n"
	    "# `patronus-dr demo --reset` deletes this folder and makes a new one.\n");
	demo_yaml_path(c, &b, "database", DEMO_DATABASE);
	demo_yaml_path(c, &b, "config_dir", DEMO_CONFIG_DIR);
	demo_yaml_path(c, &b, "wireguard_dir", DEMO_WIREGUARD_DIR);
	demo_yaml_path(c, &b, "backup_dir", DEMO_BACKUP_DIR);
	demo_yaml_path(c, &b, "encryption_key", DEMO_ENCRYPTION_KEY);
	demo_yaml_path(c, &b, "log_file", DEMO_LOG_FILE);
	demo_yaml_path(c, &b, "state_dir", DEMO_STATE_DIR);
	buf_adds(&b, "runbook_dirs: [");
	demo_yaml_quote(&b, c->rep->runbook_dir);
	buf_adds(&b, "]\n");
	rc = demo_write(c, DEMO_CONFIG, b.data, b.len, 0644, cause);
	buf_clear(&b);
	return (rc);
}

/* Fill the staging folder with the whole sandbox; the marker goes in last. */
static int
demo_fill(struct demo_ctx *c, char **cause)
{
	static const struct { const char *rel; mode_t mode; } dirs[] = {
		{ "etc", 0755 },
		{ DEMO_CONFIG_DIR, 0755 },
		{ DEMO_CONFIG_DIR "/tls", 0755 },
		{ DEMO_WIREGUARD_DIR, 0700 },
		{ "var/lib/patronus", 0755 },
		{ DEMO_STATE_DIR, 0700 },
		{ "var/log/patronus", 0755 },
		{ "backup", 0755 },
		{ DEMO_BACKUP_DIR, 0700 },
	};
	char	stamp[32], *marker;
	size_t	i;
	int	rc;

	for (i = 0; i < nitems(dirs); i++)
		if (demo_mkdir(c, dirs[i].rel, dirs[i].mode, cause) != 0)
			return (-1);
	if (wgkey_generate(c->wg_priv, c->wg_pub, cause) != 0 ||
	    demo_database(c, cause) != 0 ||
	    demo_wireguard(c, cause) != 0 ||
	    demo_tls(c, cause) != 0 ||
	    demo_write_secret(c, DEMO_CONFIG_DIR "/jwt-secret", 48, cause) != 0 ||
	    demo_write_secret(c, DEMO_ENCRYPTION_KEY, 32, cause) != 0 ||
	    demo_patronus_config(c, cause) != 0 ||
	    demo_dr_yaml(c, cause) != 0)
		return (-1);
	marker = xasprintf("patronus-dr demo sandbox, made %s.\n"
	    "`patronus-dr demo --reset` deletes only folders that hold this file.\n",
	    demo_stamp(c->now, stamp, sizeof stamp));
	rc = demo_write(c, DEMO_MARKER, marker, strlen(marker), 0644, cause);
	free(marker);
	return (rc);
}

/* nftw callback of demo_remove_tree: remove one entry, children first. */
static int
demo_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path) == -1 ? errno : 0);
}

/* Remove a folder that demo made, without following symbolic links. */
static int
demo_remove_tree(const char *dir, char **cause)
{
	int	err;

	if ((err = nftw(dir, demo_remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT)) != 0) {
		*cause = xasprintf(_("%s: cannot remove: %s"), dir,
		    strerror(err > 0 ? err : errno));
		return (-1);
	}
	return (0);
}

/* Whether dir is a folder with nothing in it. */
static bool
demo_dir_empty(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	bool		 empty = true;

	if ((d = opendir(dir)) == NULL)
		return (false);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			empty = false;
			break;
		}
	}
	closedir(d);
	return (empty);
}

/* Whether dir holds the marker file as a regular file. */
static bool
demo_is_sandbox(const char *dir)
{
	struct stat	 st;
	char		*m = str_join_path(dir, DEMO_MARKER);
	bool		 yes;

	yes = lstat(m, &st) == 0 && S_ISREG(st.st_mode);
	free(m);
	return (yes);
}

/*
 * dir as an absolute path without . or .. parts into *abs (owned by the
 * caller), its parent created. Returns the failure class, with *cause.
 */
static enum fail_class
demo_absolute(const char *dir, char **abs, char **cause)
{
	char		*copy, *base, *parent, *real;
	size_t		 len;
	enum fail_class	 fc = FAIL_NONE;

	*abs = NULL;
	copy = xstrdup(dir);
	while ((len = strlen(copy)) > 1 && copy[len - 1] == '/')
		copy[len - 1] = '\0';
	base = strrchr(copy, '/') != NULL ? strrchr(copy, '/') + 1 : copy;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		/* "/", "." or "..": an existing folder, used as it is */
		if ((*abs = realpath(copy, NULL)) == NULL) {
			fc = fail_errno(errno);
			*cause = xasprintf("%s: %s", dir, strerror(errno));
		}
		free(copy);
		return (fc);
	}
	parent = fs_dirname(copy);
	if (fs_mkdir_p(parent, 0755, cause) != 0)
		fc = fail_errno(errno);
	else if ((real = realpath(parent, NULL)) == NULL) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", parent, strerror(errno));
	} else {
		*abs = str_join_path(real, base);
		free(real);
	}
	free(parent);
	free(copy);
	return (fc);
}

/*
 * The default sandbox folder: $XDG_DATA_HOME/patronus-dr/demo, else
 * $HOME/.local/share/patronus-dr/demo. Owned by the caller; NULL with *cause.
 */
char *
demo_default_dir(char **cause)
{
	const char	*xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	/* The XDG spec: a relative XDG_DATA_HOME is ignored. */
	if (xdg != NULL && *xdg == '/')
		return (xasprintf("%s/patronus-dr/demo", xdg));
	if (home != NULL && *home != '\0')
		return (xasprintf("%s/.local/share/patronus-dr/demo", home));
	*cause = xstrdup(_("neither XDG_DATA_HOME nor HOME is set: name a folder with --dir"));
	return (NULL);
}

/* Fill the paths of a report for sandbox folder dir. */
static void
demo_report_paths(struct demo_report *rep, const char *dir)
{
	rep->dir = xstrdup(dir);
	rep->config = str_join_path(dir, DEMO_CONFIG);
	rep->database = str_join_path(dir, DEMO_DATABASE);
	rep->config_dir = str_join_path(dir, DEMO_CONFIG_DIR);
	rep->wireguard_dir = str_join_path(dir, DEMO_WIREGUARD_DIR);
	rep->backup_dir = str_join_path(dir, DEMO_BACKUP_DIR);
	rep->encryption_key = str_join_path(dir, DEMO_ENCRYPTION_KEY);
}

/* For a kept sandbox: the public key from its publickey file, when readable. */
static void
demo_report_kept(struct demo_report *rep)
{
	char	*p, *data = NULL, *cause = NULL;

	p = str_join_path(rep->dir, DEMO_WIREGUARD_DIR "/publickey");
	if (fs_read_file(p, 4096, &data, NULL, &cause) == 0)
		rep->wg_public = xstrdup(str_trim(data));
	free(cause);
	free(data);
	free(p);
}

/*
 * Make a demo sandbox in dir (NULL: demo_default_dir). An existing sandbox
 * is kept unless reset; reset removes only a folder holding the marker. The
 * sandbox is built in a staging folder beside dir and renamed into place, so
 * dir never holds half a sandbox. Fills *rep (free with demo_report_clear).
 * Returns the failure class, with *cause: FAIL_USAGE for a name with control
 * characters, FAIL_CANTCREAT for a folder in the way, FAIL_IO when filling
 * the sandbox failed.
 */
enum fail_class
demo_create(const char *dir, bool reset, struct demo_report *rep, char **cause)
{
	struct demo_ctx	 c;
	struct stat	 st;
	char		*def = NULL, *abs = NULL, *parent = NULL, *stage = NULL;
	char		*old = NULL, *base, *ignored = NULL;
	const char	*p;
	bool		 exists = false;
	enum fail_class	 rc = FAIL_IO;

	memset(rep, 0, sizeof *rep);
	if (dir == NULL && (dir = def = demo_default_dir(cause)) == NULL)
		return (FAIL_NOINPUT);
	for (p = dir; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*cause = xstrdup(_("the sandbox folder's name has control characters"));
			rc = FAIL_USAGE;
			goto out;
		}
	}
	if ((rc = demo_absolute(dir, &abs, cause)) != FAIL_NONE)
		goto out;
	rc = FAIL_IO;
	demo_report_paths(rep, abs);
	if (lstat(abs, &st) == 0) {
		exists = true;
		if (!S_ISDIR(st.st_mode)) {
			*cause = xasprintf(_("%s: exists and is not a folder"), abs);
			rc = FAIL_CANTCREAT;
			goto out;
		}
		if (demo_is_sandbox(abs)) {
			if (!reset) {
				rep->kept = true;
				demo_report_kept(rep);
				rc = FAIL_NONE;
				goto out;
			}
		} else if (!demo_dir_empty(abs)) {
			*cause = xasprintf(reset ?
			    _("%s: not a demo sandbox (no %s in it): refusing to delete it") :
			    _("%s: exists and is not a demo sandbox (no %s in it)"),
			    abs, DEMO_MARKER);
			rc = FAIL_CANTCREAT;
			goto out;
		} else
			exists = false;		/* an empty folder is replaced as it is */
	} else if (errno != ENOENT) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", abs, strerror(errno));
		goto out;
	}

	parent = fs_dirname(abs);
	base = strrchr(abs, '/') + 1;
	stage = xasprintf("%s/.%s.new.XXXXXX", parent, base);
	if (mkdtemp(stage) == NULL) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", stage, strerror(errno));
		free(stage);
		stage = NULL;
		goto out;
	}
	memset(&c, 0, sizeof c);
	c.dir = abs;
	c.stage = stage;
	c.now = time(NULL);
	c.rng = 0x70617472306e7573ULL;	/* fixed: the made-up data is the same each time */
	c.rep = rep;
	rep->runbook_dir = demo_runbook_dir();
	if (demo_fill(&c, cause) != 0) {
		wgkey_wipe(c.wg_priv, sizeof c.wg_priv);
		goto out;
	}
	rep->wg_public = xstrdup(c.wg_pub);
	wgkey_wipe(c.wg_priv, sizeof c.wg_priv);

	if (exists) {
		/* Move the old sandbox aside, the new one in, then delete the old one. */
		old = xasprintf("%s/.%s.old.XXXXXX", parent, base);
		if (mkdtemp(old) == NULL || rename(abs, old) == -1) {
			rc = fail_errno(errno);
			*cause = xasprintf("%s: %s", abs, strerror(errno));
			goto out;
		}
		rep->replaced = true;
	}
	if (rename(stage, abs) == -1) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", abs, strerror(errno));
		if (old != NULL && rename(old, abs) == 0)
			rep->replaced = false;
		goto out;
	}
	free(stage);
	stage = NULL;
	if (fs_fsync_dir(parent, cause) != 0)
		goto out;
	if (old != NULL && demo_remove_tree(old, cause) != 0)
		goto out;
	rc = FAIL_NONE;
out:
	if (stage != NULL && demo_remove_tree(stage, &ignored) != 0)
		free(ignored);
	if (old != NULL && rc != FAIL_NONE && !rep->replaced)
		rmdir(old);
	free(stage);
	free(old);
	free(parent);
	free(abs);
	free(def);
	return (rc);
}

/* Free what a report owns. */
void
demo_report_clear(struct demo_report *rep)
{
	free(rep->dir);
	free(rep->config);
	free(rep->database);
	free(rep->config_dir);
	free(rep->wireguard_dir);
	free(rep->backup_dir);
	free(rep->encryption_key);
	free(rep->runbook_dir);
	free(rep->wg_public);
	memset(rep, 0, sizeof *rep);
}

/* The ages of the demo's backup sets, oldest first: a host with a week of history. */
static const int64_t demo_ages[] = {
	8 * 86400, 2 * 86400, 86400, 6 * 3600, 3600, 10 * 60
};

/* Append an audit_log row at t to the sandbox database (so each set differs from the last). */
static int
demo_history_row(const char *path, time_t t, const char *action, char **cause)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	char		 at[32];
	int		 rc = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO audit_log (at, username, action, target, "
	    "detail, source_ip) VALUES (?, 'backup', ?, 'sdwan.db', 'demo history', "
	    "'127.0.0.1')", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	demo_stamp(t, at, sizeof at);
	sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (rc);
}

/*
 * Date the files of a set made by demo_history when it says it was taken, as
 * a real host's are, and stamp it verified again (the backup verified it a
 * moment ago; only the dates changed).
 */
static void
demo_history_times(const struct conf *c, const struct backup_result *res, time_t when)
{
	struct catalog_set	 s;
	struct timespec		 ts[2];
	char			*path, *why = NULL;
	int			 i;

	ts[0].tv_sec = ts[1].tv_sec = when;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	for (i = 0; i < PART__COUNT; i++) {
		path = xasprintf("%s/%s%s", res->dir, res->name, catalog_suffixes[i]);
		utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
		free(path);
	}
	path = xasprintf("%s/%s%s", res->dir, res->name, catalog_suffixes[PART_DB]);
	if (catalog_set_from_db(path, &s, &why) == 0) {
		if (catalog_stamp(c->state_dir, &s, true, NULL, &why) != 0)
			free(why);
		catalog_set_clear(&s);
	} else
		free(why);
	free(path);
}

/*
 * Give a new sandbox a history: backup sets taken with the real engine as if
 * at now minus each of demo_ages (8 days to 10 minutes ago, so tiers and ages
 * differ), a row written to the database before each, and one after the last,
 * which no backup holds: a drill's restore then shows a real data loss.
 * *nsets gets the number made. Returns -1 with *cause.
 */
int
demo_history(const struct demo_report *rep, time_t now, size_t *nsets, char **cause)
{
	struct backup_opts	 o;
	struct backup_result	 res;
	struct conf		 c;
	size_t			 i;
	int			 rc = -1;

	*nsets = 0;
	conf_defaults(&c);
	if (conf_load_file(&c, rep->config, true, cause) != 0) {
		conf_clear(&c);
		return (-1);
	}
	for (i = 0; i < nitems(demo_ages); i++) {
		if (demo_history_row(rep->database, now - demo_ages[i], "backup.before",
		    cause) != 0)
			goto out;
		memset(&o, 0, sizeof o);
		o.conf = &c;
		o.tier = -1;
		o.now = now - demo_ages[i];
		if (backup_run(&o, &res, cause) != 0) {
			backup_result_clear(&res);
			goto out;
		}
		demo_history_times(&c, &res, o.now);
		backup_result_clear(&res);
		(*nsets)++;
	}
	rc = demo_history_row(rep->database, now - 60, "site.update", cause);
out:
	conf_clear(&c);
	return (rc);
}
