/* SPDX-License-Identifier: MIT */
#include "gserr.h"

#include <stdarg.h>
#include <stdio.h>

int gs_errf(struct gs_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
