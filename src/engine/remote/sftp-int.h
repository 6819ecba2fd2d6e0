/*
 * sftp-int.h: what the SFTP store's files share (sftp.c the store,
 * sftp-parts.c a download as ranged reads over several connections).
 */
#ifndef PDR_SFTP_INT_H
#define PDR_SFTP_INT_H

#include "system.h"

#include <curl/curl.h>

#include "engine/remote/curlio.h"
#include "engine/remote/remote.h"

/*
 * libssh2 reads ahead as much as it is asked for at once: libcurl's 16 KiB
 * buffer by default, a round trip each; 512 KiB (libcurl's most) keeps many
 * reads in flight. The file is written in pieces as large (libcurl hands the
 * bytes over 16 KiB at a time).
 */
#define SFTP_READ_BUFFER	(512L * 1024)
#define SFTP_WBUF		(512 * 1024)
#define SFTP_SYNC_STEP		(8 * 1024 * 1024)

/* What the host key check found. */
struct sftp_check {
	bool			called;
	enum curl_khmatch	match;
};

void	 sftp_setup(struct remote *, CURL *, const char *, char *, struct sftp_check *);
void	 sftp_failed(struct remote *, int, const char *, const char *,
	    const struct sftp_check *, char **);
int	 sftp_get_parts(struct remote *, const char *, const char *, int, int, bool *,
	    struct curlio_hasher *, uint64_t, int64_t, char **);

#endif
