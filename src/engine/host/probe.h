/* probe.h: the plan's service and configuration checks: an HTTP request, a YAML parse. */
#ifndef PDR_PROBE_H
#define PDR_PROBE_H

#include "system.h"

int	probe_http(const char *, int64_t, long *, int64_t *, char **);
int	probe_yaml(const char *, size_t *, char **);

#endif
