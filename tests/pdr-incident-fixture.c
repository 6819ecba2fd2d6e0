/* pdr-incident-fixture.c: test-only: write incident records through src/model/incident.c for the shell tests. */
#include "system.h"

#include <time.h>

#include "model/incident.h"
#include "util/testhook.h"
#include "util/xmalloc.h"

/* Usage on stderr, exit 64. */
static PDR_NORETURN void
usage(void)
{
	fputs("usage: pdr-incident-fixture STATE_DIR declare RUNBOOK [drill] [TITLE] [RTO] [RPO] [DETECTED_MS]\n"
	    "       pdr-incident-fixture STATE_DIR event ID KIND [STEP|-] [PAYLOAD]\n"
	    "       pdr-incident-fixture STATE_DIR output ID STEP TEXT\n"
	    "       pdr-incident-fixture STATE_DIR exit ID STEP STATUS CODE SIGNAL CANCELLED\n"
	    "       pdr-incident-fixture STATE_DIR check ID STEP INDEX ITEM [untick]\n"
	    "       pdr-incident-fixture STATE_DIR decision ID STEP QUESTION ANSWER NEXT\n"
	    "       pdr-incident-fixture STATE_DIR answer ID STEP QID QUESTION ANSWER\n"
	    "       pdr-incident-fixture STATE_DIR close ID [OUTCOME]\n"
	    "       pdr-incident-fixture STATE_DIR bench ID COUNT\n", stderr);
	exit(EX_USAGE);
}

/* Compare two int64_t for qsort. */
static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Append count notes, timing each; print the latency figures. */
static int
bench(struct incident_store *st, const char *id, int count, char **cause)
{
	struct timespec	 a, b;
	int64_t		*us, sum = 0;
	char		 note[64];
	int		 i;

	if (count <= 0)
		usage();
	us = xcalloc((size_t)count, sizeof *us);
	for (i = 0; i < count; i++) {
		snprintf(note, sizeof note, "bench note %d", i);
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (incident_append(st, id, "bench", INCIDENT_EV_NOTE, note, NULL, cause) != 0) {
			free(us);
			return (-1);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
		sum += us[i];
	}
	qsort(us, (size_t)count, sizeof *us, cmp64);
	printf("appends:              %d (durable, synchronous=FULL)\n", count);
	printf("append latency:       mean %.2f ms, median %.2f ms, p99 %.2f ms, max %.2f ms\n",
	    (double)sum / count / 1000.0, us[count / 2] / 1000.0,
	    us[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1] / 1000.0,
	    us[count - 1] / 1000.0);
	free(us);
	return (0);
}

/* The fixed clock: $PDR_FIXTURE_NOW_MS. */
static int64_t
fixture_clock(void)
{
	return (strtoll(getenv("PDR_FIXTURE_NOW_MS"), NULL, 10));
}

/* A step argument: "-" means none. */
static const char *
step_arg(const char *s)
{
	return (strcmp(s, "-") == 0 ? NULL : s);
}

int
main(int argc, char **argv)
{
	struct incident_store	*st;
	struct incident_decl	 d;
	enum incident_ev	 k;
	char			*cause = NULL, *id;
	const char		*op;
	int			 rc = -1;

	if (argc < 4)
		usage();
	/* A fixed clock and host for golden files: PDR_FIXTURE_NOW_MS, PDR_FIXTURE_HOST. */
	if (getenv("PDR_FIXTURE_NOW_MS") != NULL)
		testhook_clock = fixture_clock;
	testhook_host = getenv("PDR_FIXTURE_HOST");
	if (incident_store_open(argv[1], &st, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return (EX_IOERR);
	}
	op = argv[2];
	if (strcmp(op, "declare") == 0) {
		memset(&d, 0, sizeof d);
		d.runbook_id = argv[3];
		d.mode = argc > 4 && strcmp(argv[4], "drill") == 0 ? INCIDENT_MODE_DRILL :
		    INCIDENT_MODE_INCIDENT;
		d.runbook_title = argc > 5 ? argv[5] : argv[3];
		d.rto = argc > 6 ? strtoll(argv[6], NULL, 10) : 1800;
		d.rpo = argc > 7 ? strtoll(argv[7], NULL, 10) : 3600;
		d.detected_ms = argc > 8 ? strtoll(argv[8], NULL, 10) : 0;
		if ((rc = incident_declare(st, &d, &id, &cause)) == 0) {
			printf("%s\n", id);
			free(id);
		}
	} else if (strcmp(op, "event") == 0 && argc >= 5) {
		if ((k = incident_ev_from_name(argv[4])) == INCIDENT_EV_UNKNOWN)
			usage();
		rc = incident_append(st, argv[3], argc > 5 ? step_arg(argv[5]) : NULL, k,
		    argc > 6 ? argv[6] : NULL, NULL, &cause);
	} else if (strcmp(op, "output") == 0 && argc == 6) {
		rc = incident_append_output(st, argv[3], argv[4], argv[5], strlen(argv[5]),
		    &cause) == -1 ? -1 : 0;
	} else if (strcmp(op, "exit") == 0 && argc == 9) {
		rc = incident_append_exit(st, argv[3], argv[4], argv[5], atoi(argv[6]),
		    atoi(argv[7]), atoi(argv[8]) != 0, 0, 0, NULL, &cause);
	} else if (strcmp(op, "check") == 0 && argc >= 7) {
		rc = incident_append_check(st, argv[3], argv[4], argc < 8, atoi(argv[5]),
		    argv[6], NULL, &cause);
	} else if (strcmp(op, "decision") == 0 && argc == 8) {
		rc = incident_append_decision(st, argv[3], argv[4], argv[5], argv[6],
		    *argv[7] != '\0' ? argv[7] : NULL, NULL, &cause);
	} else if (strcmp(op, "answer") == 0 && argc == 8) {
		rc = incident_append_answer(st, argv[3], argv[4], argv[5], argv[6], argv[7],
		    NULL, &cause);
	} else if (strcmp(op, "bench") == 0 && argc == 5) {
		rc = bench(st, argv[3], atoi(argv[4]), &cause);
	} else if (strcmp(op, "close") == 0) {
		rc = incident_close(st, argv[3], argc > 4 ? argv[4] : NULL, NULL, &cause);
	} else
		usage();
	incident_store_close(st);
	if (rc != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return (1);
	}
	return (0);
}
