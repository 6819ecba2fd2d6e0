/* testlib.h: what the Check unit tests share: a scratch folder, files in it, running a suite, the incident record. */
#ifndef PDR_TESTLIB_H
#define PDR_TESTLIB_H

#include "system.h"

#include <sys/types.h>
#include <check.h>

#include "model/incident.h"

/* The scratch folder made by testlib_tmp_make or testlib_run, else NULL. */
extern char	*testlib_dir;

/* Make a fresh scratch folder /tmp/pdr-NAME.XXXXXX as testlib_dir (for a checked fixture). */
void	 testlib_tmp_make(const char *name);
/* Remove testlib_dir and everything in it (for a checked fixture). */
void	 testlib_tmp_remove(void);
/* Write text to NAME in testlib_dir with mode; returns the path (caller frees). */
char	*testlib_write(const char *name, const char *text, mode_t mode);

/*
 * A scratch folder as testlib_tmp_make, a state_dir path in it (not yet made:
 * the store makes it) returned (caller frees), and the environment an
 * incident record reads set to a plain local operator "tester".
 */
char	*testlib_state_setup(const char *name);

/* Open the incident store in state_dir, failing the test on error. */
struct incident_store *testlib_store(const char *state_dir);
/* Append an event, failing the test on error. */
void	 testlib_append(struct incident_store *, const char *id, const char *step,
	    enum incident_ev, const char *payload);

/*
 * Run a suite and free it; with tmpname, in one scratch folder (testlib_dir)
 * made before and removed after. Returns the program's exit status.
 */
int	 testlib_run(Suite *, const char *tmpname);

#endif
