/* verify.h: the plan's verify script and more, in-process, over one backup set. */
#ifndef PDR_VERIFY_H
#define PDR_VERIFY_H

#include "system.h"

enum verify_status { VERIFY_OK, VERIFY_WARN, VERIFY_FAIL };

/* One check and its outcome. Strings owned. */
struct verify_check {
	char			*check;		/* short name, e.g. "integrity" */
	char			*file;		/* the file it is about */
	enum verify_status	 status;
	char			*detail;	/* what was found */
};

/* All the checks of one set. */
struct verify_report {
	struct verify_check	*checks;
	size_t			 n;
	bool			 failed;
	size_t			 nfail;		/* checks failed */
	size_t			 nenv;		/* of them for want of the key, not for
						   the set's content: not a verdict */
	bool			 unsigned_set;	/* the manifest has no HMAC line */
	size_t			 nunsigned;	/* failed for that alone (0 or 1) */
	long			 sites;		/* -1 when not counted */
};

/* How to verify. Strings borrowed. */
struct verify_opts {
	const char	*password;	/* the encryption key, or NULL */
	const char	*key_why;	/* why there is no key */
	bool		 allow_unsigned; /* a manifest without HMAC line only warns */
	const char	*config_dir;	/* live folders: each archive is checked as */
	const char	*wireguard_dir;	/* restore would extract it there (or NULL) */
	const char	*encryption_key; /* the key file (kept out of archives) */
	const char	*conf_path;	/* dr.yaml read: a drill sandbox's names its live folders */
	const char	*db_sha256;	/* the database's SHA-256 computed as it was fetched
					   (hex), or NULL: it is hashed here */
	bool		 no_db;		/* the database was not fetched (restore all takes it
					   from the stream): not checked, and said so */
};

struct conf;
void	 verify_opts_conf(struct verify_opts *, const struct conf *, const char *,
	    const char *);
int	 verify_run(const char *, const struct verify_opts *, struct verify_report *);
int	 verify_archive(const char *, const char *, const char *, char *, size_t *, char **);
bool	 verify_content_failed(const struct verify_report *);
int	 verify_verdict(const struct verify_report *);
char	*verify_first_failure(const struct verify_report *);
void	 verify_report_clear(struct verify_report *);
const char *verify_status_name(enum verify_status);
int	 verify_db_check(const char *, bool, long *, long *, char **);

#endif
