/* catalog.c: the backup sets in BACKUP_DIR, their tiers and states. */
#include "system.h"

#include <sys/stat.h>
#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#include "engine/set/catalog.h"
#include "engine/set/hashio.h"
#include "engine/set/manifest.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

#include <openssl/evp.h>

const char *const backup_tier_names[BACKUP__TIERS] = { "hourly", "daily", "weekly", "monthly" };
const char *const catalog_suffixes[PART__COUNT] = {
	".db", "-config.tar.gz", "-wireguard.tar.gz.enc", "-manifest.txt"
};

/* The tier named by word, or -1. */
int
backup_tier_parse(const char *word)
{
	int	i;

	for (i = 0; i < BACKUP__TIERS; i++)
		if (strcmp(word, backup_tier_names[i]) == 0)
			return (i);
	return (-1);
}

/* The word for a state, as `backups` shows it. */
const char *
catalog_state_name(enum catalog_state s)
{
	static const char *const names[] = {
		"complete", "not verified", "incomplete", "corrupt", "unsigned"
	};

	return (names[s]);
}

/*
 * The sequence number of a set name: 1 for "patronus-TYPE-YYYYmmdd-HHMMSS",
 * N for the same with "-N" (2 to 99), which a backup adds when a set of that
 * second exists already; 0 when the rest after the stamp is anything else.
 */
int
catalog_name_seq(const char *rest)
{
	if (*rest == '\0')
		return (1);
	if (rest[0] != '-' || rest[1] < '1' || rest[1] > '9')
		return (0);
	if (rest[2] == '\0')
		return (rest[1] == '1' ? 0 : rest[1] - '0');
	if (rest[2] >= '0' && rest[2] <= '9' && rest[3] == '\0')
		return ((rest[1] - '0') * 10 + rest[2] - '0');
	return (0);
}

/*
 * Parse "patronus-TYPE-YYYYmmdd-HHMMSS" (or the same with "-N", see
 * catalog_name_seq) into its tier and local time. Returns -1 if it is not one.
 */
int
catalog_parse_name(const char *name, enum backup_tier *tier, time_t *when)
{
	struct tm	 tm;
	const char	*p;
	char		 word[16];
	size_t		 n, i;
	int		 t, day;

	if (strncmp(name, "patronus-", 9) != 0)
		return (-1);
	p = name + 9;
	n = strcspn(p, "-");
	if (n == 0 || n >= sizeof word || p[n] != '-')
		return (-1);
	memcpy(word, p, n);
	word[n] = '\0';
	if ((t = backup_tier_parse(word)) == -1)
		return (-1);
	p += n + 1;
	if (strlen(p) < 15 || p[8] != '-' || catalog_name_seq(p + 15) == 0)
		return (-1);
	for (i = 0; i < 15; i++)
		if (i != 8 && (p[i] < '0' || p[i] > '9'))
			return (-1);
	memset(&tm, 0, sizeof tm);
	if (sscanf(p, "%4d%2d%2d-%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return (-1);
	/* A time that does not exist (month 13, 99:99:99) is no set's: mktime would move it on. */
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	day = tm.tm_mday;
	*when = mktime(&tm);
	if (tm.tm_mday != day)
		return (-1);	/* February 30th */
	*tier = (enum backup_tier)t;
	return (0);
}

/* The path of one file of a set; the caller frees. */
char *
catalog_path(const struct catalog_set *s, enum catalog_part part)
{
	return (xasprintf("%s/%s%s", s->dir, s->name, catalog_suffixes[part]));
}

/*
 * What identifies a set's files as they are now: the manifest's SHA-256 and
 * the size, inode change time and inode of each file. NULL when a file is missing; the caller frees.
 */
char *
catalog_fingerprint(const struct catalog_set *s)
{
	struct buf	 b;
	struct stat	 st;
	char		*path, hex[HASHIO_HEXLEN], *cause = NULL;
	int		 i;

	path = catalog_path(s, PART_MANIFEST);
	if (hashio_file(path, hex, NULL, &cause) == -1) {
		free(cause);
		free(path);
		return (NULL);
	}
	free(path);
	buf_init(&b);
	buf_adds(&b, hex);
	for (i = 0; i < PART__COUNT; i++) {
		path = catalog_path(s, (enum catalog_part)i);
		if (stat(path, &st) == -1) {
			free(path);
			buf_clear(&b);
			return (NULL);
		}
		free(path);
		buf_printf(&b, " %jd:%jd.%09ld:%ju", (intmax_t)st.st_size,
		    (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, (uintmax_t)st.st_ino);
	}
	return (buf_steal(&b));
}

/* The stamp file that records the last verification of a set; the caller frees. */
char *
catalog_stamp_path(const char *state_dir, const struct catalog_set *s)
{
	const char	*tier = strrchr(s->dir, '/');

	tier = tier != NULL ? tier + 1 : s->dir;
	return (xasprintf("%s/verified/%s.%s", state_dir, tier, s->name));
}

/*
 * Record in STATE_DIR that a set as it is now verified (ok) or failed (why).
 * Returns -1 with *cause.
 */
int
catalog_stamp(const char *state_dir, const struct catalog_set *s, bool ok, const char *why,
    char **cause)
{
	char	*dir, *path, *fp, *text;
	int	 rc;

	if (state_dir == NULL)
		return (0);
	if ((fp = catalog_fingerprint(s)) == NULL) {
		*cause = xasprintf(_("%s/%s: files changed while being recorded"), s->dir, s->name);
		return (-1);
	}
	dir = xasprintf("%s/verified", state_dir);
	if (fs_mkdir_p(dir, 0700, cause) == -1) {
		free(dir);
		free(fp);
		return (-1);
	}
	free(dir);
	path = catalog_stamp_path(state_dir, s);
	text = xasprintf("%s %s\n%s\n", ok ? "ok" : "fail", fp, why != NULL ? why : "");
	rc = fs_write_atomic(path, text, strlen(text), 0600, cause);
	free(text);
	free(path);
	free(fp);
	return (rc);
}

/* Look at a set's files, manifest and stamp; fill size, sites, state and why. */
static void
catalog_judge(struct catalog_set *s, const char *state_dir, const char *password)
{
	struct manifest	 m;
	struct stat	 st;
	char		*path, *text = NULL, *cause = NULL, *stamp = NULL, *fp, *nl;
	size_t		 len;
	bool		 other;
	int		 i;

	s->sites = -1;
	for (i = 0; i < PART__COUNT; i++) {
		path = catalog_path(s, (enum catalog_part)i);
		s->have[i] = stat(path, &st) == 0 && S_ISREG(st.st_mode);
		if (s->have[i]) {
			s->size += (uint64_t)st.st_size;
			if (st.st_mtime > s->mtime)
				s->mtime = st.st_mtime;
		}
		free(path);
	}
	for (i = 0; i < PART__COUNT; i++) {
		if (!s->have[i]) {
			s->state = CATALOG_INCOMPLETE;
			s->why = xasprintf(_("%s%s is missing"), s->name, catalog_suffixes[i]);
			return;
		}
	}
	path = catalog_path(s, PART_MANIFEST);
	if (fs_read_file(path, 1024 * 1024, &text, &len, &cause) == -1 ||
	    manifest_parse(text, len, path, &m, &cause) == -1) {
		s->state = CATALOG_CORRUPT;
		s->why = cause;
		free(text);
		free(path);
		return;
	}
	free(path);
	s->sites = m.sites;
	s->hmac = m.have_hmac;
	for (i = 0; i < PART_MANIFEST; i++) {
		char *fname = xasprintf("%s%s", s->name, catalog_suffixes[i]);

		if (manifest_find_sum(&m, fname) == NULL && s->why == NULL)
			s->why = xasprintf(_("the manifest has no checksum of %s"), fname);
		free(fname);
	}
	other = s->why == NULL && m.have_hmac && password != NULL &&
	    !manifest_hmac_ok(&m, password, text, len) && manifest_other_key(&m, password);
	if (other)
		s->why = xasprintf(_("made with another key (fingerprint %s): verify it "
		    "with that key"), m.fingerprint);
	else if (s->why == NULL && m.have_hmac && password != NULL &&
	    !manifest_hmac_ok(&m, password, text, len))
		s->why = xasprintf(_("%s%s: HMAC does not match: the manifest was altered "
		    "or made with another key"), s->name, catalog_suffixes[PART_MANIFEST]);
	manifest_clear(&m);
	free(text);
	if (other) {
		/* Not damage: this key cannot judge it. */
		s->state = CATALOG_NOT_VERIFIED;
		return;
	}
	if (s->why != NULL) {
		s->state = CATALOG_CORRUPT;
		return;
	}
	s->state = s->hmac ? CATALOG_NOT_VERIFIED : CATALOG_UNSIGNED;
	if (!s->hmac)
		s->why = xstrdup(_("no HMAC line: made by the plan's own script, or forged "
		    "(verify --allow-unsigned checks the rest)"));
	if (state_dir == NULL)
		return;
	path = catalog_stamp_path(state_dir, s);
	if (fs_read_file(path, 64 * 1024, &stamp, NULL, &cause) == -1) {
		free(cause);
		free(path);
		return;
	}
	free(path);
	if ((fp = catalog_fingerprint(s)) != NULL && (nl = strchr(stamp, '\n')) != NULL) {
		*nl = '\0';
		if (strncmp(stamp, "ok ", 3) == 0 && strcmp(stamp + 3, fp) == 0 && s->hmac)
			s->state = CATALOG_COMPLETE;
		else if (strncmp(stamp, "fail ", 5) == 0 && strcmp(stamp + 5, fp) == 0) {
			s->state = CATALOG_CORRUPT;
			free(s->why);
			s->why = xstrdup(str_trim(nl + 1));
			if (*s->why == '\0') {
				free(s->why);
				s->why = xstrdup(_("verify failed"));
			}
		}
	}
	free(fp);
	free(stamp);
}

/*
 * Whether the stamp in STATE_DIR says set s verified ("ok") as its files are
 * now (each one's size, change time and inode, the manifest's hash).
 */
bool
catalog_stamp_ok(const char *state_dir, const struct catalog_set *s)
{
	char	*path, *stamp = NULL, *cause = NULL, *fp, *nl;
	bool	 ok = false;

	if (state_dir == NULL)
		return (false);
	path = catalog_stamp_path(state_dir, s);
	if (fs_read_file(path, 64 * 1024, &stamp, NULL, &cause) == -1) {
		free(cause);
		free(path);
		return (false);
	}
	free(path);
	if ((fp = catalog_fingerprint(s)) != NULL && (nl = strchr(stamp, '\n')) != NULL) {
		*nl = '\0';
		ok = strncmp(stamp, "ok ", 3) == 0 && strcmp(stamp + 3, fp) == 0;
	}
	free(fp);
	free(stamp);
	return (ok);
}

/* The sequence number of a set's name (1 without "-N"). */
static int
catalog_seq(const struct catalog_set *s)
{
	const char	*p = s->name;
	int		 seq;

	/* "patronus-" TYPE "-" YYYYmmdd-HHMMSS, then the rest. */
	if (strncmp(p, "patronus-", 9) != 0)
		return (1);
	p += 9;
	p += strcspn(p, "-");
	if (*p == '-')
		p++;
	if (strlen(p) < 15 || (seq = catalog_name_seq(p + 15)) == 0)
		return (1);
	return (seq);
}

/* Order sets newest first (of one second: the higher "-N" first), then by tier. */
static int
catalog_cmp(const void *a, const void *b)
{
	const struct catalog_set	*x = a, *y = b;

	if (x->when != y->when)
		return (x->when > y->when ? -1 : 1);
	if (x->tier != y->tier)
		return ((int)y->tier - (int)x->tier);
	return (catalog_seq(y) - catalog_seq(x));
}

/* Add the set stem in dir to the list (duplicates are removed later). */
static void
catalog_add(struct catalog_set **sets, size_t *n, size_t *size, enum backup_tier tier,
    const char *dir, const char *stem, time_t when)
{
	if (*n == *size) {
		*size = *size == 0 ? 64 : *size * 2;
		*sets = xreallocarray(*sets, *size, sizeof **sets);
	}
	memset(&(*sets)[*n], 0, sizeof **sets);
	(*sets)[*n].tier = tier;
	(*sets)[*n].dir = xstrdup(dir);
	(*sets)[*n].name = xstrdup(stem);
	(*sets)[*n].when = when;
	(*n)++;
}

/* Order sets by tier folder and name, to find the files of one set. */
static int
catalog_cmp_name(const void *a, const void *b)
{
	const struct catalog_set	*x = a, *y = b;

	if (x->tier != y->tier)
		return ((int)x->tier - (int)y->tier);
	return (strcmp(x->name, y->name));
}

/*
 * Every set under backup_dir, newest first, with its state (the stamps in
 * state_dir, and the HMAC when password is not NULL). The caller frees with
 * catalog_free. Returns -1 with *cause.
 */
int
catalog_scan(const char *backup_dir, const char *state_dir, const char *password,
    struct catalog_set **setsp, size_t *np, char **cause)
{
	struct catalog_set	*sets = NULL;
	struct dirent		*de;
	DIR			*d;
	enum backup_tier	 t, nt;
	time_t			 when;
	size_t			 n = 0, size = 0, i, j, len, slen;
	char			*dir, *stem;
	int			 p;

	for (t = 0; t < BACKUP__TIERS; t++) {
		dir = xasprintf("%s/%s", backup_dir, backup_tier_names[t]);
		if ((d = opendir(dir)) == NULL) {
			if (errno != ENOENT) {
				*cause = xasprintf("%s: %s", dir, strerror(errno));
				free(dir);
				catalog_free(sets, n);
				return (-1);
			}
			free(dir);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			for (p = 0; p < PART__COUNT; p++) {
				slen = strlen(catalog_suffixes[p]);
				if (len <= slen || strcmp(de->d_name + len - slen,
				    catalog_suffixes[p]) != 0)
					continue;
				stem = xstrndup(de->d_name, len - slen);
				if (catalog_parse_name(stem, &nt, &when) == 0)
					catalog_add(&sets, &n, &size, t, dir, stem, when);
				free(stem);
				break;
			}
		}
		closedir(d);
		free(dir);
	}
	if (n > 1)
		qsort(sets, n, sizeof *sets, catalog_cmp_name);
	for (i = j = 0; i < n; i++) {
		if (j > 0 && catalog_cmp_name(&sets[j - 1], &sets[i]) == 0) {
			catalog_set_clear(&sets[i]);
			continue;
		}
		if (i != j)
			sets[j] = sets[i];
		j++;
	}
	n = j;
	for (i = 0; i < n; i++)
		catalog_judge(&sets[i], state_dir, password);
	if (n > 1)
		qsort(sets, n, sizeof *sets, catalog_cmp);
	*setsp = sets;
	*np = n;
	return (0);
}

/* Free what one set holds. */
void
catalog_set_clear(struct catalog_set *s)
{
	free(s->dir);
	free(s->name);
	free(s->why);
	memset(s, 0, sizeof *s);
}

/* Free a list of sets. */
void
catalog_free(struct catalog_set *sets, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		catalog_set_clear(&sets[i]);
	free(sets);
}

/*
 * The set that a .db path names (its folder and name; tier from the name, or
 * hourly for a name of another shape). Returns -1 with *cause when path does not end in .db.
 */
int
catalog_set_from_db(const char *path, struct catalog_set *s, char **cause)
{
	const char	*base;
	size_t		 len;
	enum backup_tier tier = BACKUP_HOURLY;
	time_t		 when = 0;

	memset(s, 0, sizeof *s);
	len = strlen(path);
	if (len <= 3 || strcmp(path + len - 3, ".db") != 0) {
		*cause = xasprintf(_("%s: a backup set is named by its .db file"), path);
		return (-1);
	}
	s->dir = fs_dirname(path);
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	s->name = xstrndup(base, strlen(base) - 3);
	(void)catalog_parse_name(s->name, &tier, &when);
	s->tier = tier;
	s->when = when;
	s->sites = -1;
	return (0);
}

/* Whether one of the files of the set whose .db is db is there (verify names what is missing). */
static bool
catalog_is_set(const char *db)
{
	struct stat	 st;
	char		*f;
	size_t		 k, len = strlen(db) - strlen(catalog_suffixes[PART_DB]);
	bool		 found = false;

	for (k = 0; k < PART__COUNT && !found; k++) {
		f = xasprintf("%.*s%s", (int)len, db, catalog_suffixes[k]);
		found = stat(f, &st) == 0 && S_ISREG(st.st_mode);
		free(f);
	}
	return (found);
}

/*
 * The .db file of the set an operator names, the way `backups` names it:
 * the set's name (patronus-TIER-YYYYmmdd-HHMMSS), TIER/NAME, or a path to
 * one of its files (NAME.db, NAME-manifest.txt...), absolute or relative to
 * the current folder or to backup_dir. *name gets the bare set name; *db the
 * .db path of the first place where a file of the set is (its .db may be the
 * one missing), or NULL when none is and must_exist is false (fetch names
 * a set that is not here yet). Both caller frees. When must_exist and no file
 * is found: -1 and *cause, which names the newest three sets of backup_dir.
 */
int
catalog_resolve(const char *backup_dir, const char *arg, bool must_exist, char **db,
    char **name, char **cause)
{
	struct catalog_set	*sets = NULL;
	struct buf		 b;
	char			*stem, *base, *path = NULL, *try[4 + BACKUP__TIERS];
	char			 cwd[PATH_MAX];
	size_t			 len, k, n = 0, ntry = 0, i;
	enum backup_tier	 tier;
	time_t			 when;

	*db = *name = NULL;
	/* the stem: the argument without the suffix of one of the set's files */
	stem = xstrdup(arg);
	len = strlen(stem);
	for (k = 0; k < PART__COUNT; k++) {
		size_t	sl = strlen(catalog_suffixes[k]);

		if (len > sl && strcmp(stem + len - sl, catalog_suffixes[k]) == 0) {
			stem[len - sl] = '\0';
			break;
		}
	}
	while ((len = strlen(stem)) > 1 && stem[len - 1] == '/')
		stem[len - 1] = '\0';
	base = strrchr(stem, '/') != NULL ? strrchr(stem, '/') + 1 : stem;
	if (*base == '\0') {
		*cause = xasprintf(_("\"%s\" does not name a backup set"), arg);
		free(stem);
		return (-1);
	}
	*name = xstrdup(base);

	/* where it may be, in this order */
	if (strchr(stem, '/') != NULL || strcmp(stem, arg) != 0)
		try[ntry++] = xasprintf("%s.db", stem);		/* as given, from here */
	if (*stem != '/' && backup_dir != NULL) {
		try[ntry++] = xasprintf("%s/%s.db", backup_dir, stem);	/* TIER/NAME */
		if (strchr(stem, '/') == NULL) {
			if (catalog_parse_name(stem, &tier, &when) == 0)
				try[ntry++] = xasprintf("%s/%s/%s.db", backup_dir,
				    backup_tier_names[tier], stem);
			for (k = 0; k < BACKUP__TIERS; k++)
				try[ntry++] = xasprintf("%s/%s/%s.db", backup_dir,
				    backup_tier_names[k], stem);
		}
	}
	free(stem);
	for (i = 0; i < ntry; i++) {
		if (path == NULL && catalog_is_set(try[i]))
			path = try[i];
		else
			free(try[i]);
	}
	/* found from here: said as a full path, so that no message is ambiguous */
	if (path != NULL && *path != '/' && getcwd(cwd, sizeof cwd) != NULL) {
		stem = path;
		path = str_join_path(cwd, strncmp(stem, "./", 2) == 0 ? stem + 2 : stem);
		free(stem);
	}
	if (path != NULL || !must_exist) {
		*db = path;
		return (0);
	}

	/* not found: say which names exist */
	buf_init(&b);
	if (backup_dir != NULL && catalog_scan(backup_dir, NULL, NULL, &sets, &n, cause) == 0) {
		for (i = 0; i < n && i < 3; i++)
			buf_printf(&b, "%s%s/%s", i > 0 ? ", " : "", backup_tier_names[sets[i].tier],
			    sets[i].name);
		catalog_free(sets, n);
	} else if (backup_dir != NULL) {
		free(*cause);
		*cause = NULL;
	}
	if (b.len > 0)
		*cause = xasprintf(_("%s: no such backup set (a set name, TIER/NAME or a .db "
		    "path); the newest in %s: %s%s"), arg, backup_dir, b.data,
		    n > 3 ? _(", ...") : "");
	else
		*cause = xasprintf(_("%s: no such backup set, and none in %s"), arg,
		    backup_dir != NULL ? backup_dir : "-");
	buf_clear(&b);
	free(*name);
	*name = NULL;
	return (-1);
}

/*
 * When the newest set in BACKUP_DIR was made, in unix ms, 0 when there is
 * none: the time in its name (which backup also writes as the manifest's
 * Timestamp:), over the sets whose manifest is there in their own tier's
 * folder. Never a file's mtime: a set fetched a minute ago from
 * off-site was made when its name says.
 */
int64_t
catalog_newest(const char *backup_dir, int64_t limit_ms)
{
	struct dirent		*de;
	struct stat		 st;
	enum backup_tier	 tier;
	DIR			*d;
	char			*path, *f, *name;
	size_t			 len, sl = strlen(catalog_suffixes[PART_MANIFEST]);
	time_t			 when;
	int64_t			 best = 0;
	int			 i;

	if (backup_dir == NULL)
		return (0);
	for (i = 0; i < BACKUP__TIERS; i++) {
		path = xasprintf("%s/%s", backup_dir, backup_tier_names[i]);
		if ((d = opendir(path)) == NULL) {
			free(path);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len <= sl || strcmp(de->d_name + len - sl,
			    catalog_suffixes[PART_MANIFEST]) != 0)
				continue;
			name = xasprintf("%.*s", (int)(len - sl), de->d_name);
			f = xasprintf("%s/%s", path, de->d_name);
			if (catalog_parse_name(name, &tier, &when) == 0 && (int)tier == i &&
			    stat(f, &st) == 0 && S_ISREG(st.st_mode) &&
			    (int64_t)when * 1000 > best && (limit_ms == INT64_MAX ||
			    (int64_t)when * 1000 + 1000 <= limit_ms))
				best = (int64_t)when * 1000;
			free(f);
			free(name);
		}
		closedir(d);
		free(path);
	}
	return (best);
}
