/* USB devices that belong to a token family the profiles know, found by
 * their USB ids in sysfs (no libusb; nothing is opened but two small files
 * a device): how `ctlsign tokens' names an eToken that neither PKCS#11 nor
 * PC/SC shows, such as a 7300 or a Fusion (no known ATR) or a CardOS eToken
 * PRO (no PC/SC reader without SafeNet's driver). */
#ifndef CTLSIGN_USB_H
#define CTLSIGN_USB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "profiles.h"

#define CTL_USB_SYSFS "/sys/bus/usb/devices"

typedef struct ctl_usb_token {
	char device[64];                 /* the sysfs name, e.g. "1-2.4" */
	uint16_t vendor, product;
	const ctl_profile *profile;   /* points into the set scanned with */
} ctl_usb_token;

/* The devices under root (CTL_USB_SYSFS) whose USB id a profile of set
 * claims, sorted by device name. No such folder (not Linux, no sysfs) is
 * not an error: nothing is found. *out is malloc'd (NULL when n is 0). */
ctl_status ctl_usb_scan(const char *root, const ctl_profile_set *set,
			ctl_usb_token **out, size_t *n, ctl_err *err);

#endif
