/* ctlsign plan: the safe order for regenerating cluster certificates,
 * checked step by step against what phones hold. */
#include "cli.h"
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

int plan_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"regenerate", required_argument, NULL, 'r'},
		{"cluster", required_argument, NULL, 'c'},
		{"current", required_argument, NULL, 'C'},
		{"itl", required_argument, NULL, 'i'},
		{"upgrade", no_argument, NULL, O_UPGRADE},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *lists[16], *cluster_path = NULL, *current[2], *itl_path = NULL;
	size_t nlists = 0, ncurrent = 0, nregen = 0, nheld = 0;
	bool json = false;
	ctl_schedule_opts so = {.ctl_name = "CTLFile.tlv", .itl_name = "ITLFile.tlv"};
	ctl_cluster *c = NULL;
	ctl_regen *regen = NULL;
	ctl_schedule sch = {0};
	ctl_held held = {0};
	loaded L[2] = {{0}, {0}};
	ctl_err err;
	int ch, rc = EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "r:c:C:i:jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (nlists == 16) {
				msg_error("plan: too many --regenerate");
				return EXIT_USAGE;
			}
			lists[nlists++] = optarg;
			break;
		case 'c': cluster_path = optarg; break;
		case 'C':
			if (ncurrent == 2) {
				msg_error("plan: --current names one CTL and one ITL at most");
				return EXIT_USAGE;
			}
			current[ncurrent++] = optarg;
			break;
		case 'i': itl_path = optarg; break;
		case O_UPGRADE: so.upgrade = true; break;
		case 'j': json = true; break;
		case 'h': plan_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("plan", argc, argv, opts);
		}
	}
	if (optind != argc || !nlists || !cluster_path) {
		msg_error(optind != argc ? "plan: unexpected argument `%s'"
					 : "plan: give --regenerate ROLE@NODE and --cluster FILE%s",
			  optind != argc ? argv[optind] : "");
		plan_usage(stderr);
		return EXIT_USAGE;
	}
	if (ctl_cluster_load(cluster_path, &c, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	so.cluster_path = cluster_path;
	for (size_t i = 0; i < nlists; i++)
		if (ctl_regen_parse(c, lists[i], &regen, &nregen, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
	/* Nothing named: what the cluster file says phones hold. */
	if (!ncurrent && !itl_path) {
		if (c->current_ctl)
			current[ncurrent++] = c->current_ctl;
		if (c->current_itl)
			current[ncurrent++] = c->current_itl;
	}
	if (itl_path) {
		if (ncurrent == 2) {
			msg_error("plan: --current and --itl name one CTL and one ITL at most");
			rc = EXIT_USAGE;
			goto out;
		}
		current[ncurrent++] = itl_path;
	}
	for (size_t i = 0; i < ncurrent; i++) {
		bool itl;

		if (load_file(current[i], &L[nheld])) {
			rc = report(current[i], &L[nheld].err);
			load_free(&L[nheld]);
			goto out;
		}
		itl = !strcmp(ctl_kind(L[nheld].f), "ITL");
		if ((itl && held.itl) || (!itl && held.ctl) || (current[i] == itl_path && !itl)) {
			msg_error("plan: `%s': %s", current[i],
				  current[i] == itl_path && !itl ? "--itl names a CTL"
								 : "a second list of the same kind");
			rc = EXIT_USAGE;
			nheld++;
			goto out;
		}
		if (itl) {
			held.itl = L[nheld].f;
			so.itl_name = held.itl_path = current[i];
		} else {
			held.ctl = L[nheld].f;
			so.ctl_name = held.ctl_path = current[i];
		}
		nheld++;
	}
	if (ctl_schedule_make(c, regen, nregen, &held, &so, &sch, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	rc = sch.broken ? EXIT_VERIFY : EXIT_OK;
	if (json) {
		json_object *o = json_object_new_object(), *jr = json_object_new_array(),
			    *js = json_object_new_array(), *jg = json_object_new_array();
		int num = 0;

		json_object_object_add(o, "cluster", json_text(cluster_path));
		for (size_t i = 0; i < nregen; i++) {
			char item[256];
			snprintf(item, sizeof(item), "%s@%s", ctl_regen_word(regen[i].role), regen[i].node->name);
			json_object_array_add(jg, json_text(item));
		}
		json_object_object_add(o, "regenerate", jg);
		for (size_t i = 0; i < sch.n; i++) {
			const ctl_step *s = &sch.s[i];
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
		json_object_object_add(o, "rules", jr);
		json_object_object_add(o, "steps", js);
		json_object_object_add(o, "result", json_object_new_string(
			sch.broken ? "broken" : sch.tvs_only ? "tvs-only" : "kept"));
		json_object_object_add(o, "bridged", json_object_new_boolean(sch.bridged));
		json_object_object_add(o, "advice", sch.advice ? json_text(sch.advice) : NULL);
		json_print(o);
		json_object_put(o);
		goto out;
	}
	printf("plan: regenerate");
	for (size_t i = 0; i < nregen; i++)
		printf("%s %s@%s", i ? "," : "", ctl_regen_word(regen[i].role), regen[i].node->name);
	printf(" in %s (release %s, %s, %s)\n", cluster_path, c->release,
	       c->non_secure ? "non-secure" : "mixed mode",
	       c->signer_kind == CTL_SIGNER_TOKEN ? "eTokens" : "tokenless");
	{
		bool any = false;
		int num = 0, first_tvs = 0, first_broken = 0;

		for (size_t i = 0; i < sch.n; i++)
			if (sch.s[i].kind == CTL_STEP_RULE) {
				if (!any)
					printf("rules:\n");
				any = true;
				printf("  - %s\n", sch.s[i].text);
			}
		printf("steps:\n");
		for (size_t i = 0; i < sch.n; i++) {
			const ctl_step *s = &sch.s[i];
			char *t;

			if (s->kind == CTL_STEP_RULE)
				continue;
			t = text_dup(s->text, false);
			printf("  %2d. %s\n", ++num, t ? t : "");
			free(t);
			if (s->command) {
				t = text_dup(s->command, false);
				printf("      $ %s\n", t ? t : "");
				free(t);
			}
			if (s->judged) {
				t = text_dup(s->verdict.why, false);
				printf("      phones: %s: %s\n", verdict_text(&s->verdict), t ? t : "");
				free(t);
				if (s->verdict.verdict == CTL_PHONE_VIA_TVS && !first_tvs)
					first_tvs = num;
				if (s->verdict.verdict == CTL_PHONE_REJECTED && !first_broken)
					first_broken = num;
			}
		}
		if (sch.broken)
			printf("result: phones lose their trust path at step %d; %s\n", first_broken,
			       sch.advice ? sch.advice : "");
		else if (sch.tvs_only)
			printf("result: phones with Security by Default keep a trust path at every step, "
			       "through TVS at step %d; phones without it (7940/7960, Jabber, some "
			       "TelePresence) lose it there and must have their CTL/ITL deleted by hand\n",
			       first_tvs);
		else
			printf("result: every phone keeps a trust path at every step%s\n",
			       sch.bridged ? " (an extra CTL update, signed by a key phones hold, bridges "
					     "the signer change)" : "");
	}
out:
	ctl_schedule_free(&sch);
	free(regen);
	ctl_cluster_free(c);
	for (size_t i = 0; i < nheld; i++)
		load_free(&L[i]);
	return rc;
}
