/* ctlsign tokens: every PKCS#11 module, slot, token and certificate, with
 * ready-to-paste URIs, then the PC/SC readers. */
#include "cli.h"
#include "jsonout.h"
#include "load.h"
#include "suggest.h"
#include "ctl.h"
#include "identity.h"
#include "token.h"
#include "tokens_pcsc.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ctlsign tokens [--module PATH]... [--ctl FILE] [--json | --uri-only]\n\n"
		"List PKCS#11 tokens, the certificates on them and PC/SC readers.\n"
		"No PIN is asked for and nothing is written to a token.\n\n"
		"  --module PATH  use exactly this PKCS#11 module (repeatable); default:\n"
		"                 every module registered with p11-kit\n"
		"  --ctl FILE     mark certificates that are SAST records of FILE (or of a\n"
		"                 tftp:// or http:// URL) and the one that signed it\n"
		"  --json         machine-readable output\n"
		"  --uri-only     one token URI per line\n\n"
		"Examples:\n"
		"  ctlsign tokens\n"
		"  ctlsign tokens --module /usr/lib/libeTPkcs11.so --ctl CTLFile.tlv\n");
}

/* What --ctl says about one certificate. */
struct ctl_mark {
	int record;     /* 1-based SAST record holding it, 0: none */
	bool signer;    /* matches the header's SERIALNUMBER + CANAME */
};

/* The certificate is matched as phones match it: serial and issuer (as a
 * Distinguished Name, whoever wrote the strings), confirmed by the key. */
static struct ctl_mark mark_of(const ctl_file *f, X509 *x)
{
	struct ctl_mark m = {0, false};
	const ctl_tlv *hs;

	if (!f)
		return m;
	m.record = ctl_file_sast_of(f, x) + 1;
	hs = ctl_hdr_find(f, CTL_H_SERIALNUMBER);
	m.signer = hs && ctl_cert_is(x, hs->val, hs->len, ctl_tlv_str(ctl_hdr_find(f, CTL_H_CANAME)));
	return m;
}

static bool looks_sast(X509 *x)
{
	char cn[256] = "", icn[256] = "";

	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	X509_NAME_get_text_by_NID(X509_get_issuer_name(x), NID_commonName, icn, sizeof(icn));
	return !strncmp(cn, "SAST-ADN", 8) || !strcmp(icn, "Cisco Manufacturing CA");
}

static void state_words(const ctl_token_state *s, bool initialized, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
#define W(cond, word) \
	if ((cond) && o < n) \
		o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? ", " : "", word)
	W(!initialized, "not initialised");
	W(initialized && !s->pin_initialized, "user PIN not set");
	W(s->count_low, "count low");
	W(s->final_try, "final try");
	W(s->locked, "locked");
	W(s->to_be_changed, "to be changed");
	W(s->pin_pad, "PIN pad");
#undef W
	if (!buf[0])
		snprintf(buf, n, "ok");
}

/* Token, module and certificate strings are raw bytes: every one is shown
 * through the one sanitiser (text.h). */
static char *clean(const char *s)
{
	return ctl_text_dup(s ? s : "", 0);
}

static void print_cert(FILE *out, const ctl_token_cert *c, size_t idx, const ctl_file *ctl,
		       json_object *jarr)
{
	ctl_certinfo ci;
	ctl_err e;
	char idhex[512], nb[32], na[32];
	char *label = clean(c->label), *subj = NULL, *iss = NULL, *err_msg = NULL;
	struct ctl_mark m = mark_of(ctl, c->cert);
	bool sast = looks_sast(c->cert), expired;
	time_t now = time(NULL);

	ctl_err_clear(&e);
	memset(&ci, 0, sizeof(ci));
	ctl_hex_colon(c->id, c->id_len, idhex, sizeof(idhex));
	if (ctl_certinfo_get(c->cert, &ci, &e) != CTL_OK) {
		if (jarr) {
			json_object *j = json_object_new_object();

			json_object_object_add(j, "label", json_text(c->label));
			json_object_object_add(j, "id", json_text(idhex));
			json_object_object_add(j, "error", json_text(e.msg));
			json_object_array_add(jarr, j);
		} else {
			err_msg = clean(e.msg);
			fprintf(out, "    certificate %zu: %s (id %s): %s\n", idx, label ? label : "",
				idhex, err_msg ? err_msg : "");
		}
		goto out;
	}
	/* A time that does not decode is unknown: empty here, null in JSON, and
	 * never "expired", as `show' has it. */
	ctl_time_iso(ci.not_before, nb, sizeof(nb));
	ctl_time_iso(ci.not_after, na, sizeof(na));
	expired = ci.not_after != (time_t)-1 && ci.not_after < now;
	if (jarr) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "label", json_text(c->label));
		json_object_object_add(j, "id", json_text(idhex));
		json_object_object_add(j, "subject", json_text(ci.subject));
		json_object_object_add(j, "issuer", json_text(ci.issuer));
		json_object_object_add(j, "serial", json_text(ci.serial_hex));
		json_object_object_add(j, "key_type", json_text(ci.key_type));
		json_object_object_add(j, "key_bits", json_object_new_int(ci.key_bits));
		json_object_object_add(j, "not_before", nb[0] ? json_text(nb) : NULL);
		json_object_object_add(j, "not_after", na[0] ? json_text(na) : NULL);
		json_object_object_add(j, "expired", json_object_new_boolean(expired));
		json_object_object_add(j, "cisco_sast", json_object_new_boolean(sast));
		json_object_object_add(j, "uri", json_text(c->uri));
		if (ctl) {
			json_object *jc = json_object_new_object();

			json_object_object_add(jc, "sast_record",
					       m.record ? json_object_new_int(m.record) : NULL);
			json_object_object_add(jc, "signer", json_object_new_boolean(m.signer));
			json_object_object_add(j, "ctl", jc);
		}
		json_object_array_add(jarr, j);
		goto out;
	}
	subj = clean(ci.subject);
	iss = clean(ci.issuer);
	fprintf(out, "    certificate %zu: %s (id %s)\n", idx, label ? label : "", idhex);
	fprintf(out, "      subject:    %s\n", subj ? subj : "");
	fprintf(out, "      issuer:     %s\n", iss ? iss : "");
	fprintf(out, "      serial:     %s\n", ci.serial_hex);
	fprintf(out, "      key:        %s %d\n", ci.key_type, ci.key_bits);
	fprintf(out, "      valid:      %s to %s%s\n", nb, na, expired ? " (EXPIRED)" : "");
	fprintf(out, "      Cisco SAST: %s\n", sast ? "yes" : "no");
	if (ctl) {
		if (m.record)
			fprintf(out, "      trust list: SAST record %d%s\n", m.record,
				m.signer ? "; signed this file" : "");
		else
			fprintf(out, "      trust list: not a SAST record%s\n",
				m.signer ? " (but its serial and issuer match the signer)" : "");
	}
	fprintf(out, "      uri:        %s\n", c->uri);
out:
	free(label);
	free(subj);
	free(iss);
	free(err_msg);
	ctl_certinfo_free(&ci);
}

static json_object *state_json(const ctl_token_state *s)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "login_required", json_object_new_boolean(s->login_required));
	json_object_object_add(j, "pin_initialized", json_object_new_boolean(s->pin_initialized));
	json_object_object_add(j, "count_low", json_object_new_boolean(s->count_low));
	json_object_object_add(j, "final_try", json_object_new_boolean(s->final_try));
	json_object_object_add(j, "locked", json_object_new_boolean(s->locked));
	json_object_object_add(j, "to_be_changed", json_object_new_boolean(s->to_be_changed));
	json_object_object_add(j, "pin_pad", json_object_new_boolean(s->pin_pad));
	return j;
}

static void print_token(FILE *out, const ctl_token_slot *sl, const ctl_file *ctl,
			json_object *jslot)
{
	const ctl_token_info *t = sl->token;
	bool init = t->initialized;
	char state[160], buf[CTL_TEXT_ROOM(CTL_ERR_MSG)];
	char *label = clean(t->label), *manu = clean(t->manufacturer), *model = clean(t->model),
	     *serial = clean(t->serial);

	state_words(&t->state, init, state, sizeof(state));
	if (jslot) {
		json_object *j = json_object_new_object(), *jc = json_object_new_array();

		json_object_object_add(j, "label", json_text(t->label));
		json_object_object_add(j, "manufacturer", json_text(t->manufacturer));
		json_object_object_add(j, "model", json_text(t->model));
		json_object_object_add(j, "serial", json_text(t->serial));
		json_object_object_add(j, "pin_state", state_json(&t->state));
		json_object_object_add(j, "initialized", json_object_new_boolean(init));
		json_object_object_add(j, "uri", init ? json_text(t->uri) : NULL);
		json_object_object_add(j, "certificate_error",
				       t->cert_error[0] ? json_text(t->cert_error) : NULL);
		for (size_t i = 0; i < t->ncerts; i++)
			print_cert(out, &t->certs[i], i + 1, ctl, jc);
		json_object_object_add(j, "certificates", jc);
		json_object_object_add(jslot, "token", j);
		goto out;
	}
	if (!init) {
		fprintf(out, "    token:        (not initialised)\n");
		goto out;
	}
	fprintf(out, "    token:        %s\n", label ? label : "");
	fprintf(out, "    manufacturer: %s\n", manu ? manu : "");
	fprintf(out, "    model:        %s\n", model ? model : "");
	fprintf(out, "    serial:       %s\n", serial ? serial : "");
	fprintf(out, "    PIN:          %s\n", state);
	fprintf(out, "    uri:          %s\n", ctl_text_safe(t->uri, buf, sizeof(buf), 0));
	if (t->cert_error[0])
		fprintf(out, "    certificates: %s\n",
			ctl_text_safe(t->cert_error, buf, sizeof(buf), 0));
	else if (!t->ncerts)
		fprintf(out, "    certificates: none\n");
	for (size_t i = 0; i < t->ncerts; i++)
		print_cert(out, &t->certs[i], i + 1, ctl, NULL);
out:
	free(label);
	free(manu);
	free(model);
	free(serial);
}

int tokens_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"module", required_argument, NULL, 'm'}, {"ctl", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},         {"uri-only", no_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char **modules = NULL;
	size_t nmodules = 0;
	const char *ctl_path = NULL;
	bool json = false, uri_only = false;
	ctl_token_list *l = NULL;
	loaded held = {0};
	const ctl_file *ctl = NULL;
	json_object *jroot = NULL, *jmods = NULL;
	const char **models = NULL;
	size_t nmodels = 0, nloaded = 0;
	ctl_err err;
	int c, rc = EXIT_OK;

	ctl_err_clear(&err);
	if (!(modules = calloc((size_t)argc + 1, sizeof(*modules)))) {
		msg_error("out of memory");
		return EXIT_INTERNAL;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:c:juh", opts, NULL)) != -1) {
		switch (c) {
		case 'm': modules[nmodules++] = optarg; break;
		case 'c': ctl_path = optarg; break;
		case 'j': json = true; break;
		case 'u': uri_only = true; break;
		case 'h': usage(stdout); rc = EXIT_OK; goto out;
		default: rc = cli_bad_option("tokens", argc, argv, opts); goto out;
		}
	}
	if (optind < argc || (json && uri_only)) {
		msg_error(optind < argc ? "unexpected argument `%s'" : "%s",
			  optind < argc ? argv[optind] : "--json and --uri-only exclude each other");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (ctl_path) {
		if (load_file(ctl_path, &held) != CTL_OK) {
			rc = report(ctl_path, &held.err);
			goto out;
		}
		ctl = held.f;
	}
	if (ctl_token_enumerate(modules, nmodules, &l, &err) != CTL_OK) {
		rc = report(NULL, &err);
		goto out;
	}
	if (l->registry_error[0] && !uri_only)
		msg_warn("p11-kit: %s", l->registry_error);
	if (json) {
		jroot = json_object_new_object();
		jmods = json_object_new_array();
		json_object_object_add(jroot, "modules", jmods);
	}
	/* every model and manufacturer string, for the PC/SC hints */
	for (size_t i = 0; i < l->nmodules; i++)
		nmodels += 2 * l->modules[i].nslots;
	if (!(models = calloc(nmodels + 1, sizeof(*models)))) {
		msg_error("out of memory");
		rc = EXIT_INTERNAL;
		goto out;
	}
	nmodels = 0;
	for (size_t i = 0; i < l->nmodules; i++) {
		const ctl_token_module *mo = &l->modules[i];
		json_object *jm = NULL, *jslots = NULL;
		char a[CTL_TEXT_ROOM(CTL_ERR_MSG)], b[CTL_TEXT_ROOM(CTL_ERR_MSG)];

		/* Keep going: one broken module must not hide the others. */
		if (mo->status == CTL_OK)
			nloaded++;
		else if (!json)
			msg_warn("PKCS#11 module `%s' unusable: %s", mo->path, mo->error);
		if (mo->status != CTL_OK && !json && !uri_only)
			printf("module %s\n  error: %s\n", ctl_text_safe(mo->path, a, sizeof(a), 0),
			       ctl_text_safe(mo->error, b, sizeof(b), 0));
		if (json) {
			jm = json_object_new_object();
			jslots = json_object_new_array();
			json_object_object_add(jm, "path", json_text(mo->path));
			json_object_object_add(jm, "name", mo->name ? json_text(mo->name) : NULL);
			json_object_object_add(jm, "manufacturer",
					       mo->manufacturer ? json_text(mo->manufacturer) : NULL);
			json_object_object_add(jm, "description",
					       mo->description ? json_text(mo->description) : NULL);
			json_object_object_add(jm, "error", mo->status ? json_text(mo->error) : NULL);
			json_object_object_add(jm, "slots", jslots);
			json_object_array_add(jmods, jm);
		} else if (!uri_only && mo->status == CTL_OK) {
			ctl_text_safe(mo->name ? mo->name : mo->path, a, sizeof(a), 0);
			ctl_text_safe(mo->name ? mo->path : "", b, sizeof(b), 0);
			printf("module %s%s%s%s\n", a, mo->name ? " (" : "", b, mo->name ? ")" : "");
			ctl_text_safe(mo->manufacturer, a, sizeof(a), 0);
			ctl_text_safe(mo->description, b, sizeof(b), 0);
			printf("  library: %s, %s\n", a, b);
			if (!mo->nslots)
				fprintf(stdout, "  no slots\n");
		}
		for (size_t j = 0; j < mo->nslots; j++) {
			const ctl_token_slot *sl = &mo->slots[j];

			if (sl->token) {
				models[nmodels++] = sl->token->model;
				models[nmodels++] = sl->token->manufacturer;
			}
			if (uri_only) {
				if (sl->token && sl->token->initialized)
					printf("%s\n", sl->token->uri);
				continue;
			}
			if (json) {
				json_object *js = json_object_new_object();

				json_object_object_add(js, "id", json_object_new_int64((int64_t)sl->id));
				json_object_object_add(js, "description", json_text(sl->description));
				json_object_object_add(js, "manufacturer", json_text(sl->manufacturer));
				json_object_object_add(js, "removable",
						       json_object_new_boolean(sl->removable));
				json_object_object_add(js, "token", NULL);
				if (sl->token)
					print_token(stdout, sl, ctl, js);
				json_object_array_add(jslots, js);
				continue;
			}
			{
				char *d = clean(sl->description);

				printf("  slot %lu (0x%lx): %s\n", sl->id, sl->id, d ? d : "");
				free(d);
			}
			if (sl->token)
				print_token(stdout, sl, ctl, NULL);
			else
				printf("    no token\n");
		}
	}
	if (!uri_only) {
		int prc;

		if (!json)
			printf("\n");
		prc = tokens_pcsc_section(stdout, jroot, json, models, nmodels);
		if (prc != EXIT_OK && rc == EXIT_OK)
			rc = prc;
	}
	if (json)
		json_print(jroot);
	if (nloaded == 0 && l->nmodules > 0) {
		/* Nothing usable at all: report the first module's failure. */
		if (json)
			msg_error("PKCS#11 module `%s': %s", l->modules[0].path, l->modules[0].error);
		rc = exit_code_for(l->modules[0].status);
	}
out:
	json_object_put(jroot);
	free(models);
	free(modules);
	ctl_token_list_free(l);
	load_free(&held);
	return rc;
}
