# goscope — build, install, set-up and test.
#   make            build build/goscope
#   make run        install missing build deps (apt-get), build, list Go processes
#   make test       install build+test deps, build fixtures, run every test
#   make install    PREFIX=/usr/local DESTDIR=
#   make V=1        show full commands

SHELL := /bin/bash
PREFIX  ?= /usr/local
DESTDIR ?=
SANITIZE ?=
# A sanitizer build lives beside the normal one; fixtures are shared.
BUILD   ?= $(if $(filter 1,$(SANITIZE)),build/asan,build)
FIXTURES_DIR ?= build/fixtures
export GOSCOPE_FIXTURES ?= $(abspath $(FIXTURES_DIR))
# selfstat built by every Go toolchain in every mode (tools/build-matrix.sh)
export GOSCOPE_MATRIX ?= $(abspath $(dir $(FIXTURES_DIR))matrix)
ARCH    ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS := libbpf libelf jansson capstone libmicrohttpd libprotobuf-c
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# capstone and libmicrohttpd are loaded when first used, not linked (user/lib/dlload.h).
# The others are linked from Debian's own static archives (libbpf.a, libelf.a,
# libjansson.a, libprotobuf-c.a, libz.a): resolving five shared libraries cost
# every command a third of a millisecond of start-up, which a process list of
# a host pays once more than the /proc scan itself (docs/benchmarks.md).
# STATIC_LIBS=0 links them shared.
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),1)
PKG_LIBS   := -Wl,-Bstatic $(shell $(PKG_CONFIG) --static --libs $(filter-out capstone libmicrohttpd,$(PKGS)) zlib 2>/dev/null) -Wl,-Bdynamic
else
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(filter-out capstone libmicrohttpd,$(PKGS)) 2>/dev/null)
endif

WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla
CFLAGS  ?= -O2 -g
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iuser -Iuser/lib -Iagent -Ibpf -I$(BUILD) $(PKG_CFLAGS)
LIBS    := $(PKG_LIBS) -lz -lpthread -ldl

# The library: classifier, Go structures in ELF, /proc reader, agent port files.
LIB_SRC := $(wildcard user/lib/*.c) $(wildcard agent/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
# pprof's profile.proto, compiled by protoc-c at build time into the library.
PROTOC_C ?= protoc-c
PROTO_H  := $(BUILD)/pprof/profile.pb-c.h
PROTO_OBJ := $(BUILD)/pprof/profile.pb-c.o
LIB_OBJ  += $(PROTO_OBJ)
LIB     := $(BUILD)/libgoscope.a

CLI_SRC := $(wildcard user/*.c)
CLI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))

BPF_SRC  := $(wildcard bpf/*.bpf.c)
BPF_OBJ  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRC))
BPF_SKEL := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRC))
VMLINUX  := $(BUILD)/vmlinux.h

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all run test deps test-deps install clean fixtures corpus toolchains unit e2e bench fuzz fuzz-build lint
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/goscope

# vmlinux.h from the running kernel's BTF when there is one, else the committed copy.
$(VMLINUX):
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)if [ -r /sys/kernel/btf/vmlinux ] && $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp 2>/dev/null; \
	then mv $@.tmp $@; else rm -f $@.tmp; cp vmlinux/$(ARCH)/vmlinux.h $@; fi

BPF_ARCH := $(shell echo $(ARCH) | sed -e 's/x86/x86/' -e 's/arm64/arm64/')
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%.h $(VMLINUX)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -Wall -Wextra -Wno-unused-parameter -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(BUILD) -Ibpf -c $< -o $@
	$(Q)$(BPFTOOL) gen object $@.linked $@ >/dev/null && mv $@.linked $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/pprof/profile.pb-c.c $(PROTO_H) &: user/lib/pprof/profile.proto
	$(call msg,PROTOC,$(PROTO_H))
	$(Q)mkdir -p $(@D)
	$(Q)$(PROTOC_C) --c_out=$(@D) --proto_path=$(<D) $<
$(PROTO_OBJ): $(BUILD)/pprof/profile.pb-c.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
$(filter-out $(PROTO_OBJ),$(LIB_OBJ)): | $(PROTO_H)

# The CLI includes the BPF skeletons.
$(CLI_OBJ): $(BPF_SKEL)

$(LIB): $(LIB_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/goscope: $(CLI_OBJ) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) tests/unit/testlib.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LIBS) -lcmocka $(LDFLAGS)

# The runtime-layout table generator (tools/gen-rtlayout.sh), on the library's DWARF reader.
$(BUILD)/tools/rtlayout-gen: tools/rtlayout-gen.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LIBS) $(LDFLAGS)

# The process spawner of the churn tests, and the dumpable flipper.
build/tests/flipdump: tests/tools/flipdump.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

# Fuzz seeds cut down from the release-binary corpus (tools/fuzz.sh).
build/tests/elfcut: tests/tools/elfcut.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

# The segment-walk ELF bomb of tests/e2e/bomb.bats and bench/bomb.sh.
build/tests/elfbomb: tests/tools/elfbomb.c tests/tools/sleeper.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

# A Go binary whose memory lies, for the agentless-read tests (stats_matrix.bats).
build/tests/goliar: tests/tools/goliar.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

# A C program posing as a Go binary with a 4 MiB modinfo (tests/e2e/list.bats, bench/listjson.sh).
build/tests/modbomb: tests/tools/modbomb.c tests/tools/sleeper.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

# DWARF decompression bombs from real binaries (tests/e2e/dwarfbomb.bats).
build/tests/dwarfbomb: tests/tools/dwarfbomb.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $< -lz

build/tests/churn: tests/tools/churn.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

# The slow-loris client of tests/e2e/exporter_hostile.bats.
build/tests/slowloris: tests/tools/slowloris.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

# Allocation-failure injection for the fault tests (never sanitized: ASan owns malloc).
build/tests/failmalloc.so: tests/tools/failmalloc.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -shared -fPIC -o $@ $< -ldl

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- set-up -------------------------------------------------------------
deps:
	$(Q)tools/deps.sh build

test-deps:
	$(Q)tools/deps.sh test

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(BUILD)/goscope

# ---- tests --------------------------------------------------------------
fixtures:
	$(Q)tools/build-fixtures.sh $(FIXTURES_DIR)
	$(Q)tests/tools/build-cpuburn.sh $(FIXTURES_DIR)/cpuburn
	$(Q)tools/build-symtest.sh $(FIXTURES_DIR)/symtest
	$(Q)tools/build-stackdemo.sh $(FIXTURES_DIR)/stackdemo

corpus:
	$(Q)tools/fetch-corpus.sh

# Debian's Go toolchains 1.15-1.27, unpacked (never installed) under /var/cache/goscope/go.
toolchains:
	$(Q)tools/fetch-go-toolchains.sh

# The fuzz harnesses carry their own sanitizers: only the first pass builds and runs them.
TEST_FUZZ_BIN = $(if $(filter 1,$(SANITIZE)),,$(FUZZ_BIN))
test: test-deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BIN) $(TEST_FUZZ_BIN) build/tests/failmalloc.so build/tests/churn build/tests/elfcut build/tests/elfbomb build/tests/modbomb \
		build/tests/slowloris \
		build/tests/dwarfbomb build/tests/flipdump build/tests/goliar $(BUILD)/bench/watch_spawn $(BUILD)/tools/rtlayout-gen
	$(Q)tools/fetch-go-toolchains.sh || { [ -n "$$CI" ] && exit 1; true; }
	$(Q)$(MAKE) --no-print-directory fixtures
	$(Q)tools/fetch-corpus.sh || { [ -n "$$CI" ] && exit 1; true; }
	$(Q)BUILD=$(BUILD) $(if $(filter 1,$(SANITIZE)),GOSCOPE_TEST_EXCLUDE_TAGS=first-pass) tests/run.sh

BENCH_BIN := $(BUILD)/bench/timeit $(BUILD)/bench/floor $(BUILD)/bench/parsecost $(BUILD)/bench/watch_spawn \
	$(BUILD)/bench/statscost
$(BUILD)/bench/%: bench/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LIBS) $(LDFLAGS)

bench: all $(BENCH_BIN) build/tests/dwarfbomb
	$(Q)$(MAKE) --no-print-directory fixtures
	$(Q)BUILD=$(BUILD) bench/list.sh
	$(Q)BUILD=$(BUILD) bench/watch.sh
	$(Q)BUILD=$(BUILD) bench/audit.sh
	$(Q)BUILD=$(BUILD) bench/exporter.sh
	$(Q)BUILD=$(BUILD) bench/stack.sh
	$(Q)BUILD=$(BUILD) bench/stats.sh
	$(Q)BUILD=$(BUILD) bench/dwarf.sh

# ---- fuzzing (libFuzzer + ASan/UBSan; clang only) ----------------------
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
# Allocation caps sit below the runs' 64 MiB malloc limit (tools/fuzz.sh).
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined $(WARN) -std=gnu11 -D_GNU_SOURCE \
	-DGS_DWARF_MAX_TOTAL='(32u << 20)' \
	-Iuser -Iuser/lib -Iagent -Ibpf -I$(BUILD) $(PKG_CFLAGS)
FUZZ_OBJ := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRC)) $(BUILD)/fuzz/obj/pprof/profile.pb-c.o

$(BUILD)/fuzz/obj/%.o: %.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/obj/pprof/profile.pb-c.o: $(BUILD)/pprof/profile.pb-c.c
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_OBJ): | $(PROTO_H)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	$(call msg,FUZZLD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LIBS)

fuzz-build: $(FUZZ_BIN)

# Run every target for FUZZ_SECONDS each (seeds from the fixtures, the corpus and this host).
fuzz: fuzz-build build/tests/elfcut
	$(Q)$(MAKE) --no-print-directory fixtures
	$(Q)BUILD=$(BUILD) tools/fuzz.sh run $(FUZZ_SECONDS)

# ---- static analysis ---------------------------------------------------
LINT_SRC := $(LIB_SRC) $(CLI_SRC)
LINT_INC := -Iuser -Iuser/lib -Iagent -Ibpf $(PKG_CFLAGS)
CLANG_TIDY ?= clang-tidy
CPPCHECK ?= cppcheck

lint: $(BPF_SKEL) $(PROTO_H)
	$(call msg,CPPCHECK,user agent)
	$(Q)$(CPPCHECK) --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--std=c11 --inline-suppr -D__linux__ -D_GNU_SOURCE \
		"-DLIBBPF_OPTS(TYPE,NAME,...)=struct TYPE NAME" \
		-DPROTOBUF_C_VERSION_NUMBER=1003000 \
		--suppress=missingIncludeSystem $(LINT_INC) -I$(BUILD) $(LINT_SRC)
	$(call msg,TIDY,user agent)
	$(Q)tools/lint.sh $(BUILD) $(LINT_SRC) -- -std=gnu11 -D_GNU_SOURCE $(LINT_INC) -I$(BUILD)

# The command-line parser is CLI code: its unit test compiles it in.
$(BUILD)/tests/test_cliopt: user/cliopt.c user/cliopt.h

# ---- man page and shell completion ------------------------------------
# goscope(1) from its scdoc source; the completion scripts written by goscope
# itself from its command table (goscope completion bash|zsh).
SCDOC ?= scdoc
MAN_PAGE := $(BUILD)/goscope.1
COMPLETIONS := $(BUILD)/completion/goscope $(BUILD)/completion/_goscope
all: $(MAN_PAGE) $(COMPLETIONS)

$(MAN_PAGE): docs/goscope.1.scd
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SCDOC) <$< >$@

$(BUILD)/completion/goscope: $(BUILD)/goscope
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BUILD)/goscope completion bash >$@

$(BUILD)/completion/_goscope: $(BUILD)/goscope
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BUILD)/goscope completion zsh >$@

install: $(BUILD)/goscope $(MAN_PAGE) $(COMPLETIONS)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/bin/goscope)
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin
	$(Q)install -m 0755 $(BUILD)/goscope $(DESTDIR)$(PREFIX)/bin/goscope
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/man/man1/goscope.1)
	$(Q)install -d $(DESTDIR)$(PREFIX)/share/man/man1
	$(Q)install -m 0644 $(MAN_PAGE) $(DESTDIR)$(PREFIX)/share/man/man1/goscope.1
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/bash-completion/completions/goscope)
	$(Q)install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(Q)install -m 0644 $(BUILD)/completion/goscope \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/goscope
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_goscope)
	$(Q)install -d $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	$(Q)install -m 0644 $(BUILD)/completion/_goscope \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_goscope

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)
