/* SPDX-License-Identifier: MIT */
/*
 * elfcut: fuzz seeds cut from real release binaries (9-47 MB each, far too
 * big for libFuzzer to mutate at speed).
 *
 *   elfcut [-c CAP] IN OUT          a small ELF: the same headers, section
 *                                    table and program headers, every
 *                                    section's bytes cut to CAP (default
 *                                    32 KiB; .gopclntab 4x), laid out anew
 *   elfcut -s NAME [-c CAP] IN OUT  the first CAP bytes of one section
 *
 * The cut ELF keeps what makes seeds worth having: a real section table,
 * whole build info and notes (small), the real header of each pclntab
 * version, real modinfo and code. Section offsets and sizes are rewritten
 * so the table stays self-consistent; segments keep their addresses and
 * point at their first surviving section. ELF64 little-endian only: that
 * is every binary in the corpus. A test tool, not part of goscope.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECTIONS 4096

static const uint8_t *img;
static size_t img_size;

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "elfcut: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int in_file(uint64_t off, uint64_t len)
{
	return off <= img_size && len <= img_size - off;
}

static const char *sec_name(const Elf64_Shdr *strtab, uint32_t name)
{
	const char *p;

	if (!strtab || name >= strtab->sh_size || !in_file(strtab->sh_offset, strtab->sh_size))
		return "";
	p = (const char *)img + strtab->sh_offset + name;
	if (!memchr(p, 0, strtab->sh_size - name))
		return "";
	return p;
}

/* Build info and notes are small and wanted whole; pclntab gets more room. */
static uint64_t cap_for(const char *name, uint64_t cap)
{
	if (!strcmp(name, ".go.buildinfo") || !strncmp(name, ".note", 5) || !strcmp(name, ".shstrtab"))
		return 1u << 20;
	if (!strcmp(name, ".gopclntab") || !strcmp(name, ".data.rel.ro.gopclntab"))
		return cap * 4;
	return cap;
}

static void put(FILE *f, const void *p, size_t n, const char *out)
{
	if (n && fwrite(p, 1, n, f) != n)
		die("cannot write %s", out);
}

static void pad_to(FILE *f, uint64_t off, const char *out)
{
	static const uint8_t zero[64];
	long at = ftell(f);

	while (at >= 0 && (uint64_t)at < off) {
		size_t n = off - (uint64_t)at < sizeof(zero) ? (size_t)(off - (uint64_t)at) : sizeof(zero);

		put(f, zero, n, out);
		at += (long)n;
	}
}

int main(int argc, char **argv)
{
	const char *only = NULL, *in, *out;
	uint64_t cap = 32 << 10, off, newoff[MAX_SECTIONS], keep[MAX_SECTIONS];
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh, *strtab = NULL;
	Elf64_Ehdr neh;
	struct stat st;
	int opt, fd;
	FILE *f;

	while ((opt = getopt(argc, argv, "s:c:")) != -1) {
		if (opt == 's')
			only = optarg;
		else if (opt == 'c')
			cap = strtoull(optarg, NULL, 0);
		else
			return 2;
	}
	if (argc - optind != 2 || cap == 0) {
		fprintf(stderr, "usage: elfcut [-s SECTION] [-c CAP] IN OUT\n");
		return 2;
	}
	in = argv[optind];
	out = argv[optind + 1];
	fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot open %s", in);
	img_size = (size_t)st.st_size;
	img = img_size ? mmap(NULL, img_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	if (img == MAP_FAILED)
		die("cannot map %s", in);
	eh = (const Elf64_Ehdr *)img;
	if (img_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		die("%s: not a little-endian ELF64 file", in);
	if (eh->e_shnum > MAX_SECTIONS || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
	    (eh->e_phnum && (eh->e_phentsize != sizeof(Elf64_Phdr) ||
			     !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))))
		die("%s: header tables outside the file", in);
	sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	if (eh->e_shstrndx < eh->e_shnum)
		strtab = &sh[eh->e_shstrndx];

	f = fopen(out, "wx");
	if (!f)
		die("cannot create %s", out);
	if (only) {
		for (unsigned i = 0; i < eh->e_shnum; i++) {
			if (strcmp(sec_name(strtab, sh[i].sh_name), only) || sh[i].sh_type == SHT_NOBITS)
				continue;
			if (!in_file(sh[i].sh_offset, sh[i].sh_size))
				die("%s: section outside the file", only);
			put(f, img + sh[i].sh_offset, sh[i].sh_size < cap ? sh[i].sh_size : cap, out);
			return fclose(f) ? 1 : 0;
		}
		die("no section %s", only);
	}

	/* Header, program headers, section bytes, section table. */
	off = sizeof(neh) + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		uint64_t c = cap_for(sec_name(strtab, sh[i].sh_name), cap), a = sh[i].sh_addralign;

		newoff[i] = keep[i] = 0;
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_type == SHT_NULL ||
		    !in_file(sh[i].sh_offset, sh[i].sh_size))
			continue;
		keep[i] = sh[i].sh_size < c ? sh[i].sh_size : c;
		a = a > 1 && a <= 4096 ? a : 1;
		off = (off + a - 1) / a * a;
		newoff[i] = off;
		off += keep[i];
	}
	off = (off + 7) & ~7ull;
	neh = *eh;
	neh.e_phoff = eh->e_phnum ? sizeof(neh) : 0;
	neh.e_shoff = off;
	put(f, &neh, sizeof(neh), out);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph = ((const Elf64_Phdr *)(img + eh->e_phoff))[i];
		int first = -1;

		/* A segment starts where its lowest surviving section now starts. */
		for (unsigned j = 0; j < eh->e_shnum; j++)
			if (newoff[j] && sh[j].sh_offset >= ph.p_offset &&
			    sh[j].sh_offset - ph.p_offset < ph.p_filesz &&
			    (first < 0 || sh[j].sh_offset < sh[first].sh_offset))
				first = (int)j;
		if (first >= 0) {
			uint64_t into = sh[first].sh_offset - ph.p_offset;

			ph.p_offset = newoff[first] >= into ? newoff[first] - into : 0;
		} else {
			ph.p_offset = 0;
		}
		if (ph.p_offset > off)
			ph.p_offset = off;
		if (ph.p_filesz > off - ph.p_offset)
			ph.p_filesz = off - ph.p_offset;
		put(f, &ph, sizeof(ph), out);
	}
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (!newoff[i])
			continue;
		pad_to(f, newoff[i], out);
		put(f, img + sh[i].sh_offset, keep[i], out);
	}
	pad_to(f, off, out);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr s = sh[i];

		if (newoff[i]) {
			s.sh_offset = newoff[i];
			s.sh_size = keep[i];
		} else if (s.sh_type != SHT_NOBITS) {
			s.sh_offset = 0;
			s.sh_size = 0;
		}
		put(f, &s, sizeof(s), out);
	}
	if (fclose(f))
		die("cannot write %s", out);
	return 0;
}
