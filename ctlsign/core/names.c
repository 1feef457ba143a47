/* The one table of tag and role names. */
#include "format.h"

#include <strings.h>

const char *ctl_header_tag_name(unsigned tag)
{
	switch (tag) {
	case CTL_H_VERSION: return "VERSION";
	case CTL_H_HEADERLENGTH: return "HEADERLENGTH";
	case CTL_H_SIGNERID: return "SIGNERID";
	case CTL_H_SIGNERNAME: return "SIGNERNAME";
	case CTL_H_SERIALNUMBER: return "SERIALNUMBER";
	case CTL_H_CANAME: return "CANAME";
	case CTL_H_SIGNATUREINFO: return "SIGNATUREINFO";
	/* CUCM's spelling, kept so output diffs cleanly against `show ctl`. */
	case CTL_H_DIGESTALGORITHM: return "DIGESTALGORTITHM";
	case CTL_H_SIGNATUREALGOINFO: return "SIGNATUREALGOINFO";
	case CTL_H_SIGNATUREALGORITHM: return "SIGNATUREALGORTITHM";
	case CTL_H_SIGNATUREMODULUS: return "SIGNATUREMODULUS";
	case CTL_H_SIGNATURE: return "SIGNATURE";
	case CTL_H_PADDING: return "PADDING";
	case CTL_H_FILENAME: return "FILENAME";
	case CTL_H_TIMESTAMP: return "TIMESTAMP";
	case CTL_H_SIGNERVERSION: return "SIGNERVERSION";
	default: return NULL;
	}
}

const char *ctl_record_tag_name(unsigned tag)
{
	switch (tag) {
	case CTL_R_RECORDLENGTH: return "RECORDLENGTH";
	case CTL_R_DNSNAME: return "DNSNAME";
	case CTL_R_SUBJECTNAME: return "SUBJECTNAME";
	case CTL_R_FUNCTION: return "FUNCTION";
	case CTL_R_ISSUERNAME: return "ISSUERNAME";
	case CTL_R_SERIALNUMBER: return "SERIALNUMBER";
	case CTL_R_PUBLICKEY: return "PUBLICKEY";
	case CTL_R_SIGNATURE: return "SIGNATURE";
	case CTL_R_CERTIFICATE: return "CERTIFICATE";
	case CTL_R_IPADDRESS: return "IPADDRESS";
	case CTL_R_CERTHASH: return "CERTHASH";
	case CTL_R_HASHALGORITHM: return "HASHALGORITHM";
	default: return NULL;
	}
}

static const struct {
	unsigned code;
	const char *keyword;
	const char *cucm;
} roles[] = {
	{CTL_ROLE_SAST, "SAST", "System Administrator Security Token"},
	{CTL_ROLE_CCM, "CCM", "CCM"},
	{CTL_ROLE_CCM_TFTP, "CCM+TFTP", "CCM+TFTP"},
	{CTL_ROLE_TFTP, "TFTP", "TFTP"},
	{CTL_ROLE_CAPF, "CAPF", "CAPF"},
	{CTL_ROLE_SRST, "SRST", "SRST"},
	{CTL_ROLE_APP_SERVER, "APP-SERVER", "APP-SERVER"},
	{CTL_ROLE_TVS, "TVS", "TVS"},
};

const char *ctl_role_name(unsigned code)
{
	for (unsigned i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].code == code)
			return roles[i].cucm;
	return NULL;
}

const char *ctl_role_keyword(unsigned code)
{
	for (unsigned i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].code == code)
			return roles[i].keyword;
	return NULL;
}
