/* File input and crash-safe output. */
#ifndef CTLSIGN_IO_H
#define CTLSIGN_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Read a whole regular file of at most max bytes ("-" is stdin). Larger
 * input is refused as CTL_E_MALFORMED without reading it all. */
ctl_status ctl_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
			 ctl_err *err);

/* Options for ctl_write_atomic. */
typedef struct ctl_write_opts {
	mode_t mode;      /* file mode of the result, e.g. 0644 */
	int backup;       /* keep the previous file as PATH.bak */
} ctl_write_opts;

/* Write data to a temporary file in path's folder, fsync it, read it back
 * and compare, then rename over path (keeping PATH.bak first when asked) and
 * fsync the folder. On any failure the temporary file is removed and path is
 * untouched. Refuses a path that is a directory or a symbolic link. */
ctl_status ctl_write_atomic(const char *path, const uint8_t *data, size_t len,
			    const ctl_write_opts *o, ctl_err *err);

/* Name of the temporary file being written, if any (for a signal handler to
 * unlink); "" otherwise. */
const char *ctl_write_tmpname(void);

#endif
