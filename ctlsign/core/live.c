/* check --live (live.h): contact every node of a cluster at once, then
 * compare what the nodes present with the cluster file and the lists.
 *
 * Threads: one pool of workers takes jobs (a service of a node) from a
 * queue under a mutex; each job writes only its own results. The calling
 * thread waits on a condition variable, reports progress and joins the
 * workers; parsing and comparing happen on it afterwards. libcurl and
 * OpenSSL are set up on the calling thread before any worker starts, and
 * the workers block asynchronous signals (SIGPIPE from a socket a server
 * closed, SIGINT meant for the main thread). */
#include "live.h"

#include "build.h"
#include "fetch.h"
#include "identity.h"
#include "verify.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *ctl_live_service_word(ctl_live_service s)
{
	switch (s) {
	case CTL_LIVE_CALLMANAGER: return "callmanager";
	case CTL_LIVE_TVS: return "tvs";
	case CTL_LIVE_CAPF: return "capf";
	case CTL_LIVE_CTL: return "ctl";
	case CTL_LIVE_ITL: return "itl";
	}
	return "?";
}

/* ---- --live-port ---------------------------------------------------------- */

bool ctl_live_ports_parse(const char *s, ctl_live_ports *p, char *why, size_t whysz)
{
	static const char *const names[] = {"callmanager", "tvs", "capf", "tftp"};
	ctl_live_ports q = *p;
	unsigned *slot[] = {&q.callmanager, &q.tvs, &q.capf, &q.tftp};
	bool seen[4] = {false, false, false, false};
	const char *at = s;

	if (!s || !*s) {
		snprintf(why, whysz, "empty: expected SERVICE=PORT[,SERVICE=PORT]... "
			 "(callmanager, tvs, capf, tftp)");
		return false;
	}
	for (;;) {
		size_t len = strcspn(at, ","), nl;
		const char *eq = memchr(at, '=', len), *d;
		unsigned long v = 0;
		int k = -1;

		if (!eq) {
			snprintf(why, whysz, "`%.*s': expected SERVICE=PORT", (int)len, at);
			return false;
		}
		nl = (size_t)(eq - at);
		for (int i = 0; i < 4; i++)
			if (strlen(names[i]) == nl && !strncasecmp(at, names[i], nl))
				k = i;
		if (k < 0) {
			snprintf(why, whysz, "`%.*s' is not a service: expected callmanager, tvs, capf "
				 "or tftp", (int)nl, at);
			return false;
		}
		if (seen[k]) {
			snprintf(why, whysz, "%s is given twice", names[k]);
			return false;
		}
		for (d = eq + 1; d < at + len; d++) {
			if (!isdigit((unsigned char)*d) || d - eq > 5) {
				v = 0;
				break;
			}
			v = v * 10 + (unsigned long)(*d - '0');
		}
		if (v < 1 || v > 65535) {
			snprintf(why, whysz, "%s=`%.*s': expected a port, 1 to 65535", names[k],
				 (int)(at + len - eq - 1), eq + 1);
			return false;
		}
		*slot[k] = (unsigned)v;
		seen[k] = true;
		if (!at[len])
			break;
		at += len + 1;
	}
	*p = q;
	return true;
}

/* ---- contacting the nodes ------------------------------------------------- */

struct job {
	size_t node;
	ctl_live_service svc;    /* CTL: the TFTP job, its ITL result follows */
	size_t res;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next, done, njobs, nodes_done, nodes_total;
	struct job *jobs;
	size_t *node_left;       /* per node: jobs not done yet */
	ctl_live *out;
	long timeout_ms;
	ctl_live_ports ports;
};

ctl_status ctl_live_init(ctl_err *err)
{
	ctl_status rc = ctl_peer_init(err);

	return rc ? rc : ctl_fetch_init(err);
}

/* dst += (dst empty ? "" : sep) + s, cut to fit. */
static void append(char *dst, size_t n, const char *sep, const char *s)
{
	size_t l = strlen(dst);

	for (const char *p = l ? sep : ""; *p && l + 1 < n; p++)
		dst[l++] = *p;
	for (; *s && l + 1 < n; s++)
		dst[l++] = *s;
	dst[l] = '\0';
}

static void run_tls(const struct pool *p, ctl_live_result *r)
{
	unsigned ports[2] = {0, 0};

	switch (r->service) {
	case CTL_LIVE_CALLMANAGER:
		if (p->ports.callmanager) {
			ports[0] = p->ports.callmanager;
		} else {
			ports[0] = CTL_LIVE_PORT_SCCP_TLS;
			ports[1] = CTL_LIVE_PORT_SIP_TLS;
		}
		break;
	case CTL_LIVE_TVS: ports[0] = p->ports.tvs ? p->ports.tvs : CTL_LIVE_PORT_TVS; break;
	case CTL_LIVE_CAPF: ports[0] = p->ports.capf ? p->ports.capf : CTL_LIVE_PORT_CAPF; break;
	default: return;
	}
	for (int i = 0; i < 2 && ports[i]; i++) {
		ctl_peer peer;
		ctl_err e;
		X509 *x;

		ctl_err_clear(&e);
		r->port = ports[i];
		if (ctl_peer_certs(r->address, ports[i], p->timeout_ms, &peer, &e) != CTL_OK) {
			append(r->error, sizeof(r->error), "; then ", e.msg);
			ctl_peer_free(&peer);
			continue;
		}
		x = sk_X509_value(peer.chain, 0);
		if (!x || !X509_up_ref(x)) {
			snprintf(r->error, sizeof(r->error), "%s port %u: out of memory", r->address,
				 ports[i]);
		} else {
			r->cert = x;
			r->ok = r->answered = true;
			r->error[0] = '\0';
			snprintf(r->protocol, sizeof(r->protocol), "%s", peer.protocol);
			r->client_cert_requested = peer.client_cert_requested;
		}
		ctl_peer_free(&peer);
		break;
	}
	ERR_clear_error();
}

static void tftp_url(const struct pool *p, ctl_live_result *r, const char *name)
{
	r->port = p->ports.tftp ? p->ports.tftp : CTL_LIVE_PORT_TFTP;
	snprintf(r->url, sizeof(r->url), "tftp://%s:%u/%s", r->address, r->port, name);
}

static void fetch_list(const struct pool *p, ctl_live_result *r, const char *name)
{
	ctl_err e;
	ctl_status st;
	bool nf = false;

	ctl_err_clear(&e);
	tftp_url(p, r, name);
	st = ctl_fetch_url(r->url, CTL_FILE_MAX, p->timeout_ms, &r->buf, &r->len, &nf, &e);
	if (st == CTL_OK) {
		r->answered = true;
		return;
	}
	r->not_found = nf;
	/* Not found, or larger than any list: the service did answer. */
	r->answered = nf || st == CTL_E_MALFORMED;
	snprintf(r->error, sizeof(r->error), "%s", e.msg);
}

static void run_job(const struct pool *p, const struct job *j)
{
	ctl_live_result *r = &p->out->r[j->res];

	if (j->svc != CTL_LIVE_CTL) {
		run_tls(p, r);
		return;
	}
	/* As a phone asks: the CTL, then the ITL. A service that gave no
	 * answer for the first is not asked again. */
	fetch_list(p, r, CTL_FILENAME_CTL);
	if (r->answered) {
		fetch_list(p, r + 1, CTL_FILENAME_ITL);
	} else {
		tftp_url(p, r + 1, CTL_FILENAME_ITL);
		r[1].skipped = true;
		snprintf(r[1].error, sizeof(r[1].error), "not asked for: the TFTP service gave "
			 "no answer for %s", CTL_FILENAME_CTL);
	}
}

static void job_done(struct pool *p, const struct job *j)
{
	pthread_mutex_lock(&p->mu);
	p->done++;
	if (--p->node_left[j->node] == 0)
		p->nodes_done++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		const struct job *j;

		pthread_mutex_lock(&p->mu);
		if (p->next == p->njobs) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		j = &p->jobs[p->next++];
		pthread_mutex_unlock(&p->mu);
		run_job(p, j);
		job_done(p, j);
	}
	ERR_clear_error();
	OPENSSL_thread_stop();
	return NULL;
}

/* Where the pool is (under its mutex, or with no worker running). */
static ctl_live_progress snapshot(const struct pool *p)
{
	ctl_live_progress pr = {p->done, p->njobs, p->nodes_done, p->nodes_total};

	return pr;
}

static void progress(const ctl_live_opts *o, ctl_live_progress pr)
{
	if (o && o->progress)
		o->progress(o->ud, &pr);
}

/* Parse what TFTP served, check its kind and its own signature. */
static void read_list(ctl_live_result *r, time_t now)
{
	const char *want = r->service == CTL_LIVE_CTL ? "CTL" : "ITL";
	ctl_verify_result vr;
	ctl_err e;
	char where[CTL_ERR_MSG];

	if (!r->buf)
		return;
	ctl_err_clear(&e);
	if (ctl_parse(r->buf, r->len, &r->file, &e)) {
		ctl_err_where(&e, where, sizeof(where));
		snprintf(r->error, sizeof(r->error), "%.400s: malformed: %.600s", r->url, where);
		r->file = NULL;
		return;
	}
	if (strcmp(ctl_kind(r->file), want)) {
		snprintf(r->error, sizeof(r->error), "%s: the file served is %s (FILENAME %s), not %s %s",
			 r->url, strcmp(want, "CTL") ? "a CTL" : "an ITL",
			 ctl_tlv_str(ctl_hdr_find(r->file, CTL_H_FILENAME)),
			 strcmp(want, "CTL") ? "an" : "a", want);
		ctl_free(r->file);
		r->file = NULL;
		return;
	}
	r->ok = true;
	memset(&vr, 0, sizeof(vr));
	if (ctl_verify(r->buf, r->len, r->file, NULL, now, &vr, &e) == CTL_OK)
		r->sig_valid = true;
	else
		snprintf(r->sig_error, sizeof(r->sig_error), "%s", vr.reason[0] ? vr.reason : e.msg);
	ERR_clear_error();
}

/* Signals a worker must never take: those the process may be sent or a
 * socket raises. Faults stay deliverable. */
static void block_async(sigset_t *set)
{
	static const int sync_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};

	sigfillset(set);
	for (size_t i = 0; i < sizeof(sync_sigs) / sizeof(sync_sigs[0]); i++)
		sigdelset(set, sync_sigs[i]);
}

ctl_status ctl_live_contact(const ctl_cluster *c, const ctl_live_opts *o, ctl_live *out,
			    ctl_err *err)
{
	struct pool p;
	pthread_t *th = NULL;
	size_t nth = 0, want, n = 0;
	sigset_t all, old;
	ctl_status rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	out->cluster = c;
	out->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : CTL_FETCH_TIMEOUT_MS;
	if (o)
		out->ports = o->ports;
	if ((rc = ctl_live_init(err)))
		return rc;
	for (size_t i = 0; i < c->nnodes; i++) {
		unsigned r = c->nodes[i].roles;
		n += !!(r & CTL_NODE_CCM) + !!(r & CTL_NODE_TVS) + !!(r & CTL_NODE_CAPF) +
		     2 * !!(r & CTL_NODE_TFTP);
	}
	if (!n)
		return CTL_OK;
	out->r = calloc(n, sizeof(*out->r));
	p.jobs = calloc(n, sizeof(*p.jobs));
	p.node_left = calloc(c->nnodes, sizeof(*p.node_left));
	if (!out->r || !p.jobs || !p.node_left) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->nnodes; i++) {
		const ctl_cluster_node *nd = &c->nodes[i];
		static const struct {
			unsigned role;
			ctl_live_service svc;
		} order[] = {
			{CTL_NODE_CCM, CTL_LIVE_CALLMANAGER},
			{CTL_NODE_TVS, CTL_LIVE_TVS},
			{CTL_NODE_CAPF, CTL_LIVE_CAPF},
			{CTL_NODE_TFTP, CTL_LIVE_CTL},
		};

		for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
			size_t m = order[k].svc == CTL_LIVE_CTL ? 2 : 1;

			if (!(nd->roles & order[k].role))
				continue;
			p.jobs[p.njobs++] = (struct job){i, order[k].svc, out->n};
			for (size_t q = 0; q < m; q++) {
				ctl_live_result *r = &out->r[out->n++];

				r->node = i;
				r->service = q ? CTL_LIVE_ITL : order[k].svc;
				if (nd->has_ip)
					snprintf(r->address, sizeof(r->address), "%u.%u.%u.%u", nd->ip[0],
						 nd->ip[1], nd->ip[2], nd->ip[3]);
				else
					snprintf(r->address, sizeof(r->address), "%s", nd->host);
			}
			if (!p.node_left[i]++)
				p.nodes_total++;
		}
	}
	p.out = out;
	p.timeout_ms = out->timeout_ms;
	p.ports = out->ports;
	want = o && o->jobs ? o->jobs : CTL_LIVE_JOBS;
	if (want > p.njobs)
		want = p.njobs;
	if (pthread_mutex_init(&p.mu, NULL)) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "cannot create a mutex");
		goto out;
	}
	if (pthread_cond_init(&p.cv, NULL)) {
		pthread_mutex_destroy(&p.mu);
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "cannot create a condition variable");
		goto out;
	}
	if (!(th = calloc(want, sizeof(*th)))) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto unlock;
	}
	progress(o, snapshot(&p));
	block_async(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (nth < want && pthread_create(&th[nth], NULL, worker, &p) == 0)
		nth++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!nth) {
		/* No thread at all: one after the other, on this one. */
		pthread_sigmask(SIG_SETMASK, &all, &old);
		while (p.next < p.njobs) {
			const struct job *j = &p.jobs[p.next++];
			run_job(&p, j);
			job_done(&p, j);
			progress(o, snapshot(&p));
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	} else {
		size_t seen = 0;

		/* Every count reported, the last one too: jobs that end while
		 * the callback runs are reported when it returns. */
		pthread_mutex_lock(&p.mu);
		for (;;) {
			if (p.done != seen) {
				ctl_live_progress pr = snapshot(&p);

				seen = p.done;
				pthread_mutex_unlock(&p.mu);
				progress(o, pr);
				pthread_mutex_lock(&p.mu);
				continue;
			}
			if (p.done >= p.njobs)
				break;
			pthread_cond_wait(&p.cv, &p.mu);
		}
		pthread_mutex_unlock(&p.mu);
		for (size_t i = 0; i < nth; i++)
			pthread_join(th[i], NULL);
	}
	{
		time_t now = time(NULL);
		for (size_t i = 0; i < out->n; i++)
			read_list(&out->r[i], now);
	}
unlock:
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
out:
	free(th);
	free(p.jobs);
	free(p.node_left);
	if (rc)
		ctl_live_free(out);
	return rc;
}

void ctl_live_free(ctl_live *l)
{
	if (!l)
		return;
	for (size_t i = 0; l->r && i < l->n; i++) {
		X509_free(l->r[i].cert);
		free(l->r[i].buf);
		ctl_free(l->r[i].file);
	}
	free(l->r);
	l->r = NULL;
	l->n = 0;
}

const ctl_live_result *ctl_live_first_list(const ctl_live *l, ctl_live_service s)
{
	/* Phones keep their list when a new one does not verify: one that
	 * does comes first. */
	for (size_t i = 0; i < l->n; i++)
		if (l->r[i].service == s && l->r[i].file && l->r[i].sig_valid)
			return &l->r[i];
	for (size_t i = 0; i < l->n; i++)
		if (l->r[i].service == s && l->r[i].file)
			return &l->r[i];
	return NULL;
}

void ctl_live_count(const ctl_live *l, ctl_live_counts *out)
{
	size_t last = (size_t)-1;
	bool any = false;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < l->n; i++) {
		const ctl_live_result *r = &l->r[i];

		if (r->node != last) {
			if (last != (size_t)-1 && !any)
				out->nodes_silent++;
			out->nodes++;
			last = r->node;
			any = false;
		}
		if (r->skipped)
			continue;
		out->services++;
		if (r->answered) {
			out->answered++;
			any = true;
		}
	}
	if (last != (size_t)-1 && !any)
		out->nodes_silent++;
}

/* ---- findings -------------------------------------------------------------- */

static const char *dns_of(const ctl_record *r)
{
	return ctl_tlv_str(ctl_rec_find(r, CTL_R_DNSNAME));
}

static bool is_blank(const ctl_record *r)
{
	return !ctl_rec_find(r, CTL_R_SERIALNUMBER);
}

static bool role_ccm(int r) { return r == CTL_ROLE_CCM || r == CTL_ROLE_CCM_TFTP || r == CTL_ROLE_TFTP; }
static bool role_tftp(int r) { return r == CTL_ROLE_TFTP || r == CTL_ROLE_CCM_TFTP; }
static bool role_capf(int r) { return r == CTL_ROLE_CAPF; }
static bool role_tvs(int r) { return r == CTL_ROLE_TVS; }

static const ctl_record *find_host(const ctl_file *f, const char *host, bool (*ok)(int))
{
	for (size_t i = 0; i < f->nrec; i++)
		if (ok(ctl_rec_function(&f->rec[i])) && !strcasecmp(dns_of(&f->rec[i]), host))
			return &f->rec[i];
	return NULL;
}

static const ctl_record *find_cert(const ctl_file *f, X509 *x, bool (*ok)(int))
{
	for (size_t i = 0; i < f->nrec; i++)
		if (ok(ctl_rec_function(&f->rec[i])) && ctl_record_holds(&f->rec[i], x))
			return &f->rec[i];
	return NULL;
}

static int rec_no(const ctl_file *f, const ctl_record *r)
{
	return r ? (int)(r - f->rec) + 1 : 0;
}

static void rec_serial(const ctl_record *r, char *out, size_t n)
{
	const ctl_tlv *s = r ? ctl_rec_find(r, CTL_R_SERIALNUMBER) : NULL;

	snprintf(out, n, "(none)");
	if (s && s->len)
		ctl_hex_colon(s->val, s->len, out, n);
}

/* "CN=...;OU=..., serial AA:BB" of a certificate. */
struct cdesc {
	char subject[512];
	char serial[128];
	char sha256[100];
};

static void describe(X509 *x, struct cdesc *d)
{
	ctl_certinfo ci;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	snprintf(d->subject, sizeof(d->subject), "?");
	snprintf(d->serial, sizeof(d->serial), "?");
	snprintf(d->sha256, sizeof(d->sha256), "?");
	if (x && !ctl_certinfo_get(x, &ci, NULL)) {
		snprintf(d->subject, sizeof(d->subject), "%s", ci.subject ? ci.subject : "?");
		snprintf(d->serial, sizeof(d->serial), "%s", ci.serial_hex);
		ctl_certinfo_free(&ci);
	}
	if (x && X509_digest(x, EVP_sha256(), md, &mdlen))
		ctl_hex_colon(md, mdlen, d->sha256, sizeof(d->sha256));
	ERR_clear_error();
}

static const char *cluster_path_of(const ctl_cluster_node *n, ctl_live_service s)
{
	switch (s) {
	case CTL_LIVE_CALLMANAGER: return n->callmanager_cert;
	case CTL_LIVE_TVS: return n->tvs_cert;
	case CTL_LIVE_CAPF: return n->capf_cert;
	default: return NULL;
	}
}

static const char *what_of(ctl_live_service s)
{
	switch (s) {
	case CTL_LIVE_CALLMANAGER: return "CallManager";
	case CTL_LIVE_TVS: return "TVS";
	case CTL_LIVE_CAPF: return "CAPF";
	case CTL_LIVE_CTL:
	case CTL_LIVE_ITL: return "TFTP";
	}
	return "?";
}

static ctl_finding_about node_about(const ctl_live *l, const ctl_live_result *r, const char *role)
{
	const ctl_cluster_node *n = &l->cluster->nodes[r->node];
	ctl_finding_about a = {l->cluster->path, 0, n->src.line, role, n->host};

	return a;
}

/* What each node's service answered, and its certificate against the
 * cluster file's. */
static ctl_status per_service(const ctl_live *l, const ctl_cluster *c, bool itl_expected,
			      ctl_findings *fs, ctl_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const ctl_live_result *r = &l->r[i];
		const ctl_cluster_node *n = &c->nodes[r->node];
		const char *word = ctl_live_service_word(r->service);
		bool list = r->service == CTL_LIVE_CTL || r->service == CTL_LIVE_ITL;
		ctl_finding_about a = node_about(l, r, list ? "tftp" : word);

		if (r->skipped)
			continue;
		if (!r->answered) {
			if (list)
				ctl_findings_add(fs, "LIVE-UNREACHABLE", &a, "[node %s] its TFTP service could not be read: "
				    "%s", n->name, r->error);
			else
				ctl_findings_add(fs, "LIVE-UNREACHABLE", &a, "[node %s] its %s service could not be read: "
				    "%s", n->name, what_of(r->service), r->error);
			ctl_findings_advise(fs, "is the node up and the service running? Nothing it serves was "
			       "compared (--timeout waits longer; --live-port if it listens elsewhere)");
			continue;
		}
		if (r->service == CTL_LIVE_CTL && r->not_found) {
			if (!c->non_secure) {
				ctl_findings_add(fs, "LIVE-NO-CTL", &a, "[node %s] the cluster file says mixed mode, but "
				    "its TFTP service has no %s (%s): phones that use it get no CTL",
				    n->name, CTL_FILENAME_CTL, r->url);
				ctl_findings_advise(fs, "publish the CTL to this TFTP node and restart Cisco TFTP; or, if "
				       "the cluster is in non-secure mode, set mode = non-secure in %s",
				       c->path);
			}
			continue;
		}
		if (r->service == CTL_LIVE_ITL && r->not_found) {
			if (itl_expected) {
				ctl_findings_add(fs, "LIVE-NO-ITL", &a, "[node %s] its TFTP service has no %s (%s): every "
				    "TFTP node of release %s serves one, phones that use it get none",
				    n->name, CTL_FILENAME_ITL, r->url, c->release ? c->release : "8.0 on");
				ctl_findings_advise(fs, "check that Cisco TFTP runs on the node and the address is right; "
				       "restarting Cisco TFTP builds the ITL again");
			}
			continue;
		}
		if (list) {
			if (!r->ok) {
				ctl_findings_add(fs, "LIVE-LIST-INVALID", &a, "[node %s] %s", n->name, r->error);
				ctl_findings_advise(fs, "phones reject this file: publish the list again to this TFTP node");
			} else if (!r->sig_valid) {
				ctl_findings_add(fs, "LIVE-LIST-INVALID", &a, "[node %s] %s: its signature does not "
				    "verify: %s", n->name, r->url, r->sig_error);
				ctl_findings_advise(fs, "phones reject this file: publish a list that verifies "
				       "(ctlsign verify) to this TFTP node");
			}
			continue;
		}
		{
			const char *path = cluster_path_of(n, r->service);
			X509 *x = NULL;
			ctl_status rc;
			struct cdesc live = {"", "", ""}, file = {"", "", ""};

			if (!path)
				continue;
			if ((rc = ctl_cert_load(path, &x, err)))
				return rc;
			if (!ctl_cert_same(r->cert, x)) {
				describe(r->cert, &live);
				describe(x, &file);
				ctl_findings_add(fs, "LIVE-DIFFERS-CLUSTER", &a, "[node %s] presents a %s certificate at "
				    "%s port %u (%s, serial %s, SHA-256 %s) other than the cluster file's "
				    "(`%s', serial %s)", n->name, word, r->address, r->port, live.subject,
				    live.serial, live.sha256, path, file.serial);
				ctl_findings_advise(fs, "if it was regenerated on purpose, check that fingerprint on the "
				       "node itself, save it (ctlsign fetch-cert %s:%u --role %s -o FILE "
				       "--fingerprint SHA256) and point %s at it, then rebuild and publish "
				       "the lists; if not, find out what answers at that address",
				       r->address, r->port, word, c->path);
			}
			X509_free(x);
		}
	}
	return CTL_OK;
}

/* Byte for byte. */
static bool same_bytes(const ctl_live_result *a, const ctl_live_result *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

static void hex_sha256(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	out[0] = '\0';
	if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL))
		return;
	ctl_hex_encode(md, len, 0, false, out, outsz);
}

/* TFTP nodes serve one CTL, and the one named as what phones hold. */
static ctl_status tftp_agree(const ctl_live_in *in, const ctl_cluster *c, ctl_findings *fs,
			     ctl_err *err)
{
	const ctl_live *l = in->live;
	const ctl_live_result *ref = ctl_live_first_list(l, CTL_LIVE_CTL);
	char h1[80], h2[80];

	if (ref) {
		const ctl_cluster_node *rn = &c->nodes[ref->node];

		hex_sha256(ref->buf, ref->len, h1, sizeof(h1));
		for (size_t i = 0; i < l->n; i++) {
			const ctl_live_result *r = &l->r[i];
			const ctl_cluster_node *n = &c->nodes[r->node];
			ctl_finding_about a = node_about(l, r, "tftp");

			if (r->service != CTL_LIVE_CTL || r == ref)
				continue;
			if (r->file && !same_bytes(r, ref)) {
				hex_sha256(r->buf, r->len, h2, sizeof(h2));
				ctl_findings_add(fs, "LIVE-TFTP-DIFFERS", &a, "[node %s] serves another CTL (%s, SHA-256 "
				    "%.16s...) than node %s (%s, SHA-256 %.16s...): phones get one or the "
				    "other, depending on their TFTP server", n->name, r->url, h2, rn->name,
				    ref->url, h1);
				ctl_findings_advise(fs, "publish the same CTL to every TFTP node (then restart Cisco TFTP "
				       "on each); judge a new list against each CTL phones may hold "
				       "(ctlsign check NEW --current %s, then --current %s)", ref->url, r->url);
			} else if (r->not_found && c->non_secure) {
				ctl_findings_add(fs, "LIVE-TFTP-DIFFERS", &a, "[node %s] serves no CTL (%s), but node %s "
				    "does (%s): phones get one or none, depending on their TFTP server",
				    n->name, r->url, rn->name, ref->url);
				ctl_findings_advise(fs, "publish the same CTL (or none) on every TFTP node");
			}
		}
		if (in->first) {
			ctl_finding_about a = {ref->url, 0, 0, NULL, NULL};
			ctl_findings_add(fs, "LIVE-TFTP-DIFFERS", &a, "phones are said to hold no CTL (--first), but "
			    "node %s serves one: the phones that use it hold it", rn->name);
			ctl_findings_advise(fs, "name it as what phones hold: --current %s instead of --first", ref->url);
		}
	}
	if (ref && in->named_ctl) {
		uint8_t *b = NULL;
		size_t bl = 0;
		ctl_status rc;

		if ((rc = ctl_serialize(in->named_ctl, &b, &bl, err)))
			return rc;
		if (bl != ref->len || memcmp(b, ref->buf, bl)) {
			ctl_finding_about a = {in->named_ctl_path, 0, 0, NULL, NULL};

			hex_sha256(b, bl, h2, sizeof(h2));
			ctl_findings_add(fs, "LIVE-TFTP-DIFFERS", &a, "the CTL named as what phones hold (SHA-256 "
			    "%.16s...) is not the one node %s serves (%s, SHA-256 %.16s...): phones get "
			    "what TFTP serves", h2, c->nodes[ref->node].name, ref->url, h1);
			ctl_findings_advise(fs, "if the file named is an old copy, fetch what is served (ctlsign fetch "
			       "%s) and name that; if TFTP serves the wrong list, publish the right one",
			       ref->url);
		}
		free(b);
	}
	if (in->first && in->new_f && !strcmp(ctl_kind(in->new_f), "ITL")) {
		const ctl_live_result *itl = ctl_live_first_list(l, CTL_LIVE_ITL);

		if (itl) {
			ctl_finding_about a = {itl->url, 0, 0, NULL, NULL};
			ctl_findings_add(fs, "LIVE-TFTP-DIFFERS", &a, "phones are said to hold no ITL (--first), but "
			    "node %s serves one: the phones that use it hold it", c->nodes[itl->node].name);
			ctl_findings_advise(fs, "name it as what phones hold: --itl %s instead of --first", itl->url);
		}
	}
	return CTL_OK;
}

/* One list the live certificates are compared with. */
struct target {
	const ctl_file *f;
	const char *path;
	const ctl_live_result *served;   /* NULL: NEW or a named list */
};

static void differs(ctl_findings *fs, const char *code, const struct target *t,
		    const ctl_record *rec, const ctl_live *l, const ctl_live_result *r,
		    const char *kind)
{
	const ctl_cluster_node *n = &l->cluster->nodes[r->node];
	const char *word = ctl_live_service_word(r->service);
	ctl_finding_about a = {t->path, rec_no(t->f, rec), 0, word, n->host};
	struct cdesc live = {"", "", ""};
	char was[128];

	describe(r->cert, &live);
	if (rec) {
		rec_serial(rec, was, sizeof(was));
		ctl_findings_add(fs, code, &a, "[node %s] presents %s certificate serial %s (%s port %u), but the "
		    "%s's record for it holds serial %s", n->name, word, live.serial, r->address,
		    r->port, kind, was);
	} else {
		ctl_findings_add(fs, code, &a, "[node %s] presents %s certificate serial %s (%s port %u, %s), and no "
		    "%s record of the %s holds it", n->name, word, live.serial, r->address, r->port,
		    live.subject, word, kind);
	}
	if (t->served && !strcmp(kind, "ITL")) {
		const char *tn = l->cluster->nodes[t->served->node].name;
		ctl_findings_advise(fs, "regenerated and not published: phones that hold this ITL do not trust "
		       "the certificate the node presents; with the cluster file naming it, restart "
		       "Cisco TFTP on %s (it builds its ITL again) or rebuild it (ctlsign build "
		       "--cluster %s --itl --node %s) and publish it", tn, l->cluster->path, tn);
	} else if (t->served)
		ctl_findings_advise(fs, "regenerated and not published: phones that hold this CTL do not trust "
		       "the certificate the node presents; with the cluster file naming it, rebuild "
		       "the CTL (ctlsign build --cluster %s) and publish it", l->cluster->path);
	else
		ctl_findings_advise(fs, "this %s does not hold the certificate the node presents: with the "
		       "cluster file naming it, rebuild the %s", kind, kind);
}

static void compare_ctl(ctl_findings *fs, const struct target *t, const ctl_live *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const ctl_live_result *r = &l->r[i];
		const ctl_cluster_node *n = &l->cluster->nodes[r->node];
		const ctl_record *byhost;

		if (!r->cert)
			continue;
		if (r->service == CTL_LIVE_CALLMANAGER) {
			byhost = find_host(t->f, n->host, role_ccm);
			/* Non-secure mode: the CallManager records are blanked. */
			if (byhost && is_blank(byhost))
				continue;
			if (!find_cert(t->f, r->cert, role_ccm))
				differs(fs, "LIVE-DIFFERS-CTL", t, byhost, l, r, "CTL");
		} else if (r->service == CTL_LIVE_CAPF) {
			byhost = find_host(t->f, n->host, role_capf);
			if (!find_cert(t->f, r->cert, role_capf))
				differs(fs, "LIVE-DIFFERS-CTL", t, byhost, l, r, "CTL");
		}
	}
}

static void compare_itl(ctl_findings *fs, const struct target *t, const ctl_live *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const ctl_live_result *r = &l->r[i];
		const ctl_cluster_node *n = &l->cluster->nodes[r->node];
		bool (*ok)(int) = r->service == CTL_LIVE_TVS ? role_tvs : role_capf;

		if (!r->cert || (r->service != CTL_LIVE_TVS && r->service != CTL_LIVE_CAPF))
			continue;
		if (!find_cert(t->f, r->cert, ok))
			differs(fs, "LIVE-DIFFERS-ITL", t, find_host(t->f, n->host, ok), l, r, "ITL");
	}
	/* The TFTP record: the CallManager certificate of the node it names. */
	for (size_t k = 0; k < t->f->nrec; k++) {
		const ctl_record *rec = &t->f->rec[k];

		if (!role_tftp(ctl_rec_function(rec)) || is_blank(rec))
			continue;
		for (size_t i = 0; i < l->n; i++) {
			const ctl_live_result *r = &l->r[i];

			if (r->cert && r->service == CTL_LIVE_CALLMANAGER &&
			    !strcasecmp(l->cluster->nodes[r->node].host, dns_of(rec)) &&
			    !ctl_record_holds(rec, r->cert))
				differs(fs, "LIVE-DIFFERS-ITL", t, rec, l, r, "ITL");
		}
	}
}

/* The lists of one kind to compare with: NEW when it is of that kind, else
 * every distinct list the TFTP nodes serve, else the one named. */
static size_t targets(const ctl_live_in *in, ctl_live_service s, struct target *out, size_t max)
{
	const char *kind = s == CTL_LIVE_CTL ? "CTL" : "ITL";
	const ctl_live *l = in->live;
	size_t n = 0;

	if (in->new_f && !strcmp(ctl_kind(in->new_f), kind)) {
		out[0] = (struct target){in->new_f, in->new_path, NULL};
		return 1;
	}
	for (size_t i = 0; i < l->n && n < max; i++) {
		const ctl_live_result *r = &l->r[i];
		bool dup = false;

		if (r->service != s || !r->file)
			continue;
		for (size_t k = 0; k < n && !dup; k++)
			dup = same_bytes(out[k].served, r);
		if (!dup)
			out[n++] = (struct target){r->file, r->url, r};
	}
	if (!n && (s == CTL_LIVE_CTL ? in->named_ctl : in->named_itl))
		out[n++] = (struct target){s == CTL_LIVE_CTL ? in->named_ctl : in->named_itl,
					   s == CTL_LIVE_CTL ? in->named_ctl_path : in->named_itl_path,
					   NULL};
	return n;
}

ctl_status ctl_live_findings(const ctl_live_in *in, ctl_findings *fs, ctl_err *err)
{
	const ctl_live *l = in->live;
	const ctl_cluster *c = l->cluster;
	ctl_live_counts k;
	struct target *t = NULL;
	size_t nt;
	ctl_status rc;
	bool itl_expected;

	if (!c)
		return CTL_OK;
	itl_expected = ctl_release_cmp(&c->rel, 8, 0, 0, 0) >= 0;
	if ((rc = per_service(l, c, itl_expected, fs, err)) || (rc = tftp_agree(in, c, fs, err)))
		goto out;
	if (!(t = calloc(l->n + 1, sizeof(*t)))) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	nt = targets(in, CTL_LIVE_CTL, t, l->n + 1);
	for (size_t i = 0; i < nt; i++)
		compare_ctl(fs, &t[i], l);
	nt = targets(in, CTL_LIVE_ITL, t, l->n + 1);
	for (size_t i = 0; i < nt; i++)
		compare_itl(fs, &t[i], l);
	ctl_live_count(l, &k);
	{
		ctl_finding_about a = {c->path, 0, 0, NULL, NULL};

		if (k.services && !k.answered) {
			ctl_findings_add(fs, "LIVE-NO-ANSWER", &a, "no service of the %zu node%s answered: nothing live "
			    "was compared", k.nodes, k.nodes == 1 ? "" : "s");
			ctl_findings_advise(fs, "check the addresses in %s, the network path and the ports "
			       "(--live-port), or wait longer (--timeout)", c->path);
		} else {
			ctl_findings_add(fs, "LIVE-CONTACTED", &a, "%zu of %zu service%s on %zu node%s answered "
			    "(each given %g s)", k.answered, k.services, k.services == 1 ? "" : "s",
			    k.nodes, k.nodes == 1 ? "" : "s", (double)l->timeout_ms / 1000);
		}
	}
	rc = CTL_OK;
out:
	free(t);
	ERR_clear_error();
	ctl_findings_order(fs);
	if (!rc && fs->oom)
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	return rc;
}
