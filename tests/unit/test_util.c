/* The small utility layer: MAC addresses as phones' file names use them. */
#include <criterion/criterion.h>

#include "util.h"

Test(util, mac_forms_accepted)
{
	static const char *const ok[] = {
		"001A2B3C4D5E", "001a2b3c4d5e", "00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e",
		"SEP001A2B3C4D5E", "sep001a2b3c4d5e", "SEP00:1A:2B:3C:4D:5E", "Sep00-1A-2B-3C-4D-5E",
	};
	char out[13];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(out, 'x', sizeof(out));
		cr_assert(ctl_mac_parse(ok[i], out), "%s refused", ok[i]);
		cr_assert_str_eq(out, "001A2B3C4D5E", "%s", ok[i]);
	}
}

Test(util, mac_malformed_refused)
{
	static const char *const bad[] = {
		"", "SEP", "001A2B3C4D5", "001A2B3C4D5E0", "001A2B3C4D5G", "00:1A:2B:3C:4D:5E:",
		":00:1A:2B:3C:4D:5E", "00:1A-2B:3C:4D:5E", "001A:2B3C:4D5E", "00::1A:2B:3C:4D:5E",
		"0:01A:2B:3C:4D:5E", "00 1A 2B 3C 4D 5E", "SEPSEP001A2B3C4D5E", "00:1A:2B3C4D5E",
	};
	char out[13];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!ctl_mac_parse(bad[i], out), "`%s' accepted", bad[i]);
}
