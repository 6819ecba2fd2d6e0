/* wgkey.h: WireGuard (X25519) keys, in the base64 that wg genkey and wg pubkey print. */
#ifndef PDR_WGKEY_H
#define PDR_WGKEY_H

#include "system.h"

#define WGKEY_LEN	32		/* raw key bytes */
#define WGKEY_B64_LEN	44		/* base64 characters, ending in '=' */
#define WGKEY_B64_SIZE	(WGKEY_B64_LEN + 1)

void	wgkey_encode(const unsigned char *, char *);
int	wgkey_decode(const char *, unsigned char *);
int	wgkey_public_raw(const unsigned char *, unsigned char *, char **);
int	wgkey_public(const char *, char *, char **);
int	wgkey_generate(char *, char *, char **);
void	wgkey_wipe(void *, size_t);

#endif
