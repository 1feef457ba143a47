/* File input and crash-safe output. */
#ifndef CTLSIGN_IO_H
#define CTLSIGN_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Read a whole regular file of at most max bytes ("-" is stdin). Larger
 * input is refused as CTL_E_MALFORMED without reading it all. */
ctl_status ctl_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
			 ctl_err *err);

/* Longest output path ctl_write_atomic and ctl_output_lock accept. */
#define CTL_PATH_MAX 4000

/* Writers of one output take turns: a blocking flock(2) on PATH.lock, next
 * to it (created empty with mode 0644, opened read-only, never a symbolic
 * link, and never removed: removing a lock file that another process may be
 * waiting on lets two writers in at once). *lockfd is -1 on failure; errors
 * name the lock file. When another writer holds it, waiting (if not NULL) is
 * called with the lock file's name before this one waits its turn. */
ctl_status ctl_output_lock(const char *path, void (*waiting)(void *ctx, const char *lock),
			   void *ctx, int *lockfd, ctl_err *err);
/* Release a lock from ctl_output_lock (-1 is fine). */
void ctl_output_unlock(int lockfd);

/* Options for ctl_write_atomic. */
typedef struct ctl_write_opts {
	mode_t mode;      /* file mode of the result, e.g. 0644 */
	int backup;       /* keep the previous file as PATH.bak */
	int locked;       /* the caller holds ctl_output_lock(path); 0: taken here */
} ctl_write_opts;

/* Replace path with data, keeping the previous file as PATH.bak:
 *   1-3. write PATH.tmp.XXXXXX, fsync it, read it back and compare;
 *   4.   link the previous PATH as PATH.bak.tmp.XXXXXX;
 *   5.   link the previous PATH.bak as PATH.bak.old.XXXXXX;
 *   6.   rename the new file over PATH;
 *   7.   rename PATH.bak.tmp.XXXXXX over PATH.bak;
 *   8.   fsync the folder; only then remove the extra names.
 * A failure at any step, or SIGINT/SIGTERM/SIGHUP/SIGQUIT at any step
 * (they are held while the write runs and looked for between steps), puts
 * PATH and PATH.bak back exactly as they were (same files, same inodes) and
 * removes every temporary name; the signal is then delivered. Holds the
 * output lock throughout unless o->locked. Refuses a path that is a
 * directory, a symbolic link or not a regular file. Not reentrant. */
ctl_status ctl_write_atomic(const char *path, const uint8_t *data, size_t len,
			    const ctl_write_opts *o, ctl_err *err);

/* For a signal handler (async-signal-safe): undo a ctl_write_atomic that a
 * signal the write does not hold interrupted. Returns true when a write is
 * running on another thread: the signal was passed on to that thread, which
 * undoes the write and then receives it, so the handler must just return.
 * Returns false otherwise (nothing was in progress, or it was undone here):
 * the handler goes on (e.g. re-raises the signal). */
bool ctl_write_abort(int sig);

#endif
