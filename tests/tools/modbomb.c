/* SPDX-License-Identifier: MIT */
/*
 * modbomb: an x86-64 executable posing as a Go binary with the largest
 * module info goscope takes (the memory-amplification tests of `--json
 * list` and `tree`, issue 16 item 9). It really runs -- it sleeps, then
 * exits 0 -- so that many processes can share it.
 *
 *   modbomb [-d DEPS] [-t SECONDS] OUT
 *
 *   -d DEPS     dependencies in the module info (default: as many as fit
 *               under goscope's 4 MiB modinfo cap, about 50,000)
 *   -t SECONDS  how long the program sleeps (default 600)
 *
 * Its only Go evidence is a .go.buildinfo section in the Go 1.18+ inline
 * format (docs/go-binary-format.md): the 32-byte header, the version
 * "go1.22.0", then the module info framed by its two 16-byte sentinels:
 * a path and a mod line, DEPS "dep" lines of about 83 bytes each (a path,
 * v1.0.0 and an h1: sum, like a real dependency), and two build lines.
 *
 * Layout: page 0 holds the ELF and program headers, page 1 the code and
 * the section table (the read+exec segment at 0x400000), and from page 2
 * the build info blob, in a writable segment as Go's linker puts it. A test
 * tool, not part of goscope.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOOL "modbomb"
#include "sleeper.h"

#define PAGE 4096u
#define CODE_VADDR 0x400000ull
#define DATA_OFF (2 * PAGE)
#define DATA_VADDR 0x10000000ull
#define MODINFO_MAX (4u << 20)		/* goscope's cap on the framed text */
#define VERSION "go1.22.0"

static const uint8_t info_start[16] = {
	0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02,
	0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
};
static const uint8_t info_end[16] = {
	0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72,
	0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
};

static void write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("write: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

static size_t put_uvarint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* The module info text, framed; its length in *len. */
static uint8_t *modinfo(long deps, size_t *len)
{
	static const char head[] = "path\texample.com/modbomb\n"
				   "mod\texample.com/modbomb\t(devel)\t\n";
	static const char tail[] = "build\t-compiler=gc\nbuild\tGOOS=linux\n";
	uint8_t *b = malloc(MODINFO_MAX + 256);
	size_t n = 16, room = MODINFO_MAX - 16 - sizeof(tail);

	if (!b)
		die("out of memory");
	memcpy(b, info_start, 16);
	memcpy(b + n, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	for (long i = 0; deps < 0 || i < deps; i++) {
		char line[160];
		int k = snprintf(line, sizeof(line),
				 "dep\texample.com/modbomb/m%06ld\tv1.0.0\th1:%043ld=\n", i, i);

		if (n + (size_t)k > room) {
			if (deps >= 0)
				die("%ld deps do not fit in %u bytes", deps, MODINFO_MAX);
			break;
		}
		memcpy(b + n, line, (size_t)k);
		n += (size_t)k;
	}
	memcpy(b + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	memcpy(b + n, info_end, 16);
	*len = n + 16;
	return b;
}

int main(int argc, char **argv)
{
	static uint8_t head[2 * PAGE], bi[64];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)head;
	Elf64_Phdr *ph = (Elf64_Phdr *)(head + sizeof(*eh));
	Elf64_Shdr *sh = (Elf64_Shdr *)(head + PAGE + 0x300);
	static const char names[] = "\0.shstrtab\0.text\0.go.buildinfo";
	uint64_t secs = 600, datasz;
	long deps = -1;
	size_t milen, bilen;
	uint8_t *mi;
	int opt, fd;

	while ((opt = getopt(argc, argv, "d:t:")) != -1) {
		switch (opt) {
		case 'd': deps = atol(optarg); break;
		case 't': secs = (uint64_t)atoll(optarg); break;
		default:
			fprintf(stderr, "usage: modbomb [-d DEPS] [-t SECONDS] OUT\n");
			return 2;
		}
	}
	if (optind + 1 != argc)
		die("one output file expected");
	mi = modinfo(deps, &milen);

	/* Header, flags 2 (inline strings), ptrsize 8; then version and modinfo. */
	memcpy(bi, "\xff Go buildinf:", 14);
	bi[14] = 8;
	bi[15] = 2;
	bilen = 32;
	bilen += put_uvarint(bi + bilen, sizeof(VERSION) - 1);
	memcpy(bi + bilen, VERSION, sizeof(VERSION) - 1);
	bilen += sizeof(VERSION) - 1;
	bilen += put_uvarint(bi + bilen, milen);
	datasz = (bilen + milen + PAGE - 1) & ~(uint64_t)(PAGE - 1);

	put_ehdr(eh, CODE_VADDR + PAGE);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
			      .p_vaddr = CODE_VADDR, .p_paddr = CODE_VADDR,
			      .p_filesz = 2 * PAGE, .p_memsz = 2 * PAGE, .p_align = PAGE };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = DATA_OFF,
			      .p_vaddr = DATA_VADDR, .p_paddr = DATA_VADDR,
			      .p_filesz = datasz, .p_memsz = datasz, .p_align = PAGE };
	put_code(head + PAGE, secs);

	memcpy(head + PAGE + 0x200, names, sizeof(names));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_STRTAB, .sh_offset = PAGE + 0x200,
			      .sh_size = sizeof(names), .sh_addralign = 1 };
	sh[2] = (Elf64_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS,
			      .sh_flags = SHF_ALLOC | SHF_EXECINSTR, .sh_addr = CODE_VADDR + PAGE,
			      .sh_offset = PAGE, .sh_size = 48, .sh_addralign = 16 };
	sh[3] = (Elf64_Shdr){ .sh_name = 17, .sh_type = SHT_PROGBITS,
			      .sh_flags = SHF_ALLOC | SHF_WRITE, .sh_addr = DATA_VADDR,
			      .sh_offset = DATA_OFF, .sh_size = bilen + milen, .sh_addralign = 16 };
	eh->e_shoff = PAGE + 0x300;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 4;
	eh->e_shstrndx = 1;

	fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0)
		die("%s: %s", argv[optind], strerror(errno));
	write_all(fd, head, sizeof(head));
	write_all(fd, bi, bilen);
	write_all(fd, mi, milen);
	if (ftruncate(fd, (off_t)(DATA_OFF + datasz)) < 0)
		die("ftruncate: %s", strerror(errno));
	if (close(fd) < 0)
		die("%s: %s", argv[optind], strerror(errno));
	free(mi);
	return 0;
}
