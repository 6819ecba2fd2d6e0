/*
 * demo-int.h: what the files of the demo host share: the state of a sandbox
 * being made. demo.c makes the sandbox (folders, keys, settings, backups);
 * demo-net.c the made-up network in its database and WireGuard peers.
 */
#ifndef PDR_DEMO_INT_H
#define PDR_DEMO_INT_H

#include "system.h"

#include <sys/types.h>
#include <time.h>

#include "engine/host/demo.h"
#include "engine/recover/wgkey.h"

/* The sites of the made-up network (demo-net.c's demo_sites). */
#define DEMO_NSITES	40

/* What the generator keeps about a site while it fills the tables. */
struct demo_site {
	int	 id;
	bool	 hub;
	int	 hub_id;		/* the hub of its region */
	char	 status[16];
	char	 endpoint[32];
	char	 tunnel[24];
	char	 pub[WGKEY_B64_SIZE];
};

/* The state of one sandbox being made. */
struct demo_ctx {
	const char		*dir;		/* final folder (absolute) */
	const char		*stage;		/* folder being filled, renamed to dir at the end */
	time_t			 now;
	uint64_t		 rng;
	struct demo_site	 sites[DEMO_NSITES];
	char			 wg_priv[WGKEY_B64_SIZE];
	char			 wg_pub[WGKEY_B64_SIZE];
	struct demo_report	*rep;
};

/* demo.c */
uint64_t	 demo_rand(struct demo_ctx *);
double		 demo_uniform(struct demo_ctx *, double, double);
int		 demo_below(struct demo_ctx *, int);
const char	*demo_stamp(time_t, char *, size_t);
char		*demo_stage_path(struct demo_ctx *, const char *);
int		 demo_write(struct demo_ctx *, const char *, const void *, size_t, mode_t,
		    char **);

/* demo-net.c */
int		 demo_database(struct demo_ctx *, char **);
int		 demo_wireguard(struct demo_ctx *, char **);

#endif
