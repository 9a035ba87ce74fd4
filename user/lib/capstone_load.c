/* SPDX-License-Identifier: MIT */
/*
 * capstone, loaded on first use (dlload.h): the x86 decoder behind the
 * agentless readers (x86scan.c) is needed by few commands, while linking it
 * cost every command its 77,000 start-up relocations (it carries every
 * architecture's tables). These definitions stand in for the ones of the
 * capstone functions goscope calls -- same prototypes, checked against
 * capstone's header -- and forward to the library, opened by the first
 * cs_open(). Without the library, cs_open() fails like any decoder that
 * cannot be opened, and the callers say so.
 */
#include <capstone/capstone.h>
#include <pthread.h>

#include "dlload.h"

#define STR_(x) #x
#define STR(x) STR_(x)

enum {
	F_OPEN, F_OPTION, F_MALLOC, F_DISASM_ITER, F_FREE, F_CLOSE, F_INSN_GROUP, F_REGS_ACCESS,
	F_COUNT
};

static const char *const names[] = { "libcapstone.so." STR(CS_API_MAJOR), "libcapstone.so", NULL };
static const char *const syms[F_COUNT] = {
	[F_OPEN] = "cs_open",		[F_OPTION] = "cs_option",
	[F_MALLOC] = "cs_malloc",	[F_DISASM_ITER] = "cs_disasm_iter",
	[F_FREE] = "cs_free",		[F_CLOSE] = "cs_close",
	[F_INSN_GROUP] = "cs_insn_group", [F_REGS_ACCESS] = "cs_regs_access",
};
static void *fns[F_COUNT];
static bool loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	loaded = gs_dl_load(names, syms, fns, F_COUNT, NULL);
}

/* Function pointers travel as data pointers through dlsym (POSIX allows it). */
#define FN(i, type) ((type)fns[i])

cs_err CAPSTONE_API cs_open(cs_arch arch, cs_mode mode, csh *handle)
{
	pthread_once(&once, load);
	if (!loaded)
		return CS_ERR_MEM;
	return FN(F_OPEN, cs_err (*)(cs_arch, cs_mode, csh *))(arch, mode, handle);
}

/* The rest follow a successful cs_open(): the library is there. */

cs_err CAPSTONE_API cs_option(csh handle, cs_opt_type type, size_t value)
{
	if (!loaded)
		return CS_ERR_HANDLE;
	return FN(F_OPTION, cs_err (*)(csh, cs_opt_type, size_t))(handle, type, value);
}

cs_insn *CAPSTONE_API cs_malloc(csh handle)
{
	if (!loaded)
		return NULL;
	return FN(F_MALLOC, cs_insn *(*)(csh))(handle);
}

bool CAPSTONE_API cs_disasm_iter(csh handle, const uint8_t **code, size_t *size,
				 uint64_t *address, cs_insn *insn)
{
	if (!loaded)
		return false;
	return FN(F_DISASM_ITER, bool (*)(csh, const uint8_t **, size_t *, uint64_t *,
					  cs_insn *))(handle, code, size, address, insn);
}

void CAPSTONE_API cs_free(cs_insn *insn, size_t count)
{
	if (loaded)
		FN(F_FREE, void (*)(cs_insn *, size_t))(insn, count);
}

cs_err CAPSTONE_API cs_close(csh *handle)
{
	if (!loaded)
		return CS_ERR_HANDLE;
	return FN(F_CLOSE, cs_err (*)(csh *))(handle);
}

bool CAPSTONE_API cs_insn_group(csh handle, const cs_insn *insn, unsigned int group_id)
{
	if (!loaded)
		return false;
	return FN(F_INSN_GROUP, bool (*)(csh, const cs_insn *, unsigned int))(handle, insn,
									    group_id);
}

cs_err CAPSTONE_API cs_regs_access(csh handle, const cs_insn *insn, cs_regs regs_read,
				   uint8_t *regs_read_count, cs_regs regs_write,
				   uint8_t *regs_write_count)
{
	if (!loaded)
		return CS_ERR_HANDLE;
	return FN(F_REGS_ACCESS, cs_err (*)(csh, const cs_insn *, cs_regs, uint8_t *, cs_regs,
					    uint8_t *))(handle, insn, regs_read, regs_read_count,
							regs_write, regs_write_count);
}
