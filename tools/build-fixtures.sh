#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build goscope's test fixtures into DIR (see notes: the test contract).
#   tools/build-fixtures.sh build/fixtures
#
# Incremental: a target newer than all of its sources (and this script, and
# the go binary) is left alone, and Go's build cache makes the rest cheap.
# Offline by design: the only dependency is a local replace directive.
set -euo pipefail

die() { printf 'build-fixtures: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 DIR"

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/tests/fixtures
self=$root/tools/build-fixtures.sh
mkdir -p "$1"
out=$(cd "$1" && pwd)
# What the quiet lines show: DIR as given, so `make` output stays short.
show=${1%/}

command -v go >/dev/null 2>&1 ||
	die "go not found: install golang-go (tools/deps.sh test)"
command -v objcopy >/dev/null 2>&1 || die "objcopy not found: install binutils"
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || die "C compiler '$CC' not found: install gcc"

lib=$root/tools/lib/gobuild.sh
# shellcheck source=tools/lib/gobuild.sh
. "$lib"
# The system's go knows -buildvcs: no VCS stamps (the tree may be a bare copy).
gs_go_offline -buildvcs=false

gobin=$(command -v go)
gobin=$(readlink -f "$gobin")
go_srcs=$(find "$src/hello" "$src/greet" -type f | sort)
go_srcs="$go_srcs $self $lib $gobin"

stale() { gs_stale "$@"; }
say() { gs_say "$1" "$show/$2"; }

# gobuild NAME [env VAR=...] -- go build args...: hello's variants.
gobuild() {
	GS_GO=$gobin GS_GOROOT='' GS_SRC=$src/hello GS_OUT=$out GS_SHOW=$show/ GS_DEPS=$go_srcs \
		gs_go_build "$@"
}

gobuild hello -- .
gobuild hello.stripped -- -ldflags='-s -w' .
gobuild hello.pie -- -buildmode=pie .
gobuild hello.cgo CGO_ENABLED=1 -- -tags goscope_cgo -ldflags=-linkmode=external .
gobuild hello.386 CGO_ENABLED=0 GOARCH=386 -- .
gobuild hello.arm64 CGO_ENABLED=0 GOARCH=arm64 -- .
gobuild hello.ppc64 CGO_ENABLED=0 GOARCH=ppc64 -- .

# c-shared writes a C header beside the library; the contract has no use
# for it, so build in a scratch name and keep only the .so.
# shellcheck disable=SC2086
if stale "$out/libhello.so" $go_srcs; then
	say GO libhello.so
	(cd "$src/hello" && CGO_ENABLED=1 go build -buildmode=c-shared \
		-o "$out/libhello.so.tmp" ./libhello) || die "go build of libhello.so failed"
	rm -f "$out/libhello.so.h"
	mv -f "$out/libhello.so.tmp" "$out/libhello.so"
fi

# agentdemo: a program running goscope's Go agent (agent/go, a local replace).
agent_srcs=$(find "$src/agentdemo" "$root/agent/go" -type f | sort)
# shellcheck disable=SC2086
if stale "$out/agentdemo" $agent_srcs "$self" "$gobin"; then
	say GO agentdemo
	(cd "$src/agentdemo" && go build -o "$out/agentdemo.tmp" .) ||
		die "go build of agentdemo failed"
	mv -f "$out/agentdemo.tmp" "$out/agentdemo"
fi

# gcload: the GC-heavy fixture of the probe and stats tests, in the variants
# they compare (.nodwarf keeps .symtab but drops DWARF: the offset table path).
gcload_srcs=$(find "$src/gcload" -type f | sort)
gcbuild() {
	GS_GO=$gobin GS_GOROOT='' GS_SRC=$src/gcload GS_OUT=$out GS_SHOW=$show/ \
		GS_DEPS="$gcload_srcs $self $lib $gobin" gs_go_build "$@"
}
gcbuild gcload -- .
gcbuild gcload.stripped -- -ldflags='-s -w' .
gcbuild gcload.nodwarf -- -ldflags=-w .
gcbuild gcload.pie -- -buildmode=pie .
gcbuild gcload.cgo CGO_ENABLED=1 -- -tags goscope_cgo -ldflags=-linkmode=external .

# hello without any build info (gs_no_buildinfo).
if stale "$out/hello.nobuildinfo" "$out/hello" "$self" "$lib"; then
	say OBJCOPY hello.nobuildinfo
	gs_no_buildinfo "$out/hello" "$out/hello.nobuildinfo"
fi

if stale "$out/cbin" "$src/cbin.c" "$self"; then
	say CC cbin
	"$CC" -O2 -Wall -Wextra -o "$out/cbin.tmp" "$src/cbin.c" || die "cc failed on cbin.c"
	mv -f "$out/cbin.tmp" "$out/cbin"
fi

# watchdemo: Go programs that exec another, or end threads before themselves (watch tests).
if stale "$out/watchdemo" "$src/watchdemo/main.go" "$src/watchdemo/go.mod" "$self" "$gobin"; then
	say GO watchdemo
	(cd "$src/watchdemo" && go build -o "$out/watchdemo.tmp" .) ||
		die "go build of watchdemo failed"
	mv -f "$out/watchdemo.tmp" "$out/watchdemo"
fi

if stale "$out/script.sh" "$self"; then
	say GEN script.sh
	printf '#!/bin/sh\n# goscope fixture: an executable that is not ELF.\necho script\n' \
		>"$out/script.sh"
	chmod 0755 "$out/script.sh"
fi

if stale "$out/empty" "$self"; then
	say GEN empty
	: >"$out/empty"
	chmod 0755 "$out/empty"
fi

if stale "$out/truncated" "$out/hello" "$self"; then
	say GEN truncated
	head -c 4096 "$out/hello" >"$out/truncated.tmp"
	chmod 0755 "$out/truncated.tmp"
	mv -f "$out/truncated.tmp" "$out/truncated"
fi

# Random once: later runs keep the same bytes, so a failure reproduces.
if [ ! -e "$out/random.bin" ]; then
	say GEN random.bin
	head -c 65536 /dev/urandom >"$out/random.bin.tmp"
	mv -f "$out/random.bin.tmp" "$out/random.bin"
fi

# selfstat, the ground-truth fixture, with every fetched Go toolchain and
# build mode (tools/build-matrix.sh), beside DIR: other tests walk DIR.
"$root/tools/build-matrix.sh" "${GOSCOPE_MATRIX:-$(dirname "$out")/matrix}"

ver=$(go env GOVERSION) || die "go env GOVERSION failed"
if [ "$(cat "$out/GOVERSION" 2>/dev/null || true)" != "$ver" ]; then
	say GEN GOVERSION
	printf '%s\n' "$ver" >"$out/GOVERSION"
fi
