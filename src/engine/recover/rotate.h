/* rotate.h: a new WireGuard key pair for the local interface, the old one kept aside. */
#ifndef PDR_ROTATE_H
#define PDR_ROTATE_H

#include "system.h"

#include "engine/recover/wgkey.h"
#include "util/fail.h"

/* What rotate_keys did. */
struct rotate_result {
	char	*kept;				/* folder with the old files, owned */
	char	 old_public[WGKEY_B64_SIZE];	/* "" when unknown */
	char	 new_public[WGKEY_B64_SIZE];
};

enum fail_class	rotate_keys(const char *, const char *, const char *, struct rotate_result *,
	    char **);
void	rotate_result_clear(struct rotate_result *);

#endif
