/* The PC/SC and USB sections of `ctlsign tokens` (tokens_pcsc.h). */
#include "tokens_pcsc.h"

#include "cli.h"
#include "jsonout.h"

#include <stdlib.h>
#include <string.h>

#define MSG_NO_SERVICE "no PC/SC service running (pcscd not started)"
#define MSG_NO_READERS "no smart card readers found"

static const char *card_word(ctl_pcsc_card c)
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
static void middleware_text(const ctl_profile *p, char *buf, size_t n)
{
	const ctl_strlist *m = &p->modules[CTL_OS_HOST];
	size_t o;

	o = (size_t)snprintf(buf, n, "%s", p->middleware);
	for (size_t i = 0; i < m->n && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? " or " : " (", m->v[i]);
	if (m->n && o < n)
		snprintf(buf + o, n - o, ")");
}

/* Is a reader showing a card of this family? */
static bool in_a_reader(const ctl_pcsc_listing *scan, const ctl_profile *p)
{
	for (size_t i = 0; scan && i < scan->n_readers; i++)
		if (scan->readers[i].card == CTL_CARD_PRESENT && scan->readers[i].profile == p)
			return true;
	return false;
}

/* The hint for a recognised token family, "" when none is needed: only a
 * USB token that no PKCS#11 module shows gets one (the missing piece is
 * the vendor's middleware); one found by USB id alone whose family needs a
 * vendor reader driver gets that said too. */
static void hint_text(const ctl_profile *p, bool by_usb, const ctl_pcsc_listing *scan,
		      const char *const *models, size_t n_models, char *buf, size_t n)
{
	char mw[400];

	buf[0] = '\0';
	if (!p || p->kind != CTL_KIND_USB_TOKEN || ctl_pcsc_family_visible(p, models, n_models))
		return;
	middleware_text(p, mw, sizeof(mw));
	if (by_usb && !in_a_reader(scan, p) && !strcmp(p->connection, "vendor-driver"))
		snprintf(buf, n, "no PKCS#11 module shows this token, and no PC/SC reader without "
			 "the vendor's reader driver: install %s", mw);
	else
		snprintf(buf, n, "no PKCS#11 module shows this token: install %s", mw);
}

static json_object *str_or_null(const char *s)
{
	return s ? json_text(s) : NULL;
}

/* The family's facts, in a reader's or a USB device's JSON object. */
static void family_json(json_object *o, const ctl_profile *p, const char *const *models,
			size_t n_models)
{
	const ctl_strlist *m = &p->modules[CTL_OS_HOST];
	json_object *mods = json_object_new_array();

	for (size_t i = 0; mods && i < m->n; i++)
		json_object_array_add(mods, json_text(m->v[i]));
	json_object_object_add(o, "vendor", str_or_null(p->vendor));
	json_object_object_add(o, "connection", str_or_null(p->connection));
	json_object_object_add(o, "notes", str_or_null(p->notes));
	json_object_object_add(o, "middleware", str_or_null(p->middleware));
	json_object_object_add(o, "modules", mods);
	json_object_object_add(o, "pkcs11_visible",
			       json_object_new_boolean(ctl_pcsc_family_visible(p, models, n_models)));
}

static json_object *reader_json(const ctl_pcsc_reader *r, const ctl_pcsc_listing *scan,
				const char *const *models, size_t n_models)
{
	json_object *o = json_object_new_object();
	char atr[3 * CTL_ATR_MAX + 1], hint[512];
	bool present = r->card == CTL_CARD_PRESENT;

	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_text(r->name));
	json_object_object_add(o, "card", json_object_new_string(card_word(r->card)));
	json_object_object_add(o, "card_present",
			       json_object_new_boolean(present || r->card == CTL_CARD_MUTE));
	json_object_object_add(o, "in_use", json_object_new_boolean(r->in_use));
	if (present)
		ctl_atr_format(r->atr, r->atr_len, atr, sizeof(atr));
	json_object_object_add(o, "atr", present ? json_object_new_string(atr) : NULL);
	json_object_object_add(o, "profile", r->profile ? json_text(r->profile->name) : NULL);
	json_object_object_add(o, "profile_id", r->profile ? json_text(r->profile->id) : NULL);
	json_object_object_add(o, "atr_label", r->pattern ? json_text(r->pattern->label) : NULL);
	json_object_object_add(o, "identified", json_object_new_string(
			!present ? "no card" : r->profile ? "known token" : "unknown card"));
	if (r->profile)
		family_json(o, r->profile, models, n_models);
	hint_text(present ? r->profile : NULL, false, scan, models, n_models, hint, sizeof(hint));
	json_object_object_add(o, "hint", hint[0] ? json_text(hint) : NULL);
	return o;
}

static json_object *usb_json(const ctl_usb_token *u, const ctl_pcsc_listing *scan,
			     const char *const *models, size_t n_models)
{
	json_object *o = json_object_new_object();
	char id[16], hint[512];

	if (!o)
		return NULL;
	snprintf(id, sizeof(id), "%04X:%04X", u->vendor, u->product);
	json_object_object_add(o, "device", json_text(u->device));
	json_object_object_add(o, "usb_id", json_object_new_string(id));
	json_object_object_add(o, "profile", json_text(u->profile->name));
	json_object_object_add(o, "profile_id", json_text(u->profile->id));
	json_object_object_add(o, "in_a_reader", json_object_new_boolean(in_a_reader(scan, u->profile)));
	family_json(o, u->profile, models, n_models);
	hint_text(u->profile, true, scan, models, n_models, hint, sizeof(hint));
	json_object_object_add(o, "hint", hint[0] ? json_text(hint) : NULL);
	return o;
}

static int render_json(json_object *jroot, const tokens_found *t, const char *const *models,
		       size_t n_models)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	json_object *usb = json_object_new_array();
	const ctl_pcsc_listing *scan = t->scan;
	const char *state = "ok", *message = NULL;

	if (!o || !arr || !usb) {
		json_object_put(o);
		json_object_put(arr);
		json_object_put(usb);
		msg_error("cannot build JSON output: out of memory");
		return EXIT_INTERNAL;
	}
	if (scan->state == CTL_PCSC_NO_SERVICE) {
		state = "no-service";
		message = MSG_NO_SERVICE;
	} else if (scan->state == CTL_PCSC_NO_READERS) {
		state = "no-readers";
		message = MSG_NO_READERS;
	}
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "service_running",
			       json_object_new_boolean(scan->state != CTL_PCSC_NO_SERVICE));
	json_object_object_add(o, "message", message ? json_object_new_string(message) : NULL);
	for (size_t i = 0; i < scan->n_readers; i++)
		json_object_array_add(arr, reader_json(&scan->readers[i], scan, models, n_models));
	json_object_object_add(o, "readers", arr);
	json_object_object_add(jroot, "pcsc", o);
	for (size_t i = 0; i < t->nusb; i++)
		json_object_array_add(usb, usb_json(&t->usb[i], scan, models, n_models));
	json_object_object_add(jroot, "usb", usb);
	return EXIT_OK;
}

static void render_text(FILE *out, const tokens_found *t, const char *const *models,
			size_t n_models)
{
	const ctl_pcsc_listing *scan = t->scan;
	char atr[3 * CTL_ATR_MAX + 1], hint[512], a[CTL_TEXT_ROOM(512)], b[CTL_TEXT_ROOM(400)];

	if (scan->state == CTL_PCSC_NO_SERVICE)
		fprintf(out, "PC/SC: " MSG_NO_SERVICE "\n");
	else if (scan->state == CTL_PCSC_NO_READERS)
		fprintf(out, "PC/SC: " MSG_NO_READERS "\n");
	else
		fprintf(out, "PC/SC readers:\n");
	for (size_t i = 0; i < scan->n_readers; i++) {
		const ctl_pcsc_reader *r = &scan->readers[i];

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
		else if (t->profiles)
			fprintf(out, "    token:    unknown card\n");
		else
			fprintf(out, "    token:    not identified (no token profiles loaded)\n");
		if (r->profile && r->profile->notes)
			fprintf(out, "    notes:    %s\n", ctl_text_safe(r->profile->notes, a, sizeof(a), 0));
		hint_text(r->profile, false, scan, models, n_models, hint, sizeof(hint));
		if (hint[0])
			fprintf(out, "    hint:     %s\n", ctl_text_safe(hint, a, sizeof(a), 0));
	}
	if (t->nusb)
		fprintf(out, "USB tokens (by USB id):\n");
	for (size_t i = 0; i < t->nusb; i++) {
		const ctl_usb_token *u = &t->usb[i];

		fprintf(out, "  %s: %s (%04X:%04X)%s\n", ctl_text_safe(u->device, b, sizeof(b), 0),
			ctl_text_safe(u->profile->name, a, sizeof(a), 0), u->vendor, u->product,
			in_a_reader(scan, u->profile) ? ", in a PC/SC reader above" : "");
		if (u->profile->notes)
			fprintf(out, "    notes:    %s\n", ctl_text_safe(u->profile->notes, a, sizeof(a), 0));
		hint_text(u->profile, true, scan, models, n_models, hint, sizeof(hint));
		if (hint[0])
			fprintf(out, "    hint:     %s\n", ctl_text_safe(hint, a, sizeof(a), 0));
	}
}

int tokens_pcsc_render(FILE *out, json_object *jroot, bool json, const tokens_found *found,
		       const char *const *present_token_models, size_t n_models)
{
	if (json)
		return render_json(jroot, found, present_token_models, n_models);
	render_text(out, found, present_token_models, n_models);
	return EXIT_OK;
}

int tokens_pcsc_section(FILE *out, json_object *jroot, bool json,
			const char *const *present_token_models, size_t n_models)
{
	ctl_profile_set *profiles = NULL;
	ctl_pcsc_listing scan;
	tokens_found found = {.scan = &scan};
	ctl_usb_token *usb = NULL;
	ctl_err perr, err;
	ctl_status pst;
	int rc;

	ctl_err_clear(&perr);
	ctl_err_clear(&err);
	/* A broken profile directory still lets us list the readers; the error
	 * is reported after the section so the listing is not lost. */
	pst = ctl_profiles_load_default(&profiles, &perr);
	if (ctl_pcsc_scan(profiles, &scan, &err) != CTL_OK ||
	    ctl_usb_scan(CTL_USB_SYSFS, profiles, &usb, &found.nusb, &err) != CTL_OK) {
		rc = report(NULL, &err);
		goto out;
	}
	found.usb = usb;
	found.profiles = profiles;
	rc = tokens_pcsc_render(out, jroot, json, &found, present_token_models, n_models);
	if (pst != CTL_OK) {
		int prc = report(NULL, &perr);

		if (rc == EXIT_OK)
			rc = prc;
	}
out:
	free(usb);
	ctl_pcsc_scan_free(&scan);
	ctl_profiles_free(profiles);
	return rc;
}
