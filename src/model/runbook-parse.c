/* runbook-parse.c: the runbook grammar (man/patronus-dr-runbook.5) and loading a file. */
#include "system.h"

#include <fcntl.h>

#include "engine/host/action.h"
#include "model/runbook.h"
#include "model/runbook-int.h"
#include "util/fsutil.h"
#include "util/xmalloc.h"

/* The keys of a runbook, of a step, of a decide and its answers, of a question. */
enum { RK_ID, RK_TITLE, RK_DESCRIPTION, RK_RTO, RK_RPO, RK_RESTORE_BEFORE, RK_ROLES,
    RK_DETECTION, RK_PREREQUISITES, RK_STEPS, RK_SCHEDULE, RK_UNATTENDED, RK__COUNT };
static const char *const rb_keys[RK__COUNT] = { "id", "title", "description", "rto",
    "rpo", "restore_before", "roles", "detection", "prerequisites", "steps", "schedule",
    "unattended" };

enum { SK_ID, SK_TITLE, SK_ROLE, SK_EXPECT, SK_DESCRIPTION, SK_DRILL, SK_CONFIRM,
    SK_RUN, SK_ACTION, SK_WITH, SK_CHECKLIST, SK_DECIDE, SK_PROMPT, SK_USE,
    SK_RESTORES_SERVICE, SK__COUNT };
static const char *const step_keys[SK__COUNT] = { "id", "title", "role", "expect",
    "description", "drill", "confirm", "run", "action", "with", "checklist", "decide",
    "prompt", "use", "restores_service" };

/* The keys that give a step its work, with the kind each means. */
static const struct {
	int		key;
	enum rb_kind	kind;
} step_kinds[] = {
	{ SK_RUN, RB_RUN }, { SK_ACTION, RB_ACTION }, { SK_CHECKLIST, RB_CHECKLIST },
	{ SK_DECIDE, RB_DECIDE }, { SK_PROMPT, RB_PROMPT }, { SK_USE, RB_USE },
};

enum { DK_QUESTION, DK_ANSWERS, DK_DEFAULT, DK__COUNT };
static const char *const decide_keys[DK__COUNT] = { "question", "answers", "default" };
enum { AK_ANSWER, AK_NEXT, AK__COUNT };
static const char *const answer_keys[AK__COUNT] = { "answer", "next" };
enum { QK_ID, QK_TEXT, QK__COUNT };
static const char *const question_keys[QK__COUNT] = { "id", "text" };

/* Parse the with: parameters of an action step and check them against the registry. */
static void
rb_parse_with(struct rb_parse *rp, struct rb_step *st, yaml_node_t *actnode,
    yaml_node_t *with)
{
	const struct action_def		*def;
	const struct action_param	*ap;
	yaml_node_pair_t		*pair;
	yaml_node_t			*k, *v;
	struct rb_param			*p;
	size_t				 i, cap;
	bool				 seen;

	def = st->action != NULL ? action_find(st->action) : NULL;
	if (st->action != NULL && def == NULL)
		rb_error(rp, &actnode->start_mark, _("unknown action \"%s\"%s"), st->action,
		    RB_FULL(rp) ? "" : rb_suggest_action(st->action));
	if (with != NULL && with->type != YAML_MAPPING_NODE) {
		if (!rb_is_null(with))
			rb_error(rp, &with->start_mark,
			    _("with: expected a mapping of parameters, found %s"),
			    rb_node_type(with));
		with = NULL;
	}
	if (with != NULL) {
		cap = (size_t)(with->data.mapping.pairs.top - with->data.mapping.pairs.start);
		if (cap > RB_MAX_CHOICES) {
			rb_error(rp, &with->start_mark, _("with: more than %d parameters"),
			    RB_MAX_CHOICES);
			return;
		}
		st->params = xcalloc(cap + 1, sizeof *st->params);
		for (pair = with->data.mapping.pairs.start;
		    pair < with->data.mapping.pairs.top; pair++) {
			k = rb_node(rp, pair->key);
			v = rb_node(rp, pair->value);
			if (k == NULL || v == NULL)
				continue;
			if (k->type != YAML_SCALAR_NODE) {
				rb_error(rp, &k->start_mark, _("keys must be plain names"));
				continue;
			}
			for (i = 0; i < st->nparams; i++)
				if (strcmp(st->params[i].name,
				    (const char *)k->data.scalar.value) == 0)
					break;
			if (i < st->nparams) {
				rb_error(rp, &k->start_mark, _("duplicate key \"%s\" (first at "
				    "line %d)"), st->params[i].name, st->params[i].mark.line);
				continue;
			}
			ap = NULL;
			if (def != NULL && (ap = action_find_param(def,
			    (const char *)k->data.scalar.value)) == NULL) {
				rb_error(rp, &k->start_mark, _("action \"%s\" has no parameter "
				    "\"%s\"%s"), def->name, (const char *)k->data.scalar.value,
				    RB_FULL(rp) ? "" : rb_suggest_param(def,
				    (const char *)k->data.scalar.value));
				continue;
			}
			if (v->type != YAML_SCALAR_NODE || rb_is_null(v)) {
				rb_error(rp, &v->start_mark, _("with: %s: expected a value"),
				    (const char *)k->data.scalar.value);
				continue;
			}
			if (ap != NULL && ap->flag &&
			    action_flag_value((const char *)v->data.scalar.value) == -1) {
				rb_error(rp, &v->start_mark, _("with: %s: expected true or false"),
				    ap->name);
				continue;
			}
			rb_check_vars(rp, v, (const char *)v->data.scalar.value);
			p = &st->params[st->nparams++];
			p->name = xstrdup((const char *)k->data.scalar.value);
			p->value = xstrdup((const char *)v->data.scalar.value);
			p->mark = rb_mark_of(k);
		}
	}
	if (def == NULL)
		return;
	for (ap = def->params; ap->name != NULL; ap++) {
		if (!ap->required)
			continue;
		seen = false;
		for (i = 0; i < st->nparams; i++)
			if (strcmp(st->params[i].name, ap->name) == 0)
				seen = true;
		if (!seen)
			rb_error(rp, with != NULL ? &with->start_mark : &actnode->start_mark,
			    _("action \"%s\" needs the parameter \"%s\" (with: {%s: ...})"),
			    def->name, ap->name, ap->name);
	}
}

/* Parse a decide's default: the label of one of its answers. */
static void
rb_parse_default(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n)
{
	char	*label;
	size_t	 i;

	if ((label = rb_text(rp, n, "default", true)) == NULL)
		return;
	for (i = 0; i < st->nanswers; i++)
		if (strcmp(st->answers[i].label, label) == 0) {
			st->has_default = true;
			st->default_answer = i;
		}
	if (!st->has_default)
		rb_error(rp, &n->start_mark, _("default: \"%s\" is not one of the answers"),
		    label);
	free(label);
}

/* Parse a decide: mapping (question and answers). */
static void
rb_parse_decide(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n)
{
	yaml_node_t		*dv[DK__COUNT], *dk[DK__COUNT], *av[AK__COUNT], *ak[AK__COUNT];
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	struct rb_answer	*a;
	size_t			 cap, i;

	if (n->type != YAML_MAPPING_NODE) {
		rb_error(rp, &n->start_mark, _("decide: expected a mapping with question and "
		    "answers, found %s"), rb_node_type(n));
		return;
	}
	rb_map(rp, n, _("a decide"), decide_keys, DK__COUNT, dv, dk);
	rb_require(rp, n, dk[DK_QUESTION], "question", _("a decide"));
	rb_require(rp, n, dk[DK_ANSWERS], "answers", _("a decide"));
	if (dv[DK_QUESTION] != NULL)
		st->question = rb_text(rp, dv[DK_QUESTION], "question", true);
	if (dv[DK_ANSWERS] == NULL)
		return;
	if (dv[DK_ANSWERS]->type != YAML_SEQUENCE_NODE) {
		rb_error(rp, &dv[DK_ANSWERS]->start_mark, _("answers: expected a list, found %s"),
		    rb_node_type(dv[DK_ANSWERS]));
		return;
	}
	cap = (size_t)(dv[DK_ANSWERS]->data.sequence.items.top -
	    dv[DK_ANSWERS]->data.sequence.items.start);
	if (cap > RB_MAX_CHOICES) {
		rb_error(rp, &dv[DK_ANSWERS]->start_mark, _("answers: more than %d"),
		    RB_MAX_CHOICES);
		return;
	}
	st->answers = xcalloc(cap + 1, sizeof *st->answers);
	for (it = dv[DK_ANSWERS]->data.sequence.items.start;
	    it < dv[DK_ANSWERS]->data.sequence.items.top; it++) {
		if ((item = rb_node(rp, *it)) == NULL)
			continue;
		if (item->type != YAML_MAPPING_NODE) {
			rb_error(rp, &item->start_mark, _("answers: expected a mapping "
			    "(answer: TEXT, next: STEP), found %s"), rb_node_type(item));
			continue;
		}
		rb_map(rp, item, _("an answer"), answer_keys, AK__COUNT, av, ak);
		rb_require(rp, item, ak[AK_ANSWER], "answer", _("an answer"));
		if (av[AK_ANSWER] == NULL)
			continue;
		a = &st->answers[st->nanswers];
		if ((a->label = rb_text(rp, av[AK_ANSWER], "answer", true)) == NULL)
			continue;
		for (i = 0; i < st->nanswers; i++)
			if (strcmp(st->answers[i].label, a->label) == 0)
				rb_error(rp, &av[AK_ANSWER]->start_mark,
				    _("duplicate answer \"%s\""), a->label);
		a->mark = rb_mark_of(item);
		a->next_mark = a->mark;
		if (av[AK_NEXT] != NULL && !rb_is_null(av[AK_NEXT])) {
			a->next = rb_id(rp, av[AK_NEXT], "next");
			a->next_mark = rb_mark_of(av[AK_NEXT]);
		}
		st->nanswers++;
	}
	if (cap < 2)
		rb_error(rp, &dv[DK_ANSWERS]->start_mark,
		    _("decide needs at least two answers"));
	if (dv[DK_DEFAULT] != NULL)
		rb_parse_default(rp, st, dv[DK_DEFAULT]);
}

/* Parse a prompt: list of questions (id and text). */
static void
rb_parse_prompt(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n)
{
	yaml_node_t		*qv[QK__COUNT], *qk[QK__COUNT];
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	struct rb_question	*q;
	size_t			 cap, i;

	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top ==
	    n->data.sequence.items.start) {
		rb_error(rp, &n->start_mark, _("prompt: expected a list of questions "
		    "(- id: NAME, text: QUESTION)"));
		return;
	}
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cap > RB_MAX_CHOICES) {
		rb_error(rp, &n->start_mark, _("prompt: more than %d questions"),
		    RB_MAX_CHOICES);
		return;
	}
	st->questions = xcalloc(cap + 1, sizeof *st->questions);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if ((item = rb_node(rp, *it)) == NULL)
			continue;
		if (item->type != YAML_MAPPING_NODE) {
			rb_error(rp, &item->start_mark, _("prompt: expected a question "
			    "(id: NAME, text: QUESTION), found %s"), rb_node_type(item));
			continue;
		}
		rb_map(rp, item, _("a question"), question_keys, QK__COUNT, qv, qk);
		rb_require(rp, item, qk[QK_ID], "id", _("a question"));
		rb_require(rp, item, qk[QK_TEXT], "text", _("a question"));
		if (qv[QK_ID] == NULL || qv[QK_TEXT] == NULL)
			continue;
		q = &st->questions[st->nquestions];
		q->id = rb_id(rp, qv[QK_ID], "id");
		q->text = rb_text(rp, qv[QK_TEXT], "text", true);
		if (q->id == NULL || q->text == NULL) {
			free(q->id);
			free(q->text);
			q->id = q->text = NULL;
			continue;
		}
		for (i = 0; i < st->nquestions; i++)
			if (strcmp(st->questions[i].id, q->id) == 0)
				rb_error(rp, &qv[QK_ID]->start_mark,
				    _("duplicate question id \"%s\""), q->id);
		q->mark = rb_mark_of(item);
		st->nquestions++;
	}
}

/* Parse a drill: value (run, simulate or skip). */
static enum rb_drill
rb_parse_drill(struct rb_parse *rp, yaml_node_t *n)
{
	const char	*v;

	if (n->type == YAML_SCALAR_NODE) {
		v = (const char *)n->data.scalar.value;
		if (strcmp(v, "run") == 0)
			return (RB_DRILL_RUN);
		if (strcmp(v, "simulate") == 0)
			return (RB_DRILL_SIMULATE);
		if (strcmp(v, "skip") == 0)
			return (RB_DRILL_SKIP);
	}
	rb_error(rp, &n->start_mark, _("drill: expected run, simulate or skip"));
	return (RB_DRILL_DEFAULT);
}

/*
 * Parse one step (a mapping) into st; returns false when it has no usable id.
 * *idnode is set to the node of its id.
 */
static bool
rb_parse_step(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n, yaml_node_t **idnode)
{
	yaml_node_t	*sv[SK__COUNT], *sk[SK__COUNT], *first, *work = NULL;
	int		 workkey = -1;
	size_t		 i;

	if (n->type != YAML_MAPPING_NODE) {
		rb_error(rp, &n->start_mark, _("a step must be a mapping (- id: NAME ...), "
		    "found %s"), rb_node_type(n));
		return (false);
	}
	st->mark = rb_mark_of(n);
	rb_map(rp, n, _("a step"), step_keys, SK__COUNT, sv, sk);
	if (sk[SK_ID] == NULL) {
		rb_error(rp, &n->start_mark, _("missing required key \"id\" in a step"));
	} else if (sv[SK_ID] != NULL &&
	    n->data.mapping.pairs.start < n->data.mapping.pairs.top &&
	    (first = yaml_document_get_node(&rp->doc,
	    n->data.mapping.pairs.start->key)) != sk[SK_ID] &&
	    first != NULL) {
		rb_error(rp, &first->start_mark, _("a step begins with its id "
		    "(write \"- id: %s\" first)"), sv[SK_ID]->type == YAML_SCALAR_NODE ?
		    (const char *)sv[SK_ID]->data.scalar.value : "NAME");
	}
	if (sv[SK_ID] != NULL)
		st->id = rb_id(rp, sv[SK_ID], "id");
	*idnode = sv[SK_ID];
	rb_require(rp, n, sk[SK_TITLE], "title", _("a step"));
	if (sv[SK_TITLE] != NULL)
		st->title = rb_text(rp, sv[SK_TITLE], "title", true);
	if (sv[SK_ROLE] != NULL && (st->role = rb_text(rp, sv[SK_ROLE], "role", false))
	    != NULL && rp->rb->nroles > 0 && !rb_has_role(rp->rb, st->role))
		rb_error(rp, &sv[SK_ROLE]->start_mark, _("role \"%s\" is not one of the "
		    "runbook's roles"), st->role);
	if (sv[SK_EXPECT] != NULL)
		st->expect = rb_duration(rp, sv[SK_EXPECT], "expect");
	if (st->expect < 0)
		st->expect = 0;
	if (sv[SK_DESCRIPTION] != NULL && !rb_is_null(sv[SK_DESCRIPTION]))
		st->description = rb_text(rp, sv[SK_DESCRIPTION], "description", true);
	if (sv[SK_DRILL] != NULL)
		st->drill = rb_parse_drill(rp, sv[SK_DRILL]);
	if (sv[SK_CONFIRM] != NULL)
		st->confirm = rb_bool(rp, sv[SK_CONFIRM], "confirm");
	if (sv[SK_RESTORES_SERVICE] != NULL)
		st->restores_service = rb_bool(rp, sv[SK_RESTORES_SERVICE], "restores_service");

	for (i = 0; i < nitems(step_kinds); i++) {
		if (sk[step_kinds[i].key] == NULL)
			continue;
		if (workkey != -1) {
			rb_error(rp, &sk[step_kinds[i].key]->start_mark, _("a step does one "
			    "kind of work: %s and %s both given"), step_keys[workkey],
			    step_keys[step_kinds[i].key]);
			continue;
		}
		work = sv[step_kinds[i].key];
		workkey = step_kinds[i].key;
		st->kind = step_kinds[i].kind;
	}
	if (workkey == -1) {
		rb_error(rp, &n->start_mark, _("a step needs work: one of run, action, "
		    "checklist, decide, prompt or use"));
		return (st->id != NULL);
	}
	if (work == NULL)
		return (st->id != NULL);	/* an alias, reported */
	st->work_mark = rb_mark_of(work);
	if (sv[SK_WITH] != NULL && st->kind != RB_ACTION)
		rb_error(rp, &sk[SK_WITH]->start_mark, _("with: gives the parameters of an "
		    "action: step"));
	if (sv[SK_CONFIRM] != NULL && st->kind != RB_RUN && st->kind != RB_ACTION)
		rb_error(rp, &sk[SK_CONFIRM]->start_mark, _("confirm: applies to run: and "
		    "action: steps"));
	switch (st->kind) {
	case RB_RUN:
		st->run = rb_text(rp, work, "run", true);
		break;
	case RB_ACTION:
		st->action = rb_text(rp, work, "action", false);
		rb_parse_with(rp, st, work, sv[SK_WITH]);
		break;
	case RB_CHECKLIST:
		if (rb_is_null(work) || (work->type == YAML_SEQUENCE_NODE &&
		    work->data.sequence.items.top == work->data.sequence.items.start))
			rb_error(rp, &work->start_mark, _("checklist: expected a list of "
			    "items"));
		else
			rb_text_list(rp, work, "checklist", true, &st->items, &st->nitems);
		break;
	case RB_DECIDE:
		rb_parse_decide(rp, st, work);
		break;
	case RB_PROMPT:
		rb_parse_prompt(rp, st, work);
		break;
	case RB_USE:
		st->use = rb_id(rp, work, "use");
		break;
	}
	return (st->id != NULL);
}

/* Parse the steps: list, then check ids and decide targets across steps. */
static void
rb_parse_steps(struct rb_parse *rp, yaml_node_t *n)
{
	struct runbook		*rb = rp->rb;
	yaml_node_item_t	*it;
	yaml_node_t		*item, *idnode;
	struct rb_step		*st;
	yaml_mark_t		 ym;
	size_t			 cap, i, j;

	if (n->type != YAML_SEQUENCE_NODE) {
		rb_error(rp, &n->start_mark, _("steps: expected a list of steps, found %s"),
		    rb_is_null(n) ? _("nothing") : rb_node_type(n));
		return;
	}
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cap == 0) {
		rb_error(rp, &n->start_mark, _("steps: a runbook needs at least one step"));
		return;
	}
	if (cap > RB_MAX_STEPS) {
		rb_error(rp, &n->start_mark, _("steps: %zu steps, more than the %d a runbook "
		    "may have"), cap, RB_MAX_STEPS);
		return;
	}
	rb->steps = xcalloc(cap, sizeof *rb->steps);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if ((item = rb_node(rp, *it)) == NULL)
			continue;
		st = &rb->steps[rb->nsteps];
		idnode = NULL;
		if (!rb_parse_step(rp, st, item, &idnode)) {
			rb_step_clear(st);	/* a problem was reported */
			continue;
		}
		for (j = 0; j < rb->nsteps; j++) {
			if (strcmp(rb->steps[j].id, st->id) == 0) {
				rb_error(rp, &idnode->start_mark, _("duplicate step id \"%s\" "
				    "(first at line %d)"), st->id, rb->steps[j].mark.line);
				break;
			}
		}
		rb->nsteps++;
	}

	for (i = 0; i < rb->nsteps; i++) {
		st = &rb->steps[i];
		for (j = 0; j < st->nanswers; j++) {
			if (st->answers[j].next == NULL)
				continue;
			if (runbook_step_index(rb, st->answers[j].next) == -1) {
				ym = rb_ymark(st->answers[j].next_mark);
				rb_error(rp, &ym, _("answer \"%s\" leads to step \"%s\", which "
				    "does not exist"), st->answers[j].label, st->answers[j].next);
			}
		}
		if (st->kind == RB_DECIDE && i + 1 == rb->nsteps) {
			for (j = 0; j < st->nanswers; j++) {
				if (st->answers[j].next != NULL)
					continue;
				ym = rb_ymark(st->answers[j].mark);
				rb_error(rp, &ym, _("answer \"%s\" leads to no step (the decide "
				    "is the last step: give next:)"), st->answers[j].label);
			}
		}
	}
}

/*
 * schedule: how often the runbook is to be drilled: daily, weekly, monthly,
 * quarterly, yearly (calendar months for the last three) or a duration ("90d").
 */
static void
rb_parse_schedule(struct rb_parse *rp, yaml_node_t *n)
{
	static const struct { const char *name; int months; int64_t secs; } named[] = {
		{ "daily", 0, 86400 }, { "weekly", 0, 7 * 86400 }, { "monthly", 1, 0 },
		{ "quarterly", 3, 0 }, { "yearly", 12, 0 },
	};
	struct runbook	*rb = rp->rb;
	const char	*v;
	int64_t		 secs;
	size_t		 i;

	rb->schedule_mark = rb_mark_of(n);
	if (n->type == YAML_SCALAR_NODE) {
		v = (const char *)n->data.scalar.value;
		for (i = 0; i < nitems(named); i++) {
			if (strcmp(v, named[i].name) == 0) {
				rb->schedule_months = named[i].months;
				rb->schedule_secs = named[i].secs;
				return;
			}
		}
		if (*v >= '0' && *v <= '9') {
			if ((secs = rb_duration(rp, n, "schedule")) > 0)
				rb->schedule_secs = secs;
			else if (secs == 0)
				rb_error(rp, &n->start_mark, _("schedule: must be longer than 0s"));
			return;
		}
	}
	rb_error(rp, &n->start_mark, _("schedule: expected daily, weekly, monthly, "
	    "quarterly, yearly or a duration such as 90d"));
}

/* Parse the root mapping of a runbook. */
static void
rb_parse_root(struct rb_parse *rp, yaml_node_t *root)
{
	struct runbook	*rb = rp->rb;
	yaml_node_t	*v[RK__COUNT], *k[RK__COUNT];
	int64_t		 secs;
	static const int required[] = { RK_ID, RK_TITLE, RK_RTO, RK_STEPS };
	size_t		 i;

	if (root->type != YAML_MAPPING_NODE) {
		rb_error(rp, &root->start_mark, _("a runbook is a mapping (id:, title:, "
		    "rto:, steps: ...), found %s"), rb_node_type(root));
		return;
	}
	rb_map(rp, root, _("a runbook"), rb_keys, RK__COUNT, v, k);
	for (i = 0; i < nitems(required); i++)
		rb_require(rp, root, k[required[i]], rb_keys[required[i]], _("a runbook"));
	if (v[RK_ID] != NULL) {
		rb->id = rb_id(rp, v[RK_ID], "id");
		rb->id_mark = rb_mark_of(v[RK_ID]);
	}
	if (v[RK_TITLE] != NULL)
		rb->title = rb_text(rp, v[RK_TITLE], "title", false);
	if (v[RK_DESCRIPTION] != NULL && !rb_is_null(v[RK_DESCRIPTION]))
		rb->description = rb_text(rp, v[RK_DESCRIPTION], "description", false);
	if (v[RK_RTO] != NULL && (secs = rb_duration(rp, v[RK_RTO], "rto")) >= 0) {
		if (secs == 0)
			rb_error(rp, &v[RK_RTO]->start_mark, _("rto: must be longer than 0s"));
		rb->rto = secs;
	}
	if (v[RK_RPO] != NULL && (secs = rb_duration(rp, v[RK_RPO], "rpo")) >= 0) {
		rb->rpo = secs;
		rb->rpo_mark = rb_mark_of(v[RK_RPO]);
	}
	if (v[RK_RESTORE_BEFORE] != NULL && !rb_is_null(v[RK_RESTORE_BEFORE])) {
		if (v[RK_RESTORE_BEFORE]->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)v[RK_RESTORE_BEFORE]->data.scalar.value,
		    "detected") == 0)
			rb->restore_before_detected = true;
		else
			rb_error(rp, &v[RK_RESTORE_BEFORE]->start_mark,
			    _("restore_before: the only value is \"detected\""));
	}
	if (v[RK_ROLES] != NULL)
		rb_text_list(rp, v[RK_ROLES], "roles", false, &rb->roles, &rb->nroles);
	if (v[RK_DETECTION] != NULL)
		rb_text_list(rp, v[RK_DETECTION], "detection", false, &rb->detection,
		    &rb->ndetection);
	if (v[RK_PREREQUISITES] != NULL)
		rb_text_list(rp, v[RK_PREREQUISITES], "prerequisites", false,
		    &rb->prerequisites, &rb->nprerequisites);
	if (v[RK_STEPS] != NULL)
		rb_parse_steps(rp, v[RK_STEPS]);
	if (v[RK_UNATTENDED] != NULL && (rb->unattended = rb_bool(rp, v[RK_UNATTENDED],
	    "unattended")))
		for (i = 0; i < rb->nsteps; i++)
			if (rb->steps[i].kind == RB_DECIDE && !rb->steps[i].has_default) {
				yaml_mark_t ym = rb_ymark(rb->steps[i].mark);

				rb_error(rp, &ym, _("step \"%s\": a decide without default: "
				    "cannot run unattended (the runbook says unattended: true)"),
				    rb->steps[i].id != NULL ? rb->steps[i].id : "?");
			}
	if (v[RK_SCHEDULE] != NULL && !rb_is_null(v[RK_SCHEDULE]))
		rb_parse_schedule(rp, v[RK_SCHEDULE]);
}

/*
 * Load and check a runbook from memory; name is used in messages and kept as
 * the runbook's file. Returns NULL with every problem in *errors.
 */
struct runbook *
runbook_load_buffer(const char *name, const char *data, size_t len, char **errors)
{
	struct rb_parse	 rp;
	yaml_parser_t	 parser;
	yaml_document_t	 extra;
	yaml_node_t	*root, *xroot;
	struct runbook	*rb;
	yaml_mark_t	 m;

	if (errors != NULL)
		*errors = NULL;
	memset(&rp, 0, sizeof rp);
	rp.file = name;
	rb = rp.rb = xcalloc(1, sizeof *rb);
	rb->file = xstrdup(name);

	if (len > RUNBOOK_MAX_SIZE) {
		memset(&m, 0, sizeof m);
		rb_error(&rp, &m, _("too large for a runbook (over %d bytes)"), RUNBOOK_MAX_SIZE);
		goto out;
	}
	if (!yaml_parser_initialize(&parser))
		xmalloc_die("yaml_parser_initialize", sizeof parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &rp.doc)) {
		rb_syntax_error(&rp, &parser, data, len);
		yaml_parser_delete(&parser);
		goto out;
	}
	rp.nnodes = (size_t)(rp.doc.nodes.top - rp.doc.nodes.start);
	rp.seen = xcalloc(rp.nnodes + 1, 1);
	if ((root = yaml_document_get_root_node(&rp.doc)) == NULL) {
		memset(&m, 0, sizeof m);
		rb_error(&rp, &m, _("empty file: expected a runbook (id:, title:, rto:, "
		    "steps: ...)"));
	} else {
		rp.seen[0] = 1;
		rb_parse_root(&rp, root);
		if (!yaml_parser_load(&parser, &extra))
			rb_syntax_error(&rp, &parser, data, len);
		else {
			if ((xroot = yaml_document_get_root_node(&extra)) != NULL)
				rb_error(&rp, &xroot->start_mark, _("a runbook file holds one "
				    "YAML document; remove what follows \"---\""));
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&rp.doc);
	yaml_parser_delete(&parser);
	free(rp.seen);
out:
	if (rp.nerrs > 0) {
		rb_flush_errors(&rp, errors);
		runbook_free(rb);
		return (NULL);
	}
	free(rp.errs);
	return (rb);
}

/* Load and check one runbook file; NULL with every problem in *errors. */
struct runbook *
runbook_load(const char *path, char **errors)
{
	struct runbook	*rb;
	char		*data = NULL, *cause = NULL;
	size_t		 len;

	if (errors != NULL)
		*errors = NULL;
	/* Runbook folders may be writable by others: no links, no FIFOs, a size cap. */
	if (fs_read_file_flags(path, O_NOFOLLOW, RUNBOOK_MAX_SIZE, &data, &len, &cause) != 0) {
		if (errors != NULL)
			*errors = cause;
		else
			free(cause);
		return (NULL);
	}
	rb = runbook_load_buffer(path, data, len, errors);
	free(data);
	return (rb);
}
