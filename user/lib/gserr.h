/* SPDX-License-Identifier: MIT */
/*
 * Errors travel up as values: a negative errno-style code plus a message for
 * people. Only the command layer prints them (see user/output.h).
 */
#ifndef GOSCOPE_GSERR_H
#define GOSCOPE_GSERR_H

struct gs_err {
	int code;		/* errno value, or 0 for "not applicable" reasons */
	char msg[256];
};

/* Fill err (if non-NULL) and return -1, so callers can `return gs_errf(...)`. */
int gs_errf(struct gs_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
