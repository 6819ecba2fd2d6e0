/* metrics.c: the Prometheus textfile (metrics_file) of backups, verifies, prunes and drills. */
#include "system.h"

#include <unistd.h>

#include "engine/backup/metrics.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* The largest metrics file read back. */
#define METRICS_MAX (4 * 1024 * 1024)

/* Every metric written, in file order, with its HELP text; all are gauges. */
static const struct {
	const char	*name;
	const char	*help;
} metrics_table[] = {
	{ "patronus_dr_backup_last_run_timestamp_seconds",
	    "Time the last backup ended, successful or not." },
	{ "patronus_dr_backup_last_success",
	    "1 when the last backup succeeded, 0 when it failed." },
	{ "patronus_dr_backup_last_success_timestamp_seconds",
	    "Time the last successful backup ended." },
	{ "patronus_dr_backup_duration_seconds",
	    "How long the last backup took." },
	{ "patronus_dr_backup_size_bytes",
	    "Size of the set the last successful backup made (all four files)." },
	{ "patronus_dr_backup_sites",
	    "Sites counted in the copy of the last successful backup." },
	{ "patronus_dr_backup_paths",
	    "Paths counted in the copy of the last successful backup." },
	{ "patronus_dr_verify_last_timestamp_seconds",
	    "Time the last verify ended." },
	{ "patronus_dr_verify_last_success",
	    "1 when the last verify passed every check, 0 when a check failed." },
	{ "patronus_dr_verify_duration_seconds",
	    "How long the last verify took." },
	{ "patronus_dr_prune_last_timestamp_seconds",
	    "Time the last prune ended." },
	{ "patronus_dr_prune_last_success",
	    "1 when the last prune removed what it had to, 0 on an error." },
	{ "patronus_dr_prune_removed_sets",
	    "Sets the last prune removed." },
	{ "patronus_dr_remote_copy_last_success",
	    "1 when the last copy to the off-site target succeeded, 0 when it failed." },
	{ "patronus_dr_remote_copy_last_timestamp_seconds",
	    "Time of the last copy attempt to the off-site target." },
	{ "patronus_dr_backup_sets",
	    "Backup sets with a manifest in the tier." },
	{ "patronus_dr_backup_newest_age_seconds",
	    "Age of the newest set with a manifest in the tier." },
	{ "patronus_dr_backup_oldest_age_seconds",
	    "Age of the oldest set with a manifest in the tier." },
	{ "patronus_dr_incidents_open",
	    "Incidents (not drills) declared and not closed." },
	{ "patronus_dr_drill_last_timestamp_seconds",
	    "Time the last drill of the runbook was declared." },
	{ "patronus_dr_drill_last_success",
	    "1 when the last closed drill of the runbook passed, 0 when it failed." },
	{ "patronus_dr_drill_last_rto_achieved_seconds",
	    "Recovery time achieved by the last closed drill of the runbook." },
	{ "patronus_dr_drill_rto_target_seconds",
	    "Recovery time objective of the runbook's last drill." },
	{ "patronus_dr_drill_next_due_timestamp_seconds",
	    "When the runbook's schedule wants its next drill; 0 when never drilled." },
};

/* Start with nothing measured. */
void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof *m);
}

/* Free what m owns. */
void
metrics_clear(struct metrics *m)
{
	size_t	i;

	for (i = 0; i < m->n; i++) {
		free(m->s[i].name);
		free(m->s[i].labels);
	}
	for (i = 0; i < m->ncleared; i++)
		free(m->cleared[i]);
	free(m->s);
	free(m->cleared);
	metrics_init(m);
}

/* Whether family name is replaced by m. */
static bool
metrics_is_cleared(const struct metrics *m, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < m->ncleared; i++)
		if (strlen(m->cleared[i]) == len && strncmp(m->cleared[i], name, len) == 0)
			return (true);
	return (false);
}

/* Replace family name in the file, with no samples unless metrics_set adds some. */
void
metrics_drop(struct metrics *m, const char *name)
{
	if (metrics_is_cleared(m, name, strlen(name)))
		return;
	m->cleared = xreallocarray(m->cleared, m->ncleared + 1, sizeof *m->cleared);
	m->cleared[m->ncleared++] = xstrdup(name);
}

/* Add a sample of name (a metric of the table) with labels (NULL: none). */
void
metrics_set(struct metrics *m, const char *name, const char *labels, double value)
{
	metrics_drop(m, name);
	m->s = xreallocarray(m->s, m->n + 1, sizeof *m->s);
	m->s[m->n].name = xstrdup(name);
	m->s[m->n].labels = labels != NULL ? xstrdup(labels) : NULL;
	m->s[m->n].value = value;
	m->n++;
}

/* Per tier: the sets with a manifest, the age of the newest and of the oldest. */
void
metrics_catalog(struct metrics *m, const struct catalog_set *sets, size_t n, time_t now)
{
	time_t	 newest[BACKUP__TIERS], oldest[BACKUP__TIERS];
	long	 count[BACKUP__TIERS];
	char	*l;
	size_t	 i;
	int	 t;

	memset(count, 0, sizeof count);
	for (i = 0; i < n; i++) {
		if (!sets[i].have[PART_MANIFEST])
			continue;
		t = sets[i].tier;
		if (count[t] == 0 || sets[i].when > newest[t])
			newest[t] = sets[i].when;
		if (count[t] == 0 || sets[i].when < oldest[t])
			oldest[t] = sets[i].when;
		count[t]++;
	}
	metrics_drop(m, "patronus_dr_backup_newest_age_seconds");
	metrics_drop(m, "patronus_dr_backup_oldest_age_seconds");
	for (t = 0; t < BACKUP__TIERS; t++) {
		l = xasprintf("tier=\"%s\"", backup_tier_names[t]);
		metrics_set(m, "patronus_dr_backup_sets", l, (double)count[t]);
		if (count[t] > 0) {
			metrics_set(m, "patronus_dr_backup_newest_age_seconds", l,
			    (double)(now - newest[t]));
			metrics_set(m, "patronus_dr_backup_oldest_age_seconds", l,
			    (double)(now - oldest[t]));
		}
		free(l);
	}
}

/* Append one sample line of name{labels} value to b. */
static void
metrics_line(struct buf *b, const char *name, const char *labels, double v)
{
	buf_adds(b, name);
	if (labels != NULL && *labels != '\0')
		buf_printf(b, "{%s}", labels);
	if (v != v)
		buf_adds(b, " NaN\n");
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		buf_printf(b, " %.0f\n", v);
	else
		buf_printf(b, " %.6g\n", v);
}

/*
 * Rewrite path atomically: the families m sets or clears from m, the others as
 * the file had them (lines of metrics this table does not know are dropped).
 * Returns 0, or -1 and *cause naming the file.
 */
int
metrics_write(const char *path, const struct metrics *m, char **cause)
{
	struct buf	 b;
	char		*old = NULL, *line, *next, *end;
	size_t		 oldlen = 0, i, j, len;

	int		 rc;

	if (access(path, F_OK) == 0 &&
	    fs_read_file(path, METRICS_MAX, &old, &oldlen, cause) == -1)
		return (-1);
	buf_init(&b);
	for (i = 0; i < nitems(metrics_table); i++) {
		buf_printf(&b, "# HELP %s %s\n# TYPE %s gauge\n", metrics_table[i].name,
		    metrics_table[i].help, metrics_table[i].name);
		len = strlen(metrics_table[i].name);
		if (metrics_is_cleared(m, metrics_table[i].name, len)) {
			for (j = 0; j < m->n; j++)
				if (strcmp(m->s[j].name, metrics_table[i].name) == 0)
					metrics_line(&b, m->s[j].name, m->s[j].labels,
					    m->s[j].value);
			continue;
		}
		/* Keep this family's sample lines of the old file. */
		for (line = old; line != NULL && *line != '\0'; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				next++;
			end = line + strcspn(line, "{ \n");
			if (*line != '#' && (size_t)(end - line) == len &&
			    strncmp(line, metrics_table[i].name, len) == 0 &&
			    (*end == '{' || *end == ' '))
				buf_add(&b, line, next != NULL ? (size_t)(next - line) :
				    strlen(line));
		}
	}
	free(old);
	rc = fs_write_atomic(path, b.data, b.len, 0644, cause);
	buf_clear(&b);
	return (rc);
}
