/* RFC 7512 PKCS#11 URIs, over p11-kit: p11-kit does the parsing, matching
 * and formatting; this file only narrows it to what ctlsign supports and
 * turns failures into ctl_err. (The module registry: registry.c; CKR code
 * names: ckr.c.) */
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

struct ctl_token_uri {
	P11KitUri *p;
	bool has_type;
	CK_OBJECT_CLASS cls;
};

static const char *const path_attrs[] = {
	"token", "serial", "manufacturer", "model", "id", "object", "type",
};
static const char *const query_attrs[] = {"module-path", "pin-source"};

static bool in_list(const char *name, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !strncmp(name, list[i], n))
			return true;
	return false;
}

/* p11-kit silently accepts (and then never matches) attributes it does not
 * know, and knows some ctlsign does not support (slot-id is unstable, for
 * one). Name the offending attribute so the user can fix the URI. */
static ctl_status check_names(const char *s, ctl_err *err)
{
	const char *p = s + strlen("pkcs11:");
	bool query = false;

	while (*p) {
		size_t n = strcspn(p, "=;?&");
		const char *const *list = query ? query_attrs : path_attrs;
		size_t count = query ? sizeof(query_attrs) / sizeof(query_attrs[0])
				     : sizeof(path_attrs) / sizeof(path_attrs[0]);

		if (n > 0) {
			if (query && n == 9 && !strncmp(p, "pin-value", 9))
				return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
						   "a PIN inside the URI (pin-value) is not accepted; "
						   "use pin-source=file:PATH, --pin-source or --pin-env");
			if (!in_list(p, n, list, count))
				return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
						   "unsupported %s attribute `%.*s' in PKCS#11 URI "
						   "(supported: token, serial, manufacturer, model, id, "
						   "object, type; queries module-path, pin-source)",
						   query ? "query" : "path", (int)n, p);
		}
		/* '?' and '=' may appear inside query values; '&' may not. */
		p += query ? strcspn(p, "&") : strcspn(p, ";?");
		if (*p == '?')
			query = true;
		if (*p)
			p++;
	}
	return CTL_OK;
}

ctl_status ctl_token_uri_parse(const char *s, ctl_token_uri **out, ctl_err *err)
{
	ctl_token_uri *u = NULL;
	CK_ATTRIBUTE *cls;
	ctl_status st = CTL_OK;
	int r;

	*out = NULL;
	if (!s || strncmp(s, "pkcs11:", 7)) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "`%s' is not a PKCS#11 URI (it must start with `pkcs11:')",
				 s ? s : "");
		goto out;
	}
	if ((st = check_names(s, err)) != CTL_OK)
		goto out;
	if (!(u = calloc(1, sizeof(*u))) || !(u->p = p11_kit_uri_new())) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	r = p11_kit_uri_parse(s, P11_KIT_URI_FOR_ANY, u->p);
	if (r != P11_KIT_URI_OK) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "bad PKCS#11 URI `%s': %s", s,
				 p11_kit_uri_message(r));
		goto out;
	}
	if (p11_kit_uri_any_unrecognized(u->p)) {
		st = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "PKCS#11 URI `%s' has an attribute p11-kit does not understand", s);
		goto out;
	}
	cls = p11_kit_uri_get_attribute(u->p, CKA_CLASS);
	if (cls && cls->pValue && cls->ulValueLen == sizeof(CK_OBJECT_CLASS)) {
		u->has_type = true;
		memcpy(&u->cls, cls->pValue, sizeof(u->cls));
	}
	*out = u;
	u = NULL;
out:
	ctl_token_uri_free(u);
	return st;
}

void ctl_token_uri_free(ctl_token_uri *u)
{
	if (!u)
		return;
	if (u->p)
		p11_kit_uri_free(u->p);
	free(u);
}

const char *ctl_token_uri_module_path(const ctl_token_uri *u)
{
	return p11_kit_uri_get_module_path(u->p);
}

const char *ctl_token_uri_pin_source(const ctl_token_uri *u)
{
	return p11_kit_uri_get_pin_source(u->p);
}

/* PKCS#11 strings are fixed-size and blank-padded, never NUL-terminated. */
static void pad(unsigned char *dst, size_t n, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	memset(dst, ' ', n);
	if (s)
		memcpy(dst, s, len < n ? len : n);
}

static void token_info_of(const ctl_token_info *t, CK_TOKEN_INFO *ti)
{
	memset(ti, 0, sizeof(*ti));
	pad(ti->label, sizeof(ti->label), t->label);
	pad(ti->manufacturerID, sizeof(ti->manufacturerID), t->manufacturer);
	pad(ti->model, sizeof(ti->model), t->model);
	pad(ti->serialNumber, sizeof(ti->serialNumber), t->serial);
}

bool ctl_token_uri_match_token(const ctl_token_uri *u, const ctl_token_info *t)
{
	CK_TOKEN_INFO ti;

	token_info_of(t, &ti);
	return p11_kit_uri_match_token_info(u->p, &ti) == 1;
}

static bool class_of(const char *type, CK_OBJECT_CLASS *cls)
{
	static const struct {
		const char *name;
		CK_OBJECT_CLASS cls;
	} types[] = {
		{"private", CKO_PRIVATE_KEY}, {"public", CKO_PUBLIC_KEY},
		{"cert", CKO_CERTIFICATE},    {"data", CKO_DATA},
		{"secret-key", CKO_SECRET_KEY},
	};

	for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i].name)) {
			*cls = types[i].cls;
			return true;
		}
	return false;
}

const char *ctl_token_uri_type(const ctl_token_uri *u)
{
	static const char *const names[] = {"data", "cert", "public", "private", "secret-key"};

	if (!u->has_type)
		return NULL;
	return u->cls < sizeof(names) / sizeof(names[0]) ? names[u->cls] : "unknown";
}

bool ctl_token_uri_match_object(const ctl_token_uri *u, const uint8_t *id, size_t id_len,
				const char *label, const char *type)
{
	CK_OBJECT_CLASS cls;
	CK_ATTRIBUTE attrs[2] = {
		{CKA_ID, (void *)id, id_len},
		{CKA_LABEL, (void *)label, label ? strlen(label) : 0},
	};

	if (type && u->has_type && (!class_of(type, &cls) || cls != u->cls))
		return false;
	return p11_kit_uri_match_attributes(u->p, attrs, 2) == 1;
}

char *ctl_token_uri_format(const ctl_token_info *t, const uint8_t *id, size_t id_len,
			   const char *object, const char *type, const char *module_path)
{
	P11KitUri *p = p11_kit_uri_new();
	CK_TOKEN_INFO *ti;
	CK_OBJECT_CLASS cls;
	P11KitUriType what = P11_KIT_URI_FOR_TOKEN;
	char *s = NULL;

	if (!p)
		return NULL;
	ti = p11_kit_uri_get_token_info(p);
	token_info_of(t, ti);
	if (type) {
		CK_ATTRIBUTE a_id = {CKA_ID, (void *)id, id_len};
		CK_ATTRIBUTE a_label = {CKA_LABEL, (void *)object, object ? strlen(object) : 0};
		CK_ATTRIBUTE a_cls = {CKA_CLASS, &cls, sizeof(cls)};

		what = P11_KIT_URI_FOR_OBJECT_ON_TOKEN;
		if (id && id_len)
			p11_kit_uri_set_attribute(p, &a_id);
		if (object && *object)
			p11_kit_uri_set_attribute(p, &a_label);
		if (class_of(type, &cls))
			p11_kit_uri_set_attribute(p, &a_cls);
	}
	if (module_path)
		p11_kit_uri_set_module_path(p, module_path);
	if (p11_kit_uri_format(p, what, &s) != P11_KIT_URI_OK)
		s = NULL;
	p11_kit_uri_free(p);
	return s;
}
