/* SPDX-License-Identifier: MIT */
/* Symbol lookups in .symtab (present unless built with -s or stripped). */
#include "goelf.h"

#include <elf.h>
#include <string.h>

#define NAME_MAX_LEN 1024

int gs_symtab_lookup(const struct gs_elf *e, struct gs_sym_query *q, unsigned nq)
{
	struct gs_shdr sym = { 0 }, str;
	uint64_t entsize, count;
	const uint8_t *syms, *strs;
	unsigned left = nq;
	bool have = false;

	for (unsigned i = 0; i < nq; i++)
		q[i].found = false;
	for (uint32_t i = 1; i < e->shnum; i++) {
		if (gs_elf_shdr(e, i, &sym) && sym.type == SHT_SYMTAB) {
			have = true;
			break;
		}
	}
	if (!have || !gs_elf_shdr(e, sym.link, &str) || str.type != SHT_STRTAB)
		return -1;
	entsize = e->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	syms = gs_elf_shdata(e, &sym);
	strs = gs_elf_shdata(e, &str);
	if (!syms || !strs || sym.entsize != entsize)
		return -1;
	count = sym.size / entsize;
	for (uint64_t i = 1; i < count && left; i++) {
		const uint8_t *s = syms + i * entsize;
		uint32_t name = gs_rd32(e, s);
		const uint8_t *np;
		uint64_t value, size, room;
		long nl;

		if (name == 0 || name >= str.size)
			continue;
		np = strs + name;
		room = str.size - name;
		nl = gs_strnlen_bounded(np, room < NAME_MAX_LEN ? room : NAME_MAX_LEN);
		if (nl < 0)
			continue;
		if (e->is64) {
			value = gs_rd64(e, s + 8);
			size = gs_rd64(e, s + 16);
		} else {
			value = gs_rd32(e, s + 4);
			size = gs_rd32(e, s + 8);
		}
		for (unsigned k = 0; k < nq; k++) {
			if (q[k].found || strcmp((const char *)np, q[k].name) != 0)
				continue;
			q[k].found = true;
			q[k].value = value;
			q[k].size = size;
			left--;
		}
	}
	return 0;
}
