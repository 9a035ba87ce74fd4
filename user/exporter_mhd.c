/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd, loaded when the exporter starts its server (dlload.h):
 * linked, it made every command load it and its TLS stack (GnuTLS, p11-kit,
 * nettle, gmp, ...) before main(), which the exporter alone uses. These
 * definitions stand in for the ones of the functions exporter_http.c calls
 * -- same prototypes, checked against microhttpd.h -- and forward to the
 * library, opened by MHD_start_daemon(). Without it the server cannot
 * start, and the reason is printed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>
#include <pthread.h>

#include "dlload.h"
#include "output.h"

enum { F_START_VA, F_STOP, F_CREATE, F_ADD_HEADER, F_QUEUE, F_DESTROY, F_CONN_INFO, F_COUNT };

/* libmicrohttpd.so.12 since 0.9.x; the unversioned name where the -dev package is. */
static const char *const names[] = { "libmicrohttpd.so.12", "libmicrohttpd.so", NULL };
static const char *const syms[F_COUNT] = {
	[F_START_VA] = "MHD_start_daemon_va",
	[F_STOP] = "MHD_stop_daemon",
	[F_CREATE] = "MHD_create_response_from_buffer",
	[F_ADD_HEADER] = "MHD_add_response_header",
	[F_QUEUE] = "MHD_queue_response",
	[F_DESTROY] = "MHD_destroy_response",
	[F_CONN_INFO] = "MHD_get_connection_info",
};
static void *fns[F_COUNT];
static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	struct gs_err err = { 0 };

	loaded = gs_dl_load(names, syms, fns, F_COUNT, &err);
	if (!loaded)
		gs_warn("exporter: cannot load libmicrohttpd: %s", err.msg);
}

/* Function pointers travel as data pointers through dlsym (POSIX allows it). */
#define FN(i, type) ((type)fns[i])

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
				    MHD_AcceptPolicyCallback apc, void *apc_cls,
				    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	pthread_once(&once, load);
	if (!loaded)
		return NULL;
	va_start(ap, dh_cls);
	d = FN(F_START_VA, struct MHD_Daemon *(*)(unsigned int, uint16_t, MHD_AcceptPolicyCallback,
						   void *, MHD_AccessHandlerCallback, void *,
						   va_list))(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* The rest follow a started daemon: the library is there. */

void MHD_stop_daemon(struct MHD_Daemon *daemon)
{
	if (loaded)
		FN(F_STOP, void (*)(struct MHD_Daemon *))(daemon);
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
						     enum MHD_ResponseMemoryMode mode)
{
	if (!loaded)
		return NULL;
	return FN(F_CREATE, struct MHD_Response *(*)(size_t, void *,
						     enum MHD_ResponseMemoryMode))(size, buffer,
										   mode);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *response, const char *header,
					const char *content)
{
	if (!loaded)
		return MHD_NO;
	return FN(F_ADD_HEADER, enum MHD_Result (*)(struct MHD_Response *, const char *,
						    const char *))(response, header, content);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
				   struct MHD_Response *response)
{
	if (!loaded)
		return MHD_NO;
	return FN(F_QUEUE, enum MHD_Result (*)(struct MHD_Connection *, unsigned int,
					       struct MHD_Response *))(connection, status_code,
								       response);
}

void MHD_destroy_response(struct MHD_Response *response)
{
	if (loaded)
		FN(F_DESTROY, void (*)(struct MHD_Response *))(response);
}

/*
 * Variadic in the library for the info types that take an argument; the
 * exporter asks only for ones that take none (the socket, its context).
 */
const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *connection,
							enum MHD_ConnectionInfoType info_type, ...)
{
	if (!loaded)
		return NULL;
	return FN(F_CONN_INFO, const union MHD_ConnectionInfo *(*)(struct MHD_Connection *,
								    enum MHD_ConnectionInfoType,
								    ...))(connection, info_type);
}
