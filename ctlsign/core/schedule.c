/* The order of operations for regenerating certificates (schedule.h). */
#include "schedule.h"

#include "build.h"
#include "identity.h"
#include "plan.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	ctl_regen_role role;
	const char *word;
} roles[] = {
	{CTL_REGEN_CALLMANAGER, "callmanager"},
	{CTL_REGEN_TVS, "tvs"},
	{CTL_REGEN_CAPF, "capf"},
	{CTL_REGEN_TOMCAT, "tomcat"},
	{CTL_REGEN_IPSEC, "ipsec"},
	{CTL_REGEN_ITLRECOVERY, "itlrecovery"},
	{CTL_REGEN_CALLMANAGER_ECDSA, "callmanager-ecdsa"},
};

const char *ctl_regen_word(ctl_regen_role role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == role)
			return roles[i].word;
	return "?";
}

static const ctl_cluster_node *find_node(const ctl_cluster *c, const char *name)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (!strcasecmp(c->nodes[i].name, name) || !strcasecmp(c->nodes[i].host, name))
			return &c->nodes[i];
	return NULL;
}

ctl_status ctl_regen_parse(const ctl_cluster *c, const char *list, ctl_regen **r, size_t *n,
			   ctl_err *err)
{
	char *copy = strdup(list), *save = NULL, *item;
	ctl_status rc = CTL_OK;

	if (!copy)
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	for (item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
		char *at = strchr(item, '@');
		const ctl_cluster_node *node;
		ctl_regen one, *p;
		bool known = false;

		if (!at || at == item || !at[1]) {
			rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
					 "`%s' is not ROLE@NODE (e.g. callmanager@pub)", item);
			break;
		}
		*at = '\0';
		for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
			if (!strcasecmp(item, roles[i].word)) {
				one.role = roles[i].role;
				known = true;
			}
		if (!known) {
			rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
					 "`%s' is not a role: callmanager, tvs, capf, tomcat, ipsec, "
					 "itlrecovery or callmanager-ecdsa", item);
			break;
		}
		if (!(node = find_node(c, at + 1))) {
			rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "%s has no [node %s]", c->path, at + 1);
			break;
		}
		one.node = node;
		switch (one.role) {
		case CTL_REGEN_CALLMANAGER:
		case CTL_REGEN_CALLMANAGER_ECDSA:
			if (!node->callmanager_cert)
				rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
						 "%s:%d: [node %s] names no `callmanager' certificate",
						 c->path, node->src.line, node->name);
			break;
		case CTL_REGEN_TVS:
			if (!(node->roles & CTL_NODE_TVS))
				rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
						 "%s:%d: [node %s] has no TVS role", c->path, node->src.line,
						 node->name);
			break;
		case CTL_REGEN_CAPF:
			if (!(node->roles & CTL_NODE_CAPF))
				rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
						 "%s:%d: [node %s] has no CAPF role", c->path, node->src.line,
						 node->name);
			break;
		case CTL_REGEN_ITLRECOVERY:
			if (!node->publisher || !node->itlrecovery_cert)
				rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
						 "%s:%d: ITLRecovery is the publisher's: [node %s] %s", c->path,
						 node->src.line, node->name,
						 node->publisher ? "names no `itlrecovery' certificate"
								 : "is not the publisher");
			break;
		case CTL_REGEN_TOMCAT:
		case CTL_REGEN_IPSEC:
			break;
		}
		for (size_t i = 0; !rc && i < *n; i++)
			if ((*r)[i].role == one.role && (*r)[i].node == node)
				rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "%s@%s is named twice",
						 ctl_regen_word(one.role), node->name);
		if (rc)
			break;
		if (!(p = realloc(*r, (*n + 1) * sizeof(*p)))) {
			rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			break;
		}
		*r = p;
		(*r)[(*n)++] = one;
	}
	free(copy);
	return rc;
}

void ctl_schedule_free(ctl_schedule *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->s[i].text);
		free(s->s[i].command);
	}
	free(s->s);
	free(s->advice);
	memset(s, 0, sizeof(*s));
}

/* ---- the simulation ---------------------------------------------------------- */

/* A list as phones hold it: given by the caller, or laid out here. */
struct list {
	const ctl_file *f;
	ctl_file *owned;
	uint8_t *buf;
};

struct sim {
	const ctl_cluster *c;
	const ctl_schedule_opts *o;
	ctl_schedule *out;
	/* Certificates regenerated so far: the stand-in for each path. */
	size_t nover;
	struct {
		const char *path;
		X509 *x;
	} over[64];
	bool mixed;                    /* there is a CTL */
	struct list ctl;
	size_t ntftp;
	const ctl_cluster_node *tftp[64];
	struct list itl[64];           /* per TFTP node */
	bool oom;
};

static X509 *sim_cert(void *ctx, const char *path)
{
	struct sim *m = ctx;

	for (size_t i = 0; i < m->nover; i++)
		if (!strcmp(m->over[i].path, path))
			return m->over[i].x;
	return NULL;
}

static void list_set(struct list *l, ctl_file *f, uint8_t *buf)
{
	ctl_free(l->owned);
	free(l->buf);
	l->f = l->owned = f;
	l->buf = buf;
}

static void list_free(struct list *l)
{
	list_set(l, NULL, NULL);
}

/* A certificate that does not exist yet: the same name, a new key and
 * serial, as CUCM makes one when it regenerates. */
static X509 *stand_in(X509 *orig)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	BIGNUM *bn = BN_new();
	uint8_t r[8];
	bool ok = k && x && sn && bn && RAND_bytes(r, sizeof(r)) == 1;

	if (ok) {
		r[0] = (uint8_t)((r[0] & 0x7F) | 0x40);
		ok = BN_bin2bn(r, sizeof(r), bn) && BN_to_ASN1_INTEGER(bn, sn) &&
		     X509_set_version(x, 2) && X509_set_serialNumber(x, sn) &&
		     X509_set_subject_name(x, X509_get_subject_name(orig)) &&
		     X509_set_issuer_name(x, X509_get_subject_name(orig)) &&
		     X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
		     X509_gmtime_adj(X509_getm_notAfter(x), 5L * 365 * 24 * 3600) &&
		     X509_set_pubkey(x, k) && X509_sign(x, k, EVP_sha256()) > 0;
	}
	EVP_PKEY_free(k);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	ERR_clear_error();
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static ctl_status regenerate(struct sim *m, const char *path, ctl_err *err)
{
	X509 *orig = sim_cert(m, path), *x;
	ctl_status rc = CTL_OK;

	if (!path)
		return CTL_OK;
	if (orig && !X509_up_ref(orig))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	if (!orig && (rc = ctl_cert_load(path, &orig, err)))
		return rc;
	x = stand_in(orig);
	X509_free(orig);
	if (!x || m->nover == sizeof(m->over) / sizeof(m->over[0])) {
		X509_free(x);
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "cannot simulate the new certificate");
	}
	for (size_t i = 0; i < m->nover; i++)
		if (!strcmp(m->over[i].path, path)) {
			X509_free(m->over[i].x);
			m->over[i].x = x;
			return CTL_OK;
		}
	m->over[m->nover].path = path;
	m->over[m->nover++].x = x;
	return CTL_OK;
}

/* The certificate at a cluster path, as it is now in the simulation. */
static ctl_status current_cert(struct sim *m, const char *path, X509 **x, ctl_err *err)
{
	X509 *s = sim_cert(m, path);

	if (s) {
		if (!X509_up_ref(s))
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		*x = s;
		return CTL_OK;
	}
	return ctl_cert_load(path, x, err);
}

/* What CUCM would serve now: the CTL, or one TFTP node's ITL. *signer is
 * the preset signer's certificate (owned). */
static ctl_status lay(struct sim *m, bool itl, const ctl_cluster_node *node, X509 *signer,
		      ctl_file **f, uint8_t **buf, X509 **preset, ctl_err *err)
{
	const ctl_cluster *c = m->c;
	ctl_spec spec = {.digest_code = c->digest_code, .itl = itl,
			 .signer_version = c->signer_version ? c->signer_version : -1};
	ctl_plan_opts po = {.itl = itl, .node = node ? node->name : NULL, .cert_for = sim_cert,
			    .ctx = m};
	ctl_plan plan;
	ctl_warnings w = {0};
	X509 *x = NULL;
	size_t len = 0;
	ctl_status rc;

	*f = NULL;
	*buf = NULL;
	if ((rc = ctl_plan_cluster(c, &po, &spec, &plan, &w, err)))
		goto out;
	if (!plan.cert_path) {
		rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "%s: the signer %s names no certificate, so what phones do cannot be "
				 "simulated (use signer = token:NAME with a [token] section)",
				 c->path, plan.describe);
		goto out;
	}
	if ((rc = current_cert(m, plan.cert_path, &x, err)) ||
	    (rc = ctl_layout_unsigned(&spec, signer ? signer : x, buf, &len, err)) ||
	    (rc = ctl_parse(*buf, len, f, err)))
		goto out;
	if (preset) {
		*preset = x;
		x = NULL;
	}
out:
	X509_free(x);
	ctl_plan_free(&plan);
	ctl_spec_free(&spec);
	ctl_warnings_free(&w);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* ---- steps ------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static ctl_step *step(struct sim *m, ctl_step_kind kind, const char *fmt, ...)
{
	ctl_schedule *s = m->out;
	ctl_step *p;
	va_list ap;
	char *t = NULL;

	va_start(ap, fmt);
	if (vasprintf(&t, fmt, ap) < 0)
		t = NULL;
	va_end(ap);
	if (!t || !(p = realloc(s->s, (s->n + 1) * sizeof(*p)))) {
		free(t);
		m->oom = true;
		return NULL;
	}
	s->s = p;
	p = &s->s[s->n++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->text = t;
	return p;
}

__attribute__((format(printf, 2, 3)))
static void command(ctl_step *st, const char *fmt, ...)
{
	va_list ap;

	if (!st)
		return;
	va_start(ap, fmt);
	if (vasprintf(&st->command, fmt, ap) < 0)
		st->command = NULL;
	va_end(ap);
}

static void verdict(struct sim *m, ctl_step *st, const ctl_phone_result *r)
{
	if (!st)
		return;
	st->judged = true;
	st->verdict = *r;
	if (r->verdict == CTL_PHONE_REJECTED)
		m->out->broken = true;
	else if (r->verdict == CTL_PHONE_VIA_TVS)
		m->out->tvs_only = true;
}

/* What phones hold, for judging a new list: the CTL, and the ITL of the
 * first TFTP node (all ITLs list the same TVS). */
static ctl_held held_now(const struct sim *m, size_t itl_index)
{
	ctl_held h = {.ctl = m->ctl.f, .ctl_path = m->o->ctl_name, .ctl_known = true,
		      .itl = m->ntftp ? m->itl[itl_index].f : NULL, .itl_path = m->o->itl_name,
		      .itl_known = true};
	return h;
}

static ctl_status tvs_view(struct sim *m, ctl_tvs_view *tv, ctl_err *err)
{
	ctl_plan_opts po = {.cert_for = sim_cert, .ctx = m};

	return ctl_plan_tvs_view(m->c, &po, tv, err);
}

/* The restart of Cisco TFTP on every TFTP node but `except', or NULL text. */
static void tftp_list(const struct sim *m, const ctl_cluster_node *except, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < m->ntftp && o < n; i++)
		if (m->tftp[i] != except)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", m->tftp[i]->name);
}

/* A key that signs for the bridge: a certificate phones hold whose key the
 * cluster file names. */
struct bridge {
	const char *cert;
	const char *key;      /* PEM key, or NULL for a token */
	const char *uri;      /* token URI, or NULL */
	const char *what;
};

static size_t bridges(const ctl_cluster *c, struct bridge *b, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nnodes && n < max; i++) {
		const ctl_cluster_node *nd = &c->nodes[i];
		if (nd->publisher && nd->itlrecovery_cert && nd->itlrecovery_key && n < max)
			b[n++] = (struct bridge){nd->itlrecovery_cert, nd->itlrecovery_key, NULL, "ITLRecovery"};
		if (nd->publisher && nd->callmanager_cert && nd->callmanager_key && n < max)
			b[n++] = (struct bridge){nd->callmanager_cert, nd->callmanager_key, NULL,
						 "the publisher's CallManager key"};
	}
	for (size_t i = 0; i < c->ntokens && n < max; i++)
		if (c->tokens[i].uri)
			b[n++] = (struct bridge){c->tokens[i].cert, NULL, c->tokens[i].uri, c->tokens[i].name};
	return n;
}

static const char *ctl_cmd_base(const struct sim *m, char *buf, size_t n)
{
	snprintf(buf, n, "ctlsign build --cluster %s --current %s --current %s", m->o->cluster_path,
		 m->o->ctl_name, m->o->itl_name);
	return buf;
}

/* The CTL after a change: laid out, judged, bridged when the preset signer
 * would lose phones and a key phones hold can sign instead. */
static ctl_status update_ctl(struct sim *m, const char *why, ctl_err *err)
{
	ctl_file *f = NULL;
	uint8_t *buf = NULL;
	X509 *signer = NULL;
	ctl_tvs_view tv = {0};
	ctl_phone_result r;
	ctl_held h = held_now(m, 0);
	ctl_step *st;
	char base[1024];
	ctl_status rc;

	if (!m->mixed)
		return CTL_OK;
	if ((rc = lay(m, false, NULL, NULL, &f, &buf, &signer, err)) || (rc = tvs_view(m, &tv, err)) ||
	    (rc = ctl_phone_judge_cert(&h, false, signer, &tv, &r, err)))
		goto out;
	ctl_cmd_base(m, base, sizeof(base));
	if (r.verdict != CTL_PHONE_ACCEPTED) {
		struct bridge b[16];
		size_t nb = bridges(m->c, b, 16);

		for (size_t i = 0; i < nb; i++) {
			X509 *x = NULL;
			ctl_phone_result br;
			ctl_file *bf = NULL;
			uint8_t *bbuf = NULL;

			if (current_cert(m, b[i].cert, &x, err) ||
			    ctl_phone_judge_cert(&h, false, x, &tv, &br, err) ||
			    br.verdict != CTL_PHONE_ACCEPTED ||
			    lay(m, false, NULL, x, &bf, &bbuf, NULL, err)) {
				X509_free(x);
				continue;
			}
			st = step(m, CTL_STEP_UPDATE_CTL, "Update the CTL (%s), signed by %s, which phones "
				  "hold: the preset signer would be taken %s (%s); this extra update "
				  "lists the new certificate, so every later update is taken as usual",
				  why, b[i].what,
				  r.verdict == CTL_PHONE_VIA_TVS ? "only through TVS" : "by no phone",
				  r.why);
			if (b[i].key)
				command(st, "%s --key %s --signer-cert %s -o %s", base, b[i].key, b[i].cert,
					m->o->ctl_name);
			else
				command(st, "%s --sign-with '%s' -o %s", base, b[i].uri, m->o->ctl_name);
			verdict(m, st, &br);
			m->out->bridged = true;
			list_set(&m->ctl, bf, bbuf);
			X509_free(x);
			goto out;
		}
	}
	st = step(m, CTL_STEP_UPDATE_CTL, "Update the CTL (%s) and copy it to every TFTP node",
		  why);
	command(st, "%s%s -o %s", base, r.verdict == CTL_PHONE_VIA_TVS ? " --via-tvs" : "",
		m->o->ctl_name);
	verdict(m, st, &r);
	list_set(&m->ctl, f, buf);
	f = NULL;
	buf = NULL;
out:
	ctl_free(f);
	free(buf);
	X509_free(signer);
	ctl_tvs_view_free(&tv);
	return rc;
}

/* Every TFTP node whose ITL changes serves it after its TFTP restart;
 * judged against what its phones hold. `only': just that node, or all. */
static ctl_status update_itls(struct sim *m, const ctl_cluster_node *only, ctl_err *err)
{
	ctl_tvs_view tv = {0};
	ctl_status rc;

	if ((rc = tvs_view(m, &tv, err)))
		return rc;
	for (size_t i = 0; i < m->ntftp && !rc; i++) {
		const ctl_cluster_node *n = m->tftp[i];
		ctl_file *f = NULL;
		uint8_t *buf = NULL;
		X509 *signer = NULL;
		ctl_phone_result r;
		ctl_held h = held_now(m, i);
		ctl_step *st;

		if (only && n != only)
			continue;
		if ((rc = lay(m, true, n, NULL, &f, &buf, &signer, err)) ||
		    (rc = ctl_phone_judge_cert(&h, true, signer, &tv, &r, err))) {
			ctl_free(f);
			free(buf);
			X509_free(signer);
			break;
		}
		st = step(m, CTL_STEP_ITL, "TFTP node %s serves its new ITL once Cisco TFTP restarts "
			  "there (CUCM builds it)", n->name);
		verdict(m, st, &r);
		list_set(&m->itl[i], f, buf);
		X509_free(signer);
	}
	ctl_tvs_view_free(&tv);
	return rc;
}

static void reset_wait(struct sim *m, const char *what)
{
	step(m, CTL_STEP_RESET, "Reset the phones and wait until every phone has registered again "
	     "with the new %s (`ctlsign fetch --tftp %s' shows what they get); phones that are off "
	     "keep the old lists until they come back", what,
	     m->ntftp ? m->tftp[0]->host : "TFTP-NODE");
}

static const char *cert_path(const ctl_regen *g)
{
	switch (g->role) {
	case CTL_REGEN_CALLMANAGER: return g->node->callmanager_cert;
	case CTL_REGEN_TVS: return g->node->tvs_cert;
	case CTL_REGEN_CAPF: return g->node->capf_cert;
	case CTL_REGEN_ITLRECOVERY: return g->node->itlrecovery_cert;
	default: return NULL;
	}
}

static ctl_step *regen_step(struct sim *m, const ctl_regen *g)
{
	static const char *const gui[] = {
		[CTL_REGEN_CALLMANAGER] = "CallManager",
		[CTL_REGEN_TVS] = "TVS",
		[CTL_REGEN_CAPF] = "CAPF",
		[CTL_REGEN_TOMCAT] = "tomcat",
		[CTL_REGEN_IPSEC] = "ipsec",
		[CTL_REGEN_ITLRECOVERY] = "ITLRecovery",
		[CTL_REGEN_CALLMANAGER_ECDSA] = "CallManager-ECDSA",
	};
	const char *path = cert_path(g);

	return step(m, CTL_STEP_REGENERATE, "Regenerate the %s certificate of %s (OS Administration > "
		    "Security > Certificate Management > %s > Regenerate)%s%s%s", gui[g->role],
		    g->node->name, gui[g->role], path ? "; save it where the cluster file names it: `"
		    : "", path ? path : "", path ? "'" : "");
}

static bool has(const ctl_regen *r, size_t n, ctl_regen_role role, const ctl_cluster_node *node)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].role == role && (!node || r[i].node == node))
			return true;
	return false;
}

static ctl_status start(struct sim *m, const ctl_held *held, ctl_err *err)
{
	const ctl_cluster *c = m->c;
	ctl_status rc;

	for (size_t i = 0; i < c->nnodes && m->ntftp < 64; i++)
		if (c->nodes[i].roles & CTL_NODE_TFTP)
			m->tftp[m->ntftp++] = &c->nodes[i];
	m->mixed = held->ctl || !c->non_secure;
	if (held->ctl) {
		m->ctl.f = held->ctl;
	} else if (m->mixed) {
		ctl_file *f;
		uint8_t *buf;
		if ((rc = lay(m, false, NULL, NULL, &f, &buf, NULL, err)))
			return rc;
		list_set(&m->ctl, f, buf);
	}
	/* The ITL given is its TFTP node's (its TFTP record names the host),
	 * else the first TFTP node's. */
	size_t given = 0;
	for (size_t i = 0; held->itl && i < m->ntftp; i++)
		for (size_t k = 0; k < held->itl->nrec; k++) {
			int role = ctl_rec_function(&held->itl->rec[k]);
			if ((role == CTL_ROLE_TFTP || role == CTL_ROLE_CCM_TFTP) &&
			    !strcasecmp(ctl_tlv_str(ctl_rec_find(&held->itl->rec[k], CTL_R_DNSNAME)),
					m->tftp[i]->host))
				given = i;
		}
	for (size_t i = 0; i < m->ntftp; i++) {
		const ctl_cluster_node *n = m->tftp[i];

		if (held->itl && i == given) {
			m->itl[i].f = held->itl;
		} else {
			ctl_file *f;
			uint8_t *buf;
			if ((rc = lay(m, true, n, NULL, &f, &buf, NULL, err)))
				return rc;
			list_set(&m->itl[i], f, buf);
		}
	}
	return CTL_OK;
}

static void rules(struct sim *m, const ctl_regen *r, size_t n)
{
	size_t tftp_cm = 0;

	for (size_t i = 0; i < n; i++) {
		if (r[i].role == CTL_REGEN_TVS && has(r, n, CTL_REGEN_CALLMANAGER, r[i].node))
			step(m, CTL_STEP_RULE, "TVS and CallManager of %s are never regenerated at once: "
			     "TVS first, phones take the ITL with the new TVS, then CallManager",
			     r[i].node->name);
		if (r[i].role == CTL_REGEN_CALLMANAGER && (r[i].node->roles & CTL_NODE_TFTP))
			tftp_cm++;
	}
	if (tftp_cm > 1)
		step(m, CTL_STEP_RULE, "one TFTP node at a time: each TFTP node's CallManager certificate "
		     "is regenerated, published and taken by the phones before the next");
	if (has(r, n, CTL_REGEN_ITLRECOVERY, NULL))
		step(m, CTL_STEP_RULE, "ITLRecovery is never regenerated during an upgrade: phones "
		     "would have no signer they know on either side of it");
	if (has(r, n, CTL_REGEN_TVS, NULL) || has(r, n, CTL_REGEN_CALLMANAGER, NULL) ||
	    has(r, n, CTL_REGEN_CAPF, NULL) || has(r, n, CTL_REGEN_ITLRECOVERY, NULL))
		step(m, CTL_STEP_RULE, "the CTL is updated before services restart, and phones are "
		     "reset and settle after each change");
}

ctl_status ctl_schedule_make(const ctl_cluster *c, const ctl_regen *r, size_t n,
			     const ctl_held *held, const ctl_schedule_opts *o, ctl_schedule *out,
			     ctl_err *err)
{
	struct sim *m = calloc(1, sizeof(*m));
	ctl_status rc = CTL_OK;
	char list[512];

	memset(out, 0, sizeof(*out));
	if (!m)
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	m->c = c;
	m->o = o;
	m->out = out;
	if (o->upgrade && has(r, n, CTL_REGEN_ITLRECOVERY, NULL)) {
		rc = ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				 "ITLRecovery is never regenerated during an upgrade: finish the "
				 "upgrade, let the phones settle, then plan it again");
		goto out;
	}
	if ((rc = start(m, held, err)))
		goto out;
	rules(m, r, n);
	if (m->ntftp && (!held->ctl || !held->itl) && (m->mixed || !held->itl)) {
		ctl_step *st = step(m, CTL_STEP_NOTE, "Keep a copy of the lists phones hold now: every "
				    "update below is judged against them");
		command(st, "ctlsign fetch --tftp %s", m->tftp[0]->host);
	}

	/* 1. TVS: the ITL phones hold must carry the new TVS before any signer
	 * changes, so TVS can vouch for it. */
	if (has(r, n, CTL_REGEN_TVS, NULL)) {
		size_t o2 = 0;
		list[0] = '\0';
		for (size_t i = 0; i < n && !rc; i++)
			if (r[i].role == CTL_REGEN_TVS) {
				regen_step(m, &r[i]);
				rc = regenerate(m, cert_path(&r[i]), err);
				o2 += (size_t)snprintf(list + o2, sizeof(list) - o2, "%s%s", o2 ? ", " : "",
						       r[i].node->name);
			}
		step(m, CTL_STEP_RESTART, "Restart Cisco Trust Verification Service on %s, then Cisco "
		     "TFTP on every TFTP node", list);
		if (!rc)
			rc = update_itls(m, NULL, err);
		reset_wait(m, "ITL");
	}
	/* 2. CAPF: the CTL and ITLs list it; LSCs it issued must be reissued. */
	for (size_t i = 0; i < n && !rc; i++) {
		if (r[i].role != CTL_REGEN_CAPF)
			continue;
		regen_step(m, &r[i]);
		if ((rc = regenerate(m, cert_path(&r[i]), err)) ||
		    (rc = update_ctl(m, "its CAPF record", err)))
			break;
		step(m, CTL_STEP_RESTART, "Restart Cisco Certificate Authority Proxy Function on %s "
		     "(the publisher), then Cisco TFTP on every TFTP node", r[i].node->name);
		if ((rc = update_itls(m, NULL, err)))
			break;
		reset_wait(m, "CTL and ITL");
		step(m, CTL_STEP_LSC, "Reissue the LSCs: the phones' LSCs were issued by the old CAPF "
		     "(Device > Phone > Certificate Authority Proxy Function: Install/Upgrade, or Bulk "
		     "Administration for many phones)");
	}
	/* 3. CallManager, one node at a time. */
	for (size_t i = 0; i < n && !rc; i++) {
		char others[256];

		if (r[i].role != CTL_REGEN_CALLMANAGER && r[i].role != CTL_REGEN_CALLMANAGER_ECDSA)
			continue;
		regen_step(m, &r[i]);
		if (r[i].role == CTL_REGEN_CALLMANAGER_ECDSA) {
			step(m, CTL_STEP_NOTE, "the cluster file lists no ECDSA certificates: CUCM's "
			     "`utils ctl update CTLFile' adds the new one to the CTL; no signer changes");
		} else {
			char why[160];
			snprintf(why, sizeof(why), "the new CallManager certificate of %s", r[i].node->name);
			if ((rc = regenerate(m, cert_path(&r[i]), err)) || (rc = update_ctl(m, why, err)))
				break;
		}
		tftp_list(m, r[i].node, others, sizeof(others));
		step(m, CTL_STEP_RESTART, "Restart Cisco CallManager, Cisco TFTP and Cisco CTIManager on "
		     "%s%s%s%s", r[i].node->name, others[0] ? ", then Cisco TFTP on " : "", others,
		     others[0] ? " (the CTL changed)" : "");
		if ((r[i].node->roles & CTL_NODE_TFTP) && r[i].role == CTL_REGEN_CALLMANAGER &&
		    (rc = update_itls(m, r[i].node, err)))
			break;
		reset_wait(m, "CTL");
	}
	/* 4. ITLRecovery. */
	for (size_t i = 0; i < n && !rc; i++) {
		if (r[i].role != CTL_REGEN_ITLRECOVERY)
			continue;
		regen_step(m, &r[i]);
		if ((rc = regenerate(m, cert_path(&r[i]), err)) ||
		    (rc = update_ctl(m, "the new ITLRecovery certificate", err)))
			break;
		step(m, CTL_STEP_RESTART, "Restart Cisco TFTP on every TFTP node");
		if ((rc = update_itls(m, NULL, err)))
			break;
		reset_wait(m, "CTL and ITL");
	}
	/* 5. Tomcat and ipsec: no trust list holds them. */
	for (size_t i = 0; i < n && !rc; i++) {
		if (r[i].role == CTL_REGEN_TOMCAT) {
			regen_step(m, &r[i]);
			step(m, CTL_STEP_RESTART, "Restart Cisco Tomcat on %s (no trust list holds the "
			     "Tomcat certificate; phones' HTTPS services see the new one)", r[i].node->name);
		} else if (r[i].role == CTL_REGEN_IPSEC) {
			regen_step(m, &r[i]);
			step(m, CTL_STEP_RESTART, "Restart Cisco DRF Local on %s and Cisco DRF Master on the "
			     "publisher (no trust list holds the ipsec certificate)", r[i].node->name);
		}
	}
	if (!rc && out->broken &&
	    asprintf(&out->advice, "what would keep a trust path: an extra CTL update signed by a key "
		     "phones hold that lists the new certificate (name that key in %s: itlrecovery-key, "
		     "callmanager-key of the publisher, or a [token] with a uri); or \"Prepare Cluster "
		     "for Rollback to pre-8.0\" before the change (phones then take any ITL; HTTPS "
		     "phone services stop while it is set) and turning it off after; otherwise the "
		     "CTL and ITL must be deleted by hand on every phone", o->cluster_path) < 0)
		out->advice = NULL;
	if (!rc && m->oom)
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
out:
	list_free(&m->ctl);
	for (size_t i = 0; i < m->ntftp; i++)
		list_free(&m->itl[i]);
	for (size_t i = 0; i < m->nover; i++)
		X509_free(m->over[i].x);
	free(m);
	if (rc)
		ctl_schedule_free(out);
	return rc;
}
