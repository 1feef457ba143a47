/* Who a certificate is, the way phones and TVS recognise it: by serial
 * number and issuer, confirmed by the public key. The same certificate is
 * written under different name strings depending on who wrote the file
 * (CUCM's `CN=...;OU=...', the old Windows CTL Client's `cn="...";ou=...',
 * RFC 4514 `CN=...,O=...'), so names are compared as Distinguished Names,
 * never as strings. */
#ifndef CTLSIGN_IDENTITY_H
#define CTLSIGN_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ctl.h"

/* Serials as unsigned magnitudes: leading zero bytes do not count. */
bool ctl_serial_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* Two name strings name the same Distinguished Name: attributes in any
 * order, separated by `;' or `,' (RFC 4514 escapes and Cisco's quotes,
 * closed or not, understood), attribute keys in any case (`ST' and `S',
 * `E' and `emailAddress' alike), values compared without case, with blanks
 * around them dropped and inner runs of blanks folded to one. */
bool ctl_dn_equal(const char *a, const char *b);

/* The record's public key: its certificate's, else its PUBLICKEY (RSA
 * RSAPublicKey, as old eToken records carry it). *owned says whether the
 * caller frees it. NULL when there is none or it does not decode. */
EVP_PKEY *ctl_record_pubkey(const ctl_record *r, bool *owned);

/* Is the record internally consistent for signer lookup? A record whose
 * SERIALNUMBER or PUBLICKEY disagrees with its own CERTIFICATE cannot be
 * trusted to say who it is: false, with why (may be NULL). */
bool ctl_record_consistent(const ctl_record *r, char *why, size_t whysz);
/* The same two facts for a record whose certificate is not decoded yet,
 * read from its DER: the RSA key (*key, the caller's to free) and, when
 * the record disagrees with its certificate, why (else ""). False, with
 * *key NULL, when the certificate is not one ctl_der_cert_rsa reads, or
 * is decoded
 * already: the caller takes ctl_record_pubkey and ctl_record_consistent.
 * OpenSSL 3.0 sets up a decoder for every certificate it decodes, which
 * costs more than verifying a list's signature. */
bool ctl_record_key_der(const ctl_record *r, EVP_PKEY **key, char *why, size_t whysz);

/* Does the record hold this certificate? Serial and ISSUERNAME (as a DN)
 * must match, and the record's public key, where it carries one, must be
 * the certificate's. */
bool ctl_record_holds(const ctl_record *r, X509 *cert);
/* The first SAST record of f holding cert (ctl_record_holds), 0-based; -1
 * when none does: the one lookup of "is this certificate an eToken or
 * signer of that list" for tokens --ctl, build and verify. */
int ctl_file_sast_of(const ctl_file *f, X509 *cert);

/* The certificate's issuer/subject as a name string in CUCM's form, its
 * serial as an unsigned magnitude: see ctl_name_string, ctl_serial_bytes. */

/* Does the certificate match serial + issuer name string (a header's
 * SERIALNUMBER and CANAME, or a record's)? */
bool ctl_cert_is(X509 *cert, const uint8_t *serial, size_t sn, const char *issuer);

/* The same certificate: the same DER, byte for byte. What X509_cmp() == 0
 * says, without the SHA-1 of each certificate and the extension parsing
 * X509_cmp sets off (a digest fetch per certificate, most of a compare). */
bool ctl_cert_eq(X509 *a, X509 *b);

/* Same certificate identity: serial + issuer DN + public key. */
bool ctl_cert_same(X509 *a, X509 *b);

/* "SUBJECT, serial AA:BB:..." of a certificate, for messages. */
void ctl_cert_describe(X509 *x, char *out, size_t n);

/* Public key bytes as CUCM writes them in PUBLICKEY: RSA as PKCS#1
 * RSAPublicKey DER, EC as the uncompressed point. *out malloc'd. */
ctl_status ctl_pubkey_bytes(X509 *x, uint8_t **out, size_t *n, ctl_err *err);

#endif
