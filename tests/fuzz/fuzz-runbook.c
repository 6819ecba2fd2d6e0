/* fuzz-runbook.c: libFuzzer target for the runbook loader (runbook_load_buffer). */
#include "system.h"

#include "model/runbook.h"
#include "util/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Load one input; when it is a valid runbook, exercise what the TUI does with it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rb_var	 vars[] = {
		{ "database", "/var/lib/patronus/sdwan.db" },
		{ "backup_dir", "/backup/it's here" },
		{ "incident.dir", NULL },
		{ "incident.detected", "2026-01-01T00:00:00Z" },
	};
	struct runbook_set		 set;
	struct runbook			*rb, *x;
	char				*errors = NULL, *cause, *s;
	size_t				 i, j;

	rb = runbook_load_buffer("fuzz.yaml", (const char *)data, size, &errors);
	if (rb == NULL) {
		if (errors == NULL)
			abort();	/* a refusal always says why */
		free(errors);
		return (0);
	}
	if (errors != NULL)
		abort();
	for (i = 0; i < rb->nsteps; i++) {
		(void)runbook_drill_rule(&rb->steps[i]);
		if (runbook_step_index(rb, rb->steps[i].id) < 0)
			abort();
		cause = NULL;
		if (rb->steps[i].run != NULL) {
			s = runbook_subst(rb->steps[i].run, vars, nitems(vars), true, &cause);
			free(s);
			free(cause);
		}
		for (j = 0; j < rb->steps[i].nparams; j++) {
			cause = NULL;
			s = runbook_subst(rb->steps[i].params[j].value, vars, nitems(vars),
			    false, &cause);
			free(s);
			free(cause);
		}
	}
	set.books = xcalloc(1, sizeof *set.books);
	set.books[0] = rb;
	set.n = 1;
	errors = NULL;
	(void)runbook_check_refs(&set, rb, &errors);
	free(errors);
	errors = NULL;
	if ((x = runbook_expand(&set, rb, &errors)) != NULL)
		runbook_free(x);
	free(errors);
	runbook_set_clear(&set);
	return (0);
}
