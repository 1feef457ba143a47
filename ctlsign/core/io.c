#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* ---- The output lock ------------------------------------------------- */

ctl_status ctl_output_lock(const char *path, void (*waiting)(void *ctx, const char *lock),
			   void *ctx, int *lockfd, ctl_err *err)
{
	char name[CTL_PATH_MAX + 8];
	struct stat st;
	int fd;

	*lockfd = -1;
	if (strlen(path) > CTL_PATH_MAX)
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "output path is too long");
	snprintf(name, sizeof(name), "%s.lock", path);
	/* Read-only is enough for flock, and lets users share a lock file one
	 * of them created; never follow a planted symbolic link. */
	fd = open(name, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot open lock file `%s': %s", name,
				   strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "lock file `%s' is not a regular file",
				   name);
	}
	/* Someone else writes this output now: say so before waiting. */
	if (waiting && flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
		waiting(ctx, name);
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot lock `%s': %s", name, strerror(errno));
		close(fd);
		return CTL_E_IO;
	}
	*lockfd = fd;
	return CTL_OK;
}

void ctl_output_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd); /* releases the flock */
}

/* ---- The write -------------------------------------------------------- */

/* The write in progress, for undo(): static, and flags of type
 * volatile sig_atomic_t, so that ctl_write_abort() may run it from a signal
 * handler. A name is only used once its flag says it may exist. */
static char w_path[CTL_PATH_MAX + 1];         /* NAME */
static char w_bak[CTL_PATH_MAX + 8];          /* NAME.bak */
static char w_tmp[CTL_PATH_MAX + 16];         /* NAME.tmp.XXXXXX: the new file */
static char w_keep[CTL_PATH_MAX + 24];        /* NAME.bak.tmp.XXXXXX: link to the previous NAME */
static char w_old[CTL_PATH_MAX + 24];         /* NAME.bak.old.XXXXXX: link to the previous NAME.bak */
static volatile sig_atomic_t w_live;          /* a write is in progress */
static volatile sig_atomic_t w_tid;           /* the thread writing */
static volatile sig_atomic_t w_had_path;      /* NAME existed */
static volatile sig_atomic_t w_has_tmp, w_has_keep, w_has_old;  /* may exist */
static volatile sig_atomic_t w_replacing;     /* rename(tmp, NAME) may have happened */
static volatile sig_atomic_t w_replaced;      /* ...it did */
static volatile sig_atomic_t w_backing;       /* rename(keep, NAME.bak) may have happened */
static volatile sig_atomic_t w_backed;        /* ...it did */

/* Put NAME and NAME.bak back as they were and remove every temporary name.
 * Only unlink() and rename(): async-signal-safe. Where a step may or may
 * not have happened, the file system says which. Returns false when the
 * previous state could not be restored completely (a link that is the
 * last name of a previous file is then left in place, never removed). */
static bool undo(void)
{
	bool ok = true, replaced = w_replaced, backed = w_backed;

	if (!w_live)
		return true;
	if (w_has_tmp && unlink(w_tmp) != 0 && w_replacing)
		replaced = true; /* the new file is no longer under its temporary name */
	w_has_tmp = 0;
	if (replaced) {
		if (!backed && w_has_keep) {
			/* NAME is the new file, keep the previous one: put it back. */
			if (rename(w_keep, w_path) == 0)
				w_has_keep = 0;
			else if (w_backing)
				backed = true; /* keep was already renamed to NAME.bak */
			else
				ok = false;
		} else if (!backed && !w_had_path) {
			if (unlink(w_path) != 0 && errno != ENOENT)
				ok = false;
		} else if (!backed) {
			ok = false; /* no link to the previous file was made (--no-backup) */
		}
		if (backed) {
			/* NAME.bak is the previous file: back to NAME, and the
			 * older backup (if any) back to NAME.bak. */
			bool back = rename(w_bak, w_path) == 0;

			if (back && w_has_old)
				back = rename(w_old, w_bak) == 0;
			if (back)
				w_has_old = 0;
			else
				ok = false;
			w_has_keep = 0;
		}
	}
	/* What is left are extra names of files that still have their own:
	 * unless a restore above failed and it is the last one. */
	if (w_has_keep && ok)
		unlink(w_keep);
	if (w_has_old && ok && !backed)
		unlink(w_old);
	w_has_keep = w_has_old = 0;
	w_live = 0;
	return ok;
}

static long thread_id(void)
{
	return syscall(SYS_gettid);
}

bool ctl_write_abort(int sig)
{
	if (!w_live)
		return false;
	/* Another thread (a PKCS#11 module's) took the signal: the writing
	 * thread has it blocked, sees it pending at its next step, undoes the
	 * write there and then receives it. */
	if (w_tid && thread_id() != w_tid) {
		syscall(SYS_tgkill, getpid(), (pid_t)w_tid, sig);
		return true;
	}
	undo();
	return false;
}

/* The signals that end a build (ctlsign's handlers, or the default
 * action). They are blocked while the write is in progress, and looked for
 * between its steps: a step is never cut in half, and the undo runs in
 * ordinary code. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* A stop signal waiting (and not ignored), or 0. */
static int pending_stop(void)
{
	sigset_t p;

	if (sigpending(&p) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		struct sigaction sa;

		if (sigismember(&p, stop_signals[i]) == 1 &&
		    sigaction(stop_signals[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			return stop_signals[i];
	}
	return 0;
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

/* Between two steps: a stop signal ends the write here. */
static ctl_status step_done(ctl_err *err)
{
	int sig = pending_stop();

	if (!sig)
		return CTL_OK;
	return ctl_err_set(err, CTL_E_INTERRUPTED, -1, -1, -1, "interrupted (%s)", strsignal(sig));
}

/* Steps 1-3 of ctl_write_atomic: the new file under its temporary name. */
static ctl_status write_tmp(const char *dir, const uint8_t *data, size_t len, mode_t mode,
			    ctl_err *err)
{
	int fd = mkostemp(w_tmp, O_CLOEXEC);
	ctl_status rc;

	if (fd < 0)
		return ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot create a temporary file in `%s': %s",
				   dir, strerror(errno));
	w_has_tmp = 1;
	if (fchmod(fd, mode) != 0)
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot set mode: %s", strerror(errno));
	else if ((rc = write_all(fd, data, len, err)) == CTL_OK && (rc = step_done(err)) == CTL_OK) {
		if (fsync(fd) != 0)
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "fsync of the new file failed: %s",
					 strerror(errno));
		else if ((rc = step_done(err)) == CTL_OK)
			rc = read_back(fd, data, len, err);
	}
	if (close(fd) != 0 && rc == CTL_OK)
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "close failed: %s", strerror(errno));
	return rc;
}

ctl_status ctl_write_atomic(const char *path, const uint8_t *data, size_t len,
			    const ctl_write_opts *o, ctl_err *err)
{
	char dirbuf[CTL_PATH_MAX + 1];
	const char *dir, *suffix;
	struct stat st, sb;
	sigset_t block, saved;
	int lockfd = -1, dfd;
	bool same_inode = false;
	ctl_status rc = CTL_OK;

	if (strlen(path) > CTL_PATH_MAX)
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "output path is too long");
	if (w_live)
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "a write is already in progress");
	if (!o->locked && (rc = ctl_output_lock(path, NULL, NULL, &lockfd, err)) != CTL_OK)
		return rc;
	/* What is there now, under the lock. */
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1,
					 "is a symbolic link; refusing to replace it (write to its target instead)");
		else if (S_ISDIR(st.st_mode))
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "is a directory");
		else if (!S_ISREG(st.st_mode))
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "is not a regular file");
		if (rc != CTL_OK)
			goto unlock;
		w_had_path = 1;
	} else if (errno != ENOENT) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot stat: %s", strerror(errno));
		goto unlock;
	} else {
		w_had_path = 0;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dir = dirname(dirbuf);
	snprintf(w_path, sizeof(w_path), "%s", path);
	snprintf(w_bak, sizeof(w_bak), "%s.bak", path);
	snprintf(w_tmp, sizeof(w_tmp), "%s.tmp.XXXXXX", path);
	w_has_tmp = w_has_keep = w_has_old = 0;
	w_replacing = w_replaced = w_backing = w_backed = 0;
	w_tid = (sig_atomic_t)thread_id();

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&block, stop_signals[i]);
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	w_live = 1;

	/* 1-3: the new file, written, synced and read back. */
	if ((rc = write_tmp(dir, data, len, o->mode, err)) != CTL_OK || (rc = step_done(err)))
		goto fail;
	suffix = w_tmp + strlen(path) + strlen(".tmp");
	snprintf(w_keep, sizeof(w_keep), "%s.bak.tmp%s", path, suffix);
	snprintf(w_old, sizeof(w_old), "%s.bak.old%s", path, suffix);
	/* 4: a second name for the previous file, so that it can be put
	 * back; with --no-backup only if the file system has hard links. */
	if (w_had_path) {
		if (link(path, w_keep) == 0) {
			w_has_keep = 1;
		} else if (o->backup) {
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot keep backup `%s': link: %s",
					 w_bak, strerror(errno));
			goto fail;
		}
		if ((rc = step_done(err)))
			goto fail;
	}
	/* 5: the same for the previous backup, which step 7 replaces. When
	 * NAME.bak is already the previous file (one inode), it stays. */
	if (o->backup && w_had_path && lstat(w_bak, &sb) == 0) {
		same_inode = sb.st_dev == st.st_dev && sb.st_ino == st.st_ino;
		if (!same_inode) {
			if (link(w_bak, w_old) != 0) {
				rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1,
						 "cannot keep backup `%s': link of the older backup: %s",
						 w_bak, strerror(errno));
				goto fail;
			}
			w_has_old = 1;
		}
		if ((rc = step_done(err)))
			goto fail;
	}
	/* 6: the new file in place. */
	w_replacing = 1;
	if (rename(w_tmp, path) != 0) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot rename into place: %s",
				 strerror(errno));
		goto fail;
	}
	w_has_tmp = 0;
	w_replaced = 1;
	if ((rc = step_done(err)))
		goto fail;
	/* 7: the previous file becomes NAME.bak. */
	if (o->backup && w_had_path && !same_inode) {
		w_backing = 1;
		if (rename(w_keep, w_bak) != 0) {
			rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot keep backup `%s': rename: %s",
					 w_bak, strerror(errno));
			goto fail;
		}
		w_has_keep = 0;
		w_backed = 1;
		if ((rc = step_done(err)))
			goto fail;
	}
	/* 8: the renames on disk. Until this returns, a failure (or a stop
	 * signal) still puts everything back. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot open folder `%s' to sync it: %s", dir,
				 strerror(errno));
		goto fail;
	}
	if (fsync(dfd) != 0) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "cannot sync folder `%s' (fsync): %s", dir,
				 strerror(errno));
		close(dfd);
		goto fail;
	}
	close(dfd);
	if ((rc = step_done(err)))
		goto fail;
	/* Done: only extra names of files that keep their own are left. */
	w_live = 0;
	if (w_has_old)
		unlink(w_old);
	if (w_has_keep)
		unlink(w_keep);
	w_has_old = w_has_keep = 0;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	ctl_output_unlock(lockfd);
	return CTL_OK;
fail:
	if (!undo())
		ctl_err_append(err, "; the previous files could not all be put back: check %s, "
			       "%s.bak and any %s.bak.tmp.* or %s.bak.old.* beside them",
			       path, path, path, path);
	else if (w_had_path && o->backup)
		ctl_err_append(err, "; `%s' and `%s' are as they were", path, w_bak);
	else if (w_had_path)
		ctl_err_append(err, "; `%s' is as it was", path);
	else
		ctl_err_append(err, "; `%s' was not created", path);
	/* A stop signal is delivered here: the handler (or the default action)
	 * finds nothing left to clean. */
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
unlock:
	ctl_output_unlock(lockfd);
	return rc;
}
