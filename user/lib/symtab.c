/* SPDX-License-Identifier: MIT */
/* Symbol lookups in .symtab (present unless built with -s or stripped). */
#include "goelf.h"

#include <elf.h>
#include <string.h>

#define NAME_MAX_LEN 1024
#define SYMS_MAX (2u << 20)	/* symbols read (48 MiB of ELF64 ones); real Go binaries have < 10^6 */

#define QUERIES_MAX 32	/* queries whose lengths are worked out once; more go unlooked */

/*
 * Is the name at np (room bytes readable) exactly want? At most wlen+1
 * read. The first byte and the terminator are tried before the compare:
 * a Go binary's .symtab holds tens of thousands of names, nearly all of
 * which differ from every query there already.
 */
static bool name_is(const uint8_t *np, uint64_t room, const char *want, size_t wlen)
{
	return wlen < room && wlen < NAME_MAX_LEN && np[0] == (uint8_t)want[0] && np[wlen] == 0 &&
	       memcmp(np, want, wlen) == 0;
}

int gs_symtab_lookup(const struct gs_elf *e, struct gs_sym_query *q, unsigned nq)
{
	struct gs_shdr sym = { 0 }, str;
	uint64_t entsize, count;
	const uint8_t *syms, *strs;
	size_t len[QUERIES_MAX];
	bool first[256] = { false };	/* the first bytes of the queries' names */
	unsigned left;
	bool have = false;

	if (nq > QUERIES_MAX)
		nq = QUERIES_MAX;
	left = nq;
	for (unsigned i = 0; i < nq; i++) {
		q[i].found = false;
		len[i] = strlen(q[i].name);
		first[(uint8_t)q[i].name[0]] = true;
	}
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
	if (count > SYMS_MAX)
		count = SYMS_MAX;
	/* Each symbol costs at most two byte tests per query, never a strlen. */
	for (uint64_t i = 1; i < count && left; i++) {
		const uint8_t *s = syms + i * entsize;
		uint32_t name = gs_rd32(e, s);
		const uint8_t *np;
		uint64_t value, size, room;
		bool any = false;

		if (name == 0 || name >= str.size)
			continue;
		np = strs + name;
		if (!first[np[0]])
			continue;
		room = str.size - name;
		for (unsigned k = 0; k < nq && !any; k++)
			any = !q[k].found && name_is(np, room, q[k].name, len[k]);
		if (!any)
			continue;
		if (e->is64) {
			value = gs_rd64(e, s + 8);
			size = gs_rd64(e, s + 16);
		} else {
			value = gs_rd32(e, s + 4);
			size = gs_rd32(e, s + 8);
		}
		for (unsigned k = 0; k < nq; k++) {
			if (q[k].found || !name_is(np, room, q[k].name, len[k]))
				continue;
			q[k].found = true;
			q[k].value = value;
			q[k].size = size;
			left--;
		}
	}
	return 0;
}
