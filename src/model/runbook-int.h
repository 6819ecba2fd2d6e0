/* runbook-int.h: what the runbook modules share (runbook*.c), not for other layers. */
#ifndef PDR_RUNBOOK_INT_H
#define PDR_RUNBOOK_INT_H

#include "system.h"

#include <yaml.h>

#include "model/runbook.h"

struct action_def;

/* One problem found in a file, kept until all are sorted by position. */
struct rb_error {
	size_t	 line;		/* 1-based */
	size_t	 column;	/* 1-based */
	size_t	 seq;		/* order found, for a stable sort */
	char	*msg;
};

/* The state of one load: the document and the problems found so far. */
struct rb_parse {
	const char	*file;		/* as named by the caller, for messages */
	yaml_document_t	 doc;
	struct runbook	*rb;
	struct rb_error	*errs;
	size_t		 nerrs;
	size_t		 errcap;
	size_t		 dropped;	/* problems past RB_MAX_ERRORS */
	unsigned char	*seen;		/* per node: visited, so an alias is caught */
	size_t		 nnodes;
};

/* Whether enough problems were found that no more are kept (skip costly hints). */
#define RB_FULL(rp) ((rp)->nerrs >= RB_MAX_ERRORS)

/* The most steps of a runbook, and answers or questions of a step. */
#define RB_MAX_STEPS	1000
#define RB_MAX_CHOICES	100

/* The most problems kept for one file; a line says how many more there were. */
#define RB_MAX_ERRORS 100

/* runbook.c */
void		 rb_step_clear(struct rb_step *);
char		*rb_dup(const char *);
bool		 rb_has_role(const struct runbook *, const char *);

/* runbook-yaml.c */
void		 rb_error(struct rb_parse *, const yaml_mark_t *, const char *, ...)
		     PDR_PRINTF(3, 4);
void		 rb_append_error(char **, const char *, size_t, size_t, const char *);
void		 rb_flush_errors(struct rb_parse *, char **);
void		 rb_syntax_error(struct rb_parse *, yaml_parser_t *, const char *, size_t);
struct rb_mark	 rb_mark_of(const yaml_node_t *);
yaml_mark_t	 rb_ymark(struct rb_mark);
const char	*rb_node_type(const yaml_node_t *);
bool		 rb_is_null(const yaml_node_t *);
yaml_node_t	*rb_node(struct rb_parse *, int);
const char	*rb_suggest(const char *, const char *const *, size_t);
const char	*rb_suggest_action(const char *);
const char	*rb_suggest_param(const struct action_def *, const char *);
void		 rb_map(struct rb_parse *, yaml_node_t *, const char *, const char *const *,
		     size_t, yaml_node_t **, yaml_node_t **);
void		 rb_check_vars(struct rb_parse *, const yaml_node_t *, const char *);
char		*rb_text(struct rb_parse *, yaml_node_t *, const char *, bool);
char		*rb_id(struct rb_parse *, yaml_node_t *, const char *);
int64_t		 rb_duration(struct rb_parse *, yaml_node_t *, const char *);
void		 rb_text_list(struct rb_parse *, yaml_node_t *, const char *, bool, char ***,
		     size_t *);
void		 rb_require(struct rb_parse *, yaml_node_t *, yaml_node_t *, const char *,
		     const char *);
bool		 rb_bool(struct rb_parse *, yaml_node_t *, const char *);

/* runbook-vars.c */
const char	*rb_suggest_var(const char *);

#endif
