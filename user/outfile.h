/* SPDX-License-Identifier: MIT */
/*
 * The files goscope writes for a user -- trace and profile data, the copy
 * of a binary, the agentless CPU profile, -o FILE or a temporary file --
 * opened the one way a root-run tool must in a shared directory, and
 * removed when what they should hold did not all come.
 */
#ifndef GOSCOPE_OUTFILE_H
#define GOSCOPE_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gserr.h"

struct gs_outfile {
	char path[PATH_MAX];	/* "-" for stdout */
	int fd;			/* -1 when closed; for stdout a duplicate of it */
	bool temp;		/* made in $TMPDIR: ours to remove after the tool ran */
	bool is_stdout;		/* -o -: the data on stdout, messages on stderr */
	dev_t dev;		/* the file we opened, so a failure removes that one only */
	ino_t ino;
	uint64_t bytes;		/* written through gs_outfile_write */
};

/*
 * named: "-" (stdout), a file name, or NULL for a new temporary file
 * $TMPDIR/PREFIXxxxxxx (mode 0600, O_EXCL). A named file is created 0600
 * without following links; an existing one is reused (truncated) only
 * when it is a regular file of the caller's with no other name: a
 * symlink, another user's file or a hard link planted where
 * fs.protected_hardlinks is 0 is refused, never followed or truncated.
 */
int gs_outfile_open(const char *named, const char *prefix, struct gs_outfile *f,
		    struct gs_err *err);
/* All of buf, counted in f->bytes. */
int gs_outfile_write(struct gs_outfile *f, const void *buf, size_t len, struct gs_err *err);
/* The data on disk (fsync), then closed; on failure the file is removed. */
int gs_outfile_finish(struct gs_outfile *f, struct gs_err *err);
/*
 * Close; with failed also remove the file -- created or reused, it holds a
 * part of the data or nothing -- as long as its name still leads to the
 * file we wrote. Closing a closed file does nothing.
 */
void gs_outfile_close(struct gs_outfile *f, bool failed);
/* "; partial file PATH removed" for a message after a failed close, else "". */
const char *gs_outfile_removed_note(const struct gs_outfile *f, char *buf, size_t sz);

#endif
