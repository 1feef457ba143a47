/* mock-pkcs11.so: a PKCS#11 shim over SoftHSM that plays a real eToken's
 * failure modes. SoftHSM never locks a PIN, never reports FINAL_TRY and has
 * no PIN pad, so the lockout-safety and removal paths of ctlsign cannot be
 * tested against it alone. Every call is forwarded to the target module
 * (CTLSIGN_MOCK_TARGET, default SoftHSM); a few are altered as directed by
 * environment variables read on each call:
 *
 *   CTLSIGN_MOCK_FLAGS     count_low|final_try|locked|pin_pad|to_be_changed
 *   CTLSIGN_MOCK_ONLY      token label the flags/removal apply to (default all)
 *   CTLSIGN_MOCK_REMOVED=1 the token is gone (slot empty, CKR_TOKEN_NOT_PRESENT)
 *   CTLSIGN_MOCK_REMOVE_AFTER_LOGIN=1  signing after a login gets CKR_DEVICE_REMOVED
 *   CTLSIGN_MOCK_SIGN_FAIL=1|corrupt   C_Sign fails, or returns a damaged signature
 *   CTLSIGN_MOCK_NO_SHA_MECHS=1        hide CKM_SHA*_RSA_PKCS
 *   CTLSIGN_MOCK_PINPAD_PIN  the PIN "typed on the reader" for pin_pad
 *   CTLSIGN_MOCK_LOGIN_LOG   append "C_Login token=<label> pin=<yes|no> rv=0x.." per call
 *   CTLSIGN_MOCK_TOKENINFO_LOG append "C_GetTokenInfo token=<label>" per call
 *   CTLSIGN_MOCK_RELABEL=1   C_GetTokenInfo names the token "relabelled" from its
 *                            second call on (per slot): a module showing one
 *                            caller another token than it showed the first
 *   CTLSIGN_MOCK_SIGN_LOG    append "C_SignInit mech=0x.. rv=0x.." per call
 *   CTLSIGN_MOCK_ATTR_LOG    append "C_GetAttributeValue attrs=N rv=0x.." per call:
 *                            each call is a round trip to a real token
 *   CTLSIGN_MOCK_SELF_LOG    append, after C_Login, at C_Sign and at C_Finalize,
 *                            "CALL dumpable=N" and "CALL environ:" followed by
 *                            /proc/self/environ (one variable per line): what a
 *                            core file or a peer would see of the process then
 *   CTLSIGN_MOCK_ABORT_IN_SIGN=1      C_Sign calls abort() (a crash after login)
 *   CTLSIGN_MOCK_SESSION_LOG append "C_OpenSession slot=0x.. rv=0x.." and
 *                            "C_CloseSession h=0x.. rv=0x.." per call
 *   CTLSIGN_MOCK_MANY_MECHS=N  C_GetMechanismList lists N vendor-defined
 *                            mechanisms after the module's own
 *   CTLSIGN_MOCK_FIND_SORTED=1  C_FindObjects hands out its matches sorted by
 *                            CKA_ID (bytewise, like strings), at most as
 *                            many as asked for per call, so a test decides
 *                            which objects come first
 *
 * Like a real token, final_try turns into locked after one more wrong PIN,
 * and a locked token refuses C_Login without looking at the PIN. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/prctl.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST *target;
static CK_FUNCTION_LIST mock_list;
static void *target_handle;
/* Set once a final-try login failed: the token is now locked for good. */
static bool locked_now;
static bool logged_in;

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static bool has_flag(const char *name)
{
	const char *f = env("CTLSIGN_MOCK_FLAGS");
	size_t n = strlen(name);

	while (f && *f) {
		size_t len = strcspn(f, "|,");

		if (len == n && !strncmp(f, name, n))
			return true;
		f += len;
		f += strspn(f, "|,");
	}
	return false;
}

static void label_of(const CK_TOKEN_INFO *ti, char out[33])
{
	size_t n = sizeof(ti->label);

	memcpy(out, ti->label, n);
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* Does the misbehaviour apply to this slot's token? */
static bool applies(CK_SLOT_ID slot)
{
	const char *only = env("CTLSIGN_MOCK_ONLY");
	CK_TOKEN_INFO ti;
	char label[33];

	if (!only)
		return true;
	if (target->C_GetTokenInfo(slot, &ti) != CKR_OK)
		return false;
	label_of(&ti, label);
	return !strcmp(label, only);
}

static bool session_slot(CK_SESSION_HANDLE h, CK_SLOT_ID *slot)
{
	CK_SESSION_INFO si;

	if (target->C_GetSessionInfo(h, &si) != CKR_OK)
		return false;
	*slot = si.slotID;
	return true;
}

static bool removed(CK_SLOT_ID slot)
{
	return env("CTLSIGN_MOCK_REMOVED") && applies(slot);
}

static void log_line(const char *var, const char *fmt, const char *s, unsigned long a,
		     unsigned long b)
{
	const char *path = env(var);
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, fmt, s, a, b);
	fclose(f);
}

static void self_log(const char *call)
{
	const char *path = env("CTLSIGN_MOCK_SELF_LOG");
	FILE *f, *e;
	int c;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, "%s dumpable=%d\n%s environ:\n", call, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), call);
	if ((e = fopen("/proc/self/environ", "r"))) {
		while ((c = fgetc(e)) != EOF)
			fputc(c ? c : '\n', f);
		fclose(e);
	}
	fclose(f);
}

/* Hand back the ids of all[] that drop() does not remove, with PKCS#11's
 * two-call convention (list NULL: only the count). Slot ids and mechanism
 * types are both CK_ULONG. */
static CK_RV keep_ids(const CK_ULONG *all, CK_ULONG n, bool (*drop)(CK_ULONG),
		      CK_ULONG *list, CK_ULONG *count)
{
	CK_ULONG kept = 0;
	CK_RV rv = CKR_OK;

	for (CK_ULONG i = 0; i < n; i++) {
		if (drop(all[i]))
			continue;
		if (list && kept < *count)
			list[kept] = all[i];
		kept++;
	}
	if (list && kept > *count)
		rv = CKR_BUFFER_TOO_SMALL;
	*count = kept;
	return rv;
}

static CK_RV mock_GetSlotList(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count)
{
	CK_SLOT_ID *all = NULL;
	CK_ULONG n = 0;
	CK_RV rv;

	if (!present || !env("CTLSIGN_MOCK_REMOVED"))
		return target->C_GetSlotList(present, list, count);
	if (!count)
		return CKR_ARGUMENTS_BAD;
	rv = target->C_GetSlotList(present, NULL, &n);
	if (rv != CKR_OK)
		return rv;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return CKR_HOST_MEMORY;
	rv = target->C_GetSlotList(present, all, &n);
	if (rv == CKR_OK)
		rv = keep_ids(all, n, removed, list, count);
	free(all);
	return rv;
}

static CK_RV mock_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO *info)
{
	CK_RV rv = target->C_GetSlotInfo(slot, info);

	if (rv == CKR_OK && removed(slot))
		info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
	return rv;
}

/* Calls of C_GetTokenInfo so far, per slot (CTLSIGN_MOCK_RELABEL). */
static struct {
	CK_SLOT_ID slot;
	unsigned calls;
} seen[16];

static unsigned tokeninfo_calls(CK_SLOT_ID slot)
{
	size_t i;

	for (i = 0; i < sizeof(seen) / sizeof(seen[0]) && seen[i].calls && seen[i].slot != slot; i++)
		;
	if (i == sizeof(seen) / sizeof(seen[0]))
		return 0;
	seen[i].slot = slot;
	return seen[i].calls++;
}

static CK_RV mock_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO *info)
{
	CK_RV rv;
	char label[33];

	if (removed(slot))
		return CKR_TOKEN_NOT_PRESENT;
	rv = target->C_GetTokenInfo(slot, info);
	if (rv == CKR_OK) {
		label_of(info, label);
		log_line("CTLSIGN_MOCK_TOKENINFO_LOG", "C_GetTokenInfo token=%s\n", label, 0,
			 0);
	}
	if (rv != CKR_OK || !applies(slot))
		return rv;
	if (env("CTLSIGN_MOCK_RELABEL") && tokeninfo_calls(slot) > 0) {
		memset(info->label, ' ', sizeof(info->label));
		memcpy(info->label, "relabelled", 10);
	}
	if (has_flag("count_low"))
		info->flags |= CKF_USER_PIN_COUNT_LOW;
	if (has_flag("final_try") && !locked_now)
		info->flags |= CKF_USER_PIN_FINAL_TRY;
	if (has_flag("locked") || locked_now)
		info->flags |= CKF_USER_PIN_LOCKED;
	if (has_flag("to_be_changed"))
		info->flags |= CKF_USER_PIN_TO_BE_CHANGED;
	if (has_flag("pin_pad"))
		info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	return rv;
}

static CK_RV mock_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify,
			      CK_SESSION_HANDLE *h)
{
	CK_RV rv = removed(slot) ? CKR_TOKEN_NOT_PRESENT
				 : target->C_OpenSession(slot, flags, app, notify, h);

	log_line("CTLSIGN_MOCK_SESSION_LOG", "C_OpenSession%s slot=0x%lx rv=0x%lx\n", "", slot, rv);
	return rv;
}

static CK_RV mock_CloseSession(CK_SESSION_HANDLE h)
{
	CK_RV rv = target->C_CloseSession(h);

	log_line("CTLSIGN_MOCK_SESSION_LOG", "C_CloseSession%s h=0x%lx rv=0x%lx\n", "", h, rv);
	return rv;
}

static CK_RV mock_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG len)
{
	CK_SLOT_ID slot = 0;
	CK_TOKEN_INFO ti;
	char label[33] = "?";
	bool on = session_slot(h, &slot) && applies(slot);
	bool had_pin = pin != NULL;
	CK_RV rv;

	if (target->C_GetTokenInfo(slot, &ti) == CKR_OK)
		label_of(&ti, label);
	if (on && (has_flag("locked") || locked_now)) {
		rv = CKR_PIN_LOCKED;
	} else if (on && has_flag("pin_pad") && !pin) {
		const char *padpin = env("CTLSIGN_MOCK_PINPAD_PIN");

		rv = padpin ? target->C_Login(h, user, (CK_UTF8CHAR *)padpin, strlen(padpin))
			    : CKR_PIN_INCORRECT;
	} else {
		rv = target->C_Login(h, user, pin, len);
	}
	if (on && rv == CKR_PIN_INCORRECT && has_flag("final_try"))
		locked_now = true;
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		logged_in = true;
	log_line("CTLSIGN_MOCK_LOGIN_LOG", "C_Login token=%s pin=%lu rv=0x%lx\n", label,
		 had_pin ? 1ul : 0ul, rv);
	self_log("C_Login");
	return rv;
}

static bool hidden_mech(CK_MECHANISM_TYPE m)
{
	if (!env("CTLSIGN_MOCK_NO_SHA_MECHS"))
		return false;
	return m == CKM_SHA1_RSA_PKCS || m == CKM_SHA224_RSA_PKCS || m == CKM_SHA256_RSA_PKCS ||
	       m == CKM_SHA384_RSA_PKCS || m == CKM_SHA512_RSA_PKCS;
}

static CK_RV mock_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE *list, CK_ULONG *count)
{
	const char *many = env("CTLSIGN_MOCK_MANY_MECHS");
	CK_ULONG extra = many ? strtoul(many, NULL, 10) : 0;
	CK_MECHANISM_TYPE *all = NULL;
	CK_ULONG n = 0;
	CK_RV rv;

	if (!env("CTLSIGN_MOCK_NO_SHA_MECHS") && !extra)
		return target->C_GetMechanismList(slot, list, count);
	if (!count)
		return CKR_ARGUMENTS_BAD;
	rv = target->C_GetMechanismList(slot, NULL, &n);
	if (rv != CKR_OK)
		return rv;
	all = calloc(n + extra ? n + extra : 1, sizeof(*all));
	if (!all)
		return CKR_HOST_MEMORY;
	rv = target->C_GetMechanismList(slot, all, &n);
	for (CK_ULONG i = 0; i < extra; i++)
		all[n + i] = CKM_VENDOR_DEFINED + i;
	if (rv == CKR_OK)
		rv = keep_ids(all, n + extra, hidden_mech, list, count);
	free(all);
	return rv;
}

static CK_RV mock_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE m, CK_MECHANISM_INFO *info)
{
	if (hidden_mech(m))
		return CKR_MECHANISM_INVALID;
	return target->C_GetMechanismInfo(slot, m, info);
}

static bool gone_after_login(CK_SESSION_HANDLE h)
{
	CK_SLOT_ID slot;

	return logged_in && env("CTLSIGN_MOCK_REMOVE_AFTER_LOGIN") && session_slot(h, &slot) &&
	       applies(slot);
}

static CK_RV mock_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM *mech, CK_OBJECT_HANDLE key)
{
	CK_RV rv;

	if (gone_after_login(h))
		rv = CKR_DEVICE_REMOVED;
	else if (mech && hidden_mech(mech->mechanism))
		rv = CKR_MECHANISM_INVALID;
	else
		rv = target->C_SignInit(h, mech, key);
	log_line("CTLSIGN_MOCK_SIGN_LOG", "C_SignInit%s mech=0x%lx rv=0x%lx\n", "",
		 mech ? mech->mechanism : 0ul, rv);
	return rv;
}

static CK_RV mock_Sign(CK_SESSION_HANDLE h, CK_BYTE *data, CK_ULONG len, CK_BYTE *sig,
		       CK_ULONG *siglen)
{
	const char *fail = env("CTLSIGN_MOCK_SIGN_FAIL");
	CK_RV rv;

	self_log("C_Sign");
	if (env("CTLSIGN_MOCK_ABORT_IN_SIGN"))
		abort();
	if (gone_after_login(h))
		return CKR_DEVICE_REMOVED;
	if (fail && strcmp(fail, "corrupt")) {
		/* A real failure also ends the operation: let the target finish it. */
		if (sig) {
			CK_BYTE junk[1024];
			CK_ULONG n = sizeof(junk);

			target->C_Sign(h, data, len, junk, &n);
		}
		return CKR_FUNCTION_FAILED;
	}
	rv = target->C_Sign(h, data, len, sig, siglen);
	if (rv == CKR_OK && sig && fail && siglen && *siglen > 0)
		sig[*siglen / 2] ^= 0x5a;
	return rv;
}

/* CTLSIGN_MOCK_FIND_SORTED: the matches of the one search in progress. */
static struct {
	bool active;
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE *objs;
	CK_BYTE (*ids)[64];
	CK_ULONG *idlen;
	CK_ULONG n, next;
} found;

static int by_id(const void *a, const void *b)
{
	CK_ULONG i = *(const CK_ULONG *)a, j = *(const CK_ULONG *)b;
	CK_ULONG n = found.idlen[i] < found.idlen[j] ? found.idlen[i] : found.idlen[j];
	int c = memcmp(found.ids[i], found.ids[j], n);

	if (c || found.idlen[i] == found.idlen[j])
		return c;
	return found.idlen[i] < found.idlen[j] ? -1 : 1;
}

static void found_clear(void)
{
	free(found.objs);
	free(found.ids);
	free(found.idlen);
	memset(&found, 0, sizeof(found));
}

static CK_RV mock_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	CK_OBJECT_HANDLE batch[16], *objs;
	CK_ULONG got = 0, *order;
	CK_RV rv = target->C_FindObjectsInit(h, tmpl, n);

	if (rv != CKR_OK || !env("CTLSIGN_MOCK_FIND_SORTED"))
		return rv;
	found_clear();
	do {
		rv = target->C_FindObjects(h, batch, 16, &got);
		if (rv != CKR_OK)
			break;
		objs = realloc(found.objs, (found.n + got + 1) * sizeof(*objs));
		if (!objs) {
			rv = CKR_HOST_MEMORY;
			break;
		}
		found.objs = objs;
		memcpy(found.objs + found.n, batch, got * sizeof(*batch));
		found.n += got;
	} while (got > 0);
	target->C_FindObjectsFinal(h);
	if (rv == CKR_OK && found.n) {
		found.ids = calloc(found.n, sizeof(*found.ids));
		found.idlen = calloc(found.n, sizeof(*found.idlen));
		order = calloc(found.n, sizeof(*order));
		objs = calloc(found.n, sizeof(*objs));
		if (!found.ids || !found.idlen || !order || !objs) {
			free(order);
			free(objs);
			found_clear();
			return CKR_HOST_MEMORY;
		}
		for (CK_ULONG i = 0; i < found.n; i++) {
			CK_ATTRIBUTE a = {CKA_ID, found.ids[i], sizeof(found.ids[i])};

			order[i] = i;
			if (target->C_GetAttributeValue(h, found.objs[i], &a, 1) == CKR_OK &&
			    a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
				found.idlen[i] = a.ulValueLen;
		}
		qsort(order, found.n, sizeof(*order), by_id);
		for (CK_ULONG i = 0; i < found.n; i++)
			objs[i] = found.objs[order[i]];
		free(found.objs);
		free(order);
		found.objs = objs;
	}
	if (rv != CKR_OK) {
		found_clear();
		return rv;
	}
	found.active = true;
	found.h = h;
	return CKR_OK;
}

static CK_RV mock_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE *objs, CK_ULONG max,
			      CK_ULONG *count)
{
	if (!found.active || found.h != h)
		return target->C_FindObjects(h, objs, max, count);
	if (!objs || !count)
		return CKR_ARGUMENTS_BAD;
	*count = 0;
	while (*count < max && found.next < found.n)
		objs[(*count)++] = found.objs[found.next++];
	return CKR_OK;
}

static CK_RV mock_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	if (!found.active || found.h != h)
		return target->C_FindObjectsFinal(h);
	found_clear();
	return CKR_OK;
}

static CK_RV mock_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE *a,
				    CK_ULONG n)
{
	CK_RV rv = target->C_GetAttributeValue(h, o, a, n);

	log_line("CTLSIGN_MOCK_ATTR_LOG", "C_GetAttributeValue%s attrs=%lu rv=0x%lx\n", "", n, rv);
	return rv;
}

static CK_RV mock_Finalize(void *reserved)
{
	self_log("C_Finalize");
	return target->C_Finalize(reserved);
}

static CK_RV mock_GetFunctionList(CK_FUNCTION_LIST **out);

static bool load_target(void)
{
	const char *path = env("CTLSIGN_MOCK_TARGET");
	CK_C_GetFunctionList get;

	if (target)
		return true;
	if (!path)
		path = "/usr/lib/softhsm/libsofthsm2.so";
	target_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!target_handle)
		return false;
	*(void **)&get = dlsym(target_handle, "C_GetFunctionList");
	if (!get || get(&target) != CKR_OK || !target) {
		target = NULL;
		return false;
	}
	mock_list = *target;
	mock_list.C_GetFunctionList = mock_GetFunctionList;
	mock_list.C_Finalize = mock_Finalize;
	mock_list.C_GetAttributeValue = mock_GetAttributeValue;
	mock_list.C_FindObjectsInit = mock_FindObjectsInit;
	mock_list.C_FindObjects = mock_FindObjects;
	mock_list.C_FindObjectsFinal = mock_FindObjectsFinal;
	mock_list.C_GetSlotList = mock_GetSlotList;
	mock_list.C_GetSlotInfo = mock_GetSlotInfo;
	mock_list.C_GetTokenInfo = mock_GetTokenInfo;
	mock_list.C_OpenSession = mock_OpenSession;
	mock_list.C_CloseSession = mock_CloseSession;
	mock_list.C_Login = mock_Login;
	mock_list.C_GetMechanismList = mock_GetMechanismList;
	mock_list.C_GetMechanismInfo = mock_GetMechanismInfo;
	mock_list.C_SignInit = mock_SignInit;
	mock_list.C_Sign = mock_Sign;
	return true;
}

static CK_RV mock_GetFunctionList(CK_FUNCTION_LIST **out)
{
	if (!out)
		return CKR_ARGUMENTS_BAD;
	if (!load_target())
		return CKR_GENERAL_ERROR;
	*out = &mock_list;
	return CKR_OK;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **out)
{
	return mock_GetFunctionList(out);
}
