/* check --live: options, progress and JSON (check_live.h); the contacts
 * and comparisons are ctlsign/core/live.c. */
#include "check_live.h"

#include "cli.h"
#include "jsonout.h"
#include "load.h"

#include "ctl.h"
#include "fetch.h"

#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int check_live_ports(check_live *cl, const char *arg)
{
	char why[256];

	if (cl->ports_given) {
		msg_error("check: --live-port given twice: name every service in one "
			  "(callmanager=N,tvs=N,capf=N,tftp=N)");
		return EXIT_USAGE;
	}
	if (!ctl_live_ports_parse(arg, &cl->o.ports, why, sizeof(why))) {
		msg_error("check: --live-port `%s': %s", arg, why);
		return EXIT_USAGE;
	}
	cl->ports_given = true;
	return EXIT_OK;
}

int check_live_timeout(check_live *cl, const char *arg)
{
	if (!cli_seconds(arg, &cl->o.timeout_ms)) {
		msg_error("check: --timeout `%s': expected seconds, more than 0, at most 3600", arg);
		return EXIT_USAGE;
	}
	cl->timeout_given = true;
	return EXIT_OK;
}

int check_live_usage(const check_live *cl, bool have_cluster)
{
	if (cl->on && !have_cluster) {
		msg_error("check: --live needs --cluster: the cluster file says which nodes to "
			  "contact and what they should present");
		return EXIT_USAGE;
	}
	if (!cl->on && (cl->ports_given || cl->timeout_given)) {
		msg_error("check: %s applies to --live only", cl->ports_given ? "--live-port"
									 : "--timeout");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static void on_progress(void *ud, const ctl_live_progress *p)
{
	(void)ud;
	fprintf(stderr, "\rctlsign: contacted %zu/%zu node%s (%zu/%zu services)", p->nodes_done,
		p->nodes_total, p->nodes_total == 1 ? "" : "s", p->done, p->total);
	if (p->done == p->total)
		fputc('\n', stderr);
	fflush(stderr);
}

int check_live_run(check_live *cl, const ctl_cluster *c, bool progress)
{
	ctl_err err;

	if (!cl->on)
		return EXIT_OK;
	/* A server may close the connection while we write to it. */
	signal(SIGPIPE, SIG_IGN);
	if (progress && isatty(STDERR_FILENO)) {
		cl->o.progress = on_progress;
		cl->o.ud = NULL;
	}
	ctl_err_clear(&err);
	if (ctl_live_contact(c, &cl->o, &cl->l, &err))
		return report(NULL, &err);
	cl->ran = true;
	return EXIT_OK;
}

static void add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *result_json(const ctl_live *l, const ctl_live_result *r)
{
	const ctl_cluster_node *n = &l->cluster->nodes[r->node];
	json_object *o = json_object_new_object();
	ctl_certinfo ci;
	bool have_ci = r->cert && !ctl_certinfo_get(r->cert, &ci, NULL);
	char fp[128] = "", na[32] = "", hex[2 * EVP_MAX_MD_SIZE + 1] = "";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (r->cert && X509_digest(r->cert, EVP_sha256(), md, &mdlen))
		ctl_hex_colon(md, mdlen, fp, sizeof(fp));
	if (r->buf && EVP_Digest(r->buf, r->len, md, &mdlen, EVP_sha256(), NULL))
		ctl_hex_encode(md, mdlen, 0, false, hex, sizeof(hex));
	if (have_ci)
		ctl_time_iso(ci.not_after, na, sizeof(na));
	add(o, "node", json_text(n->name));
	add(o, "host", json_text(n->host));
	add(o, "service", json_object_new_string(ctl_live_service_word(r->service)));
	add(o, "address", json_text(r->address));
	add(o, "port", json_object_new_int((int)r->port));
	add(o, "url", r->url[0] ? json_text(r->url) : NULL);
	add(o, "ok", json_object_new_boolean(r->ok));
	add(o, "answered", json_object_new_boolean(r->answered));
	add(o, "not_found", json_object_new_boolean(r->not_found));
	add(o, "skipped", json_object_new_boolean(r->skipped));
	add(o, "error", r->error[0] ? json_text(r->error) : NULL);
	add(o, "subject", have_ci ? json_text(ci.subject) : NULL);
	add(o, "serial", have_ci ? json_object_new_string(ci.serial_hex) : NULL);
	add(o, "sha256", fp[0] ? json_object_new_string(fp) : NULL);
	add(o, "not_after", na[0] ? json_object_new_string(na) : NULL);
	add(o, "protocol", r->cert ? json_object_new_string(r->protocol) : NULL);
	add(o, "client_certificate_requested",
	    r->cert ? json_object_new_boolean(r->client_cert_requested) : NULL);
	add(o, "file_sha256", hex[0] ? json_object_new_string(hex) : NULL);
	add(o, "records", r->file ? json_object_new_int64((int64_t)r->file->nrec) : NULL);
	add(o, "signature_valid", r->file ? json_object_new_boolean(r->sig_valid) : NULL);
	if (have_ci)
		ctl_certinfo_free(&ci);
	return o;
}

json_object *check_live_json(const check_live *cl)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; cl->ran && i < cl->l.n; i++)
		json_object_array_add(a, result_json(&cl->l, &cl->l.r[i]));
	return a;
}

void check_live_free(check_live *cl)
{
	ctl_live_free(&cl->l);
	cl->ran = false;
}
