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

export GOPROXY=off GOSUMDB=off GO111MODULE=on GOWORK=off GOFLAGS= GOTOOLCHAIN=local
unset GOOS GOARCH GOARM GO386 GOAMD64 GOEXPERIMENT 2>/dev/null || true
if [ -z "${HOME:-}" ] && [ -z "${GOCACHE:-}" ]; then
	export GOCACHE=${TMPDIR:-/tmp}/goscope-go-build
fi

srcs=$(find "$src" -type f | sort)

stale() {
	local t=$1 s
	shift
	[ -e "$t" ] || return 0
	for s in "$@"; do
		[ "$s" -nt "$t" ] && return 0
	done
	return 1
}

magic='\xff Go buildinf:'
magic_offsets() { LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1 || true; }

line() {
	local v=$1 goroot=$cache/$1/goroot d=$out/$1 gobin deps vcs=()
	gobin=$(readlink -f "$goroot/bin/go")
	# No VCS stamp (Go 1.15 does not know the flag): the bytes depend on the sources only.
	[ "${v#1.}" -ge 18 ] && vcs=(-buildvcs=false)
	mkdir -p "$d"
	# shellcheck disable=SC2086
	deps="$srcs $self $gobin"

	build() {
		local name=$1 envs=()
		shift
		while [ "$1" != -- ]; do envs+=("$1"); shift; done
		shift
		# shellcheck disable=SC2086
		stale "$d/$name" $deps || return 0
		printf '  %-8s %s\n' GO "stackdemo/$v/$name"
		(cd "$src" && env GOROOT="$goroot" "${envs[@]}" "$gobin" build "${vcs[@]}" \
			-o "$d/$name.tmp" "$@" .) || die "go $v: build of $name failed"
		mv -f "$d/$name.tmp" "$d/$name"
	}
	build stackdemo CGO_ENABLED=0 --
	build stackdemo.stripped CGO_ENABLED=0 -- -ldflags='-s -w'
	build stackdemo.pie CGO_ENABLED=0 -- -buildmode=pie
	build stackdemo.cgo CGO_ENABLED=1 -- -tags goscope_cgo -ldflags=-linkmode=external
	build stackdemo.trimpath CGO_ENABLED=0 -- -trimpath
	if stale "$d/stackdemo.nobuildinfo" "$d/stackdemo" "$self"; then
		local tmp=$d/stackdemo.nobuildinfo.tmp off
		printf '  %-8s %s\n' OBJCOPY "stackdemo/$v/stackdemo.nobuildinfo"
		objcopy --remove-section .go.buildinfo --remove-section .note.go.buildid \
			"$d/stackdemo" "$tmp" || die "objcopy failed on $v/stackdemo"
		for off in $(magic_offsets "$tmp"); do
			dd if=/dev/zero of="$tmp" bs=1 seek="$off" count=14 conv=notrunc \
				status=none || die "cannot zero build info magic in $tmp"
		done
		[ -z "$(magic_offsets "$tmp")" ] || die "build info magic survived in $tmp"
		chmod 0755 "$tmp"
		mv -f "$tmp" "$d/stackdemo.nobuildinfo"
	fi
	if ! cmp -s "$cache/$v/VERSION" "$d/VERSION" 2>/dev/null; then
		cp "$cache/$v/VERSION" "$d/VERSION.tmp" && mv -f "$d/VERSION.tmp" "$d/VERSION"
	fi
}

pids=()
for gr in "$cache"/1.*/goroot; do
	[ -x "$gr/bin/go" ] || continue
	v=$(basename "$(dirname "$gr")")
	[ -s "$cache/$v/VERSION" ] || continue
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || die "a toolchain's builds failed"
	done
	line "$v" &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
[ $rc -eq 0 ] || die "a toolchain's builds failed"
ls "$out" | grep -q '^1\.' || die "no toolchain under $cache (tools/fetch-go-toolchains.sh)"
exit 0
