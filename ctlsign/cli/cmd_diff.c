/* ctlsign diff: what changed between the list phones hold and a new one,
 * and whether phones holding the old one take the new one. */
#include "cli.h"
#include "jsonout.h"
#include "suggest.h"
#include "load.h"
#include "render.h"

#include "cluster.h"
#include "diff.h"
#include "phone.h"
#include "plan.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void diff_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign diff [--itl FILE] [--cluster FILE] [--via-tvs] [--json] OLD NEW\n\n"
		"Compare two trust lists: records added, removed, replaced (same role and\n"
		"host, another certificate) and changed (same certificate, other fields), the\n"
		"signer, the header (digest, version, FILENAME, timestamp), and whether phones\n"
		"holding OLD take NEW (docs/trust-model.md).\n\n"
		"  -i, --itl FILE      the ITL phones hold, when OLD is a CTL (TVS lives there)\n"
		"  -c, --cluster FILE  the cluster after the change, for TVS\n"
		"      --via-tvs       exit 0 when only phones that can ask TVS take NEW\n"
		"  -j, --json          print one JSON document\n"
		"  -h, --help          this help\n\n"
		"Exit status: 0 phones holding OLD take NEW, 1 they do not (or NEW's own\n"
		"signature is invalid), 2 usage, 3 malformed file, 4 cannot read a file.\n\n"
		"Examples:\n"
		"  ctlsign diff CTLFile.tlv.bak CTLFile.tlv\n"
		"  ctlsign diff --itl ITLFile.tlv --cluster cluster.ini published/CTLFile.tlv CTLFile.tlv\n");
}

enum { O_VIA_TVS = 256 };

int diff_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"itl", required_argument, NULL, 'i'},
		{"cluster", required_argument, NULL, 'c'},
		{"via-tvs", no_argument, NULL, O_VIA_TVS},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *itl_path = NULL, *cluster_path = NULL;
	bool json = false, via_tvs = false;
	loaded old = {0}, new_ = {0}, itl = {0};
	ctl_cluster *cluster = NULL;
	ctl_tvs_view tv = {0};
	ctl_held held = {.ctl_known = true};
	ctl_verify_opts vo = {.now = time(NULL)};
	ctl_phone_result pr;
	ctl_diff d = {0};
	ctl_err err;
	char why[CTL_TEXT_ROOM(CTL_PHONE_MSG)];
	int c, rc = EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "i:c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': itl_path = optarg; break;
		case 'c': cluster_path = optarg; break;
		case O_VIA_TVS: via_tvs = true; break;
		case 'j': json = true; break;
		case 'h': diff_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("diff", argc, argv, opts);
		}
	}
	if (optind != argc - 2) {
		msg_error("diff: expected OLD and NEW");
		diff_usage(stderr);
		return EXIT_USAGE;
	}
	if (load_file(argv[optind], &old)) {
		rc = report(old.path, &old.err);
		goto out;
	}
	if (load_file(argv[optind + 1], &new_)) {
		rc = report(new_.path, &new_.err);
		goto out;
	}
	if (!strcmp(ctl_kind(old.f), "ITL")) {
		held.itl = old.f;
		held.itl_path = old.path;
		held.itl_known = true;
		if (itl_path) {
			msg_error("diff: OLD `%s' is an ITL already; --itl names the ITL phones hold "
				  "beside a CTL", old.path);
			rc = EXIT_USAGE;
			goto out;
		}
	} else {
		held.ctl = old.f;
		held.ctl_path = old.path;
	}
	if (itl_path) {
		if (load_file(itl_path, &itl)) {
			rc = report(itl.path, &itl.err);
			goto out;
		}
		if (strcmp(ctl_kind(itl.f), "ITL")) {
			msg_error("--itl: `%s' is a CTL, not an ITL", itl_path);
			rc = EXIT_USAGE;
			goto out;
		}
		held.itl = itl.f;
		held.itl_path = itl.path;
		held.itl_known = true;
	}
	if (cluster_path) {
		if (ctl_cluster_load(cluster_path, &cluster, &err) ||
		    ctl_plan_tvs_view(cluster, NULL, &tv, &err)) {
			rc = report(NULL, &err);
			goto out;
		}
	} else if (!strcmp(ctl_kind(new_.f), "ITL") && ctl_tvs_view_add_file(&tv, new_.f, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	if (ctl_diff_files(old.f, new_.f, &d, &err) ||
	    ctl_phone_judge_file(&held, new_.buf, new_.len, new_.f, &tv, &vo, &pr, &err)) {
		rc = report(NULL, &err);
		goto out;
	}
	rc = pr.verdict == CTL_PHONE_ACCEPTED || (pr.verdict == CTL_PHONE_VIA_TVS && via_tvs)
		     ? EXIT_OK : EXIT_VERIFY;
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "old", json_text(old.path));
		json_object_object_add(o, "new", json_text(new_.path));
		json_object_object_add(o, "kind", json_object_new_string(ctl_kind(new_.f)));
		json_object_object_add(o, "changes", changes_json(old.f, new_.f, &d));
		json_object_object_add(o, "phones", verdict_json(&pr));
		json_print(o);
		json_object_put(o);
		goto out;
	}
	printf("%s -> %s (%s)\n", old.path, new_.path, ctl_kind(new_.f));
	print_changes(stdout, "  ", old.f, new_.f, &d);
	printf("phones holding %s: %s: %s\n", old.path,
	       pr.verdict == CTL_PHONE_ACCEPTED ? "accepted"
	       : pr.verdict == CTL_PHONE_VIA_TVS ? "accepted only through TVS" : "rejected",
	       ctl_text_safe(pr.why, why, sizeof(why), CTL_TEXT_LINES));
	if (pr.caveat[0])
		printf("caveat: %s\n", ctl_text_safe(pr.caveat, why, sizeof(why), CTL_TEXT_LINES));
	if (rc) {
		if (pr.verdict == CTL_PHONE_REJECTED)
			print_held_signers(stdout, "", &held, !strcmp(ctl_kind(new_.f), "ITL"));
		if (pr.advice[0])
			printf("what to do: %s\n",
			       ctl_text_safe(pr.advice, why, sizeof(why), CTL_TEXT_LINES));
	}
out:
	ctl_diff_free(&d);
	ctl_tvs_view_free(&tv);
	ctl_cluster_free(cluster);
	load_free(&old);
	load_free(&new_);
	load_free(&itl);
	return rc;
}
