/* ctlsign plan: the safe order for regenerating cluster certificates,
 * checked step by step against what phones hold. */
#include "cli.h"
#include "jsonout.h"
#include "load.h"
#include "suggest.h"
#include "render.h"

#include "cluster.h"
#include "schedule.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void plan_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign plan --regenerate ROLE@NODE[,ROLE@NODE...] --cluster FILE\n"
		"                    [--current FILE]... [--itl FILE] [--upgrade] [--json]\n\n"
		"Before anyone touches the cluster: simulate replacing those certificates and\n"
		"print the safe order of operations as numbered steps (regenerate, update the\n"
		"CTL with the exact ctlsign command, restart which services where, reset the\n"
		"phones and wait, reissue LSCs), each list change judged against what phones\n"
		"hold at that moment (docs/trust-model.md). ROLE is callmanager, tvs, capf,\n"
		"tomcat, ipsec, itlrecovery or callmanager-ecdsa; NODE a [node] of FILE.\n\n"
		"  -r, --regenerate LIST  what is regenerated (repeatable)\n"
		"  -c, --cluster FILE     the cluster as it is now\n"
		"  -C, --current FILE     the CTL (or ITL) phones hold now; a file or a URL;\n"
		"                         default: the cluster file's current-ctl and\n"
		"                         current-itl, else laid out from the cluster file\n"
		"  -i, --itl FILE         the ITL phones hold now\n"
		"      --upgrade          an upgrade is in progress (ITLRecovery is refused)\n"
		"  -j, --json             one JSON document\n"
		"  -h, --help             this help\n\n"
		"Exit status: 0 every phone keeps a trust path at every step (through TVS for\n"
		"some, when said), 1 a step would lock phones out, 2 usage, 3 malformed\n"
		"input, 4 cannot read a file, 5 refused (ITLRecovery during an upgrade).\n\n"
		"Examples:\n"
		"  ctlsign plan --regenerate tvs@pub,callmanager@pub --cluster cluster.ini\n"
		"  ctlsign plan -r capf@pub -c cluster.ini --current CTLFile.tlv --itl ITLFile.tlv\n");
}

enum { O_UPGRADE = 256 };

static const char *kind_word(ctl_step_kind k)
{
	switch (k) {
	case CTL_STEP_RULE: return "rule";
	case CTL_STEP_REGENERATE: return "regenerate";
	case CTL_STEP_UPDATE_CTL: return "update-ctl";
	case CTL_STEP_ITL: return "itl";
	case CTL_STEP_RESTART: return "restart";
	case CTL_STEP_RESET: return "reset-phones";
	case CTL_STEP_LSC: return "reissue-lsc";
	case CTL_STEP_NOTE: return "note";
	}
	return "note";
}

static const char *verdict_text(const ctl_phone_result *r)
{
	return r->verdict == CTL_PHONE_ACCEPTED ? "accepted"
	       : r->verdict == CTL_PHONE_VIA_TVS ? "accepted only through TVS" : "rejected";
}

/* The command line. */
struct popts {
	const char *lists[16], *cluster_path, *current[2], *itl_path;
	size_t nlists, ncurrent;
	bool json;
	ctl_schedule_opts so;
};

/* Everything a run holds, freed by run_free. */
struct run {
	ctl_cluster *c;
	ctl_regen *regen;
	size_t nregen;
	ctl_schedule sch;
	held_lists hl;
	ctl_held held;
};

static const struct option plan_opts[] = {
	{"regenerate", required_argument, NULL, 'r'},
	{"cluster", required_argument, NULL, 'c'},
	{"current", required_argument, NULL, 'C'},
	{"itl", required_argument, NULL, 'i'},
	{"upgrade", no_argument, NULL, O_UPGRADE},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* -1: go on; else the exit status. */
static int parse_args(struct popts *o, int argc, char **argv)
{
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:c:C:i:jh", plan_opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (o->nlists == sizeof(o->lists) / sizeof(o->lists[0])) {
				msg_error("plan: too many --regenerate");
				return EXIT_USAGE;
			}
			o->lists[o->nlists++] = optarg;
			break;
		case 'c': o->cluster_path = optarg; break;
		case 'C':
			if (o->ncurrent == 2) {
				msg_error("plan: --current names one CTL and one ITL at most");
				return EXIT_USAGE;
			}
			o->current[o->ncurrent++] = optarg;
			break;
		case 'i': o->itl_path = optarg; break;
		case O_UPGRADE: o->so.upgrade = true; break;
		case 'j': o->json = true; break;
		case 'h': plan_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("plan", argc, argv, plan_opts);
		}
	}
	if (optind != argc || !o->nlists || !o->cluster_path) {
		msg_error(optind != argc ? "plan: unexpected argument `%s'"
					 : "plan: give --regenerate ROLE@NODE and --cluster FILE%s",
			  optind != argc ? argv[optind] : "");
		plan_usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* The lists phones hold: named, else the cluster file's current-ctl and
 * current-itl. */
static int read_held(struct popts *o, struct run *r)
{
	int rc;

	for (size_t i = 0; i < o->ncurrent; i++)
		if ((rc = held_take(&r->hl, o->current[i], "--current", HELD_ANY)))
			return rc;
	if (o->itl_path && (rc = held_take(&r->hl, o->itl_path, "--itl", HELD_ITL)))
		return rc;
	if (!o->ncurrent && !o->itl_path) {
		if (r->c->current_ctl &&
		    (rc = held_take(&r->hl, r->c->current_ctl, "current-ctl", HELD_CTL)))
			return rc;
		if (r->c->current_itl &&
		    (rc = held_take(&r->hl, r->c->current_itl, "current-itl", HELD_ITL)))
			return rc;
	}
	held_view(&r->hl, &r->held);
	if (r->held.ctl_path)
		o->so.ctl_name = r->held.ctl_path;
	if (r->held.itl_path)
		o->so.itl_name = r->held.itl_path;
	return EXIT_OK;
}

static void print_json(const struct popts *o, const struct run *r)
{
	const ctl_schedule *sch = &r->sch;
	json_object *doc = json_object_new_object(), *jr = json_object_new_array(),
		    *js = json_object_new_array(), *jg = json_object_new_array();
	int num = 0;

	json_object_object_add(doc, "cluster", json_text(o->cluster_path));
	for (size_t i = 0; i < r->nregen; i++) {
		char item[256];
		snprintf(item, sizeof(item), "%s@%s", ctl_regen_word(r->regen[i].role),
			 r->regen[i].node->name);
		json_object_array_add(jg, json_text(item));
	}
	json_object_object_add(doc, "regenerate", jg);
	for (size_t i = 0; i < sch->n; i++) {
		const ctl_step *s = &sch->s[i];
		json_object *j;

		if (s->kind == CTL_STEP_RULE) {
			json_object_array_add(jr, json_text(s->text));
			continue;
		}
		j = json_object_new_object();
		json_object_object_add(j, "number", json_object_new_int(++num));
		json_object_object_add(j, "kind", json_object_new_string(kind_word(s->kind)));
		json_object_object_add(j, "text", json_text(s->text));
		json_object_object_add(j, "command", s->command ? json_text(s->command) : NULL);
		json_object_object_add(j, "phones", s->judged ? verdict_json(&s->verdict) : NULL);
		json_object_array_add(js, j);
	}
	json_object_object_add(doc, "rules", jr);
	json_object_object_add(doc, "steps", js);
	json_object_object_add(doc, "result", json_object_new_string(
		sch->broken ? "broken" : sch->tvs_only ? "tvs-only" : "kept"));
	json_object_object_add(doc, "bridged", json_object_new_boolean(sch->bridged));
	json_object_object_add(doc, "advice", sch->advice ? json_text(sch->advice) : NULL);
	json_print(doc);
	json_object_put(doc);
}

/* fmt's one %s is text from input or the schedule, printed cleaned. */
static void print_safe(const char *fmt, const char *text)
{
	char *t = ctl_text_dup(text ? text : "", 0);

	printf(fmt, t ? t : "");
	free(t);
}

static void print_text(const struct popts *o, const struct run *r)
{
	const ctl_schedule *sch = &r->sch;
	bool any = false;
	int num = 0, first_tvs = 0, first_broken = 0;
	char *cp = ctl_text_dup(o->cluster_path, 0), *rel = ctl_text_dup(r->c->release, 0);

	printf("plan: regenerate");
	for (size_t i = 0; i < r->nregen; i++) {
		printf("%s %s@", i ? "," : "", ctl_regen_word(r->regen[i].role));
		print_safe("%s", r->regen[i].node->name);
	}
	printf(" in %s (release %s, %s, %s)\n", cp ? cp : "", rel ? rel : "",
	       r->c->non_secure ? "non-secure" : "mixed mode",
	       r->c->signer_kind == CTL_SIGNER_TOKEN ? "eTokens" : "tokenless");
	free(cp);
	free(rel);
	for (size_t i = 0; i < sch->n; i++)
		if (sch->s[i].kind == CTL_STEP_RULE) {
			if (!any)
				printf("rules:\n");
			any = true;
			print_safe("  - %s\n", sch->s[i].text);
		}
	printf("steps:\n");
	for (size_t i = 0; i < sch->n; i++) {
		const ctl_step *s = &sch->s[i];

		if (s->kind == CTL_STEP_RULE)
			continue;
		printf("  %2d. ", ++num);
		print_safe("%s\n", s->text);
		if (s->command)
			print_safe("      $ %s\n", s->command);
		if (s->judged) {
			printf("      phones: %s: ", verdict_text(&s->verdict));
			print_safe("%s\n", s->verdict.why);
			if (s->verdict.verdict == CTL_PHONE_VIA_TVS && !first_tvs)
				first_tvs = num;
			if (s->verdict.verdict == CTL_PHONE_REJECTED && !first_broken)
				first_broken = num;
		}
	}
	if (sch->broken) {
		printf("result: phones lose their trust path at step %d; ", first_broken);
		print_safe("%s\n", sch->advice);
	} else if (sch->tvs_only) {
		printf("result: phones with Security by Default keep a trust path at every step, "
		       "through TVS at step %d; phones without it (7940/7960, Jabber, some "
		       "TelePresence) lose it there and must have their CTL/ITL deleted by hand\n",
		       first_tvs);
	} else {
		printf("result: every phone keeps a trust path at every step%s\n",
		       sch->bridged ? " (an extra CTL update, signed by a key phones hold, bridges "
				      "the signer change)" : "");
	}
}

static void run_free(struct run *r)
{
	ctl_schedule_free(&r->sch);
	free(r->regen);
	ctl_cluster_free(r->c);
	held_free(&r->hl);
}

int plan_main(int argc, char **argv)
{
	struct popts o = {.so = {.ctl_name = "CTLFile.tlv", .itl_name = "ITLFile.tlv"}};
	struct run r = {0};
	ctl_err err;
	int rc;

	if ((rc = parse_args(&o, argc, argv)) >= 0)
		return rc;
	if (ctl_cluster_load(o.cluster_path, &r.c, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	o.so.cluster_path = o.cluster_path;
	for (size_t i = 0; i < o.nlists; i++)
		if (ctl_regen_parse(r.c, o.lists[i], &r.regen, &r.nregen, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
	if ((rc = read_held(&o, &r)))
		goto out;
	if (ctl_schedule_make(r.c, r.regen, r.nregen, &r.held, &o.so, &r.sch, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	rc = r.sch.broken ? EXIT_VERIFY : EXIT_OK;
	if (o.json)
		print_json(&o, &r);
	else
		print_text(&o, &r);
out:
	run_free(&r);
	return rc;
}
