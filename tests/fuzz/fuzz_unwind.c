/* SPDX-License-Identifier: MIT */
/*
 * The symbolizer and the unwinder on hostile bytes: pclntab (the ELF image)
 * and stack memory both come from the input.
 *
 *	[u8 sel][u16 n][n bytes of stack noise][ELF image]
 *
 * The harness builds a real-looking stack from the image's own pcsp tables
 * (a chain of functions picked by the noise, each at a pc where its frame
 * is set up, return addresses where the architecture's rules put them, as
 * the unit tests do), then XORs the noise over it: near-valid chains
 * exercise far more of the unwinder than random words. sel picks the
 * architecture-independent options (trap, syscall, bias, caps). Work
 * budget: at most 64 functions examined per pick, 256 frames, 1024 reads,
 * 64 pcs symbolized.
 */
#include "gosym.h"
#include "memread.h"
#include "unwind.h"

#include <elf.h>
#include <stdint.h>
#include <string.h>

#define STACK_BYTES 8192
#define CHAIN_MAX 24
#define PICK_TRIES 64

struct fz {
	uint8_t mem[STACK_BYTES];
	uint64_t base;
};

static int fz_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fz *z = ctx;

	if (addr < z->base || addr - z->base > sizeof(z->mem) || len > sizeof(z->mem) - (addr - z->base))
		return -1;
	memcpy(buf, z->mem + (addr - z->base), len);
	return 0;
}

static void put(struct fz *z, uint64_t addr, uint64_t v)
{
	if (addr >= z->base && addr - z->base <= sizeof(z->mem) - 8)
		memcpy(z->mem + (addr - z->base), &v, 8);
}

/* A function near index i with a frame, at its deepest pc. */
static bool pick(struct gs_sym *s, const struct gs_sym_info *in, uint64_t i, uint64_t *pc,
		 int32_t *delta)
{
	for (unsigned t = 0; t < PICK_TRIES; t++) {
		struct gs_funcinfo fi;
		int32_t best = -1;
		unsigned steps = 0;

		if (gs_sym_func_at(s, (i + t) % in->nfunc, &fi) < 0)
			continue;
		for (uint64_t p = fi.entry + in->quantum; p < fi.end && steps < 64;
		     p += in->quantum, steps++) {
			int32_t d;

			if (gs_sym_spdelta(s, &fi, p, &d) && d > best && d < 1024) {
				best = d;
				*pc = p;
			}
		}
		if (best > 0) {
			*delta = best;
			return true;
		}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz z;
	static struct gs_uframe fr[256];
	struct gs_unwind_regs regs = { 0 };
	struct gs_unwind_opts o = { 0 };
	struct gs_unwind_result res;
	struct gs_sym_info in;
	struct gs_mem mem = { fz_read, &z };
	struct gs_sym *s;
	struct gs_err err;
	struct gs_elf e;
	const uint8_t *noise;
	const char *why;
	uint64_t sp, callee_sp = 0;
	size_t n;
	bool lr;
	uint8_t sel;
	unsigned first;

	if (size < 3)
		return 0;
	sel = data[0];
	n = (size_t)data[1] | (size_t)data[2] << 8;
	if (n > size - 3)
		n = size - 3;
	noise = data + 3;
	if (gs_elf_parse(&e, data + 3 + n, size - 3 - n, &why) < 0)
		return 0;
	if (gs_sym_open(&s, &e, &err) < 0)
		return 0;
	gs_sym_get_info(s, &in);
	lr = in.machine == EM_AARCH64;

	/* A chain built from the image's own tables. */
	memset(&z, 0, sizeof(z));
	z.base = 0xc000000000ull;
	sp = z.base + 64;
	for (unsigned k = 0; k < CHAIN_MAX && in.nfunc; k++) {
		uint64_t idx = k < n ? noise[k] * (in.nfunc / 256 + 1) : k * 131, pc = 0;
		int32_t d = 0;

		if (!pick(s, &in, idx, &pc, &d))
			break;
		if (!k) {
			regs.pc = pc;
			regs.sp = sp;
		} else {
			/* x86: above the callee's frame; arm64: at the callee's 0(SP). */
			put(&z, lr ? callee_sp : sp - 8, pc);
		}
		callee_sp = sp;
		sp += (uint64_t)d + (lr ? 0 : 8);
	}
	for (size_t k = 0; k < n && k < sizeof(z.mem); k++)
		z.mem[k] ^= noise[k];

	o.stack_lo = z.base;
	o.stack_hi = sel & 1 ? z.base + sizeof(z.mem) : 0;
	o.trap = sel & 2;
	o.syscall = sel & 4;
	o.bias = sel & 8 ? 0x1000 : 0;
	o.max_frames = sel & 16 ? 8 : 256;
	o.max_reads = 1024;
	regs.lr = n >= 16 ? in.minpc + noise[8] * 64u : 0;
	regs.lr_valid = sel & 32;
	regs.fp = z.base + (n > 9 ? noise[9] * 8u : 0);
	regs.fp_valid = true;
	if (o.bias)
		regs.pc += o.bias;
	gs_unwind(s, &mem, &regs, &o, fr, 256, &res);
	if (res.n > 256 || res.reads > 1024)
		__builtin_trap();
	gs_unwind_fp_check(&mem, &regs, &o, in.ptrsize, fr, res.n, &first);

	/* Symbolize what it found, and pcs the noise names. */
	for (unsigned i = 0; i < res.n && i < 32; i++) {
		struct gs_symframe f[GS_SYM_MAX_DEPTH];
		char buf[256];
		int k = gs_sym_frames(s, fr[i].sym_pc, f, GS_SYM_MAX_DEPTH);

		for (int j = 0; j < k; j++)
			gs_sym_print_name(f[j].func, 21 + (sel >> 6) * 3, buf, sizeof(buf));
	}
	for (size_t k = 0; k + 4 <= n && k < 128; k += 4) {
		struct gs_symframe f[GS_SYM_MAX_DEPTH];
		uint32_t w;

		memcpy(&w, noise + k, 4);
		gs_sym_frames_ret(s, in.minpc + w % (in.maxpc - in.minpc + 1), f, GS_SYM_MAX_DEPTH);
	}
	gs_sym_close(s);
	return 0;
}
