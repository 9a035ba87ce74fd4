#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the goroutine-dump fixture (tests/fixtures/stackdemo) with every Go
# toolchain under /var/cache/goscope/go/1.NN/goroot, in the build modes the
# agentless dump must handle:
#   tools/build-stackdemo.sh [DIR]        (default build/fixtures/stackdemo)
# gives, per release line 1.NN:
#   DIR/1.NN/stackdemo              default (symbols and DWARF)
#   DIR/1.NN/stackdemo.stripped     -ldflags='-s -w'
#   DIR/1.NN/stackdemo.pie          -buildmode=pie
#   DIR/1.NN/stackdemo.cgo          cgo, external link
#   DIR/1.NN/stackdemo.nobuildinfo  default, build info removed by objcopy
#   DIR/1.NN/stackdemo.trimpath     -trimpath (the same bytes in every checkout:
#                                   tests/fuzz/fuzz_stackdump.c's image)
#   DIR/1.NN/VERSION                the toolchain's exact version
# Incremental: a variant newer than the sources, this script and its
# toolchain is kept. Toolchains build two at a time. Offline, no VCS stamps.
set -euo pipefail

die() { printf 'build-stackdemo: %s\n' "$*" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/tests/fixtures/stackdemo
self=$root/tools/build-stackdemo.sh
cache=${GOSCOPE_GO_CACHE:-/var/cache/goscope/go}
jobs=${GOSCOPE_MATRIX_JOBS:-2}
out=${1:-$root/build/fixtures/stackdemo}
mkdir -p "$out"
out=$(cd "$out" && pwd)

command -v objcopy >/dev/null 2>&1 || die "objcopy not found: install binutils"

lib=$root/tools/lib/gobuild.sh
# shellcheck source=tools/lib/gobuild.sh
. "$lib"
gs_go_offline ''

srcs=$(find "$src" -type f | sort)

line() {
	local v=$1 d=$out/$1 gobin vcs
	gobin=$(readlink -f "$cache/$v/goroot/bin/go")
	# No VCS stamp (Go 1.15 does not know the flag): the bytes depend on the sources only.
	vcs=$(gs_vcs_off "$v")
	mkdir -p "$d"
	GS_GO=$gobin GS_GOROOT=$cache/$v/goroot GS_SRC=$src GS_OUT=$d GS_SHOW=stackdemo/$v/
	GS_DEPS="$srcs $self $lib $gobin"

	# shellcheck disable=SC2086
	{
		gs_go_build stackdemo CGO_ENABLED=0 -- $vcs .
		gs_go_build stackdemo.stripped CGO_ENABLED=0 -- $vcs -ldflags='-s -w' .
		gs_go_build stackdemo.pie CGO_ENABLED=0 -- $vcs -buildmode=pie .
		gs_go_build stackdemo.cgo CGO_ENABLED=1 -- $vcs -tags goscope_cgo -ldflags=-linkmode=external .
		gs_go_build stackdemo.trimpath CGO_ENABLED=0 -- $vcs -trimpath .
	}
	if gs_stale "$d/stackdemo.nobuildinfo" "$d/stackdemo" "$self" "$lib"; then
		gs_say OBJCOPY "stackdemo/$v/stackdemo.nobuildinfo"
		gs_no_buildinfo "$d/stackdemo" "$d/stackdemo.nobuildinfo"
	fi
	gs_copy_version "$cache" "$v" "$d"
}

lines=()
for gr in "$cache"/1.*/goroot; do
	lines+=("$(basename "$(dirname "$gr")")")
done
gs_each_toolchain "$cache" "$jobs" line "${lines[@]}" || die "a toolchain's builds failed"
ls "$out" | grep -q '^1\.' || die "no toolchain under $cache (tools/fetch-go-toolchains.sh)"
exit 0
