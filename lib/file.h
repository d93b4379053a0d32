/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * file.h - opening an input file without blocking on a FIFO or a device.
 */
#ifndef JAILPOL_FILE_H
#define JAILPOL_FILE_H

#include <sys/stat.h>
#include <sys/types.h>

/* What a file of mode m is, for a message ("a FIFO"); NULL for a regular
 * file. */
const char *pol_file_kind(mode_t m);

/*
 * Open path read-only and O_CLOEXEC without blocking: O_NONBLOCK for the
 * open() only, so a FIFO with no writer does not hang it.  Fills *st.
 * Returns the fd, or a negative errno with nothing left open.  The caller
 * checks the kind of file (pol_file_kind(st->st_mode)).
 */
int pol_file_open(const char *path, struct stat *st);

#endif /* JAILPOL_FILE_H */
