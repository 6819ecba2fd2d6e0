/* demo.c: a sandbox Patronus host for newcomers, drills and tests, made without root. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "engine/backup/backup.h"
#include "engine/set/crypt.h"
#include "engine/host/demo.h"
#include "engine/recover/wgkey.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define DEMO_SAMPLES		24		/* health samples per path */
#define DEMO_SAMPLE_EVERY	(3 * 3600)	/* seconds between samples: three days */
#define DEMO_PEERS		5		/* [Peer] sections in wg0.conf: the hubs */

/* One site of the made-up network. */
struct demo_site_def {
	const char	*name;
	const char	*city;
	const char	*region;
};

/* Forty sites in five regions; the first site of each region is its hub. */
static const struct demo_site_def demo_sites[] = {
	{ "fra-hub", "Frankfurt", "eu-central" },
	{ "ber-01", "Berlin", "eu-central" },
	{ "muc-01", "Munich", "eu-central" },
	{ "ham-01", "Hamburg", "eu-central" },
	{ "vie-01", "Vienna", "eu-central" },
	{ "zrh-01", "Zurich", "eu-central" },
	{ "prg-01", "Prague", "eu-central" },
	{ "waw-01", "Warsaw", "eu-central" },
	{ "lon-hub", "London", "eu-west" },
	{ "man-01", "Manchester", "eu-west" },
	{ "dub-01", "Dublin", "eu-west" },
	{ "par-01", "Paris", "eu-west" },
	{ "lys-01", "Lyon", "eu-west" },
	{ "ams-01", "Amsterdam", "eu-west" },
	{ "bru-01", "Brussels", "eu-west" },
	{ "mad-01", "Madrid", "eu-west" },
	{ "lis-01", "Lisbon", "eu-west" },
	{ "mil-01", "Milan", "eu-west" },
	{ "nyc-hub", "New York", "us-east" },
	{ "bos-01", "Boston", "us-east" },
	{ "atl-01", "Atlanta", "us-east" },
	{ "chi-01", "Chicago", "us-east" },
	{ "yyz-01", "Toronto", "us-east" },
	{ "mia-01", "Miami", "us-east" },
	{ "was-01", "Washington", "us-east" },
	{ "phl-01", "Philadelphia", "us-east" },
	{ "sfo-hub", "San Francisco", "us-west" },
	{ "sea-01", "Seattle", "us-west" },
	{ "lax-01", "Los Angeles", "us-west" },
	{ "den-01", "Denver", "us-west" },
	{ "phx-01", "Phoenix", "us-west" },
	{ "yvr-01", "Vancouver", "us-west" },
	{ "sin-hub", "Singapore", "ap-southeast" },
	{ "tyo-01", "Tokyo", "ap-southeast" },
	{ "syd-01", "Sydney", "ap-southeast" },
	{ "bom-01", "Mumbai", "ap-southeast" },
	{ "hkg-01", "Hong Kong", "ap-southeast" },
	{ "sel-01", "Seoul", "ap-southeast" },
	{ "mel-01", "Melbourne", "ap-southeast" },
	{ "osa-01", "Osaka", "ap-southeast" },
};
#define DEMO_NSITES	((int)nitems(demo_sites))

/* What the generator keeps about a site while it fills the tables. */
struct demo_site {
	int	 id;
	bool	 hub;
	int	 hub_id;		/* the hub of its region */
	char	 status[16];
	char	 endpoint[32];
	char	 tunnel[24];
	char	 pub[WGKEY_B64_SIZE];
};

/* The state of one sandbox being made. */
struct demo_ctx {
	const char		*dir;		/* final folder (absolute) */
	const char		*stage;		/* folder being filled, renamed to dir at the end */
	time_t			 now;
	uint64_t		 rng;
	struct demo_site	 sites[nitems(demo_sites)];
	char			 wg_priv[WGKEY_B64_SIZE];
	char			 wg_pub[WGKEY_B64_SIZE];
	struct demo_report	*rep;
};

/* Policies of the made-up network: name, description, match, action, path role. */
static const struct {
	const char	*name;
	const char	*description;
	const char	*match;
	const char	*action;
	const char	*path_role;
	int		 priority;
	int		 enabled;
} demo_policies[] = {
	{ "voice-prefer-mpls", "Voice calls on the MPLS path, broadband if MPLS degrades",
	  "dscp=46", "prefer", "primary", 10, 1 },
	{ "video-low-latency", "Video conferencing on the path with the lowest latency",
	  "dscp=34", "lowest-latency", "any", 20, 1 },
	{ "erp-require-mpls", "ERP traffic only over the private network",
	  "dst=10.20.0.0/16 port=443", "require", "primary", 30, 1 },
	{ "backup-bulk-broadband", "Nightly bulk transfers off the MPLS path",
	  "dscp=8", "prefer", "backup", 40, 1 },
	{ "guest-local-breakout", "Guest Wi-Fi leaves locally, never through the tunnel",
	  "vlan=300", "local-breakout", "none", 50, 1 },
	{ "saas-direct", "Office 365 and Salesforce straight to the internet",
	  "app=saas", "local-breakout", "none", 60, 1 },
	{ "default-failover", "Primary path, backup on failure (the autonomous-mode default)",
	  "any", "failover", "primary", 100, 1 },
	{ "lte-last-resort", "LTE only when both wired paths are down",
	  "any", "failover", "tertiary", 110, 1 },
	{ "monitoring-any-path", "Probes and SNMP may use any path that is up",
	  "port=161,9100", "any-up", "any", 70, 1 },
	{ "legacy-ftp-block", "Block plain FTP between sites (audit finding 2025-07)",
	  "port=21", "drop", "none", 5, 1 },
	{ "pilot-sdwan-qos", "QoS pilot for the Lisbon office, switched off after review",
	  "site=lis-01", "prefer", "backup", 80, 0 },
	{ "dr-replication", "Database replication to the DR site on its own path",
	  "dst=10.250.0.0/24 port=5432", "require", "primary", 15, 1 },
};

/* Users of the made-up control plane: name, full name, role, MFA, active. */
static const struct {
	const char	*username;
	const char	*full_name;
	const char	*role;
	int		 mfa;
	int		 active;
} demo_users[] = {
	{ "admin", "Break-glass administrator", "admin", 1, 1 },
	{ "m.keller", "Maria Keller (network engineer)", "operator", 1, 1 },
	{ "s.nguyen", "Sam Nguyen (database administrator)", "admin", 1, 1 },
	{ "j.okafor", "James Okafor (operations)", "operator", 1, 1 },
	{ "r.silva", "Rita Silva (operations)", "operator", 0, 1 },
	{ "l.schmidt", "Lena Schmidt (communications)", "viewer", 0, 1 },
	{ "api-monitoring", "Prometheus exporter (service account)", "viewer", 0, 1 },
	{ "p.fischer", "Paul Fischer (left the company)", "operator", 0, 0 },
};

/* The next number of a SplitMix64 sequence: deterministic made-up data. */
static uint64_t
demo_rand(struct demo_ctx *c)
{
	uint64_t	z;

	z = (c->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* A made-up number in [lo, hi). */
static double
demo_uniform(struct demo_ctx *c, double lo, double hi)
{
	return (lo + (hi - lo) * (double)(demo_rand(c) >> 11) / 9007199254740992.0);
}

/* A made-up integer in [0, n). */
static int
demo_below(struct demo_ctx *c, int n)
{
	return ((int)(demo_rand(c) % (uint64_t)n));
}

/* t as an ISO 8601 UTC stamp into buf (at least 21 bytes). */
static const char *
demo_stamp(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (buf);
}

/* The staging path of rel, owned by the caller. */
static char *
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
static int
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

/* Run SQL that returns no rows; -1 with *cause naming the database. */
static int
demo_sql(sqlite3 *db, const char *path, const char *sql, char **cause)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return (-1);
	}
	return (0);
}

/*
 * Bind the values described by types ('i' int, 't' text, 'd' double, 'n'
 * NULL) to st, run it and reset it. -1 with *cause.
 */
static int
demo_insert(sqlite3_stmt *st, const char *path, char **cause, const char *types, ...)
{
	va_list		 ap;
	const char	*s;
	int		 i, rc = SQLITE_OK;

	sqlite3_reset(st);
	va_start(ap, types);
	for (i = 0; types[i] != '\0'; i++) {
		switch (types[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'd':
			rc = sqlite3_bind_double(st, i + 1, va_arg(ap, double));
			break;
		case 't':
			s = va_arg(ap, const char *);
			rc = sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
			break;
		default:
			rc = sqlite3_bind_null(st, i + 1);
			break;
		}
		if (rc != SQLITE_OK)
			break;
	}
	va_end(ap);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE)
		return (0);
	*cause = xasprintf("%s: %s", path, sqlite3_errmsg(sqlite3_db_handle(st)));
	return (-1);
}

/* The schema of the Patronus database, as far as the plan names it. */
static const char demo_schema[] =
    "CREATE TABLE sites (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  city TEXT NOT NULL,\n"
    "  region TEXT NOT NULL,\n"
    "  role TEXT NOT NULL CHECK (role IN ('hub', 'branch')),\n"
    "  endpoint TEXT NOT NULL,\n"
    "  public_key TEXT NOT NULL UNIQUE,\n"
    "  tunnel_address TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('online', 'degraded', 'offline')),\n"
    "  created_at TEXT NOT NULL,\n"
    "  updated_at TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE paths (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  src_site_id INTEGER NOT NULL REFERENCES sites(id),\n"
    "  dst_site_id INTEGER NOT NULL REFERENCES sites(id),\n"
    "  transport TEXT NOT NULL CHECK (transport IN ('mpls', 'broadband', 'lte')),\n"
    "  role TEXT NOT NULL CHECK (role IN ('primary', 'backup', 'tertiary')),\n"
    "  status TEXT NOT NULL CHECK (status IN ('up', 'degraded', 'down')),\n"
    "  latency_ms REAL,\n"
    "  jitter_ms REAL,\n"
    "  loss_pct REAL,\n"
    "  last_checked TEXT NOT NULL,\n"
    "  created_at TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX paths_src ON paths(src_site_id);\n"
    "CREATE INDEX paths_dst ON paths(dst_site_id);\n"
    "CREATE TABLE path_health (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  path_id INTEGER NOT NULL REFERENCES paths(id),\n"
    "  measured_at TEXT NOT NULL,\n"
    "  status TEXT NOT NULL CHECK (status IN ('up', 'degraded', 'down')),\n"
    "  latency_ms REAL,\n"
    "  jitter_ms REAL,\n"
    "  loss_pct REAL NOT NULL\n"
    ");\n"
    "CREATE INDEX path_health_path_time ON path_health(path_id, measured_at);\n"
    "CREATE TABLE policies (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE,\n"
    "  description TEXT NOT NULL,\n"
    "  match TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  path_role TEXT NOT NULL,\n"
    "  priority INTEGER NOT NULL,\n"
    "  enabled INTEGER NOT NULL DEFAULT 1,\n"
    "  created_at TEXT NOT NULL,\n"
    "  updated_at TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE users (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  username TEXT NOT NULL UNIQUE,\n"
    "  full_name TEXT NOT NULL,\n"
    "  email TEXT NOT NULL,\n"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),\n"
    "  password_hash TEXT NOT NULL,\n"
    "  mfa_enabled INTEGER NOT NULL DEFAULT 0,\n"
    "  active INTEGER NOT NULL DEFAULT 1,\n"
    "  created_at TEXT NOT NULL,\n"
    "  last_login TEXT\n"
    ");\n"
    "CREATE TABLE audit_log (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  at TEXT NOT NULL,\n"
    "  username TEXT NOT NULL,\n"
    "  action TEXT NOT NULL,\n"
    "  target TEXT NOT NULL,\n"
    "  detail TEXT,\n"
    "  source_ip TEXT\n"
    ");\n"
    "CREATE INDEX audit_log_at ON audit_log(at);\n";

/* Fill the sites table and c->sites; each site gets a real WireGuard key. */
static int
demo_fill_sites(struct demo_ctx *c, sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt		*st = NULL;
	struct demo_site	*s;
	char			 priv[WGKEY_B64_SIZE], created[32], updated[32];
	int			 i, hub = 0, r, rc = -1;

	if (sqlite3_prepare_v2(db, "INSERT INTO sites (id, name, city, region, role, "
	    "endpoint, public_key, tunnel_address, status, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		return (-1);
	}
	for (i = 0; i < DEMO_NSITES; i++) {
		s = &c->sites[i];
		s->id = i + 1;
		s->hub = str_has_suffix(demo_sites[i].name, "-hub");
		if (s->hub)
			hub = s->id;
		s->hub_id = hub;
		r = demo_below(c, 40);
		xsnprintf(s->status, sizeof s->status, "%s",
		    r == 0 && !s->hub ? "offline" : r < 3 ? "degraded" : "online");
		/* RFC 5737 documentation addresses: nothing real is named. */
		xsnprintf(s->endpoint, sizeof s->endpoint, "%s.%d:51820",
		    i < 20 ? "198.51.100" : "203.0.113", 10 + i);
		xsnprintf(s->tunnel, sizeof s->tunnel, "10.0.%d.1/24", s->id);
		if (wgkey_generate(priv, s->pub, cause) != 0)
			goto out;
		wgkey_wipe(priv, sizeof priv);
		demo_stamp(c->now - 86400 * (400 - 7 * i), created, sizeof created);
		demo_stamp(c->now - 3600 * demo_below(c, 24 * 30), updated, sizeof updated);
		if (demo_insert(st, path, cause, "itttttttttt", (int64_t)s->id,
		    demo_sites[i].name, demo_sites[i].city, demo_sites[i].region,
		    s->hub ? "hub" : "branch", s->endpoint, s->pub, s->tunnel, s->status,
		    created, updated) != 0)
			goto out;
		c->rep->n_sites++;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return (rc);
}

/* Typical one-way latency in ms between two sites over a transport. */
static double
demo_latency(struct demo_ctx *c, int a, int b, const char *transport)
{
	double	ms;

	if (strcmp(demo_sites[a].region, demo_sites[b].region) == 0)
		ms = demo_uniform(c, 4, 22);
	else if (strncmp(demo_sites[a].region, demo_sites[b].region, 3) == 0)
		ms = demo_uniform(c, 25, 70);
	else
		ms = demo_uniform(c, 75, 190);
	if (strcmp(transport, "broadband") == 0)
		ms = ms * 1.25 + 3;
	else if (strcmp(transport, "lte") == 0)
		ms = ms * 1.4 + 35;
	return (ms);
}

/* One path with its health history: DEMO_SAMPLES samples, the last one its state. */
static int
demo_add_path(struct demo_ctx *c, sqlite3_stmt *pst, sqlite3_stmt *hst, const char *path,
    int a, int b, const char *transport, const char *role, char **cause)
{
	struct {
		const char	*status;
		double		 lat, jit, loss;
	}		 smp[DEMO_SAMPLES];
	char		 name[96], at[32], created[32];
	const char	*status;
	double		 base;
	int64_t		 id;
	int		 k, bad_from, r;
	time_t		 last;

	id = c->rep->n_paths + 1;
	base = demo_latency(c, a, b, transport);
	r = demo_below(c, 100);
	if (strcmp(c->sites[a].status, "offline") == 0 ||
	    strcmp(c->sites[b].status, "offline") == 0 || r < 2)
		status = "down";
	else if (r < 7 || strcmp(c->sites[a].status, "degraded") == 0)
		status = "degraded";
	else
		status = "up";
	/* A path that is not up went bad a few samples ago. */
	bad_from = strcmp(status, "up") == 0 ? DEMO_SAMPLES :
	    DEMO_SAMPLES - 1 - demo_below(c, 4);
	for (k = 0; k < DEMO_SAMPLES; k++) {
		smp[k].status = k >= bad_from ? status :
		    demo_below(c, 50) == 0 ? "degraded" : "up";
		smp[k].lat = base * demo_uniform(c, 0.9, 1.2);
		smp[k].jit = demo_uniform(c, 0.3, 3.5);
		smp[k].loss = demo_below(c, 3) == 0 ? demo_uniform(c, 0.01, 0.4) : 0;
		if (strcmp(smp[k].status, "degraded") == 0) {
			smp[k].lat *= demo_uniform(c, 1.8, 3.5);
			smp[k].jit *= demo_uniform(c, 3, 8);
			smp[k].loss = demo_uniform(c, 1.5, 9);
		} else if (strcmp(smp[k].status, "down") == 0)
			smp[k].loss = 100;
	}

	/* The path, with its newest sample as its current state. */
	last = c->now - (c->now % 300) - 60 * demo_below(c, 5);
	xsnprintf(name, sizeof name, "%s-to-%s-%s", demo_sites[a].name, demo_sites[b].name,
	    role);
	demo_stamp(c->now - 86400 * (300 - demo_below(c, 200)), created, sizeof created);
	demo_stamp(last, at, sizeof at);
	k = DEMO_SAMPLES - 1;
	if (strcmp(status, "down") == 0)
		r = demo_insert(pst, path, cause, "ittiittnndtt", id, name, transport,
		    (int64_t)c->sites[a].id, (int64_t)c->sites[b].id, role, status, 100.0,
		    at, created);
	else
		r = demo_insert(pst, path, cause, "ittiittdddtt", id, name, transport,
		    (int64_t)c->sites[a].id, (int64_t)c->sites[b].id, role, status,
		    smp[k].lat, smp[k].jit, smp[k].loss, at, created);
	if (r != 0)
		return (-1);
	c->rep->n_paths++;

	for (k = 0; k < DEMO_SAMPLES; k++) {
		demo_stamp(last - (time_t)(DEMO_SAMPLES - 1 - k) * DEMO_SAMPLE_EVERY, at,
		    sizeof at);
		if (strcmp(smp[k].status, "down") == 0)
			r = demo_insert(hst, path, cause, "itnndt", id, at, 100.0, "down");
		else
			r = demo_insert(hst, path, cause, "itdddt", id, at, smp[k].lat,
			    smp[k].jit, smp[k].loss, smp[k].status);
		if (r != 0)
			return (-1);
		c->rep->n_health++;
	}
	return (0);
}

/*
 * Fill paths and path_health: the hubs in a full mesh (MPLS and broadband),
 * every branch to its hub (MPLS, broadband, LTE) and to its two next
 * neighbours in the region (MPLS and broadband).
 */
static int
demo_fill_paths(struct demo_ctx *c, sqlite3 *db, const char *path, char **cause)
{
	static const char *const tr[] = { "mpls", "broadband", "lte" };
	static const char *const role[] = { "primary", "backup", "tertiary" };
	sqlite3_stmt	*pst = NULL, *hst = NULL;
	int		 a, b, k, n, first, last, rc = -1;

	if (sqlite3_prepare_v2(db, "INSERT INTO paths (id, name, transport, src_site_id, "
	    "dst_site_id, role, status, latency_ms, jitter_ms, loss_pct, last_checked, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &pst,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO path_health (path_id, measured_at, "
	    "latency_ms, jitter_ms, loss_pct, status) VALUES (?, ?, ?, ?, ?, ?)",
	    -1, &hst, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	for (a = 0; a < DEMO_NSITES; a++) {
		if (!c->sites[a].hub)
			continue;
		for (b = a + 1; b < DEMO_NSITES; b++) {
			if (!c->sites[b].hub)
				continue;
			for (k = 0; k < 2; k++)
				if (demo_add_path(c, pst, hst, path, a, b, tr[k], role[k],
				    cause) != 0)
					goto out;
		}
	}
	for (a = 0; a < DEMO_NSITES; a++) {
		if (c->sites[a].hub)
			continue;
		for (k = 0; k < 3; k++)
			if (demo_add_path(c, pst, hst, path, a, c->sites[a].hub_id - 1,
			    tr[k], role[k], cause) != 0)
				goto out;
		first = c->sites[a].hub_id;	/* index of the first branch of the region */
		for (last = first; last < DEMO_NSITES && !c->sites[last].hub; last++)
			;
		for (n = 1; n <= 2 && last - first > 2; n++) {
			b = first + (a - first + n) % (last - first);
			for (k = 0; k < 2; k++)
				if (demo_add_path(c, pst, hst, path, a, b, tr[k], role[k],
				    cause) != 0)
					goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(pst);
	sqlite3_finalize(hst);
	return (rc);
}

/* Fill policies and users. */
static int
demo_fill_policies_users(struct demo_ctx *c, sqlite3 *db, const char *path, char **cause)
{
	sqlite3_stmt	*st = NULL, *ut = NULL;
	unsigned char	 salt[16], hash[32], b64s[32], b64h[48];
	char		 created[32], updated[32], login[32], email[96], *ph;
	size_t		 i, j;
	int		 rc = -1, r;

	if (sqlite3_prepare_v2(db, "INSERT INTO policies (name, description, match, action, "
	    "path_role, priority, enabled, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO users (username, full_name, email, role, "
	    "password_hash, mfa_enabled, active, created_at, last_login) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ut, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	for (i = 0; i < nitems(demo_policies); i++) {
		demo_stamp(c->now - 86400 * (380 - 21 * (time_t)i), created, sizeof created);
		demo_stamp(c->now - 3600 * (time_t)(5 + demo_below(c, 24 * 60)), updated,
		    sizeof updated);
		if (demo_insert(st, path, cause, "tttttiitt", demo_policies[i].name,
		    demo_policies[i].description, demo_policies[i].match,
		    demo_policies[i].action, demo_policies[i].path_role,
		    (int64_t)demo_policies[i].priority, (int64_t)demo_policies[i].enabled,
		    created, updated) != 0)
			goto out;
		c->rep->n_policies++;
	}
	for (i = 0; i < nitems(demo_users); i++) {
		/* An argon2id-shaped hash of no password at all: nobody can log in. */
		for (j = 0; j < sizeof salt; j++)
			salt[j] = (unsigned char)demo_rand(c);
		for (j = 0; j < sizeof hash; j++)
			hash[j] = (unsigned char)demo_rand(c);
		EVP_EncodeBlock(b64s, salt, sizeof salt);
		EVP_EncodeBlock(b64h, hash, sizeof hash);
		*strchr((char *)b64s, '=') = '\0';
		*strchr((char *)b64h, '=') = '\0';
		ph = xasprintf("$argon2id$v=19$m=65536,t=3,p=4$%s$%s", b64s, b64h);
		xsnprintf(email, sizeof email, "%s@patronus.example", demo_users[i].username);
		demo_stamp(c->now - 86400 * (500 - 40 * (time_t)i), created, sizeof created);
		demo_stamp(c->now - 60 * (time_t)(30 + demo_below(c, 60 * 24 * 3)), login,
		    sizeof login);
		r = demo_insert(ut, path, cause, demo_users[i].active ? "tttttiitt" :
		    "tttttiitn", demo_users[i].username, demo_users[i].full_name, email,
		    demo_users[i].role, ph, (int64_t)demo_users[i].mfa,
		    (int64_t)demo_users[i].active, created, login);
		free(ph);
		if (r != 0)
			goto out;
		c->rep->n_users++;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(ut);
	return (rc);
}

/* Fill the audit log with three days of logins, changes and path events. */
static int
demo_fill_audit(struct demo_ctx *c, sqlite3 *db, const char *path, char **cause)
{
	static const char *const actions[] = {
		"user.login", "user.login", "user.login", "site.update", "policy.update",
		"path.status_changed", "path.status_changed", "config.reload",
		"user.logout", "token.refresh", "site.rekey", "policy.create",
	};
	static const char *const ips[] = {
		"10.250.0.21", "10.250.0.35", "10.250.0.42", "192.0.2.77", "10.250.0.8",
	};
	sqlite3_stmt	*st = NULL;
	char		 at[32], target[96], detail[160];
	const char	*action, *user, *ip;
	int		 i, n = 300, u, rc = -1;
	time_t		 t;

	if (sqlite3_prepare_v2(db, "INSERT INTO audit_log (at, username, action, target, "
	    "detail, source_ip) VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		return (-1);
	}
	for (i = 0; i < n; i++) {
		t = c->now - 3 * 86400 + (time_t)i * (3 * 86400 / n) + demo_below(c, 600);
		demo_stamp(t, at, sizeof at);
		action = actions[demo_below(c, (int)nitems(actions))];
		u = demo_below(c, (int)nitems(demo_users) - 1);	/* not the user who left */
		user = demo_users[u].username;
		ip = ips[u % (int)nitems(ips)];
		if (strncmp(action, "user.", 5) == 0 || strcmp(action, "token.refresh") == 0) {
			xsnprintf(target, sizeof target, "user/%s", user);
			xsnprintf(detail, sizeof detail, "%s", strcmp(action, "user.login") == 0 ?
			    (demo_users[u].mfa ? "password+totp" : "password") : "");
		} else if (strncmp(action, "site.", 5) == 0) {
			xsnprintf(target, sizeof target, "site/%s",
			    demo_sites[demo_below(c, DEMO_NSITES)].name);
			xsnprintf(detail, sizeof detail, "%s", strcmp(action, "site.rekey") == 0 ?
			    "WireGuard key rotated" : "endpoint and description edited");
		} else if (strncmp(action, "policy.", 7) == 0) {
			xsnprintf(target, sizeof target, "policy/%s",
			    demo_policies[demo_below(c, (int)nitems(demo_policies))].name);
			xsnprintf(detail, sizeof detail, "priority or match changed");
		} else if (strcmp(action, "path.status_changed") == 0) {
			user = "system";
			ip = "127.0.0.1";
			xsnprintf(target, sizeof target, "path/%d",
			    1 + demo_below(c, (int)c->rep->n_paths));
			xsnprintf(detail, sizeof detail, "%s",
			    demo_below(c, 2) == 0 ? "up -> degraded (loss above 1%)" :
			    "degraded -> up");
		} else {
			user = "system";
			ip = "127.0.0.1";
			xsnprintf(target, sizeof target, "config/config.yaml");
			xsnprintf(detail, sizeof detail, "SIGHUP");
		}
		if (demo_insert(st, path, cause, "tttttt", at, user, action, target, detail,
		    ip) != 0)
			goto out;
		c->rep->n_audit++;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return (rc);
}

/* Make the Patronus database: WAL mode, the plan's tables, one transaction. */
static int
demo_database(struct demo_ctx *c, char **cause)
{
	sqlite3	*db = NULL;
	char	*path = demo_stage_path(c, DEMO_DATABASE);
	int	 rc = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
		    strerror(ENOMEM));
		goto out;
	}
	if (demo_sql(db, path, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
	    "PRAGMA application_id = 1346458196; PRAGMA user_version = 7;", cause) != 0 ||
	    demo_sql(db, path, "BEGIN IMMEDIATE", cause) != 0)
		goto out;
	if (demo_sql(db, path, demo_schema, cause) != 0 ||
	    demo_fill_sites(c, db, path, cause) != 0 ||
	    demo_fill_paths(c, db, path, cause) != 0 ||
	    demo_fill_policies_users(c, db, path, cause) != 0 ||
	    demo_fill_audit(c, db, path, cause) != 0 ||
	    demo_sql(db, path, "COMMIT", cause) != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	if (sqlite3_close(db) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		db = NULL;
		goto out;
	}
	db = NULL;
	if (chmod(path, 0600) == -1) {	/* as the plan's restore leaves it */
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (db != NULL)
		sqlite3_close(db);
	free(path);
	return (rc);
}

/* The control plane's WireGuard folder: keys as wg prints them and wg0.conf. */
static int
demo_wireguard(struct demo_ctx *c, char **cause)
{
	struct buf	b;
	int		i, n = 0, rc = -1;

	buf_init(&b);
	buf_printf(&b, "%s\n", c->wg_priv);
	if (demo_write(c, DEMO_WIREGUARD_DIR "/privatekey", b.data, b.len, 0600, cause) != 0)
		goto out;
	OPENSSL_cleanse(b.data, b.len);
	buf_reset(&b);
	buf_printf(&b, "%s\n", c->wg_pub);
	if (demo_write(c, DEMO_WIREGUARD_DIR "/publickey", b.data, b.len, 0644, cause) != 0)
		goto out;
	buf_reset(&b);
	buf_adds(&b, "# wg0.conf of the Patronus control plane in a patronus-dr DEMO SANDBOX.\n"
	    "# Real, throw-away keys; the peers are the hubs of the sandbox database.\n"
	    "[Interface]\n");
	buf_printf(&b, "PrivateKey = %s\n", c->wg_priv);
	buf_adds(&b, "Address = 10.0.0.1/16\nListenPort = 51820\n");
	for (i = 0; i < DEMO_NSITES && n < DEMO_PEERS; i++) {
		if (!c->sites[i].hub)
			continue;
		buf_printf(&b, "\n# %s (%s, %s)\n[Peer]\nPublicKey = %s\n"
		    "AllowedIPs = 10.0.%d.0/24\nEndpoint = %s\nPersistentKeepalive = 25\n",
		    demo_sites[i].name, demo_sites[i].city, demo_sites[i].region,
		    c->sites[i].pub, c->sites[i].id, c->sites[i].endpoint);
		n++;
	}
	rc = demo_write(c, DEMO_WIREGUARD_DIR "/wg0.conf", b.data, b.len, 0600, cause);
out:
	OPENSSL_cleanse(b.data, b.len);
	buf_clear(&b);
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
 * dir as an absolute path without . or .. parts, its parent created. Owned
 * by the caller; NULL with *cause.
 */
static char *
demo_absolute(const char *dir, char **cause)
{
	char	*copy, *base, *parent, *real, *abs = NULL;
	size_t	 len;

	copy = xstrdup(dir);
	while ((len = strlen(copy)) > 1 && copy[len - 1] == '/')
		copy[len - 1] = '\0';
	base = strrchr(copy, '/') != NULL ? strrchr(copy, '/') + 1 : copy;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		/* "/", "." or "..": an existing folder, used as it is */
		if ((abs = realpath(copy, NULL)) == NULL)
			*cause = xasprintf("%s: %s", dir, strerror(errno));
		free(copy);
		return (abs);
	}
	parent = fs_dirname(copy);
	if (fs_mkdir_p(parent, 0755, cause) == 0) {
		if ((real = realpath(parent, NULL)) == NULL)
			*cause = xasprintf("%s: %s", parent, strerror(errno));
		else {
			abs = str_join_path(real, base);
			free(real);
		}
	}
	free(parent);
	free(copy);
	return (abs);
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
 * dir never holds half a sandbox. Fills *rep (free with demo_report_clear);
 * returns -1 with *cause and rep->err set.
 */
int
demo_create(const char *dir, bool reset, struct demo_report *rep, char **cause)
{
	struct demo_ctx	 c;
	struct stat	 st;
	char		*def = NULL, *abs = NULL, *parent = NULL, *stage = NULL;
	char		*old = NULL, *base, *ignored = NULL;
	const char	*p;
	bool		 exists = false;
	int		 rc = -1;

	memset(rep, 0, sizeof *rep);
	rep->err = EIO;
	if (dir == NULL && (dir = def = demo_default_dir(cause)) == NULL) {
		rep->err = ENOENT;
		return (-1);
	}
	for (p = dir; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*cause = xstrdup(_("the sandbox folder's name has control characters"));
			rep->err = EINVAL;
			goto out;
		}
	}
	if ((abs = demo_absolute(dir, cause)) == NULL) {
		rep->err = errno != 0 ? errno : EIO;
		goto out;
	}
	demo_report_paths(rep, abs);
	if (lstat(abs, &st) == 0) {
		exists = true;
		if (!S_ISDIR(st.st_mode)) {
			*cause = xasprintf(_("%s: exists and is not a folder"), abs);
			rep->err = EEXIST;
			goto out;
		}
		if (demo_is_sandbox(abs)) {
			if (!reset) {
				rep->kept = true;
				demo_report_kept(rep);
				rc = 0;
				goto out;
			}
		} else if (!demo_dir_empty(abs)) {
			*cause = xasprintf(reset ?
			    _("%s: not a demo sandbox (no %s in it): refusing to delete it") :
			    _("%s: exists and is not a demo sandbox (no %s in it)"),
			    abs, DEMO_MARKER);
			rep->err = EEXIST;
			goto out;
		} else
			exists = false;		/* an empty folder is replaced as it is */
	} else if (errno != ENOENT) {
		*cause = xasprintf("%s: %s", abs, strerror(errno));
		rep->err = errno;
		goto out;
	}

	parent = fs_dirname(abs);
	base = strrchr(abs, '/') + 1;
	stage = xasprintf("%s/.%s.new.XXXXXX", parent, base);
	if (mkdtemp(stage) == NULL) {
		*cause = xasprintf("%s: %s", stage, strerror(errno));
		rep->err = errno;
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
			*cause = xasprintf("%s: %s", abs, strerror(errno));
			rep->err = errno;
			goto out;
		}
		rep->replaced = true;
	}
	if (rename(stage, abs) == -1) {
		*cause = xasprintf("%s: %s", abs, strerror(errno));
		rep->err = errno;
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
	rc = 0;
out:
	if (stage != NULL && demo_remove_tree(stage, &ignored) != 0)
		free(ignored);
	if (old != NULL && rc != 0 && !rep->replaced)
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
