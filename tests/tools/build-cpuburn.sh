#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build the CPU-profile fixtures (tests/fixtures/cpuburn) with every Go
# toolchain under /var/cache/goscope/go, in four variants each, plus
# cpuburn-agent (the same workload with goscope's Go agent, system go):
#   tests/tools/build-cpuburn.sh OUTDIR        e.g. build/cpuburn
# OUTDIR/cpuburn-1.NN.{plain,stripped,pie,cgo}, OUTDIR/cpuburn-agent.
# Incremental (a target newer than its sources, this script and its go is
# left alone), two builds at a time, offline. Prints the toolchains it did
# not find on stderr, one line each, and exits 0; a failed build exits 1.
set -euo pipefail

die() { printf 'build-cpuburn: %s\n' "$*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 OUTDIR"

root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/tests/fixtures/cpuburn
self=$root/tests/tools/build-cpuburn.sh
mkdir -p "$1"
out=$(cd "$1" && pwd)
GOCACHE_ROOT=${GOSCOPE_TOOLCHAINS:-/var/cache/goscope/go}
VERSIONS=${CPUBURN_VERSIONS:-"1.15 1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"}

export GOPROXY=off GO111MODULE=on GOWORK=off GOSUMDB=off GOTOOLCHAIN=local
unset GOOS GOARCH GOFLAGS GOROOT 2>/dev/null || true
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ]; then
	export GOCACHE=${TMPDIR:-/tmp}/goscope-go-build
fi

srcs=$(find "$src" -type f | sort)

# stale TARGET SRC...: TARGET missing or older than one of SRC.
stale() {
	local t=$1 s
	shift
	[ -e "$t" ] || return 0
	for s in "$@"; do
		[ "$s" -nt "$t" ] && return 0
	done
	return 1
}

# one VERSION VARIANT: build OUTDIR/cpuburn-VERSION.VARIANT.
one() {
	local v=$1 variant=$2 goroot=$GOCACHE_ROOT/$1/goroot name flags=() envs=()
	name=cpuburn-$v.$variant
	# shellcheck disable=SC2086
	stale "$out/$name" $srcs "$self" "$goroot/bin/go" || return 0
	case $variant in
	plain) ;;
	stripped) flags=(-ldflags='-s -w') ;;
	pie) flags=(-buildmode=pie) ;;
	cgo) envs=(CGO_ENABLED=1) flags=(-tags goscope_cgo -ldflags=-linkmode=external) ;;
	esac
	# Go 1.18 added VCS stamping (and -buildvcs); the tree may be a bare copy.
	case $v in 1.1[0-7]) ;; *) flags+=(-buildvcs=false) ;; esac
	printf '  %-8s %s\n' GO "$name"
	(cd "$src" && env "${envs[@]}" GOROOT="$goroot" "$goroot/bin/go" build \
		-o "$out/$name.tmp" "${flags[@]}" .) || { echo "build of $name failed" >&2; return 1; }
	mv -f "$out/$name.tmp" "$out/$name"
}
export -f one stale
export out src srcs self GOCACHE_ROOT

jobs=()
for v in $VERSIONS; do
	if [ ! -x "$GOCACHE_ROOT/$v/goroot/bin/go" ]; then
		echo "build-cpuburn: no Go $v toolchain under $GOCACHE_ROOT (make toolchains)" >&2
		continue
	fi
	for variant in plain stripped pie cgo; do
		jobs+=("$v $variant")
	done
done
printf '%s\n' "${jobs[@]}" | xargs -P 2 -L 1 bash -c 'one "$0" "$1"'

# The agent comparison: goscope's agent needs the system's Go (1.19+).
agent_srcs=$(find "$root/tests/fixtures/cpuburn-agent" "$root/agent/go" -type f | sort)
gobin=$(command -v go) || die "go not found: install golang-go (tools/deps.sh test)"
# shellcheck disable=SC2086
if stale "$out/cpuburn-agent" $agent_srcs $srcs "$self" "$(readlink -f "$gobin")"; then
	printf '  %-8s %s\n' GO cpuburn-agent
	(cd "$root/tests/fixtures/cpuburn-agent" && GOFLAGS=-buildvcs=false go build \
		-o "$out/cpuburn-agent.tmp" .) || die "build of cpuburn-agent failed"
	mv -f "$out/cpuburn-agent.tmp" "$out/cpuburn-agent"
fi
