/* Small chores every part of ctlsign needs, each done once here. Like all
 * core code: no printing, no exiting. */
#ifndef CTLSIGN_UTIL_H
#define CTLSIGN_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* A phone's MAC address as a per-phone file name uses it: 12 upper-case hex
 * digits. Accepts `001A2B3C4D5E', `00:1a:2b:3c:4d:5e', `00-1A-2B-3C-4D-5E'
 * and the same with a `SEP' prefix, in any case. False for anything else. */
bool ctl_mac_parse(const char *in, char out[13]);

#endif
