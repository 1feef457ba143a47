/* How phones decide whether to take a new CTL or ITL: the one model that
 * build, verify --trust, diff, tokens --ctl and check share.
 *
 * A phone that holds nothing takes the first list it gets. After that a new
 * list must be signed by a certificate the phone already holds: a SAST
 * record of the CTL it holds (which authenticates both a new CTL and a new
 * ITL; for an ITL also the CTL's TFTP records, since the TFTP node's key
 * signs it), or for an ITL a SAST record of the ITL it holds. Otherwise a
 * phone with Security by Default asks TVS (whose certificate is in the ITL
 * it holds): TVS vouches when its certificate is unchanged and the new
 * signer is one of the cluster's CallManager, ITLRecovery or token
 * certificates. A TVS whose certificate was regenerated at the same time
 * locks out the phones that ask it. Phones without Security by Default
 * cannot ask TVS. See docs/trust-model.md. */
#ifndef CTLSIGN_PHONE_H
#define CTLSIGN_PHONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "ctl.h"
#include "verify.h"

/* What phones hold now. */
typedef struct ctl_held {
	const ctl_file *ctl;   /* NULL: phones hold no CTL (or see ctl_known) */
	const char *ctl_path;
	const ctl_file *itl;
	const char *itl_path;
	/* Whether the caller knows what phones hold of each kind: a NULL file
	 * with known = true means "phones hold none" (--first); with known =
	 * false, "not told". */
	bool ctl_known;
	bool itl_known;
} ctl_held;

/* What the cluster's TVS serves and vouches for once the new list is out. */
typedef struct ctl_tvs_view {
	bool known;          /* the cluster's TVS certificates are known */
	const char *from;    /* where they came from, for messages */
	size_t ntvs;
	X509 **tvs;          /* owned references */
	char **tvs_host;     /* the TVS node's host, or NULL */
	size_t ntrusted;
	X509 **trusted;      /* CallManager, ITLRecovery and token certificates */
} ctl_tvs_view;

/* Add a TVS certificate (tvs true, with its node's host or NULL) or a
 * certificate TVS vouches for. */
ctl_status ctl_tvs_view_add(ctl_tvs_view *v, bool tvs, X509 *x, const char *host, ctl_err *err);
/* TVS records of a trust list as TVS certificates; its SAST, CCM, TFTP and
 * CCM+TFTP records' certificates as what TVS vouches for. */
ctl_status ctl_tvs_view_add_file(ctl_tvs_view *v, const ctl_file *f, ctl_err *err);
void ctl_tvs_view_free(ctl_tvs_view *v);

typedef enum {
	CTL_PHONE_ACCEPTED = 0,   /* every phone takes it */
	CTL_PHONE_VIA_TVS,        /* only phones that can ask TVS take it */
	CTL_PHONE_REJECTED,       /* phones keep the old list */
} ctl_phone_verdict;

typedef enum {
	CTL_PATH_NONE = 0,
	CTL_PATH_FIRST,           /* phones hold no list of this kind */
	CTL_PATH_HELD,            /* a record of a held list */
	CTL_PATH_TVS,             /* TVS, whose certificate is a record of the held ITL */
} ctl_phone_path;

#define CTL_PHONE_MSG 1536

typedef struct ctl_phone_result {
	ctl_phone_verdict verdict;
	ctl_phone_path path;
	const char *held;        /* HELD: the held list; TVS: the held ITL */
	int held_record;         /* its 1-based record */
	int held_role;           /* that record's FUNCTION */
	bool signature_checked;  /* judged on a signed file, not only on a certificate */
	char why[CTL_PHONE_MSG];   /* the path, or why there is none */
	char caveat[CTL_PHONE_MSG];/* VIA_TVS: which phones are left behind */
	char advice[CTL_PHONE_MSG];/* not ACCEPTED: what would work */
} ctl_phone_result;

/* The anchors phones use for a new list of this kind: for a CTL the held
 * CTL's SAST records; for an ITL those, the held CTL's TFTP records and
 * the held ITL's SAST records. NULL (and CTL_OK) when phones hold nothing
 * that could sign this kind. */
ctl_status ctl_held_anchors(const ctl_held *h, bool itl, ctl_trust **out, ctl_err *err);

/* Before signing: would phones take a list of this kind signed by this
 * certificate? */
ctl_status ctl_phone_judge_cert(const ctl_held *h, bool itl, X509 *signer,
				const ctl_tvs_view *tv, ctl_phone_result *r, ctl_err *err);

/* A signed list: its signature is checked with the key phones hold. A file
 * that is not valid on its own signature is rejected. Returns CTL_OK when
 * judged (the verdict is in r), another status when the file could not be
 * judged at all. */
ctl_status ctl_phone_judge_file(const ctl_held *h, const uint8_t *buf, size_t len,
				const ctl_file *f, const ctl_tvs_view *tv,
				const ctl_verify_opts *vo, ctl_phone_result *r, ctl_err *err);

const char *ctl_phone_verdict_word(ctl_phone_verdict v);
const char *ctl_phone_path_word(ctl_phone_path p);

/* A SAST record without a DNS name is an eToken: CUCM and the CTL Client
 * write an empty DNSNAME for tokens, the host for CallManager/ITLRecovery. */
bool ctl_record_is_token(const ctl_record *r);

#endif
