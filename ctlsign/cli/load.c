#include "load.h"

#include "cli.h"

#include "fetch.h"
#include "io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ctl_status load_file(const char *path, loaded *L)
{
	memset(L, 0, sizeof(*L));
	L->path = path;
	ctl_err_clear(&L->err);
	if (ctl_read_input(path, CTL_FILE_MAX, &L->buf, &L->len, &L->err))
		return L->err.status;
	if (strcmp(path, "-") != 0 && stat(path, &L->st) == 0)
		L->have_st = true;
	/* One copy in memory: the parsed file keeps the buffer read. */
	return ctl_parse_keep(L->buf, L->len, &L->f, &L->err);
}

void load_free(loaded *L)
{
	if (!L->f || L->buf != L->f->bytes)
		free(L->buf);
	ctl_free(L->f);
	L->f = NULL;
	L->buf = NULL;
}

const char *load_kind(const loaded *L)
{
	const char *base;

	if (L->f)
		return ctl_kind(L->f);
	base = strrchr(L->path, '/');
	base = base ? base + 1 : L->path;
	return strncasecmp(base, "ITL", 3) == 0 ? "ITL" : "CTL";
}
