/* SPDX-License-Identifier: MIT */
/*
 * Private helpers shared by pclntab.c and moduledata.c.
 *
 * A struct gs_pclntab carries no byte order of its own, yet gs_pcln_name()
 * gets no ELF view: the order is recovered from the magic, whose first byte
 * is 0xFF only when stored big-endian (docs/go-binary-format.md §4.1).
 */
#ifndef GOSCOPE_PCLNTAB_INT_H
#define GOSCOPE_PCLNTAB_INT_H

#include "goelf.h"

#define GS_PCLN_MAX_NFUNC 10000000u	/* §4.6: real tables hold < 10^7 functions */
#define GS_PCLN_NAME_MAX 4096u		/* longest function name we read */

static inline bool pcln_be(const struct gs_pclntab *t)
{
	return t->data[0] == 0xff;
}

static inline uint64_t pcln_rd(const struct gs_pclntab *t, const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	if (pcln_be(t)) {
		for (unsigned i = 0; i < width; i++)
			v = v << 8 | p[i];
	} else {
		for (unsigned i = width; i-- > 0;)
			v = v << 8 | p[i];
	}
	return v;
}

/* Width of one functab field: a uintptr before Go 1.18, a u32 since. */
static inline unsigned pcln_fieldsz(const struct gs_pclntab *t)
{
	return t->ver >= GS_PCLN_118 ? 4 : t->ptrsize;
}

/*
 * Functab entry i, 0 <= i <= nfunc (nfunc is the end sentinel): the raw
 * entry value (a PC before 1.18, an offset from text since) and, for
 * i < nfunc, the table offset of its _func record.
 */
bool gs_pcln_ftab(const struct gs_pclntab *t, uint64_t i, uint64_t *entry, uint64_t *func);

/*
 * Function i < nfunc as an address range: its entry PC (the text base added
 * from 1.18, docs/go-binary-format.md §4.4) and its size up to the next
 * entry (0 when the table is out of order). False when the table says nothing.
 */
bool gs_pcln_func_span(const struct gs_pclntab *t, uint64_t i, uint64_t *entry, uint64_t *size);

/*
 * A named section re-checked against the PT_LOADs (§1): its file offset must
 * be the one its address maps to. Gives the address and the bytes up to the
 * section end, clamped to the segment's file part and the image.
 */
bool gs_section_view(const struct gs_elf *e, const char *name, uint64_t *vaddr,
		     const uint8_t **p, size_t *len);

/*
 * The addend of the R_*_RELATIVE relocation (DT_RELA) that targets the word
 * at slot. Some external linkers leave such slots zero in the file (§4.4).
 */
bool gs_rela_relative(const struct gs_elf *e, uint64_t slot, uint64_t *addend);

#endif
