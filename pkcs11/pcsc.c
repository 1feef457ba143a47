#include "pcsc.h"

#include "util.h"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <stdlib.h>
#include <string.h>

/* The SCARD_E_* names users will search for; pcsc_stringify_error gives the
 * prose. */
static const struct {
	LONG rv;
	const char *name;
} scard_names[] = {
	{(LONG)SCARD_E_NO_SERVICE, "SCARD_E_NO_SERVICE"},
	{(LONG)SCARD_E_SERVICE_STOPPED, "SCARD_E_SERVICE_STOPPED"},
	{(LONG)SCARD_E_NO_READERS_AVAILABLE, "SCARD_E_NO_READERS_AVAILABLE"},
	{(LONG)SCARD_E_UNKNOWN_READER, "SCARD_E_UNKNOWN_READER"},
	{(LONG)SCARD_E_TIMEOUT, "SCARD_E_TIMEOUT"},
	{(LONG)SCARD_E_NO_MEMORY, "SCARD_E_NO_MEMORY"},
	{(LONG)SCARD_E_INVALID_HANDLE, "SCARD_E_INVALID_HANDLE"},
	{(LONG)SCARD_E_INVALID_PARAMETER, "SCARD_E_INVALID_PARAMETER"},
	{(LONG)SCARD_E_INVALID_VALUE, "SCARD_E_INVALID_VALUE"},
	{(LONG)SCARD_E_INSUFFICIENT_BUFFER, "SCARD_E_INSUFFICIENT_BUFFER"},
	{(LONG)SCARD_E_NO_ACCESS, "SCARD_E_NO_ACCESS"},
	{(LONG)SCARD_F_INTERNAL_ERROR, "SCARD_F_INTERNAL_ERROR"},
	{(LONG)SCARD_F_COMM_ERROR, "SCARD_F_COMM_ERROR"},
};

static const char *scard_name(LONG rv)
{
	for (size_t i = 0; i < sizeof(scard_names) / sizeof(scard_names[0]); i++)
		if (scard_names[i].rv == rv)
			return scard_names[i].name;
	return "SCARD error";
}

static ctl_status scard_fail(ctl_err *err, LONG rv, const char *what)
{
	return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "PC/SC %s: %s (0x%08lX): %s",
			   what, scard_name(rv), (unsigned long)(DWORD)rv,
			   pcsc_stringify_error(rv));
}

static bool service_gone(LONG rv)
{
	return rv == (LONG)SCARD_E_NO_SERVICE || rv == (LONG)SCARD_E_SERVICE_STOPPED;
}

const char *ctl_atr_format(const unsigned char *atr, size_t len, char *buf, size_t n)
{
	return ctl_hex_encode(atr, len, ' ', true, buf, n);
}

bool ctl_pcsc_family_visible(const ctl_profile *profile,
			     const char *const *present_token_models, size_t n_models)
{
	if (!profile)
		return false;
	for (size_t i = 0; i < n_models; i++)
		if (ctl_profile_claims_pkcs11_string(profile, present_token_models[i]))
			return true;
	return false;
}

static void read_state(ctl_pcsc_reader *r, const SCARD_READERSTATE *rs,
		       const ctl_profile_set *profiles)
{
	DWORD ev = rs->dwEventState;

	r->in_use = (ev & (SCARD_STATE_INUSE | SCARD_STATE_EXCLUSIVE)) != 0;
	if (ev & (SCARD_STATE_UNAVAILABLE | SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) {
		r->card = CTL_CARD_UNAVAILABLE;
	} else if (ev & SCARD_STATE_PRESENT) {
		/* A mute card still reports PRESENT; without an ATR there is
		 * nothing to identify. */
		if ((ev & SCARD_STATE_MUTE) || rs->cbAtr == 0 || rs->cbAtr > CTL_ATR_MAX) {
			r->card = CTL_CARD_MUTE;
		} else {
			r->card = CTL_CARD_PRESENT;
			r->atr_len = rs->cbAtr;
			memcpy(r->atr, rs->rgbAtr, rs->cbAtr);
			r->profile = ctl_profiles_match_atr(profiles, r->atr, r->atr_len,
							    &r->pattern);
		}
	} else {
		r->card = CTL_CARD_ABSENT;
	}
}

ctl_status ctl_pcsc_scan(const ctl_profile_set *profiles,
			 ctl_pcsc_listing *scan, ctl_err *err)
{
	SCARDCONTEXT ctx = 0;
	bool have_ctx = false;
	LPSTR names = NULL;
	DWORD names_len = SCARD_AUTOALLOCATE;
	size_t count = 0;
	ctl_status st = CTL_OK;
	LONG rv;

	memset(scan, 0, sizeof(*scan));
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (service_gone(rv)) {
		scan->state = CTL_PCSC_NO_SERVICE;
		scan->rv = rv;
		goto out;
	}
	if (rv != SCARD_S_SUCCESS) {
		st = scard_fail(err, rv, "SCardEstablishContext");
		goto out;
	}
	have_ctx = true;
	rv = SCardListReaders(ctx, NULL, (LPSTR)&names, &names_len);
	if (rv == (LONG)SCARD_E_NO_READERS_AVAILABLE || service_gone(rv)) {
		scan->state = service_gone(rv) ? CTL_PCSC_NO_SERVICE : CTL_PCSC_NO_READERS;
		scan->rv = rv;
		goto out;
	}
	if (rv != SCARD_S_SUCCESS) {
		st = scard_fail(err, rv, "SCardListReaders");
		goto out;
	}
	/* A multi-string: names separated by NUL, ended by an empty one. */
	for (const char *p = names; p < names + names_len && *p; p += strlen(p) + 1)
		count++;
	if (!count) {
		scan->state = CTL_PCSC_NO_READERS;
		scan->rv = (LONG)SCARD_E_NO_READERS_AVAILABLE;
		goto out;
	}
	scan->readers = calloc(count, sizeof(*scan->readers));
	if (!scan->readers) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (const char *p = names; p < names + names_len && *p; p += strlen(p) + 1) {
		ctl_pcsc_reader *r = &scan->readers[scan->n_readers];
		SCARD_READERSTATE rs;

		/* One reader per call: UNAWARE makes it return at once with the
		 * current state, and a reader unplugged meanwhile only drops
		 * itself. */
		memset(&rs, 0, sizeof(rs));
		rs.szReader = p;
		rs.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(ctx, 0, &rs, 1);
		if (rv == (LONG)SCARD_E_UNKNOWN_READER)
			continue;
		if (service_gone(rv)) {
			ctl_pcsc_scan_free(scan);
			scan->state = CTL_PCSC_NO_SERVICE;
			scan->rv = rv;
			goto out;
		}
		if (rv != SCARD_S_SUCCESS && rv != (LONG)SCARD_E_TIMEOUT) {
			st = scard_fail(err, rv, "SCardGetStatusChange");
			goto out;
		}
		r->name = strdup(p);
		if (!r->name) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		scan->n_readers++;
		read_state(r, &rs, profiles);
	}
	if (!scan->n_readers) {
		scan->state = CTL_PCSC_NO_READERS;
		scan->rv = (LONG)SCARD_E_NO_READERS_AVAILABLE;
	}
out:
	if (names)
		SCardFreeMemory(ctx, names);
	if (have_ctx)
		SCardReleaseContext(ctx);
	return st;
}

void ctl_pcsc_scan_free(ctl_pcsc_listing *scan)
{
	if (!scan)
		return;
	for (size_t i = 0; i < scan->n_readers; i++)
		free(scan->readers[i].name);
	free(scan->readers);
	scan->readers = NULL;
	scan->n_readers = 0;
}
