/* SPDX-License-Identifier: MIT */
/* Runtime globals from the machine code of runtime functions (linux/amd64). */
#include "x86scan.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capdec.h"

/* Prologue plus the pattern: the statements sit at the top of both functions. */
#define OSINIT_WINDOW		256
#define OSINIT_MAX_INSNS	40
#define PROCRESIZE_PREFIX	24	/* instructions in which the pattern must start */
#define PROCRESIZE_MAX		16384	/* bytes decoded looking for the second use */
#define PROCRESIZE_PAIR		8	/* instructions between `jl T` and `jle T` */

static int dec_open(struct gs_capdec *d, const uint8_t *code, size_t len, uint64_t pc,
		    struct gs_err *err)
{
	return gs_capdec_open(d, CS_ARCH_X86, CS_MODE_64, "x86-64", code, len, pc, err);
}

static bool dec_next(struct gs_capdec *d)
{
	return d->left && cs_disasm_iter(d->h, &d->code, &d->left, &d->pc, d->insn);
}

static const cs_x86 *x86(const cs_insn *i)
{
	return &i->detail->x86;
}

/* The absolute address of a [rip + disp] operand. */
static uint64_t rip_target(const cs_insn *i, const cs_x86_op *op)
{
	return i->address + i->size + (uint64_t)op->mem.disp;
}

static bool is_rip_mem(const cs_x86_op *op)
{
	return op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP &&
	       op->mem.index == X86_REG_INVALID && op->mem.segment == X86_REG_INVALID;
}

static bool is_reg(const cs_x86_op *op, x86_reg r)
{
	return op->type == X86_OP_REG && op->reg == r;
}

/* Does instruction i use the RIP-relative address addr in any operand? */
static bool refers_to(const cs_insn *i, uint64_t addr)
{
	const cs_x86 *x = x86(i);

	for (uint8_t k = 0; k < x->op_count; k++)
		if (is_rip_mem(&x->operands[k]) && rip_target(i, &x->operands[k]) == addr)
			return true;
	return false;
}

/* A writable PT_LOAD covers [addr, addr+len) in memory (data or bss). */
static bool in_writable_segment(const struct gs_elf *e, uint64_t addr, uint64_t len)
{
	for (unsigned k = 0; k < e->nphdr; k++) {
		const struct gs_phdr *ph = &e->ph[k];

		if (ph->type == PT_LOAD && (ph->flags & PF_W) && addr >= ph->vaddr &&
		    gs_fits(addr - ph->vaddr, len, ph->memsz))
			return true;
	}
	return false;
}

/* The code of a runtime function, clamped to max bytes. */
static int func_code(const struct gs_elf *e, const struct gs_pclntab *t, const char *name,
		     size_t max, struct gs_func *f, const uint8_t **code, size_t *len,
		     struct gs_err *err)
{
	*code = NULL;
	*len = 0;
	if (e->machine != EM_X86_64 || !e->is64)
		return gs_errf(err, ENOTSUP, "machine-code scan is for x86-64 only");
	if (gs_pcln_lookup(e, t, name, f) < 0)
		return gs_errf(err, ENOENT, "%s not in pclntab", name);
	*len = f->size < max ? (size_t)f->size : max;
	*code = *len ? gs_elf_vaddr(e, f->entry, *len) : NULL;
	if (!*code)
		return gs_errf(err, EINVAL, "%s: code outside the file", name);
	return 0;
}

int gs_x86_find_ncpu(const struct gs_elf *e, const struct gs_pclntab *t, uint64_t *addr,
		     struct gs_err *err)
{
	struct gs_func osinit = { 0 }, gpc = { 0 };
	const uint8_t *code = NULL;
	size_t len = 0;
	struct gs_capdec d;
	int after_call = -1, n = 0, rc = -1;

	if (func_code(e, t, "runtime.osinit", OSINIT_WINDOW, &osinit, &code, &len, err) < 0)
		return -1;
	/* Renamed getCPUCount in Go 1.25, when GOMAXPROCS learnt cgroup limits. */
	if (gs_pcln_lookup(e, t, "runtime.getproccount", &gpc) < 0 &&
	    gs_pcln_lookup(e, t, "runtime.getCPUCount", &gpc) < 0)
		return gs_errf(err, ENOENT, "neither runtime.getproccount nor getCPUCount in pclntab");
	if (dec_open(&d, code, len, osinit.entry, err) < 0)
		return -1;
	gs_errf(err, ENOENT, "runtime.osinit: no `ncpu = getproccount()` store");
	while (n++ < OSINIT_MAX_INSNS && dec_next(&d)) {
		const cs_insn *i = d.insn;
		const cs_x86 *x = x86(i);

		if (i->id == X86_INS_CALL) {
			after_call = x->op_count == 1 && x->operands[0].type == X86_OP_IMM &&
				     (uint64_t)x->operands[0].imm == gpc.entry ? 0 : -1;
			continue;
		}
		if (after_call < 0)
			continue;
		/* Go 1.16 returns on the stack: `mov eax, dword ptr [rsp]` first. */
		if (after_call == 0 && i->id == X86_INS_MOV && x->op_count == 2 &&
		    is_reg(&x->operands[0], X86_REG_EAX) && x->operands[1].type == X86_OP_MEM &&
		    x->operands[1].mem.base == X86_REG_RSP && x->operands[1].mem.disp == 0 &&
		    x->operands[1].mem.index == X86_REG_INVALID) {
			after_call = 1;
			continue;
		}
		if (i->id == X86_INS_MOV && x->op_count == 2 && is_rip_mem(&x->operands[0]) &&
		    x->operands[0].size == 4 && is_reg(&x->operands[1], X86_REG_EAX)) {
			uint64_t a = rip_target(i, &x->operands[0]);

			if (!in_writable_segment(e, a, 4)) {
				gs_errf(err, EINVAL, "runtime.osinit: store target %#llx not in data",
					(unsigned long long)a);
				break;
			}
			*addr = a;
			rc = 0;
			break;
		}
		/* Anything else between the call and the store: not our pattern. */
		break;
	}
	gs_capdec_close(&d);
	return rc;
}

int gs_x86_find_gomaxprocs(const struct gs_elf *e, const struct gs_pclntab *t, uint64_t *addr,
			   struct gs_err *err)
{
	struct gs_func pr = { 0 };
	const uint8_t *code = NULL;
	size_t len = 0;
	struct gs_capdec d;
	uint64_t cand = 0, throw_at = 0;
	x86_reg reg = X86_REG_INVALID;
	/* 0: looking for the load; 1: want test; 2: want jl; 3: want jle T; 4: want 2nd use */
	int stage = 0, n = 0, since_jl = 0;

	if (func_code(e, t, "runtime.procresize", PROCRESIZE_MAX, &pr, &code, &len, err) < 0)
		return -1;
	if (dec_open(&d, code, len, pr.entry, err) < 0)
		return -1;
	while (dec_next(&d)) {
		const cs_insn *i = d.insn;
		const cs_x86 *x = x86(i);

		n++;
		switch (stage) {
		case 0:
			if (n > PROCRESIZE_PREFIX)
				goto out;
			if (i->id == X86_INS_MOV && x->op_count == 2 &&
			    x->operands[0].type == X86_OP_REG && x->operands[0].size == 4 &&
			    is_rip_mem(&x->operands[1]) && x->operands[1].size == 4) {
				reg = x->operands[0].reg;
				cand = rip_target(i, &x->operands[1]);
				stage = 1;
			}
			break;
		case 1:
			stage = i->id == X86_INS_TEST && x->op_count == 2 &&
				is_reg(&x->operands[0], reg) && is_reg(&x->operands[1], reg) ? 2 : 0;
			break;
		case 2:
			if (i->id == X86_INS_JL && x->op_count == 1 &&
			    x->operands[0].type == X86_OP_IMM) {
				throw_at = (uint64_t)x->operands[0].imm;
				stage = 3;
				since_jl = 0;
			} else {
				stage = 0;
			}
			break;
		case 3:
			if (++since_jl > PROCRESIZE_PAIR)
				goto out;
			if (i->id == X86_INS_JLE && x->op_count == 1 &&
			    x->operands[0].type == X86_OP_IMM &&
			    (uint64_t)x->operands[0].imm == throw_at)
				stage = 4;
			break;
		case 4:
			if (refers_to(i, cand)) {
				if (!in_writable_segment(e, cand, 4)) {
					gs_capdec_close(&d);
					return gs_errf(err, EINVAL,
						       "runtime.procresize: %#llx not in data",
						       (unsigned long long)cand);
				}
				gs_capdec_close(&d);
				*addr = cand;
				return 0;
			}
			break;
		}
	}
out:
	gs_capdec_close(&d);
	return gs_errf(err, ENOENT, "runtime.procresize: gomaxprocs pattern not found%s",
		       stage == 4 ? " (no second use)" : "");
}

#define PROLOGUE_INSNS	4
#define MORESTACK_BLOCK	48	/* spills, call, reloads, jmp */

/* [base + 0x10] or [base + 0x18]: g.stackguard0 / stackguard1. */
static bool is_stackguard(const cs_x86_op *op, x86_reg base)
{
	return op->type == X86_OP_MEM && op->mem.base == base && op->mem.index == X86_REG_INVALID &&
	       op->mem.segment == X86_REG_INVALID && (op->mem.disp == 0x10 || op->mem.disp == 0x18);
}

/* The jmp target of a short ABI0-to-ABIInternal wrapper at addr, or 0. */
static uint64_t wrapper_target(const struct gs_elf *e, uint64_t addr, struct gs_err *err)
{
	const uint8_t *code = gs_elf_vaddr(e, addr, 32);
	uint64_t to = 0;
	struct gs_capdec d;

	if (!code || dec_open(&d, code, 32, addr, err) < 0)
		return 0;
	/* xorps xmm15, xmm15; mov r14, fs:[-8] (PIE: two movs); jmp body */
	for (int n = 0; n < 5 && dec_next(&d); n++) {
		const cs_x86 *x = x86(d.insn);

		if (d.insn->id == X86_INS_JMP) {
			if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM)
				to = (uint64_t)x->operands[0].imm;
			break;
		}
		if (d.insn->id != X86_INS_XORPS && d.insn->id != X86_INS_MOV)
			break;
	}
	gs_capdec_close(&d);
	return to;
}

/* A call target that is runtime.morestack*, directly or through its ABI0 wrapper. */
static bool is_morestack(const struct gs_elf *e, uint64_t target, const uint64_t *ms,
			 unsigned nms, struct gs_err *err)
{
	uint64_t via = wrapper_target(e, target, err);

	for (unsigned k = 0; k < nms; k++)
		if (target == ms[k] || (via && via == ms[k]))
			return true;
	return false;
}

/* The morestack block at l: no branch but one call to morestack, then `jmp entry`. */
static bool morestack_block(const struct gs_elf *e, const struct gs_pclntab *t,
			    const struct gs_func *f, uint64_t l, struct gs_err *err)
{
	/* morestackc: for //go:systemstack code, which must never grow a user stack. */
	static const char *const names[] = {
		"runtime.morestack", "runtime.morestack_noctxt", "runtime.morestackc",
	};
	uint64_t ms[3], end = f->entry + f->size;
	unsigned nms = 0;
	const uint8_t *code;
	bool called = false, ok = false;
	struct gs_capdec d;
	int n = 0;

	for (unsigned k = 0; k < 3; k++) {
		struct gs_func m;

		if (gs_pcln_lookup(e, t, names[k], &m) == 0)
			ms[nms++] = m.entry;
	}
	if (!nms || l >= end)
		return false;
	code = gs_elf_vaddr(e, l, end - l);
	if (!code || dec_open(&d, code, (size_t)(end - l), l, err) < 0)
		return false;
	while (n++ < MORESTACK_BLOCK && dec_next(&d)) {
		const cs_insn *i = d.insn;
		const cs_x86 *x = x86(i);
		uint64_t target = x->op_count == 1 && x->operands[0].type == X86_OP_IMM ?
				  (uint64_t)x->operands[0].imm : 0;

		if (i->id == X86_INS_CALL) {
			if (called || !target || !is_morestack(e, target, ms, nms, err))
				break;
			called = true;
			continue;
		}
		if (i->id == X86_INS_JMP) {
			ok = called && target == f->entry;
			break;
		}
		if (cs_insn_group(d.h, i, CS_GRP_JUMP) || cs_insn_group(d.h, i, CS_GRP_RET) ||
		    cs_insn_group(d.h, i, CS_GRP_CALL) || cs_insn_group(d.h, i, CS_GRP_INT))
			break;
	}
	gs_capdec_close(&d);
	return ok;
}

int gs_x86_prologue(const struct gs_elf *e, const struct gs_pclntab *t, const struct gs_func *f,
		    struct gs_x86_prologue *out, struct gs_err *err)
{
	x86_reg g = X86_REG_R14, frame = X86_REG_RSP;
	const uint8_t *code;
	size_t len;
	struct gs_capdec d;
	int stage = 0;	/* 0: tls/lea/cmp; 1: want jbe */
	bool touched_g = false;

	if (e->machine != EM_X86_64 || !e->is64)
		return gs_errf(err, ENOTSUP, "machine-code scan is for x86-64 only");
	len = f->size < 64 ? (size_t)f->size : 64;
	code = len ? gs_elf_vaddr(e, f->entry, len) : NULL;
	if (!code)
		return gs_errf(err, EINVAL, "function code outside the file");
	if (dec_open(&d, code, len, f->entry, err) < 0)
		return -1;
	for (int n = 0; n < PROLOGUE_INSNS && dec_next(&d); n++) {
		const cs_insn *i = d.insn;
		const cs_x86 *x = x86(i);

		if (stage == 1) {
			uint64_t l;

			if (i->id != X86_INS_JBE || x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
				break;
			l = (uint64_t)x->operands[0].imm;
			out->branch = i->address;
			out->body = i->address + i->size;
			gs_capdec_close(&d);
			if (l <= out->body || !morestack_block(e, t, f, l, err))
				return gs_errf(err, EINVAL, "stack-check branch does not lead to morestack");
			return 0;
		}
		/* Go 1.16 and earlier: g from thread-local storage. */
		if (i->id == X86_INS_MOV && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
		    x->operands[1].type == X86_OP_MEM && x->operands[1].mem.segment == X86_REG_FS &&
		    x->operands[1].mem.disp == -8) {
			g = x->operands[0].reg;
			touched_g = true;
			continue;
		}
		if (i->id == X86_INS_LEA && x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
		    x->operands[1].type == X86_OP_MEM && x->operands[1].mem.base == X86_REG_RSP &&
		    x->operands[1].mem.index == X86_REG_INVALID) {
			frame = x->operands[0].reg;
			continue;
		}
		if (i->id == X86_INS_CMP && x->op_count == 2 && is_reg(&x->operands[0], frame) &&
		    is_stackguard(&x->operands[1], g)) {
			stage = 1;
			continue;
		}
		for (uint8_t k = 0; k < x->op_count; k++)
			if (is_stackguard(&x->operands[k], g))
				touched_g = true;
		break;
	}
	gs_capdec_close(&d);
	if (stage == 0 && !touched_g) {
		/* No stack check (nosplit): nothing jumps back to the entry. */
		out->branch = 0;
		out->body = f->entry;
		return 0;
	}
	return gs_errf(err, EINVAL, "unrecognised stack-check prologue");
}

int gs_x86_rets(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *out, unsigned max,
		struct gs_err *err)
{
	struct gs_capdec d;
	unsigned n = 0;

	if (dec_open(&d, code, len, vaddr, err) < 0)
		return -1;
	while (dec_next(&d))
		if (d.insn->id == X86_INS_RET && n < max)
			out[n++] = d.insn->address;
	if (d.left) {
		/* Go pads functions with int3, which decodes; anything else stops us. */
		gs_capdec_close(&d);
		return gs_errf(err, EINVAL, "undecodable byte at %#llx",
			       (unsigned long long)d.pc);
	}
	gs_capdec_close(&d);
	return (int)n;
}

/* ---- absolute references (coderef.h) ---- */

/* The 64-bit register a general-purpose register is part of (0-15), or -1. */
static int gpr64(x86_reg r)
{
	static const x86_reg sets[16][5] = {
		{ X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
		{ X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
		{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
		{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
		{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, X86_REG_INVALID },
		{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, X86_REG_INVALID },
		{ X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, X86_REG_INVALID },
		{ X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, X86_REG_INVALID },
		{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, X86_REG_INVALID },
		{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, X86_REG_INVALID },
		{ X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, X86_REG_INVALID },
		{ X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, X86_REG_INVALID },
		{ X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, X86_REG_INVALID },
		{ X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, X86_REG_INVALID },
		{ X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, X86_REG_INVALID },
		{ X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, X86_REG_INVALID },
	};

	if (r == X86_REG_INVALID)
		return -1;
	for (int k = 0; k < 16; k++)
		for (int j = 0; j < 5; j++)
			if (sets[k][j] == r)
				return k;
	return -1;
}

static bool add_ref(struct gs_cref *out, unsigned max, unsigned *n, const struct gs_cref *r)
{
	if (*n >= max)
		return false;
	out[(*n)++] = *r;
	return true;
}

/*
 * One pass. A forward branch marks its target in a bitmap (one bit per
 * byte of code); reaching a marked instruction forgets every register,
 * since the branch may bring other values. A backward branch needs
 * nothing: the straight-line path into its target computed what is known
 * there, so every reference reported happens on that path.
 */
int gs_x86_refs(const uint8_t *code, size_t len, uint64_t vaddr, struct gs_cref *out,
		unsigned max, struct gs_err *err)
{
	uint64_t known[16];
	bool have[16] = { false };
	unsigned n = 0;
	bool full = false;
	uint8_t *fwd;
	struct gs_capdec d;
	int rc = -1;

	if (len > GS_CREF_MAX_CODE)
		len = GS_CREF_MAX_CODE;
	fwd = calloc(len / 8 + 1, 1);
	if (!fwd)
		return gs_errf(err, ENOMEM, "out of memory");
	if (dec_open(&d, code, len, vaddr, err) < 0) {
		free(fwd);
		return -1;
	}
	while (dec_next(&d)) {
		const cs_insn *i = d.insn;
		const cs_x86 *x = x86(i);
		uint64_t at = i->address - vaddr;
		cs_regs rr, rw;
		uint8_t nrr = 0, nrw = 0;
		struct gs_cref r;

		if (fwd[at / 8] & (1u << (at % 8)))
			memset(have, 0, sizeof(have));
		if (cs_insn_group(d.h, i, CS_GRP_JUMP) && x->op_count == 1 &&
		    x->operands[0].type == X86_OP_IMM) {
			uint64_t to = (uint64_t)x->operands[0].imm - vaddr;

			if (to > at && to < len)
				fwd[to / 8] |= (uint8_t)(1u << (to % 8));
		}
		if (i->id == X86_INS_NOP)
			continue;
		memset(&r, 0, sizeof(r));
		r.pc = i->address;
		if (i->id == X86_INS_CALL) {
			if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
				r.kind = GS_CREF_CALL;
				r.addr = (uint64_t)x->operands[0].imm;
				full |= !add_ref(out, max, &n, &r);
			}
			memset(have, 0, sizeof(have));
			continue;
		}
		if (i->id == X86_INS_LEA && x->op_count == 2 && x->operands[0].type == X86_OP_REG) {
			const cs_x86_op *m = &x->operands[1];
			int dst = gpr64(x->operands[0].reg);
			bool abs = false;

			if (is_rip_mem(m)) {
				r.addr = rip_target(i, m);
				abs = true;
			} else if (m->type == X86_OP_MEM && m->mem.index == X86_REG_INVALID &&
				   m->mem.segment == X86_REG_INVALID && gpr64(m->mem.base) >= 0 &&
				   have[gpr64(m->mem.base)]) {
				r.addr = known[gpr64(m->mem.base)] + (uint64_t)m->mem.disp;
				abs = true;
			}
			if (dst >= 0)
				have[dst] = false;
			if (abs) {
				r.kind = GS_CREF_ADDR;
				full |= !add_ref(out, max, &n, &r);
				if (dst >= 0 && x->operands[0].size == 8) {
					known[dst] = r.addr;
					have[dst] = true;
				}
			}
			continue;
		}
		for (uint8_t k = 0; k < x->op_count; k++) {
			const cs_x86_op *m = &x->operands[k];
			int base = m->type == X86_OP_MEM ? gpr64(m->mem.base) : -1;

			if (m->type != X86_OP_MEM || m->mem.segment != X86_REG_INVALID)
				continue;
			r.rel = false;
			r.indexed = false;
			if (is_rip_mem(m)) {
				r.addr = rip_target(i, m);
			} else if (base >= 0 && have[base]) {
				r.addr = known[base] + (uint64_t)m->mem.disp;
				r.indexed = m->mem.index != X86_REG_INVALID;
			} else if (base >= 0 && base != 6 && base != 7 && i->id != X86_INS_NOP) {
				/* through a pointer (not rsp or rbp): a field offset */
				r.addr = (uint64_t)m->mem.disp;
				r.rel = true;
				r.reg = (uint8_t)base;
				r.indexed = m->mem.index != X86_REG_INVALID;
			} else {
				continue;
			}
			if ((m->access & (CS_AC_READ | CS_AC_WRITE)) == (CS_AC_READ | CS_AC_WRITE))
				r.kind = GS_CREF_RMW;
			else if (m->access & CS_AC_WRITE)
				r.kind = GS_CREF_STORE;
			else
				r.kind = GS_CREF_LOAD;
			r.size = m->size;
			r.atomic = x->prefix[0] == X86_PREFIX_LOCK || i->id == X86_INS_XCHG;
			r.has_imm = false;
			if ((r.kind == GS_CREF_STORE || i->id == X86_INS_CMP) && x->op_count == 2 &&
			    x->operands[1].type == X86_OP_IMM) {
				r.has_imm = true;
				r.imm = x->operands[1].imm;
			}
			full |= !add_ref(out, max, &n, &r);
		}
		/* Registers this instruction writes lose their known address. */
		if (cs_regs_access(d.h, i, rr, &nrr, rw, &nrw) == CS_ERR_OK) {
			for (uint8_t k = 0; k < nrw; k++)
				if (gpr64(rw[k]) >= 0)
					have[gpr64(rw[k])] = false;
		} else {
			memset(have, 0, sizeof(have));
		}
		if (cs_insn_group(d.h, i, CS_GRP_JUMP) || cs_insn_group(d.h, i, CS_GRP_RET))
			if (i->id == X86_INS_JMP || cs_insn_group(d.h, i, CS_GRP_RET))
				memset(have, 0, sizeof(have));
	}
	if (d.left) {
		gs_errf(err, EINVAL, "undecodable byte at %#llx", (unsigned long long)d.pc);
		goto out;
	}
	if (full) {
		gs_errf(err, E2BIG, "more than %u references", max);
		goto out;
	}
	rc = (int)n;
out:
	gs_capdec_close(&d);
	free(fwd);
	return rc;
}
