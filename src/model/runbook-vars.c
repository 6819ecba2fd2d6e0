/* runbook-vars.c: ${variables}: which exist, their values, a step's command and env. */
#include "system.h"

#include "engine/host/action.h"
#include "model/incident.h"
#include "model/runbook.h"
#include "model/runbook-int.h"
#include "util/conf.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The incident.* variables a step may use besides dr.yaml's keys. */
static const char *const rb_incident_vars[] = RB_INCIDENT_VARS;

/* The hint for a misspelt ${variable}: the closest dr.yaml key or incident.* name. */
const char *
rb_suggest_var(const char *name)
{
	const char	*cands[CONF__COUNT + nitems(rb_incident_vars)];
	size_t		 i, n = 0;

	for (i = 0; i < CONF__COUNT; i++)
		cands[n++] = conf_key_name((enum conf_key)i);
	for (i = 0; i < nitems(rb_incident_vars); i++)
		cands[n++] = rb_incident_vars[i];
	return (rb_suggest(name, cands, n));
}

/* Whether name is a variable runbooks may use. */
bool
runbook_var_known(const char *name)
{
	size_t	i;

	for (i = 0; i < CONF__COUNT; i++)
		if (strcmp(conf_key_name((enum conf_key)i), name) == 0)
			return (true);
	for (i = 0; i < nitems(rb_incident_vars); i++)
		if (strcmp(rb_incident_vars[i], name) == 0)
			return (true);
	return (false);
}

/* The variables of dr.yaml and the extra ones; free with runbook_vars_free. */
struct rb_var *
runbook_vars_conf(const struct conf *c, const struct rb_var *extra, size_t nextra,
    size_t *nvars)
{
	struct rb_var	*v;
	size_t		 i, n = 0;

	v = xcalloc(CONF__COUNT + nextra + 1, sizeof *v);
	for (i = 0; i < CONF__COUNT; i++, n++) {
		v[n].name = xstrdup(conf_key_name((enum conf_key)i));
		v[n].value = conf_value_string(c, (enum conf_key)i);
	}
	for (i = 0; i < nextra; i++, n++) {
		v[n].name = xstrdup(extra[i].name);
		v[n].value = rb_dup(extra[i].value);
	}
	*nvars = n;
	return (v);
}

/* Free variables made by runbook_vars_conf. */
void
runbook_vars_free(struct rb_var *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free((char *)v[i].name);
		free((char *)v[i].value);
	}
	free(v);
}

/*
 * The variables of a step of incident inc: dr.yaml's keys from c (the
 * sandbox's settings in a drill) and the incident's, incident.dir under
 * state_dir (the record's). Free with runbook_vars_free.
 */
struct rb_var *
runbook_vars_incident(const struct conf *c, const struct incident *inc, const char *state_dir,
    size_t *n)
{
	char		 start[TIMEUTIL_BUFSZ], det[TIMEUTIL_BUFSZ];
	char		*dir;
	struct rb_var	 extra[6], *v;

	time_format_iso((time_t)(inc->declared_ms / 1000), start, sizeof start);
	time_format_iso((time_t)(inc->detected_ms / 1000), det, sizeof det);
	dir = xasprintf("%s/incidents/%s", state_dir, inc->id);
	extra[0].name = "incident.id";
	extra[0].value = inc->id;
	extra[1].name = "incident.start";
	extra[1].value = start;
	extra[2].name = "incident.detected";
	extra[2].value = det;
	extra[3].name = "incident.mode";
	extra[3].value = incident_mode_name(inc->mode);
	extra[4].name = "incident.runbook";
	extra[4].value = inc->runbook_id;
	extra[5].name = "incident.dir";
	extra[5].value = dir;
	v = runbook_vars_conf(c, extra, nitems(extra), n);
	free(dir);
	return (v);
}

/* Whether an action step sets the parameter name in its with:. */
static bool
rb_has_param(const struct rb_step *rs, const char *name)
{
	size_t	k;

	for (k = 0; k < rs->nparams; k++)
		if (strcmp(rs->params[k].name, name) == 0)
			return (true);
	return (false);
}

/*
 * The command of a run or action step with its variables substituted, as it
 * is shown and recorded ("patronus-dr ARGS..." for an action). With
 * before_ms >= 0 (the runbook's restore_before: detected), an action that
 * takes "before" and is not given one gets it: only points taken before
 * that instant, to the millisecond. For an action, *argvp (when not NULL)
 * gets the child's argv: self, --config config (when not NULL), the words
 * and options (caller frees it and its strings); for a run step it is set
 * to NULL. Returns NULL and *cause when a variable or the action is
 * unknown. The caller frees the result.
 */
char *
runbook_step_command(const struct rb_step *rs, const struct rb_var *vars, size_t nv,
    const char *self, const char *config, int64_t before_ms, char ***argvp, char **cause)
{
	const struct action_def		*def;
	const char			**names, **values;
	char				**argv, *cmd = NULL;
	struct buf			 b;
	size_t				 k, np;
	bool				 bad = false;

	if (argvp != NULL)
		*argvp = NULL;
	if (rs->kind == RB_RUN)
		return (runbook_subst(rs->run, vars, nv, true, cause));
	if (rs->kind != RB_ACTION)
		return (NULL);
	if ((def = action_find(rs->action)) == NULL) {
		*cause = xasprintf(_("unknown action \"%s\""), rs->action);
		return (NULL);
	}
	names = xcalloc(rs->nparams + 2, sizeof *names);
	values = xcalloc(rs->nparams + 2, sizeof *values);
	for (k = 0; k < rs->nparams; k++) {
		names[k] = rs->params[k].name;
		if ((values[k] = runbook_subst(rs->params[k].value, vars, nv, false,
		    bad ? NULL : cause)) == NULL && !bad)
			bad = true;
	}
	np = rs->nparams;
	if (!bad && before_ms >= 0 && action_find_param(def, "before") != NULL &&
	    !rb_has_param(rs, "before")) {
		names[np] = "before";
		values[np++] = xasprintf("@%" PRId64 ".%03d", before_ms / 1000,
		    (int)(before_ms % 1000));
	}
	if (!bad) {
		/* destructive actions run only after the confirm dialog */
		argv = action_argv(def, self, config, names, values, np, true);
		buf_init(&b);
		buf_adds(&b, PACKAGE);
		for (k = 1; argv[k] != NULL; k++) {
			buf_addc(&b, ' ');
			str_shell_quote(&b, argv[k]);
		}
		cmd = buf_steal(&b);
		if (argvp != NULL)
			*argvp = argv;
		else
			str_list_free(argv, k);
	}
	for (k = 0; k < rs->nparams + 1; k++)
		free((char *)values[k]);
	free(names);
	free(values);
	return (cmd);
}

/*
 * The environment a step's child gets (NULL-terminated "NAME=VALUE" strings;
 * free with runbook_step_env_free): PATRONUS_DR_INCIDENT, _DRILL, _STEP,
 * _CONFIG (the settings the step works with, when not NULL),
 * _STATE_DIR (where the incident record is, for the events an action adds)
 * and _RUN (the run those events name, run.h, when not NULL).
 */
char **
runbook_step_env(const struct incident *inc, const char *step, const char *config,
    const char *state_dir, const char *run)
{
	char	**env;
	size_t	  n = 0;

	env = xcalloc(7, sizeof *env);
	env[n++] = xasprintf("PATRONUS_DR_INCIDENT=%s", inc->id);
	env[n++] = xasprintf("PATRONUS_DR_DRILL=%d", inc->mode == INCIDENT_MODE_DRILL);
	env[n++] = xasprintf("PATRONUS_DR_STEP=%s", step);
	env[n++] = xasprintf("PATRONUS_DR_STATE_DIR=%s", state_dir);
	if (config != NULL)
		env[n++] = xasprintf("PATRONUS_DR_CONFIG=%s", config);
	if (run != NULL)
		env[n++] = xasprintf("PATRONUS_DR_RUN=%s", run);
	env[n] = NULL;
	return (env);
}

/* Free a NULL-terminated array of strings (runbook_step_env, an action's argv); NULL is fine. */
void
runbook_step_env_free(char **v)
{
	size_t	n;

	if (v == NULL)
		return;
	for (n = 0; v[n] != NULL; n++)
		;
	str_list_free(v, n);
}

/*
 * text with each ${name} replaced by its value (shell-quoted when quote is
 * true) and $${ by a literal ${. The last variable of a name wins. NULL with
 * *cause for an unknown or unset name. The caller frees.
 */
char *
runbook_subst(const char *text, const struct rb_var *vars, size_t nvars, bool quote,
    char **cause)
{
	struct buf	 b;
	const char	*p, *end, *value;
	char		*name;
	size_t		 i;
	bool		 found;

	buf_init(&b);
	for (p = text; *p != '\0'; ) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			buf_adds(&b, "${");
			p += 3;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			buf_addc(&b, *p++);
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			*cause = xstrdup(_("unterminated \"${\""));
			buf_clear(&b);
			return (NULL);
		}
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		found = false;
		value = NULL;
		for (i = 0; i < nvars; i++) {
			if (strcmp(vars[i].name, name) == 0) {
				found = true;
				value = vars[i].value;
			}
		}
		if (!found || value == NULL) {
			*cause = found ? xasprintf(_("variable \"${%s}\" has no value"), name) :
			    xasprintf(_("undefined variable \"${%s}\""), name);
			free(name);
			buf_clear(&b);
			return (NULL);
		}
		free(name);
		if (quote)
			str_shell_quote(&b, value);
		else
			buf_adds(&b, value);
		p = end + 1;
	}
	return (buf_steal(&b));
}
