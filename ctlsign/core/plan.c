#include "plan.h"

#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	memset(p, 0, sizeof(*p));
}

/* Load a certificate named by the cluster file into the spec. */
static ctl_status add(const ctl_cluster *c, ctl_spec *s, int role, const char *host,
		      const uint8_t *ip, const char *cert, bool blank, const ctl_src *src,
		      const char *key, ctl_err *err)
{
	X509 *x = NULL;
	ctl_status rc;

	if (!blank && (rc = ctl_cert_load(cert, &x, err))) {
		char m[CTL_ERR_MSG];
		snprintf(m, sizeof(m), "%s", err->msg);
		return ctl_err_set(err, rc, -1, -1, -1, "%s:%d: key `%s': `%s': %s", c->path,
				   src ? src->line : 0, key, cert, m);
	}
	return ctl_spec_add(s, role, host, ip, x, blank, cert, err);
}

static const ctl_cluster_node *publisher(const ctl_cluster *c)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (c->nodes[i].publisher)
			return &c->nodes[i];
	return c->nnodes ? &c->nodes[0] : NULL;
}

static char *dupz(const char *s)
{
	return s ? strdup(s) : NULL;
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
static ctl_status add_nodes(const ctl_cluster *c, ctl_spec *s, unsigned bit, ctl_err *err)
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
		    (rc = add(c, s, capf ? CTL_ROLE_CAPF : CTL_ROLE_TVS, n->host,
			      n->has_ip ? n->ip : NULL, cert, false, &n->src, key, err)))
			return rc;
	}
	return CTL_OK;
}

ctl_status ctl_plan_cluster(const ctl_cluster *c, const ctl_plan_opts *o, ctl_spec *s,
			    ctl_plan *plan, ctl_warnings *w, ctl_err *err)
{
	const ctl_cluster_node *pub = publisher(c), *node = pub;
	const ctl_release rel = c->rel;
	ctl_status rc;
	bool non_secure = o->non_secure || (c->mode && !strcmp(c->mode, "non-secure"));
	bool token = false, with_itlrec;
	const ctl_cluster_token *signer_token = NULL;
	char desc[512];

	memset(plan, 0, sizeof(*plan));
	if (!pub)
		return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1, "%s: no [node] section", c->path);
	if (o->itl && o->node) {
		node = NULL;
		for (size_t i = 0; i < c->nnodes; i++)
			if (!strcmp(c->nodes[i].name, o->node))
				node = &c->nodes[i];
		if (!node)
			return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "%s has no [node %s]", c->path,
					   o->node);
	}

	/* Who signs: explicit choice, else the release's tokenless preset. */
	if (c->signer && !strncmp(c->signer, "token:", 6)) {
		for (size_t i = 0; i < c->ntokens; i++)
			if (!strcmp(c->tokens[i].name, c->signer + 6))
				signer_token = &c->tokens[i];
		if (!signer_token)
			return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
					   "%s: signer `%s' names no [token %s] section", c->path,
					   c->signer, c->signer + 6);
		if (!signer_token->uri)
			return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
					   "%s:%d: [token %s] has no `uri' to sign with", c->path,
					   signer_token->src.line, signer_token->name);
		token = true;
		plan->kind = CTL_SIGNER_TOKEN;
		plan->uri = dupz(signer_token->uri);
		plan->cert_path = dupz(signer_token->cert);
		snprintf(desc, sizeof(desc), "token %s", signer_token->name);
	} else if (c->signer && !strncmp(c->signer, "pkcs11:", 7)) {
		token = true;
		plan->kind = CTL_SIGNER_TOKEN;
		plan->uri = dupz(c->signer);
		snprintf(desc, sizeof(desc), "%s", c->signer);
	} else {
		if (c->signer)
			plan->kind = !strcmp(c->signer, "itlrecovery") ? CTL_SIGNER_ITLRECOVERY
								     : CTL_SIGNER_CALLMANAGER;
		else if (rel.major < 10)
			return ctl_err_set(err, CTL_E_REFUSED, -1, -1, -1,
					   "%s: release %s has no tokenless mode; sign with an eToken "
					   "(signer = token:NAME)", c->path, c->release);
		else
			plan->kind = ctl_preset_signer(&rel, o->itl);
		if (plan->kind == CTL_SIGNER_ITLRECOVERY) {
			if ((rc = need(c, pub, pub->itlrecovery_cert, "itlrecovery", err)))
				goto fail;
			plan->cert_path = dupz(pub->itlrecovery_cert);
			plan->key_path = dupz(c->signer_key ? c->signer_key : pub->itlrecovery_key);
			snprintf(desc, sizeof(desc), "ITLRecovery key of %s", pub->name);
		} else {
			const ctl_cluster_node *k = o->itl ? node : pub;
			if ((rc = need(c, k, k->callmanager_cert, "callmanager", err)))
				goto fail;
			plan->cert_path = dupz(k->callmanager_cert);
			plan->key_path = dupz(c->signer_key ? c->signer_key : k->callmanager_key);
			snprintf(desc, sizeof(desc), "CallManager key of %s", k->name);
		}
	}
	if (!c->signer) {
		size_t n = strlen(desc);
		snprintf(desc + n, sizeof(desc) - n, " (release %s preset)", c->release);
	}
	plan->describe = dupz(desc);

	with_itlrec = ctl_preset_has_itlrecovery(&rel) && pub->itlrecovery_cert;
	if (!o->itl) {
		/* SAST records, signer first. */
		if (token) {
			if (signer_token &&
			    (rc = add(c, s, CTL_ROLE_SAST, NULL, NULL, signer_token->cert, false,
				      &signer_token->src, "cert", err)))
				goto fail;
			for (size_t i = 0; i < c->ntokens; i++)
				if (&c->tokens[i] != signer_token &&
				    (rc = add(c, s, CTL_ROLE_SAST, NULL, NULL, c->tokens[i].cert, false,
					      &c->tokens[i].src, "cert", err)))
					goto fail;
			if (c->ntokens < 2)
				ctl_warn(w, "%s: only %zu eToken: the first mixed-mode CTL needs two "
					 "distinct tokens, so that one can be lost", c->path, c->ntokens);
			if (ctl_release_cmp(&rel, 11, 5, 0, 0) >= 0) {
				if (with_itlrec && (rc = add(c, s, CTL_ROLE_SAST, pub->host, pub->has_ip ? pub->ip : NULL,
							     pub->itlrecovery_cert, false, &pub->src,
							     "itlrecovery", err)))
					goto fail;
				if ((rc = need(c, pub, pub->callmanager_cert, "callmanager", err)) ||
				    (rc = add(c, s, CTL_ROLE_SAST, pub->host, pub->has_ip ? pub->ip : NULL,
					      pub->callmanager_cert, false, &pub->src, "callmanager", err)))
					goto fail;
			}
		} else {
			const char *first = plan->cert_path;
			const char *second = plan->kind == CTL_SIGNER_ITLRECOVERY
						     ? pub->callmanager_cert
						     : (with_itlrec ? pub->itlrecovery_cert : NULL);
			if (c->ntokens)
				ctl_warn(w, "%s: [token] sections are not used in a tokenless CTL",
					 c->path);
			if ((rc = add(c, s, CTL_ROLE_SAST, pub->host, pub->has_ip ? pub->ip : NULL,
				      first, false, &pub->src,
				      plan->kind == CTL_SIGNER_ITLRECOVERY ? "itlrecovery" : "callmanager",
				      err)))
				goto fail;
			if (second && (rc = add(c, s, CTL_ROLE_SAST, pub->host,
						pub->has_ip ? pub->ip : NULL, second, false, &pub->src,
						plan->kind == CTL_SIGNER_ITLRECOVERY ? "callmanager"
										     : "itlrecovery",
						err)))
				goto fail;
		}
		/* Call processing and TFTP nodes. */
		for (size_t i = 0; i < c->nnodes; i++) {
			const ctl_cluster_node *n = &c->nodes[i];
			unsigned r = n->roles & (CTL_NODE_CCM | CTL_NODE_TFTP);
			int role = r == (CTL_NODE_CCM | CTL_NODE_TFTP) ? CTL_ROLE_CCM_TFTP
				   : r == CTL_NODE_CCM ? CTL_ROLE_CCM : CTL_ROLE_TFTP;
			if (!r)
				continue;
			if (!non_secure && (rc = need(c, n, n->callmanager_cert, "callmanager", err)))
				goto fail;
			if ((rc = add(c, s, role, n->host, n->has_ip ? n->ip : NULL,
				      n->callmanager_cert, non_secure, &n->src, "callmanager", err)))
				goto fail;
		}
		if ((rc = add_nodes(c, s, CTL_NODE_CAPF, err)))
			goto fail;
		for (size_t i = 0; i < c->nextra; i++) {
			const ctl_cluster_extra *x = &c->extra[i];
			if ((rc = add(c, s, x->role, x->host, x->has_ip ? x->ip : NULL, x->cert, false,
				      &x->src, "cert", err)))
				goto fail;
		}
		return CTL_OK;
	}

	/* ITL of one TFTP node: ITLRecovery, the node's CallManager as SAST and
	 * as TFTP (CCM+TFTP in mixed mode), every TVS, CAPF. */
	if (token)
		ctl_warn(w, "ITLs are signed by ITLRecovery or the TFTP node's key, not by eTokens");
	if ((rc = need(c, node, node->callmanager_cert, "callmanager", err)))
		goto fail;
	{
		const uint8_t *nip = node->has_ip ? node->ip : NULL;
		const uint8_t *pip = pub->has_ip ? pub->ip : NULL;
		bool rec_first = plan->kind == CTL_SIGNER_ITLRECOVERY;

		if (rec_first && (rc = add(c, s, CTL_ROLE_SAST, pub->host, pip, pub->itlrecovery_cert,
					   false, &pub->src, "itlrecovery", err)))
			goto fail;
		if ((rc = add(c, s, CTL_ROLE_SAST, node->host, nip, node->callmanager_cert, false,
			      &node->src, "callmanager", err)))
			goto fail;
		if (!rec_first && pub->itlrecovery_cert &&
		    (rc = add(c, s, CTL_ROLE_SAST, pub->host, pip, pub->itlrecovery_cert, false,
			      &pub->src, "itlrecovery", err)))
			goto fail;
		if ((rc = add(c, s, non_secure ? CTL_ROLE_TFTP : CTL_ROLE_CCM_TFTP, node->host, nip,
			      node->callmanager_cert, false, &node->src, "callmanager", err)))
			goto fail;
		if ((rc = add_nodes(c, s, CTL_NODE_TVS, err)))
			goto fail;
		if ((rc = add_nodes(c, s, CTL_NODE_CAPF, err)))
			goto fail;
	}
	return CTL_OK;
fail:
	ctl_plan_free(plan);
	return rc;
}
