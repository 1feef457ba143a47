/* check --live's pieces that need no server: --live-port parsing, the
 * contacts against loopback ports this test opens and never answers (or
 * closes: refused), the progress callback's thread and order, and the
 * findings of a cluster nobody answers. Real TFTP and TLS servers are in
 * tests/e2e/live.sh. */
#include <criterion/criterion.h>

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cluster.h"
#include "fixtures.h"
#include "live.h"

Test(live, ports_parse_forms)
{
	ctl_live_ports p = {0};
	char why[256];

	cr_assert(ctl_live_ports_parse("callmanager=2443,tvs=2445,capf=3804,tftp=69", &p, why,
				       sizeof(why)), "%s", why);
	cr_assert_eq(p.callmanager, 2443);
	cr_assert_eq(p.tvs, 2445);
	cr_assert_eq(p.capf, 3804);
	cr_assert_eq(p.tftp, 69);
	/* Any subset, any order, any case; the others stay as they were. */
	cr_assert(ctl_live_ports_parse("TFTP=6969,CallManager=1", &p, why, sizeof(why)), "%s", why);
	cr_assert_eq(p.callmanager, 1);
	cr_assert_eq(p.tvs, 2445);
	cr_assert_eq(p.capf, 3804);
	cr_assert_eq(p.tftp, 6969);
	cr_assert(ctl_live_ports_parse("capf=65535", &p, why, sizeof(why)), "%s", why);
	cr_assert_eq(p.capf, 65535);
}

Test(live, ports_parse_refusals)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{"", "empty"},
		{"tvs", "`tvs': expected SERVICE=PORT"},
		{"tvs=", "expected a port"},
		{"tvs=0", "expected a port, 1 to 65535"},
		{"tvs=65536", "expected a port"},
		{"tvs=123456", "expected a port"},
		{"tvs=12a", "expected a port"},
		{"tvs=-1", "expected a port"},
		{"tvs=+1", "expected a port"},
		{"tvs= 1", "expected a port"},
		{"tvs=1,", "`': expected SERVICE=PORT"},
		{",tvs=1", "`': expected SERVICE=PORT"},
		{"tvs=1,,capf=2", "`': expected SERVICE=PORT"},
		{"tomcat=8443", "`tomcat' is not a service"},
		{"tv=1", "`tv' is not a service"},
		{"tvsx=1", "`tvsx' is not a service"},
		{"=1", "`' is not a service"},
		{"tvs=1,tvs=2", "tvs is given twice"},
		{"TVS=1,tvs=2", "tvs is given twice"},
		{"tvs=1=2", "expected a port"},
	};
	ctl_live_ports was = {1, 2, 3, 4}, p;
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = was;
		why[0] = '\0';
		cr_assert(!ctl_live_ports_parse(bad[i].in, &p, why, sizeof(why)), "`%s' taken", bad[i].in);
		cr_assert(strstr(why, bad[i].why), "`%s': %s", bad[i].in, why);
		cr_assert(!memcmp(&p, &was, sizeof(p)), "`%s' changed the ports", bad[i].in);
	}
	p = was;
	cr_assert(!ctl_live_ports_parse(NULL, &p, why, sizeof(why)));
}

Test(live, service_words)
{
	cr_assert_str_eq(ctl_live_service_word(CTL_LIVE_CALLMANAGER), "callmanager");
	cr_assert_str_eq(ctl_live_service_word(CTL_LIVE_TVS), "tvs");
	cr_assert_str_eq(ctl_live_service_word(CTL_LIVE_CAPF), "capf");
	cr_assert_str_eq(ctl_live_service_word(CTL_LIVE_CTL), "ctl");
	cr_assert_str_eq(ctl_live_service_word(CTL_LIVE_ITL), "itl");
}

/* Every LIVE- code live.c reports is in check's code table (which a test in
 * test_trust.c keeps in step with docs/check.md). */
Test(live, codes_in_the_table)
{
	const char *root = getenv("CTLSIGN_ROOT");
	char path[4096], line[1024];
	size_t used = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ctlsign/core/live.c", root ? root : ".");
	cr_assert_not_null(f = fopen(path, "r"), "%s", path);
	while (fgets(line, sizeof(line), f)) {
		for (char *p = line; (p = strstr(p, "\"LIVE-")); p++) {
			char code[64];
			bool found = false;

			if (sscanf(p + 1, "%63[A-Z-]", code) != 1)
				continue;
			used++;
			for (size_t i = 0; i < ctl_check_ncodes; i++)
				found |= !strcmp(ctl_check_codes[i].code, code);
			cr_assert(found, "live.c reports %s, which is not in ctl_check_codes", code);
		}
	}
	fclose(f);
	cr_assert_geq(used, 10);
}

struct seen {
	pthread_t caller;
	bool other_thread;
	size_t calls, last_done, total, nodes_total, last_nodes;
	bool backwards;
};

static void on_progress(void *ud, const ctl_live_progress *p)
{
	struct seen *s = ud;

	if (!pthread_equal(pthread_self(), s->caller))
		s->other_thread = true;
	if (s->calls && (p->done < s->last_done || p->nodes_done < s->last_nodes))
		s->backwards = true;
	s->calls++;
	s->last_done = p->done;
	s->last_nodes = p->nodes_done;
	s->total = p->total;
	s->nodes_total = p->nodes_total;
}

/* A slow terminal: the first report after the start takes long enough
 * for every other job to end meanwhile. */
static void on_progress_slow(void *ud, const ctl_live_progress *p)
{
	struct seen *s = ud;

	on_progress(ud, p);
	if (p->done > 0 && s->calls == 2)
		usleep(1500 * 1000);
}

static char cluster_path[] = "cluster.ini";
static char n1[] = "n1", n2[] = "n2", h1[] = "n1.example", h2[] = "n2.example";

/* Two nodes on 127.0.0.1: n1 runs everything, n2 only CallManager. */
static void two_nodes(ctl_cluster *c, ctl_cluster_node nodes[2])
{
	memset(c, 0, sizeof(*c));
	memset(nodes, 0, 2 * sizeof(*nodes));
	c->path = cluster_path;
	c->nnodes = 2;
	c->nodes = nodes;
	ctl_release_parse("12.5", &c->rel);
	nodes[0] = (ctl_cluster_node){.name = n1, .host = h1, .has_ip = true, .ip = {127, 0, 0, 1},
				      .roles = CTL_NODE_CCM | CTL_NODE_TFTP | CTL_NODE_CAPF | CTL_NODE_TVS};
	nodes[1] = (ctl_cluster_node){.name = n2, .host = h2, .has_ip = true, .ip = {127, 0, 0, 1},
				      .roles = CTL_NODE_CCM};
}

/* Silent services: every one waits the timeout, all at once; the ITL is
 * not asked for after the CTL got no answer; progress comes on the calling
 * thread, counting up to the total. */
Test(live, silent_nodes_bounded_and_parallel, .timeout = 30)
{
	ctl_cluster c;
	ctl_cluster_node nodes[2];
	unsigned tport, uport;
	int tfd = fx_silent_socket(SOCK_STREAM, &tport), ufd = fx_silent_socket(SOCK_DGRAM, &uport);
	struct seen s = {.caller = pthread_self()};
	ctl_live_opts o = {.timeout_ms = 700, .ports = {tport, tport, tport, uport},
			   .progress = on_progress, .ud = &s};
	ctl_live l;
	ctl_err err;
	double t0;

	two_nodes(&c, nodes);
	t0 = fx_now();
	cr_assert_eq(ctl_live_contact(&c, &o, &l, &err), CTL_OK, "%s", err.msg);
	/* 5 jobs of 0.7 s each: together well under their sum (3.5 s). */
	cr_assert_lt(fx_now() - t0, 2.8, "%.1f s", fx_now() - t0);
	close(tfd);
	close(ufd);
	cr_assert_eq(l.n, 6);
	for (size_t i = 0; i < l.n; i++) {
		const ctl_live_result *r = &l.r[i];

		cr_assert(!r->ok && !r->answered && !r->cert && !r->buf && !r->file);
		cr_assert_str_eq(r->address, "127.0.0.1");
		if (r->service == CTL_LIVE_ITL) {
			cr_assert(r->skipped);
			cr_assert(strstr(r->error, "not asked for"), "%s", r->error);
			continue;
		}
		cr_assert(!r->skipped);
		cr_assert(strstr(r->error, "0.7 s"), "%s: %s", ctl_live_service_word(r->service),
			  r->error);
	}
	cr_assert_eq(l.r[0].service, CTL_LIVE_CALLMANAGER);
	cr_assert_eq(l.r[0].node, 0);
	cr_assert_eq(l.r[4].service, CTL_LIVE_ITL);
	cr_assert_eq(l.r[5].node, 1);
	cr_assert(strstr(l.r[3].url, "tftp://127.0.0.1:"), "%s", l.r[3].url);
	cr_assert(!s.other_thread, "progress called on a worker thread");
	cr_assert(!s.backwards, "progress went backwards");
	cr_assert_geq(s.calls, 2);
	cr_assert_eq(s.total, 5);
	cr_assert_eq(s.last_done, 5);
	cr_assert_eq(s.nodes_total, 2);
	cr_assert_eq(s.last_nodes, 2);
	cr_assert_null(ctl_live_first_list(&l, CTL_LIVE_CTL));
	ctl_live_free(&l);
}

/* CallManager refuses at once on both nodes, the rest wait their timeout:
 * the jobs that end while the progress callback is busy are reported when
 * it returns, so the last report is the total (a terminal's progress line
 * ends at "5/5"). */
Test(live, last_progress_is_the_total, .timeout = 30)
{
	ctl_cluster c;
	ctl_cluster_node nodes[2];
	unsigned rport, tport, uport;
	int rfd = fx_silent_socket(SOCK_STREAM, &rport), tfd = fx_silent_socket(SOCK_STREAM, &tport),
	    ufd = fx_silent_socket(SOCK_DGRAM, &uport);
	struct seen s = {.caller = pthread_self()};
	ctl_live_opts o = {.timeout_ms = 500, .ports = {rport, tport, tport, uport},
			   .progress = on_progress_slow, .ud = &s};
	ctl_live l;
	ctl_err err;

	close(rfd);   /* closed: refused */
	two_nodes(&c, nodes);
	cr_assert_eq(ctl_live_contact(&c, &o, &l, &err), CTL_OK, "%s", err.msg);
	close(tfd);
	close(ufd);
	cr_assert(!s.backwards, "progress went backwards");
	cr_assert_eq(s.total, 5);
	cr_assert_eq(s.last_done, 5, "the last report says %zu of 5", s.last_done);
	cr_assert_eq(s.last_nodes, 2);
	ctl_live_free(&l);
}

/* Nobody listens (refused): fast, and one connection at a time works too.
 * Then the findings: every service unreachable, nothing compared. */
Test(live, refused_nodes_and_findings, .timeout = 30)
{
	ctl_cluster c;
	ctl_cluster_node nodes[2];
	unsigned tport, uport;
	int tfd = fx_silent_socket(SOCK_STREAM, &tport), ufd = fx_silent_socket(SOCK_DGRAM, &uport);
	ctl_live_opts o = {.timeout_ms = 700, .jobs = 1};
	ctl_live l;
	ctl_live_counts k;
	ctl_live_in in = {0};
	ctl_findings fs = {0};
	ctl_err err;
	size_t unreachable = 0;

	close(tfd);   /* refused from now on */
	close(ufd);
	o.ports = (ctl_live_ports){tport, tport, tport, uport};
	two_nodes(&c, nodes);
	cr_assert_eq(ctl_live_contact(&c, &o, &l, &err), CTL_OK, "%s", err.msg);
	for (size_t i = 0; i < l.n; i++)
		if (l.r[i].service != CTL_LIVE_ITL && l.r[i].service != CTL_LIVE_CTL)
			cr_assert(strstr(l.r[i].error, "cannot connect"), "%s", l.r[i].error);
	ctl_live_count(&l, &k);
	cr_assert_eq(k.nodes, 2);
	cr_assert_eq(k.services, 5);
	cr_assert_eq(k.answered, 0);
	cr_assert_eq(k.nodes_silent, 2);
	in.live = &l;
	cr_assert_eq(ctl_live_findings(&in, &fs, &err), CTL_OK, "%s", err.msg);
	cr_assert_str_eq(fs.f[0].code, "LIVE-NO-ANSWER", "errors come first");
	cr_assert_eq(fs.count[CTL_SEV_ERROR], 1);
	for (size_t i = 0; i < fs.n; i++)
		if (!strcmp(fs.f[i].code, "LIVE-UNREACHABLE")) {
			unreachable++;
			cr_assert_eq(fs.f[i].sev, CTL_SEV_WARNING);
			cr_assert_str_eq(fs.f[i].file, "cluster.ini");
			cr_assert_not_null(fs.f[i].advice);
		}
	cr_assert_eq(unreachable, 5);
	cr_assert_eq(fs.count[CTL_SEV_WARNING], 5);
	ctl_findings_free(&fs);
	ctl_live_free(&l);
}

/* A cluster whose nodes have no role to contact: nothing to do. */
Test(live, nothing_to_contact)
{
	ctl_cluster c;
	ctl_cluster_node nodes[2];
	ctl_live_opts o = {.timeout_ms = 100};
	ctl_live l;
	ctl_err err;

	two_nodes(&c, nodes);
	c.nnodes = 0;
	cr_assert_eq(ctl_live_contact(&c, &o, &l, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(l.n, 0);
	cr_assert_null(ctl_live_first_list(&l, CTL_LIVE_ITL));
	ctl_live_free(&l);
	ctl_live_free(NULL);
}
