/* conf.h: dr.yaml, the settings of patronus-dr (ARCHITECTURE.md contract). */
#ifndef PDR_CONF_H
#define PDR_CONF_H

#include "system.h"

/* Where a setting came from: file NULL means the built-in default. */
struct conf_origin {
	const char	*file;
	int		 line;
	int		 column;
};

/* Every key of dr.yaml, in the order `config` shows them. */
enum conf_key {
	CONF_DATABASE,
	CONF_CONFIG_DIR,
	CONF_WIREGUARD_DIR,
	CONF_BACKUP_DIR,
	CONF_ENCRYPTION_KEY,
	CONF_LOG_FILE,
	CONF_STATE_DIR,
	CONF_RUNBOOK_DIRS,
	CONF_BACKUP_INTERVAL,
	CONF_RETENTION_HOURLY,
	CONF_RETENTION_DAILY,
	CONF_RETENTION_WEEKLY,
	CONF_RETENTION_MONTHLY,
	CONF_SFTP_URL,
	CONF_SFTP_IDENTITY,
	CONF_SFTP_KNOWN_HOSTS,
	CONF_S3_ENDPOINT,
	CONF_S3_BUCKET,
	CONF_S3_PREFIX,
	CONF_S3_REGION,
	CONF_S3_CA_FILE,
	CONF_METRICS_FILE,
	CONF_NOTIFY_WEBHOOK,
	CONF_NOTIFY_TIMEOUT,
	CONF_NOTIFY_COMMAND,
	CONF_STREAM_INTERVAL,
	CONF_STREAM_RETENTION,
	CONF_STREAM_CHECKPOINT_FRAMES,
	CONF_SDWAN_BINARY,
	CONF_RETENTION_FORENSIC,
	CONF__COUNT
};

/* How to reach whoever holds a role (dr.yaml contacts:, keyed by the runbooks' role names). */
struct conf_contact {
	char			*role;
	char			*primary;	/* each may be NULL */
	char			*secondary;
	char			*phone;
	char			*chat;
	struct conf_origin	 origin;	/* of the role's key */
};

/* The effective settings. Strings are owned by the struct; NULL means unset. */
struct conf {
	char			*path;		/* file read, NULL when none */
	char			*database;
	char			*config_dir;
	char			*wireguard_dir;
	char			*backup_dir;
	char			*encryption_key;
	char			*log_file;
	char			*state_dir;
	char			**runbook_dirs;
	size_t			 n_runbook_dirs;
	int64_t			 backup_interval;	/* seconds */
	int			 retention_hourly;
	int			 retention_daily;
	int			 retention_weekly;
	int			 retention_monthly;
	char			*sftp_url;
	char			*sftp_identity;
	char			*sftp_known_hosts;
	char			*s3_endpoint;
	char			*s3_bucket;
	char			*s3_prefix;
	char			*s3_region;
	char			*s3_ca_file;	/* CA certificates for https, NULL: the system's */
	char			*metrics_file;
	char			*notify_webhook;
	int64_t			 notify_timeout;	/* seconds */
	char			*notify_command;	/* run with the JSON on stdin */
	int64_t			 stream_interval;	/* seconds */
	int64_t			 stream_retention;	/* seconds */
	int			 stream_checkpoint_frames;
	struct conf_contact	*contacts;	/* in file order */
	size_t			 ncontacts;
	char			*sdwan_binary;		/* patronus-sdwan, absolute */
	int			 retention_forensic;	/* forensic copies kept per kind */
	struct conf_origin	 origin[CONF__COUNT];
};

/* Default location when neither --config nor $PATRONUS_DR_CONFIG says otherwise. */
#define CONF_DEFAULT_PATH "/etc/patronus/dr.yaml"

void		 conf_defaults(struct conf *);
int		 conf_load(struct conf *, const char *, bool, char **);
int		 conf_load_file(struct conf *, const char *, bool, char **);
void		 conf_clear(struct conf *);
const char	*conf_key_name(enum conf_key);
char		*conf_value_string(const struct conf *, enum conf_key);

/* The contact of a role (exact name, then ignoring case), or NULL. */
const struct conf_contact *conf_contact_find(const struct conf *, const char *);
/* How to reach a role's holders in one line, or NULL (caller frees). */
char		*conf_contact_text(const struct conf_contact *);

#endif
