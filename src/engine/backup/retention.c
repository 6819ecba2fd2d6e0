/* retention.c: which backup sets to keep, with restic's forget --keep-* semantics. */
#include "system.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine/set/catalog.h"
#include "engine/backup/retention.h"
#include "engine/set/setlock.h"
#include "engine/set/verify.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* The calendar bucket of t for a rule, as restic computes it (local time). */
static long
retention_bucket(time_t t, int rule)
{
	struct tm	tm;
	char		buf[16];

	localtime_r(&t, &tm);
	switch (rule) {
	case BACKUP_HOURLY:
		return ((tm.tm_year + 1900L) * 1000000 + (tm.tm_mon + 1) * 10000 +
		    tm.tm_mday * 100 + tm.tm_hour);
	case BACKUP_DAILY:
		return ((tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
	case BACKUP_WEEKLY:
		strftime(buf, sizeof buf, "%G%V", &tm);
		return (strtol(buf, NULL, 10));
	default:
		return ((tm.tm_year + 1900L) * 100 + tm.tm_mon + 1);
	}
}

/*
 * restic's forget --keep-hourly/daily/weekly/monthly over times sorted newest
 * first: for each rule, walking from the newest, a backup in a bucket other
 * than the last one kept by that rule is kept while the rule has count left.
 * reasons[i] gets bit (1 << rule) for each rule that keeps backup i; 0: remove.
 */
void
retention_select(const time_t *when, size_t n, const struct retention_policy *p,
    unsigned *reasons)
{
	long	last[BACKUP__TIERS];
	int	left[BACKUP__TIERS], r;
	size_t	i;
	long	b;

	for (r = 0; r < BACKUP__TIERS; r++) {
		last[r] = -1;
		left[r] = p->keep[r];
	}
	for (i = 0; i < n; i++) {
		reasons[i] = 0;
		for (r = 0; r < BACKUP__TIERS; r++) {
			if (left[r] == 0)
				continue;
			b = retention_bucket(when[i], r);
			if (b != last[r]) {
				last[r] = b;
				reasons[i] |= 1u << r;
				if (left[r] > 0)
					left[r]--;
			}
		}
	}
}

/* Free a list of verdicts. */
void
retention_verdicts_free(struct retention_verdict *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].why);
	free(v);
}

/* Append to *list / *n (the caller starts them, e.g. NULL and 0) the temporary files of interrupted backups under backup_dir older than age seconds (-1: all). */
void
retention_stale(const char *backup_dir, time_t now, time_t age, char ***list, size_t *n)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		*dir, *path;
	int		 t;

	for (t = 0; t < BACKUP__TIERS; t++) {
		dir = xasprintf("%s/%s", backup_dir, backup_tier_names[t]);
		if ((d = opendir(dir)) == NULL) {
			free(dir);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, ".patronus-", 10) != 0 ||
			    strstr(de->d_name, ".tmp") == NULL)
				continue;
			path = xasprintf("%s/%s", dir, de->d_name);
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    (age < 0 || now - st.st_mtime > age)) {
				*list = xreallocarray(*list, *n + 1, sizeof **list);
				(*list)[(*n)++] = path;
			} else
				free(path);
		}
		closedir(d);
		free(dir);
	}
}

/* Whether a backup (or prune, fetch) runs now: another process holds backup_dir's lock (setlock.h). */
bool
retention_busy(const char *backup_dir)
{
	char	*path;
	int	 fd;
	bool	 busy = false;

	path = xasprintf("%s/%s", backup_dir, SETLOCK_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd == -1)
		return (false);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		busy = errno == EWOULDBLOCK;
	close(fd);
	return (busy);
}

/* Fill a policy from conf's retention counts. */
void
retention_policy_conf(struct retention_policy *p, const struct conf *c)
{
	p->keep[BACKUP_HOURLY] = c->retention_hourly;
	p->keep[BACKUP_DAILY] = c->retention_daily;
	p->keep[BACKUP_WEEKLY] = c->retention_weekly;
	p->keep[BACKUP_MONTHLY] = c->retention_monthly;
}

/*
 * Why a set with these reasons (retention_select's bits) stays or goes under
 * p: "kept by rule: daily, weekly" or "not needed by retention (...)". The
 * caller frees the string.
 */
char *
retention_why(unsigned reasons, const struct retention_policy *p)
{
	struct buf	 b;
	char		*why;
	int		 r;

	if (reasons == 0)
		return (xasprintf(_("not needed by retention (hourly %d, daily %d, "
		    "weekly %d, monthly %d)"), p->keep[BACKUP_HOURLY], p->keep[BACKUP_DAILY],
		    p->keep[BACKUP_WEEKLY], p->keep[BACKUP_MONTHLY]));
	buf_init(&b);
	for (r = 0; r < BACKUP__TIERS; r++)
		if (reasons & (1u << r))
			buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", backup_tier_names[r]);
	why = xasprintf(_("kept by rule: %s"), b.data);
	buf_clear(&b);
	return (why);
}

/*
 * The rules' verdicts over n sets sorted newest first, taken at when[i]: the
 * sets with eligible[i] set follow the policy of c (filled into *p); the
 * others get no verdict (why NULL) for the caller to give. With keep_newest
 * set, the newest eligible set that the rules would remove is kept with that
 * reason (untranslated). Returns n + 1 verdicts; free with
 * retention_verdicts_free.
 */
struct retention_verdict *
retention_verdicts(const struct conf *c, const time_t *when, const bool *eligible, size_t n,
    const char *keep_newest, struct retention_policy *p)
{
	struct retention_verdict *v;
	time_t			*good;
	unsigned		*reasons;
	size_t			*idx, ngood = 0, i, j;

	retention_policy_conf(p, c);
	v = xcalloc(n + 1, sizeof *v);
	good = xcalloc(n + 1, sizeof *good);
	idx = xcalloc(n + 1, sizeof *idx);
	reasons = xcalloc(n + 1, sizeof *reasons);
	for (i = 0; i < n; i++) {
		if (eligible[i]) {
			idx[ngood] = i;
			good[ngood++] = when[i];
		}
	}
	retention_select(good, ngood, p, reasons);
	for (j = 0; j < ngood; j++) {
		i = idx[j];
		if (j == 0 && reasons[j] == 0 && keep_newest != NULL) {
			v[i].why = xstrdup(_(keep_newest));
			continue;
		}
		v[i].remove = reasons[j] == 0;
		v[i].why = retention_why(reasons[j], p);
	}
	free(good);
	free(idx);
	free(reasons);
	return (v);
}

/*
 * Decide what prune does with each set under conf's backup_dir at now. Sets
 * that are complete or not verified take part in the rules over all tiers
 * together; the newest of them that verifies is never removed; incomplete
 * sets older than a day go; corrupt sets stay for inspection. Fills *sets,
 * *verdicts (same length) and *stale (temporary files to remove); the caller
 * frees them. Returns -1 with *cause.
 */
int
retention_plan(const struct conf *c, const char *password, time_t now,
    struct catalog_set **setsp, size_t *np, struct retention_verdict **vp,
    char ***stale, size_t *nstale, char **cause)
{
	struct retention_policy	 p;
	struct catalog_set	*sets;
	struct retention_verdict *v;
	struct verify_report	 vr;
	struct verify_opts	 vo;
	time_t			*when;
	size_t			 n, i;
	bool			*eligible, protected = false;
	char			*db, *why;
	int			 r;

	if (catalog_scan(c->backup_dir, c->state_dir, password, &sets, &n, cause) == -1)
		return (-1);
	when = xcalloc(n + 1, sizeof *when);
	eligible = xcalloc(n + 1, sizeof *eligible);
	for (i = 0; i < n; i++) {
		when[i] = sets[i].when;
		/* Unsigned sets (the plan's script) follow the rules too. */
		eligible[i] = sets[i].state == CATALOG_COMPLETE ||
		    sets[i].state == CATALOG_NOT_VERIFIED || sets[i].state == CATALOG_UNSIGNED;
	}
	v = retention_verdicts(c, when, eligible, n, NULL, &p);
	/* The newest set that verifies stays, whatever the rules say. */
	for (i = 0; i < n && !protected; i++) {
		if (!eligible[i])
			continue;
		if (sets[i].state == CATALOG_UNSIGNED)
			continue;	/* never the set that retention protects */
		if (sets[i].state == CATALOG_NOT_VERIFIED) {
			db = catalog_path(&sets[i], PART_DB);
			verify_opts_conf(&vo, c, password, NULL);
			r = verify_run(db, &vo, &vr);
			if (r == 0)
				sets[i].state = CATALOG_COMPLETE;
			why = verify_first_failure(&vr);
			/* A verdict for want of the key is not stamped on the set. */
			if (verify_verdict(&vr) >= 0 && catalog_stamp(c->state_dir, &sets[i],
			    verify_verdict(&vr) == 1, why, cause) == -1) {
				free(*cause);
				*cause = NULL;
			}
			free(db);
			if (r != 0) {
				sets[i].state = CATALOG_CORRUPT;
				free(sets[i].why);
				sets[i].why = why;
				free(v[i].why);
				v[i].remove = false;
				v[i].why = vr.nenv > 0 ? xasprintf(_("cannot be verified now, "
				    "kept: %s"), why) : xasprintf(_("corrupt, kept for "
				    "inspection: %s"), why);
				verify_report_clear(&vr);
				continue;
			}
			verify_report_clear(&vr);
			free(why);
		}
		protected = true;
		if (v[i].remove) {
			v[i].remove = false;
			free(v[i].why);
			v[i].why = xstrdup(_("kept: the newest set that verifies"));
		}
	}
	for (i = 0; i < n; i++) {
		if (v[i].why != NULL)
			continue;
		if (sets[i].state == CATALOG_INCOMPLETE) {
			if (now - sets[i].mtime > RETENTION_INCOMPLETE_AGE) {
				v[i].remove = true;
				v[i].why = xasprintf(_("incomplete for more than a day: %s"),
				    sets[i].why);
			} else
				v[i].why = xasprintf(_("incomplete, less than a day old: %s"),
				    sets[i].why);
		} else
			v[i].why = xasprintf(_("corrupt, kept for inspection: %s"),
			    sets[i].why != NULL ? sets[i].why : "?");
	}
	*stale = NULL;
	*nstale = 0;
	retention_stale(c->backup_dir, now, RETENTION_INCOMPLETE_AGE, stale, nstale);
	free(when);
	free(eligible);
	*setsp = sets;
	*np = n;
	*vp = v;
	return (0);
}

/*
 * Remove a set's files, the manifest first, and its stamp. No fsync: a removal
 * lost in a crash leaves a set that is incomplete or pruned again. Returns -1 with *cause.
 */
int
retention_remove(const struct conf *c, const struct catalog_set *s, char **cause)
{
	char	*path;
	int	 i, rc = 0;

	for (i = PART__COUNT - 1; i >= 0; i--) {
		path = catalog_path(s, (enum catalog_part)i);
		if (unlink(path) == -1 && errno != ENOENT && rc == 0) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			rc = -1;
		}
		free(path);
	}
	if (c->state_dir != NULL) {
		path = catalog_stamp_path(c->state_dir, s);
		unlink(path);
		free(path);
	}
	return (rc);
}

/*
 * Apply retention and log each removal (or, with dry_run, what would go).
 * Returns -1 with *cause when a set could not be removed.
 */
int
retention_prune(const struct conf *c, const char *password, time_t now, bool dry_run,
    char **cause)
{
	struct catalog_set	*sets;
	struct retention_verdict *v;
	char			**stale;
	size_t			 n, nstale, i;
	int			 rc = 0;

	if (retention_plan(c, password, now, &sets, &n, &v, &stale, &nstale, cause) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (!v[i].remove)
			continue;
		/* logged first, then removed whole: a hangup waits for both */
		proc_defer_signals();
		log_info(_("%s %s/%s: %s"), dry_run ? _("would remove") : _("removing"),
		    sets[i].dir, sets[i].name, v[i].why);
		if (!dry_run && rc == 0 && retention_remove(c, &sets[i], cause) == -1)
			rc = -1;
		proc_undefer_signals();
	}
	for (i = 0; i < nstale; i++) {
		log_info(_("%s %s: temporary file of an interrupted backup"),
		    dry_run ? _("would remove") : _("removing"), stale[i]);
		if (!dry_run)
			unlink(stale[i]);
		free(stale[i]);
	}
	free(stale);
	retention_verdicts_free(v, n);
	catalog_free(sets, n);
	return (rc);
}

/* Order strings for qsort (forensic names sort by their stamp). */
static int
retention_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Add to *list (n entries) the forensic copies of live that are older than
 * the newest keep: the entries of its folder named BASE + mark + something
 * (restore's LIVE.corrupted.STAMP, DIR.pre-restore-STAMP,
 * config-before-restore-STAMP.tar.gz), one copy being all the names that
 * share a stem once a sqlite side suffix (-wal, -shm, -journal) is taken off.
 */
static void
retention_forensic_kind(const char *dir, const char *prefix, int keep, char ***list, size_t *n)
{
	static const char *const side[] = { "-wal", "-shm", "-journal" };
	struct dirent	*de;
	DIR		*d;
	char		**names = NULL, **stems = NULL, *stem;
	size_t		 nn = 0, ns = 0, i, j, k, len;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    strstr(de->d_name, ".tmp") != NULL)
			continue;
		names = xreallocarray(names, nn + 1, sizeof *names);
		names[nn++] = xstrdup(de->d_name);
		stem = xstrdup(de->d_name);
		len = strlen(stem);
		for (k = 0; k < nitems(side); k++)
			if (str_has_suffix(stem, side[k]))
				stem[len - strlen(side[k])] = '\0';
		for (j = 0; j < ns && strcmp(stems[j], stem) != 0; j++)
			;
		if (j < ns) {
			free(stem);
			continue;
		}
		stems = xreallocarray(stems, ns + 1, sizeof *stems);
		stems[ns++] = stem;
	}
	closedir(d);
	if (ns > 1)
		qsort(stems, ns, sizeof *stems, retention_strcmp);
	/* The oldest stems beyond the newest keep go, with all their files. */
	for (j = 0; keep >= 0 && j + (size_t)keep < ns; j++) {
		for (i = 0; i < nn; i++) {
			len = strlen(stems[j]);
			if (strncmp(names[i], stems[j], len) != 0)
				continue;
			for (k = 0; k < nitems(side) && strcmp(names[i] + len, side[k]) != 0; k++)
				;
			if (names[i][len] != '\0' && k == nitems(side))
				continue;
			*list = xreallocarray(*list, *n + 1, sizeof **list);
			(*list)[(*n)++] = str_join_path(dir, names[i]);
		}
	}
	str_list_free(names, nn);
	str_list_free(stems, ns);
}

/*
 * The forensic copies restore left (the database's LIVE.corrupted.STAMP, the
 * config and WireGuard folders' DIR.pre-restore-STAMP, the config archived
 * in STATE_DIR before a restore) beyond the newest retention.forensic of
 * each kind, oldest first, into *list (free with str_list_free).
 */
void
retention_forensic(const struct conf *c, char ***list, size_t *n)
{
	const char	*live[] = { c->database, c->config_dir, c->wireguard_dir };
	const char	*mark[] = { ".corrupted.", ".pre-restore-", ".pre-restore-" };
	char		*dir, *base, *prefix;
	size_t		 i;

	*list = NULL;
	*n = 0;
	for (i = 0; i < nitems(live); i++) {
		if (live[i] == NULL)
			continue;
		dir = fs_dirname(live[i]);
		base = strrchr(live[i], '/');
		prefix = xasprintf("%s%s", base != NULL ? base + 1 : live[i], mark[i]);
		retention_forensic_kind(dir, prefix, c->retention_forensic, list, n);
		free(prefix);
		free(dir);
	}
	if (c->state_dir != NULL)
		retention_forensic_kind(c->state_dir, "config-before-restore-",
		    c->retention_forensic, list, n);
}
