/* fuzz-archive.c: libFuzzer target for restore's whole-archive check (extract_check). */
#include "system.h"

#include "engine/recover/extract.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Check one input as the config archive of a set restored into /etc/patronus. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct extract_opts	 o;
	size_t			 entries = 0;
	char			*cause = NULL;
	int			 rc;

	memset(&o, 0, sizeof o);
	o.name = "fuzz-config.tar.gz";
	o.target = "/etc/patronus";
	o.prefix = "etc/patronus";
	rc = extract_check(data, size, &o, &entries, &cause);
	if (rc != 0 && rc != -1 && rc != -2)
		abort();
	if ((rc != 0) != (cause != NULL))
		abort();	/* a refusal always says why, a pass says nothing */
	if (rc == 0 && entries == 0)
		abort();	/* an archive without entries is refused */
	free(cause);
	return (0);
}
