/* demo.h: a sandbox Patronus host for newcomers, drills and tests, made without root. */
#ifndef PDR_DEMO_H
#define PDR_DEMO_H

#include "system.h"

#include "util/fail.h"

#include <time.h>

/*
 * The sandbox layout (a contract; tests and other commands rely on it), all
 * under DIR:
 *   dr.yaml                              settings pointing at everything below
 *   .patronus-dr-demo                    marker: demo --reset deletes only such folders
 *   var/lib/patronus/sdwan.db            the Patronus database, WAL mode
 *   var/lib/patronus/dr/                 state_dir (incident record)
 *   var/log/patronus/                    log_file backup.log goes here
 *   etc/patronus/config.yaml, jwt-secret (0600), backup-encryption-key (0600),
 *   etc/patronus/tls/server.key (0600), server.crt
 *   etc/wireguard/wg0.conf (0600), privatekey (0600), publickey
 *   backup/patronus/                     backup_dir
 */
#define DEMO_MARKER		".patronus-dr-demo"
#define DEMO_CONFIG		"dr.yaml"
#define DEMO_DATABASE		"var/lib/patronus/sdwan.db"
#define DEMO_STATE_DIR		"var/lib/patronus/dr"
#define DEMO_LOG_FILE		"var/log/patronus/backup.log"
#define DEMO_CONFIG_DIR		"etc/patronus"
#define DEMO_ENCRYPTION_KEY	"etc/patronus/backup-encryption-key"
#define DEMO_WIREGUARD_DIR	"etc/wireguard"
#define DEMO_BACKUP_DIR		"backup/patronus"

/* What demo_create made or found. Strings are owned; demo_report_clear frees them. */
struct demo_report {
	char	*dir;		/* absolute sandbox folder */
	char	*config;	/* DIR/dr.yaml */
	char	*database;
	char	*config_dir;
	char	*wireguard_dir;
	char	*backup_dir;
	char	*encryption_key;
	char	*runbook_dir;	/* what dr.yaml's runbook_dirs names */
	char	*wg_public;	/* the control plane's WireGuard public key, or NULL */
	bool	 kept;		/* an existing sandbox was kept as it was */
	bool	 replaced;	/* --reset removed an older sandbox */
	long	 n_sites;
	long	 n_paths;
	long	 n_health;
	long	 n_policies;
	long	 n_users;
	long	 n_audit;
	long	 n_sets;	/* backup sets demo_history made */
};

char	*demo_default_dir(char **);
enum fail_class demo_create(const char *, bool, struct demo_report *, char **);
void	 demo_report_clear(struct demo_report *);
int	 demo_history(const struct demo_report *, time_t, size_t *, char **);

#endif
