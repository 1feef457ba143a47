/* The p11-kit side of token access: RFC 7512 URIs, the module registry and
 * CKR code names. p11-kit does the parsing, matching and formatting; this file
 * only narrows it to what ctlsign supports and turns failures into ctl_err. */
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

void ctl_token_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

ctl_status ctl_token_registry(char ***paths, char ***names, size_t *n,
			      char *load_error, size_t load_error_sz, ctl_err *err)
{
	CK_FUNCTION_LIST **mods;
	char **p = NULL, **nm = NULL;
	size_t count = 0, k = 0;
	const char *msg;
	ctl_status st = CTL_OK;

	*paths = *names = NULL;
	*n = 0;
	load_error[0] = '\0';
	/* p11-kit would print its complaints to stderr; core code must not. */
	p11_kit_be_quiet();
	/* Unmanaged: only dlopen, so each module is initialised once, later,
	 * by the token backend, and nothing is proxied. */
	mods = p11_kit_modules_load(NULL, P11_KIT_MODULE_UNMANAGED);
	msg = p11_kit_message();
	if (msg)
		snprintf(load_error, load_error_sz, "%s", msg);
	if (!mods) {
		st = ctl_err_set(err, CTL_E_TOKEN, -1, -1, -1,
				 "cannot load the PKCS#11 modules registered with p11-kit: %s",
				 msg ? msg : "unknown error");
		goto out;
	}
	while (mods[count])
		count++;
	if (!(p = calloc(count + 1, sizeof(*p))) || !(nm = calloc(count + 1, sizeof(*nm)))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		char *trust = p11_kit_config_option(mods[i], "trust-policy");
		bool skip = trust && (!strcmp(trust, "yes") || !strcmp(trust, "true"));

		free(trust);
		if (skip)
			continue;
		p[k] = p11_kit_module_get_filename(mods[i]);
		nm[k] = p11_kit_module_get_name(mods[i]);
		if (!p[k]) {
			free(nm[k]);
			nm[k] = NULL;
			continue;
		}
		k++;
	}
	*paths = p;
	*names = nm;
	*n = k;
	p = nm = NULL;
out:
	ctl_token_strv_free(p, count);
	ctl_token_strv_free(nm, count);
	if (mods)
		p11_kit_modules_release(mods);
	return st;
}

/* Names of the CKR codes a signing tool meets; p11_kit_strerror gives the
 * text but not the symbol. */
static const struct {
	unsigned long rv;
	const char *name;
} ckr_names[] = {
	{CKR_OK, "CKR_OK"},
	{CKR_CANCEL, "CKR_CANCEL"},
	{CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
	{CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
	{CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
	{CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
	{CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
	{CKR_CANT_LOCK, "CKR_CANT_LOCK"},
	{CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
	{CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
	{CKR_DATA_INVALID, "CKR_DATA_INVALID"},
	{CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
	{CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
	{CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
	{CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
	{CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED"},
	{CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
	{CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
	{CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE"},
	{CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
	{CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
	{CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
	{CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
	{CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
	{CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
	{CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
	{CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
	{CKR_PIN_INVALID, "CKR_PIN_INVALID"},
	{CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
	{CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
	{CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
	{CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
	{CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
	{CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
	{CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY"},
	{CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
	{CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
	{CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
	{CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
	{CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
	{CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"},
	{CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
	{CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
	{CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
	{CKR_FUNCTION_REJECTED, "CKR_FUNCTION_REJECTED"},
};

const char *ctl_ckr_describe(unsigned long rv, char *buf, size_t n)
{
	const char *name = "CKR_VENDOR_DEFINED";

	if (rv < CKR_VENDOR_DEFINED)
		name = "CKR_UNKNOWN";
	for (size_t i = 0; i < sizeof(ckr_names) / sizeof(ckr_names[0]); i++)
		if (ckr_names[i].rv == rv)
			name = ckr_names[i].name;
	snprintf(buf, n, "%s (0x%lx): %s", name, rv, p11_kit_strerror(rv));
	return buf;
}

ctl_status ctl_ckr_status(unsigned long rv)
{
	switch (rv) {
	case CKR_OK:
		return CTL_OK;
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_DEVICE_REMOVED:
	case CKR_SESSION_CLOSED:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_TOKEN_NOT_RECOGNIZED:
		return CTL_E_NOTOKEN;
	case CKR_HOST_MEMORY:
		return CTL_E_INTERNAL;
	default:
		return CTL_E_TOKEN;
	}
}
