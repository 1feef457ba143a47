/* The "PC/SC readers" section of `ctlsign tokens`. */
#include "cli.h"
#include "pcsc.h"
#include "profiles.h"

#include <json-c/json.h>
#include <string.h>

#define MSG_NO_SERVICE "no PC/SC service running (pcscd not started)"
#define MSG_NO_READERS "no smart card readers found"

static const char *card_word(enum ctl_pcsc_card c)
{
	switch (c) {
	case CTL_CARD_ABSENT: return "absent";
	case CTL_CARD_PRESENT: return "present";
	case CTL_CARD_MUTE: return "mute";
	case CTL_CARD_UNAVAILABLE: return "unavailable";
	}
	return "?";
}

/* "SafeNet Authentication Client (libIDPrimePKCS11.so or libeTPkcs11.so)" */
static void middleware_text(const struct ctl_profile *p, char *buf, size_t n)
{
	const struct ctl_strlist *m = &p->modules[CTL_OS_HOST];
	size_t o;

	o = (size_t)snprintf(buf, n, "%s", p->middleware);
	for (size_t i = 0; i < m->n && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? " or " : " (", m->v[i]);
	if (m->n && o < n)
		snprintf(buf + o, n - o, ")");
}

/* Only a recognised token that no PKCS#11 module shows gets a hint: then
 * the missing piece is the vendor's middleware. */
static bool needs_hint(const struct ctl_pcsc_reader *r,
		       const char *const *models, size_t n_models)
{
	return r->card == CTL_CARD_PRESENT && r->profile &&
	       r->profile->kind == CTL_KIND_USB_TOKEN &&
	       !ctl_pcsc_family_visible(r->profile, models, n_models);
}

/* val may be NULL: the key is then written as JSON null. */
static int add(struct json_object *obj, const char *key, struct json_object *val)
{
	return json_object_object_add(obj, key, val);
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static int reader_json(struct json_object *arr, const struct ctl_pcsc_reader *r,
		       const char *const *models, size_t n_models)
{
	struct json_object *o = json_object_new_object(), *mods = NULL;
	char atr[3 * CTL_ATR_MAX + 1], hint[512];
	int rc = -1;

	if (!o)
		goto out;
	if (add(o, "name", json_object_new_string(r->name)) ||
	    add(o, "card", json_object_new_string(card_word(r->card))) ||
	    add(o, "card_present", json_object_new_boolean(r->card == CTL_CARD_PRESENT ||
							    r->card == CTL_CARD_MUTE)) ||
	    add(o, "in_use", json_object_new_boolean(r->in_use)))
		goto out;
	if (r->card == CTL_CARD_PRESENT)
		ctl_atr_format(r->atr, r->atr_len, atr, sizeof(atr));
	if (add(o, "atr", r->card == CTL_CARD_PRESENT ? json_object_new_string(atr) : NULL) ||
	    add(o, "profile", r->profile ? json_object_new_string(r->profile->name) : NULL) ||
	    add(o, "profile_id", r->profile ? json_object_new_string(r->profile->id) : NULL) ||
	    add(o, "atr_label", r->pattern ? json_object_new_string(r->pattern->label) : NULL) ||
	    add(o, "identified", json_object_new_string(
			r->card != CTL_CARD_PRESENT ? "no card" :
			r->profile ? "known token" : "unknown card")))
		goto out;
	if (r->profile) {
		const struct ctl_strlist *m = &r->profile->modules[CTL_OS_HOST];

		mods = json_object_new_array();
		if (!mods)
			goto out;
		for (size_t i = 0; i < m->n; i++)
			if (json_object_array_add(mods, json_object_new_string(m->v[i])))
				goto out;
		if (add(o, "middleware", str_or_null(r->profile->middleware)) ||
		    add(o, "modules", mods))
			goto out;
		mods = NULL;
		if (add(o, "pkcs11_visible", json_object_new_boolean(
				ctl_pcsc_family_visible(r->profile, models, n_models))))
			goto out;
	}
	if (needs_hint(r, models, n_models)) {
		char mw[400];

		middleware_text(r->profile, mw, sizeof(mw));
		snprintf(hint, sizeof(hint),
			 "no PKCS#11 module shows this token: install %s", mw);
	}
	if (add(o, "hint", needs_hint(r, models, n_models) ?
		json_object_new_string(hint) : NULL))
		goto out;
	if (json_object_array_add(arr, o))
		goto out;
	o = NULL;
	rc = 0;
out:
	json_object_put(mods);
	json_object_put(o);
	return rc;
}

static int render_json(struct json_object *jroot, const struct ctl_pcsc_scan *scan,
		       const char *const *models, size_t n_models)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	const char *state = "ok", *message = NULL;
	int rc = EXIT_INTERNAL;

	if (!o || !arr)
		goto out;
	if (scan->state == CTL_PCSC_NO_SERVICE) {
		state = "no-service";
		message = MSG_NO_SERVICE;
	} else if (scan->state == CTL_PCSC_NO_READERS) {
		state = "no-readers";
		message = MSG_NO_READERS;
	}
	if (add(o, "state", json_object_new_string(state)) ||
	    add(o, "service_running", json_object_new_boolean(
			scan->state != CTL_PCSC_NO_SERVICE)) ||
	    add(o, "message", str_or_null(message)))
		goto out;
	for (size_t i = 0; i < scan->n_readers; i++)
		if (reader_json(arr, &scan->readers[i], models, n_models))
			goto out;
	if (add(o, "readers", arr))
		goto out;
	arr = NULL;
	if (json_object_object_add(jroot, "pcsc", o))
		goto out;
	o = NULL;
	rc = EXIT_OK;
out:
	json_object_put(arr);
	json_object_put(o);
	if (rc != EXIT_OK)
		msg_error("cannot build JSON output: out of memory");
	return rc;
}

static void render_text(FILE *out, const struct ctl_pcsc_scan *scan,
			const struct ctl_profile_set *profiles,
			const char *const *models, size_t n_models)
{
	char atr[3 * CTL_ATR_MAX + 1], mw[400], a[CTL_TEXT_ROOM(400)], b[CTL_TEXT_ROOM(400)];

	if (scan->state == CTL_PCSC_NO_SERVICE) {
		fprintf(out, "PC/SC: " MSG_NO_SERVICE "\n");
		return;
	}
	if (scan->state == CTL_PCSC_NO_READERS) {
		fprintf(out, "PC/SC: " MSG_NO_READERS "\n");
		return;
	}
	fprintf(out, "PC/SC readers:\n");
	for (size_t i = 0; i < scan->n_readers; i++) {
		const struct ctl_pcsc_reader *r = &scan->readers[i];

		fprintf(out, "  %s\n", ctl_text_safe(r->name, a, sizeof(a), 0));
		switch (r->card) {
		case CTL_CARD_ABSENT:
			fprintf(out, "    card:     none\n");
			continue;
		case CTL_CARD_UNAVAILABLE:
			fprintf(out, "    card:     reader state unavailable\n");
			continue;
		case CTL_CARD_MUTE:
			fprintf(out, "    card:     present but mute (no ATR): re-insert it\n");
			continue;
		case CTL_CARD_PRESENT:
			break;
		}
		fprintf(out, "    card:     present%s\n", r->in_use ? " (in use by another program)" : "");
		fprintf(out, "    ATR:      %s\n", ctl_atr_format(r->atr, r->atr_len, atr, sizeof(atr)));
		if (r->profile)
			fprintf(out, "    token:    %s (%s)\n", ctl_text_safe(r->profile->name, a, sizeof(a), 0),
				ctl_text_safe(r->pattern->label, b, sizeof(b), 0));
		else if (profiles)
			fprintf(out, "    token:    unknown card\n");
		else
			fprintf(out, "    token:    not identified (no token profiles loaded)\n");
		if (needs_hint(r, models, n_models)) {
			middleware_text(r->profile, mw, sizeof(mw));
			fprintf(out, "    hint:     no PKCS#11 module shows this token: install %s\n",
				ctl_text_safe(mw, a, sizeof(a), 0));
		}
	}
}

int tokens_pcsc_render(FILE *out, struct json_object *jroot, bool json,
		       const struct ctl_pcsc_scan *scan,
		       const struct ctl_profile_set *profiles,
		       const char *const *present_token_models, size_t n_models)
{
	if (json)
		return render_json(jroot, scan, present_token_models, n_models);
	render_text(out, scan, profiles, present_token_models, n_models);
	return EXIT_OK;
}

int tokens_pcsc_section(FILE *out, struct json_object *jroot, bool json,
			const char *const *present_token_models, size_t n_models)
{
	struct ctl_profile_set *profiles = NULL;
	struct ctl_pcsc_scan scan;
	ctl_err perr, err;
	ctl_status pst;
	int rc;

	ctl_err_clear(&perr);
	ctl_err_clear(&err);
	/* A broken profile directory still lets us list the readers; the error
	 * is reported after the section so the listing is not lost. */
	pst = ctl_profiles_load_default(&profiles, &perr);
	if (ctl_pcsc_scan(profiles, &scan, &err) != CTL_OK) {
		rc = report(NULL, &err);
		goto out;
	}
	rc = tokens_pcsc_render(out, jroot, json, &scan, profiles,
				present_token_models, n_models);
	if (pst != CTL_OK) {
		int prc = report(NULL, &perr);

		if (rc == EXIT_OK)
			rc = prc;
	}
out:
	ctl_pcsc_scan_free(&scan);
	ctl_profiles_free(profiles);
	return rc;
}
