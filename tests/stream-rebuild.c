/*
 * stream-rebuild.c: rebuild the newest point of a stream generation into a
 * database file (snapshot + segments), for the stream tests until restore
 * db --at exists. Usage: stream-rebuild STREAM_DIR OUT.db [UNTIL_MS]
 * Prints "generation GEN segments N". STREAM_DIR may also be one generation.
 * Its files are checked with the key in the file $PDR_STREAM_KEYFILE names.
 */
#include "system.h"

#include <unistd.h>

#include "engine/stream/segment.h"
#include "util/str.h"

int
main(int argc, char **argv)
{
	char		**names, *gendir, *cause = NULL;
	size_t		 n;
	uint64_t	 last;
	int64_t		 until = -1;

	if (argc < 3) {
		fprintf(stderr, "usage: stream-rebuild STREAM_DIR OUT.db [UNTIL_MS]\n");
		return (64);
	}
	if (argc > 3)
		until = strtoll(argv[3], NULL, 10);
	/* The files are checked with the key in the file $PDR_STREAM_KEYFILE names. */
	segment_auth_keyfile(getenv("PDR_STREAM_KEYFILE"));
	gendir = str_join_path(argv[1], SEGMENT_SNAPSHOT_SHA);
	if (access(gendir, F_OK) == 0) {
		free(gendir);
		if (segment_rebuild(argv[1], argv[2], until, &last, &cause) == -1) {
			fprintf(stderr, "stream-rebuild: %s\n", cause);
			return (65);
		}
		printf("generation %s segments %" PRIu64 "\n", argv[1], last);
		return (0);
	}
	free(gendir);
	if (segment_list_gens(argv[1], &names, &n, &cause) == -1 || n == 0) {
		fprintf(stderr, "stream-rebuild: %s\n", cause != NULL ? cause : "no generation");
		return (66);
	}
	gendir = str_join_path(argv[1], names[n - 1]);
	if (segment_rebuild(gendir, argv[2], until, &last, &cause) == -1) {
		fprintf(stderr, "stream-rebuild: %s\n", cause);
		return (65);
	}
	printf("generation %s segments %" PRIu64 "\n", names[n - 1], last);
	free(gendir);
	str_list_free(names, n);
	return (0);
}
