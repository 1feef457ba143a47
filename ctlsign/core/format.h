/* Trust-list (CTL/ITL) format constants: every tag, role and code, named once.
 * See docs/format.md for what each one means and where it was seen. */
#ifndef CTLSIGN_FORMAT_H
#define CTLSIGN_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Header tags. */
enum {
	CTL_H_VERSION = 1,
	CTL_H_HEADERLENGTH = 2,
	CTL_H_SIGNERID = 3,        /* container: 4, 5, 6 */
	CTL_H_SIGNERNAME = 4,
	CTL_H_SERIALNUMBER = 5,
	CTL_H_CANAME = 6,
	CTL_H_SIGNATUREINFO = 7,   /* container: 8, 9 */
	CTL_H_DIGESTALGORITHM = 8,
	CTL_H_SIGNATUREALGOINFO = 9, /* container: 10, 11 */
	CTL_H_SIGNATUREALGORITHM = 10,
	CTL_H_SIGNATUREMODULUS = 11,
	CTL_H_SIGNATURE = 12,
	CTL_H_PADDING = 13,        /* one byte, no length, end of header only */
	CTL_H_FILENAME = 14,
	CTL_H_TIMESTAMP = 15,
	CTL_H_SIGNERVERSION = 28,
};

/* Record tags. */
enum {
	CTL_R_RECORDLENGTH = 1,
	CTL_R_DNSNAME = 2,
	CTL_R_SUBJECTNAME = 3,
	CTL_R_FUNCTION = 4,
	CTL_R_ISSUERNAME = 5,
	CTL_R_SERIALNUMBER = 6,
	CTL_R_PUBLICKEY = 7,
	CTL_R_SIGNATURE = 8,
	CTL_R_CERTIFICATE = 9,
	CTL_R_IPADDRESS = 10,
	CTL_R_CERTHASH = 11,
	CTL_R_HASHALGORITHM = 12,
};

#define CTL_TAG_MAX 255

/* Record FUNCTION (role) codes. */
enum {
	CTL_ROLE_SAST = 0,
	CTL_ROLE_CCM = 1,
	CTL_ROLE_CCM_TFTP = 2,
	CTL_ROLE_TFTP = 3,
	CTL_ROLE_CAPF = 4,
	CTL_ROLE_SRST = 5,
	CTL_ROLE_APP_SERVER = 7,
	CTL_ROLE_TVS = 21,
};

/* Header DIGESTALGORITHM codes as a builder writes them. */
enum {
	CTL_DIGEST_SHA1 = 1,
	CTL_DIGEST_SHA256 = 2,
	CTL_DIGEST_SHA512 = 3,
	/* Older numbering (earlier open implementation and its Perl predecessor). */
	CTL_DIGEST_OLD_SHA384 = 3,
	CTL_DIGEST_OLD_SHA512 = 4,
};

#define CTL_SIGALG_RSA 0

/* SIGNATUREMODULUS index -> signature size in bytes. */
#define CTL_MODULUS_COUNT 4
static const uint16_t ctl_modulus_bytes[CTL_MODULUS_COUNT] = {64, 128, 256, 512};

#define CTL_TLV_HDR 3           /* tag + 16-bit length */
#define CTL_LEN_MAX 65535u      /* header and every record */
#define CTL_SIGNATUREINFO_LEN 15
#define CTL_SIGNATUREALGOINFO_LEN 8
#define CTL_VERSION_MAJOR 1
#define CTL_VERSION_MINOR 2
#define CTL_FILENAME_CTL "CTLFile.tlv"
#define CTL_FILENAME_ITL "ITLFile.tlv"

/* Files above this are refused before they are read whole: phones stop
 * downloading at 2048 KB, so anything larger cannot be a working list. */
#define CTL_FILE_MAX (4u * 1024u * 1024u)
/* Phones stop registering once the ITL passes about 64 KB. */
#define CTL_ITL_MAX_BYTES (64u * 1024u)
/* Records in one file: real lists hold tens (an ITL fails past about 39
 * certificates). More is refused, so no input can make a command slow. */
#define CTL_RECORDS_MAX 1024u
/* TLVs in the header (containers and padding included) and in one record:
 * real ones hold about fifteen and a dozen. More is refused, for the same
 * reason: a file of empty unknown TLVs would otherwise cost twenty times
 * its size in memory and a gigabyte of JSON. */
#define CTL_TLVS_MAX 64u

/* Names as CUCM's `show ctl` prints them (NULL: not a known tag). */
const char *ctl_header_tag_name(unsigned tag);
const char *ctl_record_tag_name(unsigned tag);
/* Role name as CUCM prints it; NULL for an unknown code. */
const char *ctl_role_name(unsigned code);
/* Short role keyword used on the command line and in JSON ("SAST", "CCM+TFTP"...). */
const char *ctl_role_keyword(unsigned code);

#endif
