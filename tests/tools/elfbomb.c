/* SPDX-License-Identifier: MIT */
/*
 * elfbomb: the segment-walk ELF bomb of the classifier's security tests, an
 * x86-64 executable that really runs (it sleeps, then exits 0), so that the
 * process commands meet it too.
 *
 *   elfbomb [-n SEGS] [-s SIZE] [-f FILESIZE] [-t SECONDS] [-z] [-N] [-S] [-y] OUT
 *
 *   -n SEGS      writable PT_LOADs, all mapping the same file range (default
 *                63: with the code segment, the 64 program headers goscope
 *                keeps)
 *   -s SIZE      bytes of that range (default 32M; K, M, G suffixes)
 *   -f FILESIZE  file size (default: what the range needs); the file is
 *                made with ftruncate, so what is not written is a hole
 *   -t SECONDS   how long the program sleeps (default 600)
 *   -z           sparse: write only the headers, leave the range a hole;
 *                default: fill it with word pairs shaped like Go string
 *                headers {ptr, len = 100} pointing into the last segment
 *   -N           a Go build-ID note (PT_NOTE) as a second weak signal
 *   -S           no section header table (default: one with a .gosymtab
 *                section, the only Go evidence)
 *   -y           a .symtab section over the whole range too: a symbol
 *                table of SIZE / 24 entries for the symbol lookups to walk
 *
 * Layout: page 0 holds the ELF and program headers, page 1 the code, the
 * note and the section table (together the read+exec segment at 0x400000);
 * the range starts at page 2 and every writable segment maps it at its own
 * address. Overlapping file ranges are fine for the kernel as long as each
 * segment's offset and address agree modulo the page size; their addresses
 * do not overlap. A test tool, not part of goscope.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOOL "elfbomb"
#include "sleeper.h"

#define PAGE 4096u
#define CODE_VADDR 0x400000ull
#define DATA_OFF (2 * PAGE)
#define DATA_VADDR 0x10000000ull
#define STR_LEN 100		/* a string header's len: in both scans' ranges */
#define MAX_SEGS 63

static uint64_t size_arg(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		die("bad size '%s'", s);
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end || !v || v > (64ull << 30))
		die("bad size '%s'", s);
	return v;
}

static void pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
}

int main(int argc, char **argv)
{
	uint64_t size = 32ull << 20, fsize = 0, secs = 600, stride, last;
	unsigned nseg = MAX_SEGS, nph, i;
	bool sparse = false, note = false, nosh = false, symtab = false;
	static uint8_t head[2 * PAGE];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)head;
	Elf64_Phdr *ph = (Elf64_Phdr *)(head + sizeof(*eh));
	uint8_t *code = head + PAGE;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:s:f:t:zNSy")) != -1) {
		switch (opt) {
		case 'n': nseg = (unsigned)atoi(optarg); break;
		case 's': size = size_arg(optarg); break;
		case 'f': fsize = size_arg(optarg); break;
		case 't': secs = (uint64_t)atoll(optarg); break;
		case 'z': sparse = true; break;
		case 'N': note = true; break;
		case 'S': nosh = true; break;
		case 'y': symtab = true; break;
		default:
			fprintf(stderr, "usage: elfbomb [-n SEGS] [-s SIZE] [-f FILESIZE] "
				"[-t SECONDS] [-z] [-N] [-S] [-y] OUT\n");
			return 2;
		}
	}
	if (optind + 1 != argc)
		die("one output file expected");
	if (symtab && nosh)
		die("-y needs the section table (no -S)");
	if (!nseg || nseg > MAX_SEGS - (unsigned)note)
		die("1 to %u writable segments", MAX_SEGS - (unsigned)note);
	size &= ~(uint64_t)(PAGE - 1);
	if (size < PAGE)
		die("SIZE below one page");
	if (!fsize)
		fsize = DATA_OFF + size;
	if (fsize < DATA_OFF + size)
		die("FILESIZE %llu cannot hold the range", (unsigned long long)fsize);
	/* Addresses a 2 MiB-aligned step apart, so that no two overlap. */
	stride = (size + PAGE + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
	last = DATA_VADDR + (uint64_t)(nseg - 1) * stride;

	put_ehdr(eh, CODE_VADDR + PAGE);

	nph = 0;
	ph[nph++] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
				  .p_vaddr = CODE_VADDR, .p_paddr = CODE_VADDR,
				  .p_filesz = 2 * PAGE, .p_memsz = 2 * PAGE, .p_align = PAGE };
	put_code(code, secs);
	if (note) {
		static const char id[] = "goscope-elfbomb/not-a-go-build-id";
		uint8_t *n = code + 0x100;
		uint32_t hdr[3] = { 4, sizeof(id), 4 };

		memcpy(n, hdr, sizeof(hdr));
		memcpy(n + 12, "Go\0\0", 4);
		memcpy(n + 16, id, sizeof(id));
		ph[nph++] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R,
					  .p_offset = PAGE + 0x100,
					  .p_vaddr = CODE_VADDR + PAGE + 0x100,
					  .p_filesz = 16 + ((sizeof(id) + 3) & ~3u),
					  .p_memsz = 16 + ((sizeof(id) + 3) & ~3u), .p_align = 4 };
	}
	for (i = 0; i < nseg; i++)
		ph[nph++] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
					  .p_offset = DATA_OFF,
					  .p_vaddr = DATA_VADDR + (uint64_t)i * stride,
					  .p_paddr = DATA_VADDR + (uint64_t)i * stride,
					  .p_filesz = size, .p_memsz = size, .p_align = PAGE };
	eh->e_phnum = (uint16_t)nph;
	if (sizeof(*eh) + nph * sizeof(Elf64_Phdr) > PAGE)
		die("program headers do not fit one page");

	if (!nosh) {
		static const char names[] = "\0.shstrtab\0.gosymtab\0.text\0.symtab\0.strtab";
		Elf64_Shdr *sh = (Elf64_Shdr *)(code + 0x300);

		memcpy(code + 0x200, names, sizeof(names));
		sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_STRTAB,
				      .sh_offset = PAGE + 0x200, .sh_size = sizeof(names),
				      .sh_addralign = 1 };
		/* Go's own .gosymtab has been empty since Go 1.3. */
		sh[2] = (Elf64_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
				      .sh_addr = CODE_VADDR + PAGE + 0x200,
				      .sh_offset = PAGE + 0x200, .sh_addralign = 1 };
		sh[3] = (Elf64_Shdr){ .sh_name = 21, .sh_type = SHT_PROGBITS,
				      .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
				      .sh_addr = CODE_VADDR + PAGE, .sh_offset = PAGE,
				      .sh_size = 48, .sh_addralign = 16 };
		eh->e_shoff = PAGE + 0x300;
		eh->e_shentsize = sizeof(Elf64_Shdr);
		eh->e_shnum = 4;
		if (symtab) {
			/* Names index a 16-byte .strtab of NULs: no symbol is named. */
			sh[4] = (Elf64_Shdr){ .sh_name = 27, .sh_type = SHT_SYMTAB,
					      .sh_offset = DATA_OFF, .sh_size = size / 24 * 24,
					      .sh_link = 5, .sh_addralign = 8,
					      .sh_entsize = sizeof(Elf64_Sym) };
			sh[5] = (Elf64_Shdr){ .sh_name = 35, .sh_type = SHT_STRTAB,
					      .sh_offset = PAGE + 0x500, .sh_size = 16,
					      .sh_addralign = 1 };
			eh->e_shnum = 6;
		}
		eh->e_shstrndx = 1;
	}

	fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0)
		die("%s: %s", argv[optind], strerror(errno));
	if (ftruncate(fd, (off_t)fsize) < 0)
		die("ftruncate: %s", strerror(errno));
	pwrite_all(fd, head, sizeof(head), 0);
	if (!sparse) {
		/* {ptr, len} every 16 bytes; ptr walks the last segment's range. */
		size_t chunk = 1u << 20;
		uint64_t *buf = malloc(chunk);

		if (!buf)
			die("out of memory");
		for (uint64_t off = 0; off < size; off += chunk) {
			size_t n = size - off < chunk ? (size_t)(size - off) : chunk;

			for (size_t k = 0; k < n / 16; k++) {
				uint64_t at = (off + 16 * k) % (size - STR_LEN - 16);

				buf[2 * k] = last + at;
				buf[2 * k + 1] = STR_LEN;
			}
			pwrite_all(fd, buf, n, DATA_OFF + off);
		}
		free(buf);
	}
	if (close(fd) < 0)
		die("%s: %s", argv[optind], strerror(errno));
	return 0;
}
