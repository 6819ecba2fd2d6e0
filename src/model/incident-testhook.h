/*
 * incident-testhook.h: the record's test hooks, for the tests only (NOT part
 * of patronus-dr's interface; no production header declares them, as
 * util/testhook.h for the PDR_TEST_* variables). NULL in the program:
 * tests/pdr-incident-fixture and the unit tests set a fixed clock and host
 * name so that records (and their hashes) are reproducible.
 */
#ifndef PDR_INCIDENT_TESTHOOK_H
#define PDR_INCIDENT_TESTHOOK_H

#include "system.h"

extern int64_t		 (*incident_test_clock)(void);
extern const char	*incident_test_host;

#endif
