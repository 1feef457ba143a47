/* What makes an update of the trust lists safe beyond the phone model
 * (phone.h): the CTL Client's token rules, and writing a certificate
 * phones already hold under the very strings they hold it by. */
#ifndef CTLSIGN_UPDATE_H
#define CTLSIGN_UPDATE_H

#include <stdbool.h>

#include "build.h"
#include "ctl.h"

/* The CTL Client's rules for token-signed CTLs, checked before anything is
 * signed:
 *  - a mixed-mode CTL signed by a token holds at least two distinct tokens
 *    (distinct certificates and serials), so that one can be lost; a
 *    non-secure one needs one;
 *  - an update may not remove a token while it is signed by a token the
 *    held CTL does not trust (a lost token is replaced in one update signed
 *    by a trusted token).
 * token_signed: the signer is a PKCS#11 token. held_ctl: the CTL phones
 * hold, or NULL. trusted: the held CTL trusts the signer itself (not only
 * through TVS). Tokens are the spec's entries marked token, and the held
 * CTL's SAST records without a DNS name. CTL_E_REFUSED naming the rule. */
ctl_status ctl_token_rules(const ctl_spec *s, X509 *signer, bool token_signed,
			   const ctl_file *held_ctl, bool trusted, ctl_err *err);

/* Is the new CTL non-secure (every CCM/TFTP record blanked)? */
bool ctl_spec_non_secure(const ctl_spec *s);

/* For each entry whose certificate is also a record of `held' (the list of
 * the same kind phones hold), write the held SUBJECTNAME and ISSUERNAME
 * strings, byte for byte: phones and TVS then see exactly the names they
 * know (the CTL Client wrote `cn="SAST-ADN...";ou=IPCBU;o="Cisco Systems'
 * where CUCM writes `CN=SAST-ADN...;OU=IPCBU;O=Cisco Systems'). Returns the
 * number of entries that took held strings, or -1 when out of memory. */
int ctl_spec_keep_held_strings(ctl_spec *s, const ctl_file *held);

#endif
