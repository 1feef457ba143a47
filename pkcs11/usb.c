/* Token families by USB id (usb.h). */
#include "usb.h"

#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A four-digit hex id file (idVendor, idProduct) of one device. */
static bool read_id(const char *root, const char *dev, const char *file, uint16_t *out)
{
	char path[512], line[16] = "";
	uint8_t b[2];
	FILE *f;
	size_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", root, dev, file) >= sizeof(path) ||
	    !(f = fopen(path, "r")))
		return false;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (!ctl_hex_decode(line, 0, b, 2))
		return false;
	*out = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

static int by_device(const void *a, const void *b)
{
	return strcmp(((const ctl_usb_token *)a)->device, ((const ctl_usb_token *)b)->device);
}

ctl_status ctl_usb_scan(const char *root, const ctl_profile_set *set,
			ctl_usb_token **out, size_t *n, ctl_err *err)
{
	DIR *d;
	struct dirent *de;
	ctl_usb_token *v = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!set || !(d = opendir(root)))
		return CTL_OK;
	while ((de = readdir(d))) {
		ctl_usb_token t = {0};

		/* Devices only: interfaces ("1-2:1.0") and hubs' own entries
		 * ("usb1") carry no id of a token. */
		if (de->d_name[0] == '.' || strchr(de->d_name, ':') ||
		    strlen(de->d_name) >= sizeof(t.device) ||
		    !read_id(root, de->d_name, "idVendor", &t.vendor) ||
		    !read_id(root, de->d_name, "idProduct", &t.product) ||
		    !(t.profile = ctl_profiles_find_usb(set, t.vendor, t.product)))
			continue;
		memcpy(t.device, de->d_name, strlen(de->d_name) + 1);   /* fits: checked above */
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 4;
			ctl_usb_token *p = realloc(v, nc * sizeof(*p));

			if (!p) {
				closedir(d);
				free(v);
				*n = 0;
				return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			}
			v = p;
			cap = nc;
		}
		v[(*n)++] = t;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), by_device);
	*out = v;
	return CTL_OK;
}
