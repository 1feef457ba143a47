#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ctl_status ctl_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
			 ctl_err *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	ctl_status rc = CTL_OK;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "is a directory");
			goto out;
		}
		if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
			rc = ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
					 "file is %jd bytes, larger than the %zu-byte limit",
					 (intmax_t)st.st_size, max);
			goto out;
		}
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			uint8_t *p;
			if (nc > max + 1)
				nc = max + 1;
			if (nc <= cap) {
				rc = ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
						 "input is larger than the %zu-byte limit", max);
				goto out;
			}
			if (!(p = realloc(buf, nc))) {
				rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
				goto out;
			}
			buf = p;
			cap = nc;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "read failed: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
					 "input is larger than the %zu-byte limit", max);
			goto out;
		}
	}
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

/* Written only outside signal handlers; read by them. */
static char tmpname[4096];
static volatile sig_atomic_t tmp_live;

const char *ctl_write_tmpname(void)
{
	return tmp_live ? tmpname : "";
}

static ctl_status write_all(int fd, const uint8_t *p, size_t n, ctl_err *err)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "write failed: %s",
					   strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
	return CTL_OK;
}

static ctl_status read_back(int fd, const uint8_t *data, size_t len, ctl_err *err)
{
	uint8_t chunk[65536];
	size_t off = 0;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot re-read: %s", strerror(errno));
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot re-read: %s",
					   strerror(errno));
		}
		if (r == 0)
			break;
		if ((size_t)r > len - off || memcmp(chunk, data + off, (size_t)r) != 0)
			return ctl_err_set(err, CTL_E_IO, -1, -1, -1,
					   "written file differs from what was built at byte %zu", off);
		off += (size_t)r;
	}
	if (off != len)
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1,
				   "written file is %zu bytes, expected %zu", off, len);
	return CTL_OK;
}

ctl_status ctl_write_atomic(const char *path, const uint8_t *data, size_t len,
			    const ctl_write_opts *o, ctl_err *err)
{
	char dirbuf[4096], bak[4096 + 8], baktmp[4096 + 32];
	struct stat st;
	int fd = -1, dfd = -1;
	ctl_status rc = CTL_OK;
	const char *dir;

	if (strlen(path) + 16 >= sizeof(tmpname))
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "output path is too long");
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return ctl_err_set(err, CTL_E_IO, -1, -1, -1,
					   "is a symbolic link; refusing to replace it (write to its target instead)");
		if (S_ISDIR(st.st_mode))
			return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "is a directory");
		if (!S_ISREG(st.st_mode))
			return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "is not a regular file");
	} else if (errno != ENOENT) {
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot stat: %s", strerror(errno));
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dir = dirname(dirbuf);
	snprintf(tmpname, sizeof(tmpname), "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmpname, O_CLOEXEC);
	if (fd < 0)
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot create a temporary file in %s: %s",
				   dir, strerror(errno));
	tmp_live = 1;
	if (fchmod(fd, o->mode) != 0) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot set mode: %s", strerror(errno));
		goto fail;
	}
	if ((rc = write_all(fd, data, len, err)))
		goto fail;
	if (fsync(fd) != 0) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "fsync failed: %s", strerror(errno));
		goto fail;
	}
	if ((rc = read_back(fd, data, len, err)))
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "close failed: %s", strerror(errno));
		goto fail;
	}
	fd = -1;
	if (o->backup && lstat(path, &st) == 0) {
		/* Link the old file under a temporary name, then rename it over
		 * NAME.bak: an older backup is only replaced, never lost, and a
		 * failure leaves everything as it was. */
		snprintf(bak, sizeof(bak), "%s.bak", path);
		snprintf(baktmp, sizeof(baktmp), "%s.bak%s", path, tmpname + strlen(path));
		if (link(path, baktmp) != 0) {
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot keep backup %s: %s", bak,
					 strerror(errno));
			goto fail;
		}
		if (rename(baktmp, bak) != 0) {
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot keep backup %s: %s", bak,
					 strerror(errno));
			unlink(baktmp);
			goto fail;
		}
	}
	if (rename(tmpname, path) != 0) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot rename into place: %s",
				 strerror(errno));
		goto fail;
	}
	tmp_live = 0;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return CTL_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmpname);
	tmp_live = 0;
	return rc;
}
