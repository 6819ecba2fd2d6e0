/*
 * demo-net.c: the made-up network of a demo host: forty sites in five regions,
 * their paths and health samples, policies, users and audit trail in the
 * Patronus database, and the control plane's WireGuard peers (the hubs).
 */
#include "system.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "engine/host/demo-int.h"
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

/* DEMO_NSITES (demo-int.h) sizes struct demo_ctx's sites: it must count this table. */
_Static_assert(nitems(demo_sites) == DEMO_NSITES, "DEMO_NSITES counts demo_sites");

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
int
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
int
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
