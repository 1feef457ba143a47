/* From a cluster description to the records of a CTL or ITL and the key
 * that signs it (plan.h). */
#include "plan.h"

#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ctl_signer_kind ctl_preset_signer(const ctl_release *r, bool itl)
{
	(void)itl; /* CTL and ITL follow the same switch at 12.0 */
	return r->major >= 12 ? CTL_SIGNER_ITLRECOVERY : CTL_SIGNER_CALLMANAGER;
}

bool ctl_preset_has_itlrecovery(const ctl_release *r)
{
	return ctl_release_cmp(r, 10, 5, 2, 0) >= 0;
}

void ctl_plan_free(ctl_plan *p)
{
	free(p->key_path);
	free(p->cert_path);
	free(p->uri);
	free(p->describe);
	free(p->note);
	memset(p, 0, sizeof(*p));
}

/* Load a certificate named by the cluster file into the spec. */
/* A certificate the cluster file names: the caller's stand-in for it when
 * it has one (plan --regenerate simulates new certificates), else the file. */
static ctl_status load_cert(const ctl_plan_opts *o, const char *path, X509 **x, ctl_err *err)
{
	X509 *sub = o && o->cert_for ? o->cert_for(o->ctx, path) : NULL;

	if (sub) {
		if (!X509_up_ref(sub))
			return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		*x = sub;
		return CTL_OK;
	}
	return ctl_cert_load(path, x, err);
}

static ctl_status add(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s, int role,
		      const char *host, const uint8_t *ip, const char *cert, bool blank,
		      const ctl_src *src, const char *key, ctl_err *err)
{
	X509 *x = NULL;

	/* ctl_spec_check refuses it too; here before 10 000 certificates load. */
	if (s->n == CTL_RECORDS_MAX)
		return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
				   "%s: more than %u records: a trust list holds at most %u (phones "
				   "stop long before: an ITL over 64 KB, about 39 certificates, "
				   "already fails)", c->path, CTL_RECORDS_MAX, CTL_RECORDS_MAX);
	if (!blank && load_cert(o, cert, &x, err))
		return ctl_err_wrap(err, "%s:%d: key `%s': `%s'", c->path, src ? src->line : 0, key,
				    cert);
	return ctl_spec_add(s, role, host, ip, x, blank, cert, err);
}

static const ctl_cluster_node *publisher(const ctl_cluster *c)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (c->nodes[i].publisher)
			return &c->nodes[i];
	return c->nnodes ? &c->nodes[0] : NULL;
}

/* *dst = a copy of s (NULL stays NULL); false when out of memory. */
static bool dupz(char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return !s || *dst;
}

static ctl_status need(const ctl_cluster *c, const ctl_cluster_node *n, const char *what,
		       const char *key, ctl_err *err)
{
	if (what)
		return CTL_OK;
	return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
			   "%s:%d: section [node %s] has no `%s', which this trust list needs",
			   c->path, n->src.line, n->name, key);
}

/* A record for every node with a CAPF or TVS role, from its certificate. */
static ctl_status add_nodes(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s,
			    unsigned bit, ctl_err *err)
{
	bool capf = bit == CTL_NODE_CAPF;
	const char *key = capf ? "capf" : "tvs";

	for (size_t i = 0; i < c->nnodes; i++) {
		const ctl_cluster_node *n = &c->nodes[i];
		const char *cert = capf ? n->capf_cert : n->tvs_cert;
		ctl_status rc;

		if (!(n->roles & bit))
			continue;
		if ((rc = need(c, n, cert, key, err)) ||
		    (rc = add(c, o, s, capf ? CTL_ROLE_CAPF : CTL_ROLE_TVS, n->host,
			      n->has_ip ? n->ip : NULL, cert, false, &n->src, key, err)))
			return rc;
	}
	return CTL_OK;
}

static ctl_status add_sast(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s,
			   const ctl_cluster_node *pub, const char *cert, const char *key, ctl_err *err)
{
	return add(c, o, s, CTL_ROLE_SAST, pub->host, pub->has_ip ? pub->ip : NULL, cert, false,
		   &pub->src, key, err);
}

static ctl_status add_token(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s,
			    const ctl_cluster_token *t, ctl_err *err)
{
	ctl_status rc = add(c, o, s, CTL_ROLE_SAST, NULL, NULL, t->cert, false, &t->src, "cert", err);

	if (!rc)
		s->e[s->n - 1].token = true;
	return rc;
}

static const ctl_cluster_token *find_token(const ctl_cluster *c, const char *name)
{
	for (size_t i = 0; i < c->ntokens; i++)
		if (!strcasecmp(c->tokens[i].name, name))
			return &c->tokens[i];
	return NULL;
}

/* Who signs, and with which key and certificate. */
static ctl_status choose_signer(const ctl_cluster *c, const ctl_plan_opts *o,
				const ctl_cluster_node *pub, const ctl_cluster_node *node,
				ctl_plan *plan, const ctl_cluster_token **signer_token, ctl_err *err)
{
	const ctl_release *rel = &c->rel;
	ctl_signer_kind kind = c->signer_kind;
	char desc[512], note[512] = "";
	bool mem = true;
	ctl_status rc;

	*signer_token = NULL;
	if (kind == CTL_SIGNER_TOKEN && o->itl) {
		/* CUCM signs every ITL itself; eTokens never do. */
		kind = CTL_SIGNER_PRESET;
		snprintf(note, sizeof(note), "ITLs are never signed by eTokens: the `signer' of %s "
			 "is for the CTL; this ITL follows the release %s preset", c->path, c->release);
	}
	if (kind == CTL_SIGNER_TOKEN && c->signer_token) {
		const ctl_cluster_token *t = find_token(c, c->signer_token);

		if (!t)
			return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
					   "%s: signer `token:%s' names no [token %s] section", c->path,
					   c->signer_token, c->signer_token);
		if (!t->uri)
			return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
					   "%s:%d: [token %s] has no `uri' to sign with", c->path,
					   t->src.line, t->name);
		*signer_token = t;
		plan->kind = CTL_SIGNER_TOKEN;
		mem &= dupz(&plan->uri, t->uri);
		mem &= dupz(&plan->cert_path, t->cert);
		snprintf(desc, sizeof(desc), "token %s", t->name);
	} else if (kind == CTL_SIGNER_TOKEN) {
		plan->kind = CTL_SIGNER_TOKEN;
		mem &= dupz(&plan->uri, c->signer_uri);
		snprintf(desc, sizeof(desc), "%s", c->signer_uri);
	} else {
		if (kind != CTL_SIGNER_PRESET)
			plan->kind = kind;
		else if (!o->itl && rel->major < 10)
			return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
					   "%s: release %s has no tokenless mode; sign the CTL with an "
					   "eToken (signer = token:NAME)", c->path, c->release);
		else
			plan->kind = ctl_preset_signer(rel, o->itl);
		if (plan->kind == CTL_SIGNER_ITLRECOVERY) {
			if ((rc = need(c, pub, pub->itlrecovery_cert, "itlrecovery", err)))
				return rc;
			mem &= dupz(&plan->cert_path, pub->itlrecovery_cert);
			mem &= dupz(&plan->key_path, c->signer_key ? c->signer_key : pub->itlrecovery_key);
			snprintf(desc, sizeof(desc), "ITLRecovery key of %s", pub->name);
		} else {
			const ctl_cluster_node *k = o->itl ? node : pub;
			if ((rc = need(c, k, k->callmanager_cert, "callmanager", err)))
				return rc;
			mem &= dupz(&plan->cert_path, k->callmanager_cert);
			mem &= dupz(&plan->key_path, c->signer_key ? c->signer_key : k->callmanager_key);
			snprintf(desc, sizeof(desc), "CallManager key of %s", k->name);
		}
		if (kind == CTL_SIGNER_PRESET) {
			size_t n = strlen(desc);
			snprintf(desc + n, sizeof(desc) - n, " (release %s preset)", c->release);
		}
	}
	mem &= dupz(&plan->describe, desc);
	mem &= dupz(&plan->note, note[0] ? note : NULL);
	if (!mem)
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	if (plan->kind == CTL_SIGNER_TOKEN && !plan->uri)
		return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
				   "%s: the signer is a token, but no URI names it", c->path);
	return CTL_OK;
}

/* A CTL: SAST records (signer first), every CCM/TFTP node, CAPF, extras. */
static ctl_status plan_ctl(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s,
			   const ctl_plan *plan, const ctl_cluster_token *signer_token,
			   const ctl_cluster_node *pub, ctl_warnings *w, ctl_err *err)
{
	const ctl_release rel = c->rel;
	bool non_secure = o->non_secure || c->non_secure;
	bool with_itlrec = ctl_preset_has_itlrecovery(&rel) && pub->itlrecovery_cert;
	ctl_status rc;

	if (plan->kind == CTL_SIGNER_TOKEN) {
		if (signer_token && (rc = add_token(c, o, s, signer_token, err)))
			return rc;
		for (size_t i = 0; i < c->ntokens; i++)
			if (&c->tokens[i] != signer_token && (rc = add_token(c, o, s, &c->tokens[i], err)))
				return rc;
		if (ctl_release_cmp(&rel, 11, 5, 0, 0) >= 0) {
			if (with_itlrec &&
			    (rc = add_sast(c, o, s, pub, pub->itlrecovery_cert, "itlrecovery", err)))
				return rc;
			if ((rc = need(c, pub, pub->callmanager_cert, "callmanager", err)) ||
			    (rc = add_sast(c, o, s, pub, pub->callmanager_cert, "callmanager", err)))
				return rc;
		}
	} else {
		bool rec = plan->kind == CTL_SIGNER_ITLRECOVERY;
		const char *second = rec ? pub->callmanager_cert
				     : (with_itlrec ? pub->itlrecovery_cert : NULL);

		if (c->ntokens)
			ctl_warn(w, "%s: [token] sections are not used in a tokenless CTL", c->path);
		if ((rc = add_sast(c, o, s, pub, plan->cert_path, rec ? "itlrecovery" : "callmanager",
				   err)))
			return rc;
		if (second && (rc = add_sast(c, o, s, pub, second, rec ? "callmanager" : "itlrecovery",
					     err)))
			return rc;
	}
	for (size_t i = 0; i < c->nnodes; i++) {
		const ctl_cluster_node *n = &c->nodes[i];
		unsigned r = n->roles & (CTL_NODE_CCM | CTL_NODE_TFTP);
		int role = r == (CTL_NODE_CCM | CTL_NODE_TFTP) ? CTL_ROLE_CCM_TFTP
			   : r == CTL_NODE_CCM ? CTL_ROLE_CCM : CTL_ROLE_TFTP;
		if (!r)
			continue;
		if (!non_secure && (rc = need(c, n, n->callmanager_cert, "callmanager", err)))
			return rc;
		if ((rc = add(c, o, s, role, n->host, n->has_ip ? n->ip : NULL, n->callmanager_cert,
			      non_secure, &n->src, "callmanager", err)))
			return rc;
	}
	if ((rc = add_nodes(c, o, s, CTL_NODE_CAPF, err)))
		return rc;
	for (size_t i = 0; i < c->nextra; i++) {
		const ctl_cluster_extra *x = &c->extra[i];
		if ((rc = add(c, o, s, x->role, x->host, x->has_ip ? x->ip : NULL, x->cert, false,
			      &x->src, "cert", err)))
			return rc;
	}
	return CTL_OK;
}

/* The ITL of one TFTP node: ITLRecovery, the node's CallManager as SAST and
 * as TFTP (CCM+TFTP in mixed mode), every TVS, CAPF. */
static ctl_status plan_itl(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s,
			   const ctl_plan *plan, const ctl_cluster_node *pub,
			   const ctl_cluster_node *node, ctl_err *err)
{
	const uint8_t *nip = node->has_ip ? node->ip : NULL;
	bool rec_first = plan->kind == CTL_SIGNER_ITLRECOVERY;
	bool non_secure = o->non_secure || c->non_secure;
	ctl_status rc;

	if ((rc = need(c, node, node->callmanager_cert, "callmanager", err)))
		return rc;
	if (rec_first && (rc = add_sast(c, o, s, pub, pub->itlrecovery_cert, "itlrecovery", err)))
		return rc;
	if ((rc = add(c, o, s, CTL_ROLE_SAST, node->host, nip, node->callmanager_cert, false,
		      &node->src, "callmanager", err)))
		return rc;
	if (!rec_first && pub->itlrecovery_cert &&
	    (rc = add_sast(c, o, s, pub, pub->itlrecovery_cert, "itlrecovery", err)))
		return rc;
	if ((rc = add(c, o, s, non_secure ? CTL_ROLE_TFTP : CTL_ROLE_CCM_TFTP, node->host, nip,
		      node->callmanager_cert, false, &node->src, "callmanager", err)))
		return rc;
	if ((rc = add_nodes(c, o, s, CTL_NODE_TVS, err)))
		return rc;
	return add_nodes(c, o, s, CTL_NODE_CAPF, err);
}

ctl_status ctl_plan_cluster(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s,
			    ctl_plan *plan, ctl_warnings *w, ctl_err *err)
{
	const ctl_cluster_node *pub = publisher(c), *node = pub;
	const ctl_cluster_token *signer_token = NULL;
	ctl_status rc;

	memset(plan, 0, sizeof(*plan));
	if (!pub)
		return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1, "%s: no [node] section", c->path);
	if (o->itl && o->node) {
		node = NULL;
		for (size_t i = 0; i < c->nnodes; i++)
			if (!strcasecmp(c->nodes[i].name, o->node))
				node = &c->nodes[i];
		if (!node)
			return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "%s has no [node %s]", c->path,
					   o->node);
	}
	if (o->itl && !(node->roles & CTL_NODE_TFTP))
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				   "%s:%d: [node %s] has no TFTP role: only TFTP nodes build and serve "
				   "an ITL%s", c->path, node->src.line, node->name,
				   o->node ? "" : " (name the TFTP node with --node)");
	if ((rc = choose_signer(c, o, pub, node, plan, &signer_token, err)))
		goto fail;
	if ((rc = o->itl ? plan_itl(c, o, s, plan, pub, node, err)
			 : plan_ctl(c, o, s, plan, signer_token, pub, w, err)))
		goto fail;
	return CTL_OK;
fail:
	ctl_plan_free(plan);
	return rc;
}

ctl_status ctl_plan_tvs_view(const ctl_cluster *c, const ctl_plan_opts *o, ctl_tvs_view *v,
			     ctl_err *err)
{
	ctl_status rc = CTL_OK;

	memset(v, 0, sizeof(*v));
	v->from = c->path;
	for (size_t i = 0; i < c->nnodes && !rc; i++) {
		const ctl_cluster_node *n = &c->nodes[i];
		const char *certs[] = {n->tvs_cert, n->callmanager_cert, n->itlrecovery_cert};

		for (size_t k = 0; k < 3 && !rc; k++) {
			X509 *x = NULL;

			if (!certs[k])
				continue;
			if ((rc = load_cert(o, certs[k], &x, err))) {
				ctl_err_wrap(err, "%s:%d: `%s'", c->path, n->src.line, certs[k]);
				break;
			}
			rc = ctl_tvs_view_add(v, k == 0, x, n->host, err);
			X509_free(x);
		}
	}
	for (size_t i = 0; i < c->ntokens && !rc; i++) {
		X509 *x = NULL;

		if ((rc = load_cert(o, c->tokens[i].cert, &x, err))) {
			ctl_err_wrap(err, "%s:%d: `%s'", c->path, c->tokens[i].src.line,
				     c->tokens[i].cert);
			break;
		}
		rc = ctl_tvs_view_add(v, false, x, NULL, err);
		X509_free(x);
	}
	if (rc)
		ctl_tvs_view_free(v);
	return rc;
}
