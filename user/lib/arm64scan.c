/* SPDX-License-Identifier: MIT */
/* Absolute references in arm64 Go code (arm64scan.h). */
#include "arm64scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capdec.h"

#define NREGS 31		/* x0-x30 */

/* x0-x30 (or w0-w30) as 0-30; -1 for sp, zr and everything else. */
static int xreg(arm64_reg r)
{
	if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28)
		return (int)(r - ARM64_REG_X0);
	if (r == ARM64_REG_X29)
		return 29;
	if (r == ARM64_REG_X30)
		return 30;
	if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30)
		return (int)(r - ARM64_REG_W0);
	return -1;
}

static bool starts(const char *m, const char *p)
{
	return strncmp(m, p, strlen(p)) == 0;
}

static unsigned reg_bytes(arm64_reg r)
{
	if ((r >= ARM64_REG_W0 && r <= ARM64_REG_W30) || r == ARM64_REG_WZR)
		return 4;
	if ((r >= ARM64_REG_X0 && r <= ARM64_REG_X28) || r == ARM64_REG_X29 || r == ARM64_REG_X30 ||
	    r == ARM64_REG_XZR)
		return 8;
	if (r >= ARM64_REG_S0 && r <= ARM64_REG_S31)
		return 4;
	if (r >= ARM64_REG_D0 && r <= ARM64_REG_D31)
		return 8;
	if (r >= ARM64_REG_Q0 && r <= ARM64_REG_Q31)
		return 16;
	return 0;
}

/*
 * Bytes moved by a load or store: a mnemonic ending in b or h (ldrb,
 * sturh, ldaddalb, stlrh) moves 1 or 2, ldrsw and ldpsw 4; the rest move
 * their data register's width (the second operand of the status-returning
 * store-exclusives stxr, stlxr).
 */
static unsigned access_size(const cs_insn *i, const cs_arm64 *a)
{
	const char *m = i->mnemonic;
	size_t n = strlen(m);
	unsigned k = starts(m, "stxr") || starts(m, "stlxr") || starts(m, "stxp") ||
		     starts(m, "stlxp") ? 1 : 0;

	if (n >= 2 && m[n - 2] == 's' && m[n - 1] == 'w')
		return 4;
	if (n && m[n - 1] == 'b')
		return 1;
	if (n && m[n - 1] == 'h')
		return 2;
	if (k >= a->op_count || a->operands[k].type != ARM64_OP_REG)
		return 0;
	return reg_bytes(a->operands[k].reg);
}

/* What a memory instruction does: GS_CREF_LOAD/STORE/RMW, atomic or not; 0: not memory. */
static int mem_kind(const char *m, bool *atomic)
{
	static const char *const rmw[] = {
		"ldadd", "ldclr", "ldeor", "ldset", "ldsmax", "ldsmin", "ldumax", "ldumin",
		"swp", "cas",
	};

	*atomic = false;
	for (size_t k = 0; k < sizeof(rmw) / sizeof(rmw[0]); k++)
		if (starts(m, rmw[k])) {
			*atomic = true;
			return GS_CREF_RMW;
		}
	if (starts(m, "ldar") || starts(m, "ldaxr") || starts(m, "ldxr") || starts(m, "ldapr") ||
	    starts(m, "ldaxp") || starts(m, "ldxp")) {
		*atomic = true;
		return GS_CREF_LOAD;
	}
	if (starts(m, "stlr") || starts(m, "stlxr") || starts(m, "stxr") || starts(m, "stlxp") ||
	    starts(m, "stxp")) {
		*atomic = true;
		return GS_CREF_STORE;
	}
	if (starts(m, "ldr") || starts(m, "ldur") || starts(m, "ldp") || starts(m, "ldnp"))
		return GS_CREF_LOAD;
	if (starts(m, "str") || starts(m, "stur") || starts(m, "stp") || starts(m, "stnp"))
		return GS_CREF_STORE;
	return 0;
}

/* Whole words only: an arm64 instruction is 4 bytes. */
static int dec_open(struct gs_capdec *d, const uint8_t *code, size_t len, uint64_t pc,
		    struct gs_err *err)
{
	return gs_capdec_open(d, CS_ARCH_ARM64, CS_MODE_ARM, "arm64", code, len & ~(size_t)3,
			      pc, err);
}

/*
 * The next instruction. An undecodable word (Go emits none inside a
 * function, but padding between functions may be anything) is skipped as
 * one unknown instruction: *bad is set, nothing is tracked across it.
 */
static bool dec_next(struct gs_capdec *d, bool *bad)
{
	*bad = false;
	if (d->left < 4)
		return false;
	if (cs_disasm_iter(d->h, &d->code, &d->left, &d->pc, d->insn))
		return true;
	d->code += 4;
	d->left -= 4;
	d->pc += 4;
	*bad = true;
	return true;
}

static bool is_branch(const cs_insn *i)
{
	return i->id == ARM64_INS_B || i->id == ARM64_INS_BL || i->id == ARM64_INS_CBZ ||
	       i->id == ARM64_INS_CBNZ || i->id == ARM64_INS_TBZ || i->id == ARM64_INS_TBNZ;
}

/* The immediate target of a direct branch (its last operand), or 0. */
static uint64_t branch_to(const cs_arm64 *a)
{
	if (!a->op_count || a->operands[a->op_count - 1].type != ARM64_OP_IMM)
		return 0;
	return (uint64_t)a->operands[a->op_count - 1].imm;
}

/* Registers (bit per x0-x30) an instruction writes; kind is its mem_kind. */
static uint32_t writes(const cs_insn *i, int kind)
{
	const cs_arm64 *a = &i->detail->arm64;
	uint32_t m = 0;
	int dst = a->op_count && a->operands[0].type == ARM64_OP_REG ? xreg(a->operands[0].reg) : -1;

	if (i->id == ARM64_INS_BL || i->id == ARM64_INS_BLR)
		return ~0u;
	for (uint8_t k = 0; k < a->op_count; k++) {
		const cs_arm64_op *o = &a->operands[k];

		if (o->type == ARM64_OP_REG && (o->access & CS_AC_WRITE) && xreg(o->reg) >= 0)
			m |= 1u << xreg(o->reg);
		/* a base register updated by pre- or post-indexing */
		if (o->type == ARM64_OP_MEM && a->writeback && xreg(o->mem.base) >= 0)
			m |= 1u << xreg(o->mem.base);
	}
	/* Loads write their first operand(s); capstone may not mark them. */
	if (kind == GS_CREF_LOAD || kind == GS_CREF_RMW) {
		for (uint8_t k = 0; k < a->op_count && k < 2; k++)
			if (a->operands[k].type == ARM64_OP_REG && xreg(a->operands[k].reg) >= 0)
				m |= 1u << xreg(a->operands[k].reg);
	} else if (kind == GS_CREF_STORE) {
		/* store-exclusives write their status register */
		if ((starts(i->mnemonic, "stxr") || starts(i->mnemonic, "stlxr")) && dst >= 0)
			m |= 1u << dst;
	} else if (dst >= 0 && !is_branch(i) && i->id != ARM64_INS_CMP &&
		   i->id != ARM64_INS_CMN && i->id != ARM64_INS_TST) {
		/* any other instruction with a register first operand writes it */
		m |= 1u << dst;
	}
	for (uint8_t k = 0; k < i->detail->regs_write_count; k++)
		if (xreg(i->detail->regs_write[k]) >= 0)
			m |= 1u << xreg(i->detail->regs_write[k]);
	return m;
}

/*
 * One pass. A forward branch marks its target (one bit per instruction);
 * reaching a marked one forgets every register, since the branch may bring
 * other values. A backward branch (an ldaxr/stlxr retry loop, say) needs
 * nothing: the straight-line path into its target computed what is known
 * there, so every reference reported happens on that path.
 */
int gs_arm64_refs(const uint8_t *code, size_t len, uint64_t vaddr, struct gs_cref *out,
		  unsigned max, struct gs_err *err)
{
	uint64_t known[NREGS];
	bool have[NREGS] = { false };
	unsigned n = 0;
	bool full = false, bad;
	uint8_t *fwd;
	struct gs_capdec d;

	if (len > GS_CREF_MAX_CODE)
		len = GS_CREF_MAX_CODE;
	fwd = calloc(len / 32 + 1, 1);
	if (!fwd)
		return gs_errf(err, ENOMEM, "out of memory");
	if (dec_open(&d, code, len, vaddr, err) < 0) {
		free(fwd);
		return -1;
	}
	while (dec_next(&d, &bad)) {
		const cs_insn *i = d.insn;
		uint64_t at = (d.pc - 4 - vaddr) / 4;
		const cs_arm64 *a;
		struct gs_cref r;
		int dst, kind;
		uint32_t w;
		bool atomic;

		if (fwd[at / 8] & (1u << (at % 8)))
			memset(have, 0, sizeof(have));
		if (bad) {
			memset(have, 0, sizeof(have));
			continue;
		}
		a = &i->detail->arm64;
		if (is_branch(i) && i->id != ARM64_INS_BL) {
			uint64_t to = branch_to(a) - vaddr;

			if (to / 4 > at && to < len && !(to & 3))
				fwd[to / 32] |= (uint8_t)(1u << (to / 4 % 8));
		}
		memset(&r, 0, sizeof(r));
		r.pc = i->address;
		dst = a->op_count && a->operands[0].type == ARM64_OP_REG ? xreg(a->operands[0].reg) : -1;

		if (i->id == ARM64_INS_ADRP && dst >= 0 && a->op_count == 2 &&
		    a->operands[1].type == ARM64_OP_IMM) {
			known[dst] = (uint64_t)a->operands[1].imm;
			have[dst] = true;
			continue;
		}
		if (i->id == ARM64_INS_ADD && dst >= 0 && a->op_count == 3 &&
		    a->operands[1].type == ARM64_OP_REG && a->operands[2].type == ARM64_OP_IMM &&
		    xreg(a->operands[1].reg) >= 0 && have[xreg(a->operands[1].reg)] &&
		    reg_bytes(a->operands[0].reg) == 8) {
			uint64_t imm = (uint64_t)a->operands[2].imm;

			if (a->operands[2].shift.type == ARM64_SFT_LSL)
				imm <<= a->operands[2].shift.value & 63;
			r.kind = GS_CREF_ADDR;
			r.addr = known[xreg(a->operands[1].reg)] + imm;
			full |= n >= max;
			if (n < max)
				out[n++] = r;
			known[dst] = r.addr;
			have[dst] = true;
			continue;
		}
		if (i->id == ARM64_INS_BL) {
			r.kind = GS_CREF_CALL;
			r.addr = branch_to(a);
			full |= n >= max;
			if (n < max)
				out[n++] = r;
			memset(have, 0, sizeof(have));
			continue;
		}
		kind = mem_kind(i->mnemonic, &atomic);
		if (kind) {
			bool pair = starts(i->mnemonic, "ldp") || starts(i->mnemonic, "stp") ||
				    starts(i->mnemonic, "ldnp") || starts(i->mnemonic, "stnp");
			unsigned sz = access_size(i, a);

			for (uint8_t k = 0; k < a->op_count; k++) {
				const cs_arm64_op *m = &a->operands[k];
				int base = m->type == ARM64_OP_MEM ? xreg(m->mem.base) : -1;

				if (m->type != ARM64_OP_MEM || base < 0)
					continue;
				r.kind = (uint8_t)kind;
				r.atomic = atomic;
				r.indexed = m->mem.index != ARM64_REG_INVALID;
				r.size = (uint8_t)sz;
				if (a->writeback)
					continue;	/* pre-/post-indexed: Go never does this to a global */
				if (have[base]) {
					r.rel = false;
					r.addr = known[base] + (uint64_t)(int64_t)m->mem.disp;
				} else if (base != 29 && base != 28) {
					/* through a pointer (not fp, nor g in x28): a field offset */
					r.rel = true;
					r.reg = (uint8_t)base;
					r.addr = (uint64_t)(int64_t)m->mem.disp;
				} else {
					continue;
				}
				full |= n >= max;
				if (n < max)
					out[n++] = r;
				if (pair && sz && !r.rel) {
					r.addr += sz;
					full |= n >= max;
					if (n < max)
						out[n++] = r;
				}
			}
		}
		/* Registers written lose their known address. */
		w = writes(i, kind);
		for (int k = 0; k < NREGS; k++)
			if (w & (1u << k))
				have[k] = false;
		if ((i->id == ARM64_INS_B && a->cc == ARM64_CC_INVALID) || i->id == ARM64_INS_RET ||
		    i->id == ARM64_INS_BR || i->id == ARM64_INS_BLR)
			memset(have, 0, sizeof(have));
	}
	gs_capdec_close(&d);
	free(fwd);
	if (full)
		return gs_errf(err, E2BIG, "more than %u references", max);
	return (int)n;
}
