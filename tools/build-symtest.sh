#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the symbolizer/unwinder fixture (tests/fixtures/symtest) with every
# Go toolchain under /var/cache/goscope/go/1.NN/goroot, into
#   DIR/go1.NN/{amd64,amd64.trimpath,amd64.stripped,arm64,arm64.stripped}
#   tools/build-symtest.sh [DIR]        (default build/fixtures/symtest)
# Each toolchain gets its own copy of the sources with a go.mod naming its own
# language version (generics need go >= 1.18 there). Incremental: a variant
# newer than the sources and this script is kept. Offline, no VCS stamping.
set -euo pipefail

die() { printf 'build-symtest: %s\n' "$*" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/tests/fixtures/symtest
self=$root/tools/build-symtest.sh
out=${1:-$root/build/fixtures/symtest}
gocache=${GOSCOPE_GO_CACHE:-/var/cache/goscope/go}
mkdir -p "$out"
out=$(cd "$out" && pwd)

export GOPROXY=off GOSUMDB=off GO111MODULE=on GOWORK=off GOTOOLCHAIN=local GOFLAGS=
unset GOOS GOARCH GOARM GOAMD64 GOEXPERIMENT 2>/dev/null || true
if [ -z "${HOME:-}" ]; then
	export GOCACHE=${TMPDIR:-/tmp}/goscope-go-build
fi

srcs=$(find "$src" -name '*.go' | sort)
built=0
for gr in "$gocache"/1.*/goroot; do
	[ -x "$gr/bin/go" ] || continue
	minor=$(basename "$(dirname "$gr")")
	minor=${minor#1.}
	d=$out/go1.$minor
	mkdir -p "$d/src"
	for f in $srcs; do cp -p "$f" "$d/src/"; done
	printf 'module symtest\n\ngo 1.%s\n' "$minor" >"$d/src/go.mod.new"
	cmp -s "$d/src/go.mod.new" "$d/src/go.mod" 2>/dev/null && rm -f "$d/src/go.mod.new" ||
		mv -f "$d/src/go.mod.new" "$d/src/go.mod"
	vcs=()
	[ "$minor" -ge 18 ] && vcs=(-buildvcs=false)
	for v in amd64 amd64.trimpath amd64.stripped arm64 arm64.stripped; do
		t=$d/$v
		stale=0
		[ -e "$t" ] || stale=1
		for s in $srcs "$self" "$gr/bin/go"; do
			[ "$stale" = 1 ] || [ "$s" -nt "$t" ] && stale=1
		done
		[ "$stale" = 1 ] || continue
		arch=${v%%.*}
		flags=()
		case $v in
		*.trimpath) flags=(-trimpath) ;;
		*.stripped) flags=(-ldflags=-s\ -w) ;;
		esac
		printf '  %-8s %s\n' GO "symtest/go1.$minor/$v"
		(cd "$d/src" && GOROOT=$gr GOARCH=$arch CGO_ENABLED=0 "$gr/bin/go" build \
			"${vcs[@]}" "${flags[@]}" -o "$t.tmp" .) || die "go build of go1.$minor/$v failed"
		mv -f "$t.tmp" "$t"
		built=$((built + 1))
	done
	"$gr/bin/go" version >"$d/VERSION.new" 2>/dev/null && mv -f "$d/VERSION.new" "$d/VERSION"
done
[ -d "$out" ] && ls "$out" | grep -q '^go1\.' || die "no toolchain under $gocache (tools/fetch-go-toolchains.sh)"
exit 0
