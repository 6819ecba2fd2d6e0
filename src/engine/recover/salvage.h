/* salvage.h: the plan's "assess damage": integrity check and a dump of what can be read. */
#ifndef PDR_SALVAGE_H
#define PDR_SALVAGE_H

#include "system.h"

#include "util/fail.h"

/* What could be read of one table. */
struct salvage_table {
	char	*name;		/* owned */
	long	 rows;		/* rows written to the dump */
	long	 rows_pages;	/* of which read page by page, past what SQLite could read */
	long	 suspect;	/* of which flagged suspect */
	long	 errors;	/* read errors met */
	bool	 complete;	/* read to the end without an error */
};

/* A damaged page (or cell) of a table or index, with the rowids it held when known. */
struct salvage_damage {
	char		*table;		/* owned: the table or index, or NULL (unattributed) */
	uint32_t	 pgno;
	int		 cell;		/* -1: the whole page */
	const char	*why;		/* static */
	bool		 range;		/* rowids lo..hi (inclusive) are lost */
	int64_t		 lo, hi;
};

/* The outcome of salvage_check and salvage_dump. Owned; salvage_report_clear frees it. */
struct salvage_report {
	bool			 intact;	/* integrity_check said ok */
	char			**problems;	/* all its messages */
	size_t			 nproblems;
	char			**notes;	/* what the dump left out, and why */
	size_t			 nnotes;
	struct salvage_table	*tables;
	size_t			 ntables;
	struct salvage_damage	*damage;
	size_t			 ndamage;
	long			 schema_errors;	/* schema rows that SQLite could not read */
	bool			 schema_pages;	/* the schema was read page by page */
	long			 rows;		/* all rows written to the tables */
	long			 suspect;	/* of which flagged suspect */
	long			 lost_found;	/* rows put in lost_and_found */
	long			 index_orphans;	/* trees of damaged indexes' entries left out */
	long			 cells;		/* rows found on the file's table leaf pages */
	bool			 almost_nothing;	/* under a tenth of those salvaged */
	char			*report_path;	/* owned: the report beside the dump */
	char			*integrity_path;	/* owned: the integrity check beside it */
};

/* Lines of the integrity check printed; all of them go to the file beside the dump. */
#define SALVAGE_SHOW_PROBLEMS 10

enum fail_class	salvage_copy(const char *, const char *, char **, char **);
void	salvage_copy_remove(const char *);
enum fail_class	salvage_check(const char *, struct salvage_report *, char **);
int	salvage_dump(const char *, const char *, const char *, struct salvage_report *,
	    char **);
void	salvage_report_clear(struct salvage_report *);

#endif
