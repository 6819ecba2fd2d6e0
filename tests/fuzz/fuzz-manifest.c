/* fuzz-manifest.c: libFuzzer target for the manifest parser (manifest_parse) and its HMAC. */
#include "system.h"

#include "engine/set/manifest.h"
#include "util/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parse one input; when it parses, exercise what verify and the catalogue do with it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest	 m;
	char		*cause = NULL, *text, *again;
	size_t		 i;

	if (manifest_parse((const char *)data, size, "fuzz-manifest.txt", &m, &cause) != 0) {
		if (cause == NULL)
			abort();	/* a refusal always says why */
		free(cause);
		manifest_clear(&m);
		return (0);
	}
	if (cause != NULL || m.nsums == 0 || m.nsums > MANIFEST_MAXSUMS)
		abort();
	for (i = 0; i < m.nsums; i++)
		if (manifest_find_sum(&m, m.sums[i].name) == NULL || strlen(m.sums[i].hex) != 64)
			abort();
	(void)manifest_hmac_ok(&m, "fuzz-key-fuzz-key", (const char *)data, size);
	(void)manifest_other_key(&m, "fuzz-key-fuzz-key");
	/* What backup writes from these fields parses again, with a matching HMAC. */
	if (m.type != NULL && m.timestamp != NULL && m.date != NULL && m.hostname != NULL &&
	    m.db_name != NULL && m.db_size != NULL && strchr(m.type, '\n') == NULL) {
		struct manifest	m2;

		text = manifest_format(&m, "fuzz-key-fuzz-key");
		if (manifest_parse(text, strlen(text), "again", &m2, &cause) == 0) {
			if (!manifest_hmac_ok(&m2, "fuzz-key-fuzz-key", text, strlen(text)))
				abort();
			again = manifest_format(&m2, NULL);
			free(again);
		} else
			free(cause);
		manifest_clear(&m2);
		free(text);
	}
	manifest_clear(&m);
	return (0);
}
