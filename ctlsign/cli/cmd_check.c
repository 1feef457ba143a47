/* ctlsign check: find the outage before it happens. One finding a line,
 * with a severity, a stable code (docs/check.md), what it is about and what
 * to do; exit 1 when anything blocks publishing. */
#include "check_live.h"
#include "cli.h"
#include "jsonout.h"
#include "load.h"
#include "suggest.h"

#include "check.h"
#include "cluster.h"
#include "plan.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void check_usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign check [NEW] [--current FILE]... [--itl FILE] [--first]\n"
		"                     [--cluster FILE] [--at DATE] [--json]\n"
		"       ctlsign check --live --cluster FILE [--timeout S] [--live-port SPEC] ...\n\n"
		"Check a CTL or ITL before publishing it (NEW), or, without NEW, what phones\n"
		"hold and the cluster's certificates (a health check for cron or CI). Each\n"
		"finding is one line: severity (error blocks publishing, warning, info), a\n"
		"stable code (docs/check.md), what it is about, and what to do.\n\n"
		"  -C, --current FILE  the CTL (or ITL) phones hold now; a file or a tftp://\n"
		"                      or http:// URL (repeat for both); default: the cluster\n"
		"                      file's current-ctl and current-itl\n"
		"  -i, --itl FILE      the ITL phones hold now (TVS is judged from it)\n"
		"      --first         phones hold no list yet\n"
		"  -c, --cluster FILE  the cluster description: every node's current\n"
		"                      certificates, mode, release and tokens are compared\n"
		"      --at DATE       judge validity at DATE (YYYY-MM-DD[THH:MM[:SS]]Z, UTC),\n"
		"                      e.g. the planned maintenance window; default now\n"
		"      --live          with --cluster: contact every node at once and compare\n"
		"                      the CallManager, TVS and CAPF certificates it presents\n"
		"                      (TLS 2443 then 5061, 2445, 3804) and the CTL and ITL each\n"
		"                      TFTP node serves (UDP 69) with the cluster file and the\n"
		"                      lists; what TFTP serves is what phones hold unless\n"
		"                      --current/--itl or the cluster file name it\n"
		"      --timeout S     with --live: wait at most S seconds for each connection\n"
		"                      and answer (default 5)\n"
		"      --live-port SPEC  with --live: other ports, on every node, e.g.\n"
		"                      callmanager=2443,tvs=2445,capf=3804,tftp=69\n"
		"      --legacy-digest-codes  read digest codes 3 and 4 the older way\n"
		"  -j, --json          one JSON document\n"
		"  -q, --quiet         print nothing; the exit status tells\n"
		"  -h, --help          this help\n\n"
		"Exit status: 0 nothing blocks publishing, 1 an error was found, 2 usage,\n"
		"3 malformed input, 4 cannot read a file.\n\n"
		"Examples:\n"
		"  ctlsign check CTLFile.tlv --current tftp://cucm-pub/CTLFile.tlv --itl ITLFile.tlv -c cluster.ini\n"
		"  ctlsign check --cluster cluster.ini --current CTLFile.tlv --itl ITLFile.tlv --at 2027-03-01\n"
		"  ctlsign check --live --cluster cluster.ini --timeout 3\n");
}

enum { O_FIRST = 256, O_AT, O_LEGACY, O_LIVE, O_LIVE_PORT, O_TIMEOUT };

/* "2027-03-01", "2027-03-01T22:00", "2027-03-01T22:00:00Z": UTC. */
static bool parse_at(const char *s, time_t *out)
{
	static const char *const forms[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ",
					    "%Y-%m-%dT%H:%M", "%Y-%m-%dZ", "%Y-%m-%d"};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, forms[i], &tm);
		if (end && !*end) {
			*out = timegm(&tm);
			return *out != (time_t)-1;
		}
	}
	return false;
}

static void print_about(const ctl_finding *f, char *out, size_t n)
{
	if (f->line)
		snprintf(out, n, "%s:%d (%s%s%s)", f->file, f->line, f->role ? f->role : "",
			 f->host ? " " : "", f->host ? f->host : "");
	else if (f->record)
		snprintf(out, n, "%s record %d (%s%s%s)", f->file, f->record, f->role ? f->role : "",
			 f->host ? " " : "", f->host ? f->host : "");
	else
		snprintf(out, n, "%s", f->file ? f->file : "");
}

static json_object *finding_json(const ctl_finding *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "severity", json_object_new_string(ctl_severity_word(f->sev)));
	json_object_object_add(o, "code", json_object_new_string(f->code));
	json_object_object_add(o, "file", f->file ? json_text(f->file) : NULL);
	json_object_object_add(o, "record", f->record ? json_object_new_int(f->record) : NULL);
	json_object_object_add(o, "line", f->line ? json_object_new_int(f->line) : NULL);
	json_object_object_add(o, "role", f->role ? json_text(f->role) : NULL);
	json_object_object_add(o, "host", f->host ? json_text(f->host) : NULL);
	json_object_object_add(o, "message", json_text(f->message));
	json_object_object_add(o, "advice", f->advice ? json_text(f->advice) : NULL);
	return o;
}

/* The command line. */
struct copts {
	const char *current[2], *itl_path, *cluster_path, *new_path;
	size_t ncurrent;
	bool json, quiet, first, legacy;
	time_t at;
	check_live live;
};

/* Everything a run holds, freed by run_free. */
struct run {
	held_lists hl;
	ctl_held h;      /* what phones hold: hl, or what TFTP serves (--live) */
	ctl_check_in in;
	ctl_cluster *cluster;
	ctl_tvs_view tv;
	ctl_findings fs;
	loaded nl;
};

static const struct option check_opts[] = {
	{"current", required_argument, NULL, 'C'},
	{"itl", required_argument, NULL, 'i'},
	{"first", no_argument, NULL, O_FIRST},
	{"cluster", required_argument, NULL, 'c'},
	{"at", required_argument, NULL, O_AT},
	{"legacy-digest-codes", no_argument, NULL, O_LEGACY},
	{"live", no_argument, NULL, O_LIVE},
	{"live-port", required_argument, NULL, O_LIVE_PORT},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"json", no_argument, NULL, 'j'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* -1: go on; else the exit status. */
static int parse_args(struct copts *o, int argc, char **argv)
{
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "C:i:c:jqh", check_opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			if (o->ncurrent == 2) {
				msg_error("check: --current names one CTL and one ITL at most");
				return EXIT_USAGE;
			}
			o->current[o->ncurrent++] = optarg;
			break;
		case 'i': o->itl_path = optarg; break;
		case O_FIRST: o->first = true; break;
		case 'c': o->cluster_path = optarg; break;
		case O_AT:
			if (!parse_at(optarg, &o->at)) {
				msg_error("--at: `%s' is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS], UTC)",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case O_LEGACY: o->legacy = true; break;
		case O_LIVE: o->live.on = true; break;
		case O_LIVE_PORT:
			if ((rc = check_live_ports(&o->live, optarg)))
				return rc;
			break;
		case O_TIMEOUT:
			if ((rc = check_live_timeout(&o->live, optarg)))
				return rc;
			break;
		case 'j': o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'h': check_usage(stdout); return EXIT_OK;
		default: return cli_bad_option("check", argc, argv, check_opts);
		}
	}
	if (argc - optind > 1) {
		msg_error("check: one NEW file at most");
		return EXIT_USAGE;
	}
	o->new_path = optind < argc ? argv[optind] : NULL;
	if (o->first && (o->ncurrent || o->itl_path)) {
		msg_error("check: --first (phones hold nothing) and --current/--itl exclude each other");
		return EXIT_USAGE;
	}
	if ((rc = check_live_usage(&o->live, o->cluster_path != NULL)))
		return rc;
	return -1;
}

/* The cluster file and the lists phones hold: named, else the cluster
 * file's current-ctl and current-itl. */
static int read_held(const struct copts *o, struct run *r)
{
	ctl_err err;
	int rc;

	if (o->cluster_path && ctl_cluster_load(o->cluster_path, &r->cluster, &err))
		return report(NULL, &err);
	for (size_t i = 0; i < o->ncurrent; i++)
		if ((rc = held_take(&r->hl, o->current[i], "--current", HELD_ANY)))
			return rc;
	if (o->itl_path && (rc = held_take(&r->hl, o->itl_path, "--itl", HELD_ITL)))
		return rc;
	if (r->cluster && !o->ncurrent && !o->itl_path && !o->first) {
		if (r->cluster->current_ctl &&
		    (rc = held_take(&r->hl, r->cluster->current_ctl, "current-ctl", HELD_CTL)))
			return rc;
		if (r->cluster->current_itl &&
		    (rc = held_take(&r->hl, r->cluster->current_itl, "current-itl", HELD_ITL)))
			return rc;
	}
	held_view(&r->hl, &r->h);
	if (!o->new_path && !r->hl.ctl.set && !r->hl.itl.set && !r->cluster) {
		msg_error("check: nothing to check: give NEW, the lists phones hold (--current, --itl) "
			  "or --cluster");
		check_usage(stderr);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* --live: contact the nodes; what the TFTP nodes serve is what phones hold,
 * unless named. */
static int contact(struct copts *o, struct run *r)
{
	const ctl_live_result *lr;
	int rc;

	if (!o->live.on)
		return EXIT_OK;
	if ((rc = check_live_run(&o->live, r->cluster, !o->json && !o->quiet)))
		return rc;
	if (!o->first && !r->h.ctl && (lr = ctl_live_first_list(&o->live.l, CTL_LIVE_CTL))) {
		r->h.ctl = lr->file;
		r->h.ctl_path = lr->url;
	}
	if (!o->first && !r->h.itl && (lr = ctl_live_first_list(&o->live.l, CTL_LIVE_ITL))) {
		r->h.itl = lr->file;
		r->h.itl_path = lr->url;
	}
	return EXIT_OK;
}

/* Read NEW, settle TVS and run every check (and the live ones). */
static int run_checks(struct copts *o, struct run *r)
{
	ctl_check_in *in = &r->in;
	ctl_live_in lin = {0};
	ctl_err err;
	int rc;

	lin.named_ctl = r->h.ctl;
	lin.named_ctl_path = r->h.ctl_path;
	lin.named_itl = r->h.itl;
	lin.named_itl_path = r->h.itl_path;
	lin.first = o->first;
	if ((rc = contact(o, r)))
		return rc;
	in->at = o->at;
	in->legacy_digest_codes = o->legacy;
	in->held = r->h;
	in->held.ctl_known = o->first || r->h.ctl;
	in->held.itl_known = o->first || r->h.itl;
	if (o->new_path) {
		if (load_file(o->new_path, &r->nl))
			return report(o->new_path, &r->nl.err);
		in->new_path = r->nl.path;
		in->new_buf = r->nl.buf;
		in->new_len = r->nl.len;
		in->new_f = r->nl.f;
	}
	if (r->cluster) {
		if (ctl_plan_tvs_view(r->cluster, NULL, &r->tv, &err))
			return report(NULL, &err);
		in->cluster = r->cluster;
	} else if (in->new_f && !strcmp(ctl_kind(in->new_f), "ITL") &&
		   ctl_tvs_view_add_file(&r->tv, in->new_f, &err)) {
		return report(NULL, &err);
	}
	in->tv = &r->tv;
	if (ctl_check(in, &r->fs, &err))
		return report(NULL, &err);
	lin.live = &o->live.l;
	lin.new_f = in->new_f;
	lin.new_path = in->new_path;
	if (o->live.ran && ctl_live_findings(&lin, &r->fs, &err))
		return report(NULL, &err);
	return EXIT_OK;
}

static void print_json(const struct copts *o, const struct run *r)
{
	const ctl_findings *fs = &r->fs;
	json_object *doc = json_object_new_object(), *a = json_object_new_array(), *j;
	char when[32];

	j = json_object_new_object();
	json_object_object_add(j, "new", r->in.new_path ? json_text(r->in.new_path) : NULL);
	json_object_object_add(j, "current_ctl", r->h.ctl_path ? json_text(r->h.ctl_path) : NULL);
	json_object_object_add(j, "current_itl", r->h.itl_path ? json_text(r->h.itl_path) : NULL);
	json_object_object_add(j, "cluster", o->cluster_path ? json_text(o->cluster_path) : NULL);
	ctl_time_iso(o->at, when, sizeof(when));
	json_object_object_add(j, "at", json_object_new_string(when));
	json_object_object_add(j, "live", json_object_new_boolean(o->live.ran));
	json_object_object_add(doc, "checked", j);
	json_object_object_add(doc, "live", check_live_json(&o->live));
	for (size_t i = 0; i < fs->n; i++)
		json_object_array_add(a, finding_json(&fs->f[i]));
	json_object_object_add(doc, "findings", a);
	json_object_object_add(doc, "errors", json_object_new_int64((int64_t)fs->count[CTL_SEV_ERROR]));
	json_object_object_add(doc, "warnings", json_object_new_int64((int64_t)fs->count[CTL_SEV_WARNING]));
	json_object_object_add(doc, "infos", json_object_new_int64((int64_t)fs->count[CTL_SEV_INFO]));
	json_object_object_add(doc, "blocked", json_object_new_boolean(fs->count[CTL_SEV_ERROR] > 0));
	json_print(doc);
	json_object_put(doc);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static void print_text(const struct run *r)
{
	const ctl_findings *fs = &r->fs;
	size_t ne = fs->count[CTL_SEV_ERROR], nw = fs->count[CTL_SEV_WARNING];
	size_t ni = fs->count[CTL_SEV_INFO];
	bool new = r->in.new_f != NULL;

	for (size_t i = 0; i < fs->n; i++) {
		const ctl_finding *f = &fs->f[i];
		char about[2048], *safe_about, *safe_msg;

		print_about(f, about, sizeof(about));
		safe_about = ctl_text_dup(about, 0);
		safe_msg = ctl_text_dup(f->message, 0);
		printf("%-7s %-21s %s: %s\n", ctl_severity_word(f->sev), f->code,
		       safe_about ? safe_about : "", safe_msg ? safe_msg : "");
		if (f->advice) {
			char *safe = ctl_text_dup(f->advice, 0);
			printf("%-29s do: %s\n", "", safe ? safe : "");
			free(safe);
		}
		free(safe_about);
		free(safe_msg);
	}
	printf("check: %zu error%s, %zu warning%s, %zu note%s: %s\n", ne, plural(ne), nw, plural(nw),
	       ni, plural(ni),
	       ne ? (new ? "do not publish" : "fix the errors")
		  : (new ? "nothing blocks publishing" : "nothing blocks"));
}

static void run_free(struct run *r)
{
	ctl_findings_free(&r->fs);
	ctl_tvs_view_free(&r->tv);
	ctl_cluster_free(r->cluster);
	load_free(&r->nl);
	held_free(&r->hl);
}

int check_main(int argc, char **argv)
{
	struct copts o = {.at = time(NULL)};
	struct run r = {0};
	int rc;

	if ((rc = parse_args(&o, argc, argv)) >= 0)
		return rc;
	if (!(rc = read_held(&o, &r)) && !(rc = run_checks(&o, &r))) {
		rc = r.fs.count[CTL_SEV_ERROR] ? EXIT_VERIFY : EXIT_OK;
		if (o.json && !o.quiet)
			print_json(&o, &r);
		else if (!o.quiet)
			print_text(&r);
	}
	check_live_free(&o.live);
	run_free(&r);
	return rc;
}
