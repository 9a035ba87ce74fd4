/* SPDX-License-Identifier: MIT */
/* Shared libraries loaded when first needed; see dlload.h. */
#include "dlload.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

bool gs_dl_load(const char *const *names, const char *const *syms, void **fns, size_t n,
		struct gs_err *err)
{
	const char *why = "no library name";
	void *h = NULL;

	memset(fns, 0, n * sizeof(*fns));
	for (size_t i = 0; names[i] && !h; i++) {
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (!h)
			why = dlerror();
	}
	if (!h) {
		gs_errf(err, ENOENT, "%s", why ? why : "cannot load");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		fns[i] = dlsym(h, syms[i]);
		if (!fns[i]) {
			gs_errf(err, ENOENT, "%s: symbol %s missing", names[0], syms[i]);
			memset(fns, 0, n * sizeof(*fns));
			dlclose(h);
			return false;
		}
	}
	/* Kept loaded for the rest of the run. */
	return true;
}
