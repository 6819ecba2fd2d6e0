/* bench-runbooks.c: time loading every runbook of a folder (runbook_set_load). */
#include "system.h"

#include <time.h>

#include "model/runbook.h"

/* Order two doubles. */
static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* The monotonic clock in seconds. */
static double
bench_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	struct runbook_set	 set;
	char			*errors = NULL, *dirs[1];
	double			 t, min = 1e9, total = 0, *times;
	size_t			 steps = 0, k;
	int			 i, n;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-runbooks DIR [ITERATIONS]\n");
		return (EX_USAGE);
	}
	dirs[0] = argv[1];
	n = argc > 2 ? atoi(argv[2]) : 200;
	if (n < 1)
		n = 1;
	if ((times = calloc((size_t)n, sizeof *times)) == NULL)
		return (EX_OSERR);
	for (i = 0; i < n; i++) {
		t = bench_now();
		if (runbook_set_load(&set, dirs, 1, &errors) != 0 || errors != NULL) {
			fprintf(stderr, "%s\n", errors != NULL ? errors : "load failed");
			return (EX_DATAERR);
		}
		t = bench_now() - t;
		times[i] = t;
		total += t;
		if (t < min)
			min = t;
		if (i == n - 1) {
			for (k = 0; k < set.n; k++)
				steps += set.books[k]->nsteps;
			printf("runbooks: %zu, steps: %zu\n", set.n, steps);
		}
		runbook_set_clear(&set);
	}
	qsort(times, (size_t)n, sizeof *times, bench_cmp);
	printf("load all: median %.3f ms, mean %.3f ms, min %.3f ms over %d runs "
	    "(target < 10 ms)\n", times[n / 2] * 1e3, total / n * 1e3, min * 1e3, n);
	free(times);
	return (0);
}
