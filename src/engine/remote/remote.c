/* remote.c: off-site copies of backup sets (SFTP and S3), the upload queue, remote sets. */
#include "system.h"

#include <sys/stat.h>
#include <curl/curl.h>
#include <unistd.h>

#include "engine/set/catalog.h"
#include "engine/set/hashio.h"
#include "engine/set/manifest.h"
#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"
#include "engine/backup/retention.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

const char *const remote_kind_names[REMOTE__KINDS] = { "sftp", "s3" };

/* Smallest part S3 accepts (but for the last one), and our default. */
#define REMOTE_S3_MIN_PART	(5 * 1024 * 1024)
#define REMOTE_S3_PART		(8 * 1024 * 1024)
#define REMOTE_S3_PARALLEL	4
/*
 * SFTP downloads: parts and connections at once (one CPU decrypts each). One
 * by default: on the 2-CPU bench host, CPU-bound on loopback, four cost 0.2 s
 * more CPU and 0.7 s more wall for 256 MiB (bench/README.md); more are for a
 * link whose latency, not a CPU, bounds one connection.
 */
#define REMOTE_SFTP_PART	(8 * 1024 * 1024)
#define REMOTE_SFTP_PARALLEL	1

/* The kind named s ("sftp", "s3"), or -1. */
int
remote_kind_parse(const char *s)
{
	int	i;

	for (i = 0; i < REMOTE__KINDS; i++)
		if (strcmp(s, remote_kind_names[i]) == 0)
			return (i);
	return (-1);
}

/* An environment variable, or NULL when unset or empty. */
static const char *
remote_env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

/* A file under $HOME/.ssh, or NULL when there is no HOME. Caller frees. */
static char *
remote_ssh_file(const char *name)
{
	const char	*home = remote_env("HOME");

	return (home == NULL ? NULL : xasprintf("%s/.ssh/%s", home, name));
}

/* Copy s without trailing slashes. Caller frees. */
static char *
remote_strip_slash(const char *s)
{
	size_t	len = strlen(s);

	while (len > 1 && s[len - 1] == '/')
		len--;
	return (xasprintf("%.*s", (int)len, s));
}

/*
 * A download's part size and parts at once, from the environment variables
 * named (their defaults else), within bounds: 4 KiB at least, 16 at once.
 */
static void
remote_parts_conf(struct remote *r, const char *size_env, long size, const char *par_env,
    long par)
{
	r->get_part_size = (size_t)curlio_env_long(size_env, size);
	if (r->get_part_size < 4096)
		r->get_part_size = 4096;
	r->parallel = (int)curlio_env_long(par_env, par);
	if (r->parallel > 16)
		r->parallel = 16;
}

/* The SFTP store of conf or of the plan's REMOTE_BACKUP_* variables; false when none. */
static bool
remote_sftp_conf(const struct conf *c, struct remote *r)
{
	const char	*v;
	char		*url;

	if (c->sftp_url != NULL)
		url = remote_strip_slash(c->sftp_url);
	else if ((v = remote_env("REMOTE_BACKUP_ENABLED")) != NULL && strcmp(v, "true") == 0) {
		const char	*host = remote_env("REMOTE_BACKUP_HOST");
		const char	*user = remote_env("REMOTE_BACKUP_USER");
		const char	*path = remote_env("REMOTE_BACKUP_PATH");
		char		*tmp;

		tmp = xasprintf("sftp://%s@%s%s%s", user != NULL ? user : "backup",
		    host != NULL ? host : "backup.example.com",
		    path != NULL && *path == '/' ? "" : "/",
		    path != NULL ? path : "backup/patronus");
		url = remote_strip_slash(tmp);
		free(tmp);
	} else
		return (false);
	memset(r, 0, sizeof *r);
	r->kind = REMOTE_SFTP;
	r->ops = &sftp_ops;
	r->url = url;
	r->where = xstrdup(url);
	if (c->sftp_identity != NULL)
		r->identity = xstrdup(c->sftp_identity);
	else {
		r->identity = remote_ssh_file("id_ed25519");
		if (r->identity != NULL && !fs_exists(r->identity)) {
			free(r->identity);
			r->identity = remote_ssh_file("id_rsa");
		}
	}
	if (c->sftp_known_hosts != NULL)
		r->known_hosts = xstrdup(c->sftp_known_hosts);
	else
		r->known_hosts = remote_ssh_file("known_hosts");
	/* Downloads: ranged reads over several connections (small parts for tests). */
	remote_parts_conf(r, "PATRONUS_DR_SFTP_PART_SIZE", REMOTE_SFTP_PART,
	    "PATRONUS_DR_SFTP_PARALLEL", REMOTE_SFTP_PARALLEL);
	return (true);
}

/* The S3 store of conf or of the plan's S3_* variables; 0 none, 1 one, -1 with *cause. */
static int
remote_s3_conf(const struct conf *c, struct remote *r, char **cause)
{
	const char	*v, *ak, *sk;
	char		 host[256];

	memset(r, 0, sizeof *r);
	r->kind = REMOTE_S3;
	r->ops = &s3_ops;
	if (c->s3_endpoint != NULL && c->s3_bucket != NULL) {
		r->endpoint = remote_strip_slash(c->s3_endpoint);
		r->bucket = xstrdup(c->s3_bucket);
		if (c->s3_prefix != NULL)
			r->prefix = xstrdup(c->s3_prefix);
		r->region = xstrdup(c->s3_region != NULL ? c->s3_region : "us-east-1");
	} else if ((v = remote_env("S3_BACKUP_ENABLED")) != NULL && strcmp(v, "true") == 0) {
		r->bucket = xstrdup((v = remote_env("S3_BUCKET")) != NULL ? v :
		    "patronus-backups");
		if ((v = remote_env("S3_PREFIX")) != NULL)
			r->prefix = xstrdup(v);
		if ((v = remote_env("AWS_REGION")) == NULL &&
		    (v = remote_env("AWS_DEFAULT_REGION")) == NULL)
			v = c->s3_region != NULL ? c->s3_region : "us-east-1";
		r->region = xstrdup(v);
		if ((v = remote_env("AWS_ENDPOINT_URL_S3")) == NULL &&
		    (v = remote_env("AWS_ENDPOINT_URL")) == NULL)
			r->endpoint = xasprintf("https://s3.%s.amazonaws.com", r->region);
		else
			r->endpoint = remote_strip_slash(v);
	} else
		return (0);
	if (r->prefix == NULL) {
		/* The plan's default: $(hostname)/ */
		if (gethostname(host, sizeof host) == -1)
			xsnprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		r->prefix = xasprintf("%s/", host);
	}
	r->where = xasprintf("s3://%s/%s (%s)", r->bucket, r->prefix, r->endpoint);
	if (c->s3_ca_file != NULL)
		r->ca_file = xstrdup(c->s3_ca_file);
	else if ((v = remote_env("AWS_CA_BUNDLE")) != NULL)
		r->ca_file = xstrdup(v);
	ak = remote_env("AWS_ACCESS_KEY_ID");
	sk = remote_env("AWS_SECRET_ACCESS_KEY");
	if (ak == NULL || sk == NULL) {
		*cause = xasprintf(_("%s: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be "
		    "set for the S3 copy"), r->where);
		remote_clear(r);
		return (-1);
	}
	r->access_key = xstrdup(ak);
	r->secret_key = xstrdup(sk);
	if ((v = remote_env("AWS_SESSION_TOKEN")) != NULL)
		r->token = xstrdup(v);
	r->part_size = (size_t)curlio_env_long("PATRONUS_DR_S3_PART_SIZE", REMOTE_S3_PART);
	if (r->part_size < REMOTE_S3_MIN_PART)
		r->part_size = REMOTE_S3_MIN_PART;
	/* Downloads: ranged parts (no size limit but ours; small ones for tests). */
	remote_parts_conf(r, "PATRONUS_DR_S3_GET_PART_SIZE", REMOTE_S3_PART,
	    "PATRONUS_DR_S3_PARALLEL", REMOTE_S3_PARALLEL);
	return (1);
}

/*
 * The off-site stores configured by conf (dr.yaml's remote section first; the
 * plan's environment variables when it has none), SFTP first. Fills r (room
 * for REMOTE__KINDS) and *n; free each with remote_clear. Returns FAIL_NONE,
 * or with *cause FAIL_PERM (a key file others can read) or FAIL_CONFIG.
 */
enum fail_class
remote_configure(const struct conf *c, struct remote *r, size_t *n, char **cause)
{
	struct stat	st;
	int		rc;

	*n = 0;
	if (remote_sftp_conf(c, &r[*n])) {
		if (r[*n].identity == NULL || r[*n].known_hosts == NULL) {
			*cause = xasprintf(_("%s: remote.sftp.identity and remote.sftp.known_hosts "
			    "are required"), r[*n].where);
			remote_clear(&r[*n]);
			return (FAIL_CONFIG);
		}
		if (stat(r[*n].identity, &st) == 0 && (st.st_mode & 077) != 0) {
			*cause = xasprintf(_("%s: key file is readable by group or others; "
			    "refusing it"), r[*n].identity);
			remote_clear(&r[*n]);
			return (FAIL_PERM);
		}
		(*n)++;
	}
	if ((rc = remote_s3_conf(c, &r[*n], cause)) == -1) {
		while (*n > 0)
			remote_clear(&r[--(*n)]);
		return (FAIL_CONFIG);
	}
	if (rc == 1)
		(*n)++;
	return (FAIL_NONE);
}

/* Free what a store holds; secrets are wiped first. */
void
remote_clear(struct remote *r)
{
	if (r->secret_key != NULL)
		explicit_bzero(r->secret_key, strlen(r->secret_key));
	if (r->token != NULL)
		explicit_bzero(r->token, strlen(r->token));
	free(r->where);
	free(r->url);
	free(r->identity);
	free(r->known_hosts);
	free(r->endpoint);
	free(r->bucket);
	free(r->ca_file);
	free(r->prefix);
	free(r->region);
	free(r->access_key);
	free(r->secret_key);
	free(r->token);
	if (r->curl != NULL)
		curl_easy_cleanup(r->curl);
	memset(r, 0, sizeof *r);
}

/* Upload local file to TIER/FILE of the store. Returns -1 with *cause. */
int
remote_put(struct remote *r, const char *local, const char *tier, const char *file,
    char **cause)
{
	if (curlio_init(cause) == -1)
		return (-1);
	return (r->ops->put(r, local, tier, file, cause));
}

/* Download TIER/FILE to local (via its temporary name, resuming it). Returns -1 with *cause. */
int
remote_get(struct remote *r, const char *tier, const char *file, const char *local,
    char **cause)
{
	int	rc;

	if (curlio_init(cause) == -1)
		return (-1);
	r->xfer = file;
	r->sha256[0] = '\0';
	rc = r->ops->get(r, tier, file, local, cause);
	if (r->progress != NULL)
		r->progress(r->progress_arg, file, 0, 0);
	r->xfer = NULL;
	return (rc);
}

/*
 * The first len bytes of TIER/FILE (all of it when shorter) appended to out,
 * by a ranged read: the rest of the object is not downloaded (a store that
 * answers with the whole object is cut off after len bytes). Returns -1 with
 * *cause and r->fail.
 */
int
remote_get_head(struct remote *r, const char *tier, const char *file, size_t len,
    struct buf *out, char **cause)
{
	if (curlio_init(cause) == -1)
		return (-1);
	r->fail = REMOTE_FAIL_NONE;
	return (r->ops->head(r, tier, file, len, out, cause));
}

/* Remove TIER/FILE from the store. Returns -1 with *cause. */
int
remote_delete(struct remote *r, const char *tier, const char *file, char **cause)
{
	if (curlio_init(cause) == -1)
		return (-1);
	return (r->ops->delete(r, tier, file, cause));
}

/* Every object under the store's tier folders. Returns -1 with *cause. */
int
remote_list(struct remote *r, struct remote_object **o, size_t *n, char **cause)
{
	*o = NULL;
	*n = 0;
	if (curlio_init(cause) == -1)
		return (-1);
	return (r->ops->list(r, o, n, cause));
}

/*
 * Every object UNDER/SUB/FILE of the store (the stream's "stream/GEN/FILE"),
 * its tier "UNDER/SUB". Returns -1 with *cause.
 */
int
remote_list_under(struct remote *r, const char *under, struct remote_object **o, size_t *n,
    char **cause)
{
	*o = NULL;
	*n = 0;
	if (curlio_init(cause) == -1)
		return (-1);
	return (r->ops->list_under(r, under, o, n, cause));
}

/* Remove an emptied folder of the store (S3 has none). Returns -1 with *cause. */
int
remote_rmdir(struct remote *r, const char *dir, char **cause)
{
	if (curlio_init(cause) == -1)
		return (-1);
	if (r->ops->rmdir == NULL)
		return (0);
	return (r->ops->rmdir(r, dir, cause));
}

/* Free a list of objects. */
void
remote_objects_free(struct remote_object *o, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(o[i].tier);
		free(o[i].file);
	}
	free(o);
}

/*
 * Upload the four files of set NAME from DIR to the store's TIER folder, the
 * manifest last, so that a remote manifest means a whole set. Returns -1 with *cause.
 */
int
remote_upload_set(struct remote *r, const char *dir, enum backup_tier tier, const char *name,
    char **cause)
{
	char	*local, *file;
	int	 i, rc = 0;

	for (i = 0; i < PART__COUNT && rc == 0; i++) {
		file = xasprintf("%s%s", name, catalog_suffixes[i]);
		local = xasprintf("%s/%s", dir, file);
		if (!fs_exists(local)) {
			*cause = xasprintf(_("%s: no such file"), local);
			rc = -1;
		} else
			rc = remote_put(r, local, backup_tier_names[tier], file, cause);
		free(local);
		free(file);
	}
	return (rc);
}

/* Which set and part a file name is, or -1. *name gets the set name (caller frees). */
static int
remote_part_of(const char *file, char **name)
{
	size_t	len = strlen(file), sl;
	int	i;

	for (i = 0; i < PART__COUNT; i++) {
		sl = strlen(catalog_suffixes[i]);
		if (len > sl && strcmp(file + len - sl, catalog_suffixes[i]) == 0) {
			*name = xasprintf("%.*s", (int)(len - sl), file);
			return (i);
		}
	}
	return (-1);
}

/* Order sets newest first, then by name. */
static int
remote_set_cmp(const void *a, const void *b)
{
	const struct remote_set	*x = a, *y = b;

	if (x->when != y->when)
		return (x->when > y->when ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/*
 * The backup sets of the store, grouped from its objects, newest first.
 * Objects that are not part of a set in its own tier's folder are ignored.
 * Free with remote_sets_free. Returns -1 with *cause.
 */
int
remote_sets(struct remote *r, struct remote_set **setsp, size_t *np, char **cause)
{
	struct remote_object	*o;
	struct remote_set	*sets = NULL;
	enum backup_tier	 tier;
	size_t			 no, n = 0, i, j;
	time_t			 when;
	char			*name;
	int			 part;

	if (remote_list(r, &o, &no, cause) == -1)
		return (-1);
	for (i = 0; i < no; i++) {
		if ((part = remote_part_of(o[i].file, &name)) == -1)
			continue;
		if (catalog_parse_name(name, &tier, &when) == -1 ||
		    strcmp(backup_tier_names[tier], o[i].tier) != 0) {
			free(name);
			continue;
		}
		for (j = 0; j < n; j++)
			if (strcmp(sets[j].name, name) == 0)
				break;
		if (j == n) {
			sets = xreallocarray(sets, n + 1, sizeof *sets);
			memset(&sets[n], 0, sizeof sets[n]);
			sets[n].tier = tier;
			sets[n].name = name;
			sets[n].when = when;
			n++;
		} else
			free(name);
		sets[j].have[part] = true;
		sets[j].size[part] = o[i].size;
	}
	remote_objects_free(o, no);
	if (n > 0)
		qsort(sets, n, sizeof *sets, remote_set_cmp);
	*setsp = sets;
	*np = n;
	return (0);
}

/* Free a list of remote sets. */
void
remote_sets_free(struct remote_set *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(s[i].name);
	free(s);
}

/*
 * Where remote_fetch_set holds a set's manifest (local, its final name) while
 * the other files come: its temporary name, so that the set does not look
 * whole here before they are all in. Caller frees.
 */
char *
remote_held_manifest(const char *local)
{
	return (hashio_tmpname(local));
}

/*
 * Whether the manifest at path (name for messages) is authentic under
 * password: read, parsed into m (then manifest_clear it) and its HMAC
 * matching. False with *why (caller frees) when it is not or cannot be told.
 */
static bool
remote_manifest_authentic(const char *path, const char *name, const char *password,
    struct manifest *m, char **why)
{
	char	*text = NULL, *cause = NULL;
	size_t	 len;
	bool	 ok = false;

	memset(m, 0, sizeof *m);
	if (password == NULL)
		*why = xstrdup(_("no key to check its HMAC with"));
	else if (fs_read_file(path, 1024 * 1024, &text, &len, &cause) == -1 ||
	    manifest_parse(text, len, name, m, &cause) == -1) {
		*why = cause;
		manifest_clear(m);
	} else if (!m->have_hmac)
		*why = xstrdup(_("it has no HMAC line"));
	else if (!manifest_hmac_ok(m, password, text, len) && manifest_other_key(m, password))
		*why = xasprintf(_("it was made with another key (fingerprint %s)"),
		    m->fingerprint);
	else if (!manifest_hmac_ok(m, password, text, len))
		*why = xstrdup(_("its HMAC does not match the key"));
	else
		ok = true;
	free(text);
	if (!ok)
		manifest_clear(m);
	return (ok);
}

/*
 * Download a set into BACKUP_DIR/TIER, each file under its temporary name
 * first (a broken download resumes from it). The manifest comes first and is
 * held under its temporary name (remote_held_manifest) until the others are
 * in, so that a set here is whole when its manifest is there. When its HMAC
 * verifies under password (NULL: no key), each file's SHA-256, computed as
 * it arrives, must be the manifest's (else it is damaged at rest), and the
 * store's MD5 (ETag) is not computed; otherwise the store checks its own
 * (S3: the ETag) and verify the checksums. sums (NULL, or PART__COUNT
 * entries) gets each file's SHA-256 as computed while it arrived, "" when the
 * store did not compute it. With r->stage_db set, the database is written
 * there too when the store can (r->also_done says it was). Returns -1 with
 * *cause.
 */
int
remote_fetch_set(struct remote *r, const char *backup_dir, const struct remote_set *s,
    const char *password, char (*sums)[HASHIO_HEXLEN], char **cause)
{
	static const int		 order[PART__COUNT] = { PART_MANIFEST, PART_DB, PART_CONFIG,
	    PART_WIREGUARD };
	const char			*tier = backup_tier_names[s->tier];
	const struct manifest_sum	*sum;
	struct manifest			 m;
	char				*dir, *file, *local, *held = NULL, *mlocal = NULL, *why;
	char				*tmp;
	bool				 authentic = false;
	int				 i, k, rc = 0;

	memset(&m, 0, sizeof m);
	r->also_done = false;
	dir = xasprintf("%s/%s", backup_dir, tier);
	if (fs_mkdir_p(dir, 0700, cause) == -1) {
		free(dir);
		return (-1);
	}
	for (k = 0; k < PART__COUNT && rc == 0; k++) {
		i = order[k];
		file = xasprintf("%s%s", s->name, catalog_suffixes[i]);
		local = xasprintf("%s/%s", dir, file);
		if (!s->have[i]) {
			*cause = xasprintf(_("%s/%s: not in %s"), tier, file, r->where);
			rc = -1;
		} else {
			log_info(_("Fetching %s/%s (%" PRIu64 " bytes)"), tier, file, s->size[i]);
			r->also = i == PART_DB ? r->stage_db : NULL;
			r->want_sha256 = NULL;
			if (authentic && (sum = manifest_find_sum(&m, file)) != NULL)
				r->want_sha256 = sum->hex;
			if (i == PART_MANIFEST) {
				mlocal = local;
				local = held = remote_held_manifest(mlocal);
			}
			rc = remote_get(r, tier, file, local, cause);
			r->also = NULL;
			r->want_sha256 = NULL;
			if (sums != NULL)
				xsnprintf(sums[i], HASHIO_HEXLEN, "%s", rc == 0 ? r->sha256 : "");
			if (i == PART_MANIFEST && rc == -1) {
				/* Small: fetched whole again next time, nothing kept to resume. */
				tmp = hashio_tmpname(held);
				unlink(tmp);
				free(tmp);
			} else if (i == PART_MANIFEST) {
				if ((authentic = remote_manifest_authentic(held, file, password, &m,
				    &why)))
					log_info(_("%s: the manifest's HMAC verifies: each file is "
					    "checked against its SHA-256 there as it arrives"), file);
				else {
					log_info(_("%s: %s: each file is checked against what the "
					    "store says of it as it arrives, the checksums by "
					    "verify"), file, why);
					free(why);
				}
			}
		}
		if (local != held)
			free(local);
		free(file);
	}
	/* A failure: the manifest held is fetched again next time (the others resume). */
	if (rc == -1 && held != NULL)
		unlink(held);
	/* Every file is in: the manifest takes its name, and the set is whole here. */
	if (rc == 0 && rename(held, mlocal) == -1) {
		*cause = xasprintf("%s: %s", mlocal, strerror(errno));
		r->fail = REMOTE_FAIL_LOCAL;
		rc = -1;
	}
	if (rc == 0 && fs_fsync_parent(mlocal, cause) == -1) {
		r->fail = REMOTE_FAIL_LOCAL;
		rc = -1;
	}
	manifest_clear(&m);
	free(held);
	free(mlocal);
	free(dir);
	return (rc);
}

/*
 * What `prune --remote` does with each remote set (sorted newest first): the
 * local rules over the whole sets, the newest whole set always kept, sets
 * missing files kept (a queued upload completes them). Fills *vp (n entries,
 * free with retention_verdicts_free).
 */
void
remote_retention(const struct conf *c, const struct remote_set *sets, size_t n,
    struct retention_verdict **vp)
{
	struct retention_policy	 p;
	struct retention_verdict *v;
	time_t			*when;
	bool			*whole;
	size_t			 i;
	int			 k;

	when = xcalloc(n + 1, sizeof *when);
	whole = xcalloc(n + 1, sizeof *whole);
	for (i = 0; i < n; i++) {
		when[i] = sets[i].when;
		for (k = 0; k < PART__COUNT && sets[i].have[k]; k++)
			;
		whole[i] = k == PART__COUNT;
	}
	v = retention_verdicts(c, when, whole, n, N_("kept: the newest whole set"), &p);
	for (i = 0; i < n; i++)
		if (!whole[i])
			v[i].why = xstrdup(_("incomplete, kept: a queued upload completes it"));
	free(when);
	free(whole);
	*vp = v;
}

/* Remove a remote set, the manifest first so that it never looks whole. -1 with *cause. */
int
remote_remove_set(struct remote *r, const struct remote_set *s, char **cause)
{
	char	*file;
	int	 i, rc = 0;

	for (i = PART__COUNT - 1; i >= 0 && rc == 0; i--) {
		if (!s->have[i])
			continue;
		file = xasprintf("%s%s", s->name, catalog_suffixes[i]);
		rc = remote_delete(r, backup_tier_names[s->tier], file, cause);
		free(file);
	}
	return (rc);
}

/* The queue's entries ("KIND TIER NAME"), in order. Caller frees. Returns -1 with *cause. */
int
remote_queue_read(const char *state_dir, char ***listp, size_t *np, char **cause)
{
	char	*path, *data, *line, *next;
	size_t	 len;

	*listp = NULL;
	*np = 0;
	path = xasprintf("%s/%s", state_dir, REMOTE_QUEUE_FILE);
	if (!fs_exists(path)) {
		free(path);
		return (0);
	}
	if (fs_read_file(path, 1 << 20, &data, &len, cause) == -1) {
		free(path);
		return (-1);
	}
	free(path);
	for (line = data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		str_trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		*listp = xreallocarray(*listp, *np + 1, sizeof **listp);
		(*listp)[(*np)++] = xstrdup(line);
	}
	free(data);
	return (0);
}

/* Replace the queue with these entries, atomically. Returns -1 with *cause. */
int
remote_queue_write(const char *state_dir, char *const *list, size_t n, char **cause)
{
	struct buf	 b;
	char		*path;
	size_t		 i;
	int		 rc;

	if (fs_mkdir_p(state_dir, 0700, cause) == -1)
		return (-1);
	buf_init(&b);
	buf_adds(&b, "# patronus-dr: off-site uploads to retry (KIND TIER NAME)\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s\n", list[i]);
	path = xasprintf("%s/%s", state_dir, REMOTE_QUEUE_FILE);
	rc = fs_write_atomic(path, b.data, b.len, 0600, cause);
	free(path);
	buf_clear(&b);
	return (rc);
}

/* Add entry to list unless it is there. */
static void
remote_queue_add(char ***list, size_t *n, char *entry)
{
	size_t	i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*list)[i], entry) == 0) {
			free(entry);
			return;
		}
	}
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = entry;
}

/*
 * The plan's steps 5 and 6: copy set NAME of TIER to every configured store,
 * after the uploads still queued from earlier runs. What fails stays queued in
 * STATE_DIR for the next run; *failed gets bit (1 << kind) for each store that
 * failed. Returns -1 with *cause when the stores are misconfigured or the
 * queue cannot be written.
 */
int
remote_offsite(const struct conf *c, enum backup_tier tier, const char *name,
    unsigned *failed, char **cause)
{
	struct remote	 r[REMOTE__KINDS];
	enum backup_tier t;
	time_t		 when;
	size_t		 nr, nq = 0, nkeep = 0, i, k;
	char		**queue = NULL, **keep = NULL, kind[16], tname[16], sname[128];
	char		*dir, *manifest, *why = NULL;
	bool		 down[REMOTE__KINDS] = { false, false };
	int		 rc = 0, kk;

	*failed = 0;
	if (remote_configure(c, r, &nr, cause) != FAIL_NONE)
		return (-1);
	if (remote_queue_read(c->state_dir, &queue, &nq, &why) == -1) {
		log_warn(_("cannot read the off-site queue: %s"), why);
		free(why);
		why = NULL;
	}
	for (k = 0; k < nr && name != NULL; k++)
		remote_queue_add(&queue, &nq, xasprintf("%s %s %s",
		    remote_kind_names[r[k].kind], backup_tier_names[tier], name));
	if (nq == 0)
		goto out;
	for (k = 0; k < nr; k++) {
		log_info("%s", _(r[k].ops->copying));
		for (i = 0; i < nq; i++) {
			if (sscanf(queue[i], "%15s %15s %127s", kind, tname, sname) != 3 ||
			    remote_kind_parse(kind) != (int)r[k].kind)
				continue;
			if (down[r[k].kind]) {
				remote_queue_add(&keep, &nkeep, xstrdup(queue[i]));
				continue;
			}
			if ((kk = backup_tier_parse(tname)) == -1 ||
			    catalog_parse_name(sname, &t, &when) == -1 || (int)t != kk) {
				log_warn(_("off-site queue: bad entry \"%s\" dropped"), queue[i]);
				continue;
			}
			t = (enum backup_tier)kk;
			dir = xasprintf("%s/%s", c->backup_dir, backup_tier_names[t]);
			manifest = xasprintf("%s/%s%s", dir, sname, catalog_suffixes[PART_MANIFEST]);
			if (!fs_exists(manifest)) {
				log_warn(_("off-site copy of %s to %s dropped: the set is no longer "
				    "in %s"), sname, kind, dir);
			} else if (remote_upload_set(&r[k], dir, t, sname, &why) == -1) {
				log_error(_("off-site copy of %s to %s failed: %s; queued for the "
				    "next run"), sname, r[k].where, why);
				free(why);
				why = NULL;
				*failed |= 1u << r[k].kind;
				down[r[k].kind] = true;
				remote_queue_add(&keep, &nkeep, xstrdup(queue[i]));
			} else
				log_info(_("Copied %s to %s"), sname, r[k].where);
			free(manifest);
			free(dir);
		}
		if ((*failed & (1u << r[k].kind)) == 0)
			log_info("%s", _(r[k].ops->copied));
	}
	/* Entries for stores no longer configured stay queued. */
	for (i = 0; i < nq; i++) {
		if (sscanf(queue[i], "%15s", kind) != 1 || (kk = remote_kind_parse(kind)) == -1)
			continue;
		for (k = 0; k < nr; k++)
			if (kk == (int)r[k].kind)
				break;
		if (k == nr)
			remote_queue_add(&keep, &nkeep, xstrdup(queue[i]));
	}
	if (remote_queue_write(c->state_dir, keep, nkeep, cause) == -1)
		rc = -1;
out:
	str_list_free(queue, nq);
	str_list_free(keep, nkeep);
	for (k = 0; k < nr; k++)
		remote_clear(&r[k]);
	return (rc);
}
