#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the ground-truth fixture (tests/fixtures/selfstat) with every Go
# toolchain tools/fetch-go-toolchains.sh fetched, in every build mode the
# agentless reads must handle:
#   tools/build-matrix.sh DIR          (tools/build-fixtures.sh calls it)
# gives, per release line 1.NN whose toolchain is there:
#   DIR/1.NN/selfstat                default (symbols and DWARF)
#   DIR/1.NN/selfstat.stripped       -ldflags='-s -w'
#   DIR/1.NN/selfstat.pie            -buildmode=pie
#   DIR/1.NN/selfstat.cgo            cgo, external link
#   DIR/1.NN/selfstat.trimpath       -trimpath
#   DIR/1.NN/selfstat.nobuildinfo    default, build info removed by objcopy
#   DIR/1.NN/selfstat.arm64          GOARCH=arm64 (static analysis only)
#   DIR/1.NN/selfstat.arm64.stripped GOARCH=arm64 -ldflags='-s -w'
#   DIR/1.NN/VERSION                 the toolchain's exact version
#
# Incremental: a target newer than the fixture's sources, this script and
# the toolchain is left alone, and Go's build cache makes a rebuild cheap.
# Toolchains build two at a time (GOSCOPE_MATRIX_JOBS). A line whose
# toolchain is missing is reported and left out: the tests that need it
# skip, or fail under CI.
set -euo pipefail

die() { printf 'build-matrix: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 DIR"

root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/tests/fixtures/selfstat
self=$root/tools/build-matrix.sh
cache=${GOSCOPE_GO_CACHE:-/var/cache/goscope/go}
jobs=${GOSCOPE_MATRIX_JOBS:-2}
mkdir -p "$1"
out=$(cd "$1" && pwd)
show=${1%/}

command -v objcopy >/dev/null 2>&1 || die "objcopy not found: install binutils"

# Offline, no VCS stamps, no go.work from above; GOFLAGS stays empty
# because Go 1.15 rejects -buildvcs.
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

say() { printf '  %-8s %s\n' "$1" "$show/$2"; }

magic='\xff Go buildinf:'
magic_offsets() { LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1 || true; }

# line V: every variant of release line V (runs in a subshell of its own).
line() {
	local v=$1 goroot=$cache/$1/goroot d=$out/$1 gobin deps
	gobin=$goroot/bin/go
	mkdir -p "$d"
	gobin=$(readlink -f "$gobin")
	# shellcheck disable=SC2086
	deps="$srcs $self $gobin $cache/$v/VERSION"

	# build NAME [VAR=VAL...] -- go build args...
	build() {
		local name=$1 envs=()
		shift
		while [ "$1" != -- ]; do envs+=("$1"); shift; done
		shift
		# shellcheck disable=SC2086
		stale "$d/$name" $deps || return 0
		say GO "$v/$name"
		(cd "$src" && env GOROOT="$goroot" "${envs[@]}" "$gobin" build \
			-o "$d/$name.tmp" "$@" .) || die "go $v: build of $name failed"
		mv -f "$d/$name.tmp" "$d/$name"
	}
	build selfstat CGO_ENABLED=0 --
	build selfstat.stripped CGO_ENABLED=0 -- -ldflags='-s -w'
	build selfstat.pie CGO_ENABLED=0 -- -buildmode=pie
	build selfstat.trimpath CGO_ENABLED=0 -- -trimpath
	build selfstat.cgo CGO_ENABLED=1 -- -tags goscope_cgo -ldflags=-linkmode=external
	build selfstat.arm64 CGO_ENABLED=0 GOARCH=arm64 --
	build selfstat.arm64.stripped CGO_ENABLED=0 GOARCH=arm64 -- -ldflags='-s -w'

	# As hello.nobuildinfo: sections dropped and every copy of the magic zeroed.
	if stale "$d/selfstat.nobuildinfo" "$d/selfstat" "$self"; then
		local tmp=$d/selfstat.nobuildinfo.tmp off
		say OBJCOPY "$v/selfstat.nobuildinfo"
		objcopy --remove-section .go.buildinfo --remove-section .note.go.buildid \
			"$d/selfstat" "$tmp" || die "objcopy failed on $v/selfstat"
		for off in $(magic_offsets "$tmp"); do
			dd if=/dev/zero of="$tmp" bs=1 seek="$off" count=14 conv=notrunc \
				status=none || die "cannot zero build info magic in $tmp"
		done
		[ -z "$(magic_offsets "$tmp")" ] || die "build info magic survived in $tmp"
		chmod 0755 "$tmp"
		mv -f "$tmp" "$d/selfstat.nobuildinfo"
	fi
	if ! cmp -s "$cache/$v/VERSION" "$d/VERSION" 2>/dev/null; then
		cp "$cache/$v/VERSION" "$d/VERSION.tmp" && mv -f "$d/VERSION.tmp" "$d/VERSION"
	fi
}

lines=$("$root/tools/fetch-go-toolchains.sh" --list)
missing=()
pids=()
for v in $lines; do
	if [ ! -x "$cache/$v/goroot/bin/go" ] || [ ! -s "$cache/$v/VERSION" ]; then
		missing+=("$v")
		continue
	fi
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
if [ ${#missing[@]} -gt 0 ]; then
	printf '  %-8s %s\n' NOTE "no toolchain for Go ${missing[*]} (tools/fetch-go-toolchains.sh): left out of $show"
fi
