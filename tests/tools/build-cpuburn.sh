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

lib=$root/tools/lib/gobuild.sh
# shellcheck source=tools/lib/gobuild.sh
. "$lib"
gs_go_offline ''
unset GOROOT 2>/dev/null || true

srcs=$(find "$src" -type f | sort)

# line VERSION: OUTDIR/cpuburn-VERSION.VARIANT for each variant.
line() {
	local v=$1 gobin vcs
	gobin=$GOCACHE_ROOT/$v/goroot/bin/go
	# Go 1.18 added VCS stamping (and -buildvcs); the tree may be a bare copy.
	vcs=$(gs_vcs_off "$v")
	GS_GO=$gobin GS_GOROOT=$GOCACHE_ROOT/$v/goroot GS_SRC=$src GS_OUT=$out GS_SHOW=
	GS_DEPS="$srcs $self $lib $gobin"
	# shellcheck disable=SC2086
	{
		gs_go_build "cpuburn-$v.plain" -- $vcs .
		gs_go_build "cpuburn-$v.stripped" -- $vcs -ldflags='-s -w' .
		gs_go_build "cpuburn-$v.pie" -- $vcs -buildmode=pie .
		gs_go_build "cpuburn-$v.cgo" CGO_ENABLED=1 -- $vcs -tags goscope_cgo -ldflags=-linkmode=external .
	}
}

# shellcheck disable=SC2086
gs_each_toolchain "$GOCACHE_ROOT" 2 line $VERSIONS || die "a build failed"
for v in "${GS_MISSING[@]}"; do
	echo "build-cpuburn: no Go $v toolchain under $GOCACHE_ROOT (make toolchains)" >&2
done

# The agent comparison: goscope's agent needs the system's Go (1.19+).
agent_srcs=$(find "$root/tests/fixtures/cpuburn-agent" "$root/agent/go" -type f | sort)
gobin=$(command -v go) || die "go not found: install golang-go (tools/deps.sh test)"
# shellcheck disable=SC2086
if gs_stale "$out/cpuburn-agent" $agent_srcs $srcs "$self" "$(readlink -f "$gobin")"; then
	gs_say GO cpuburn-agent
	(cd "$root/tests/fixtures/cpuburn-agent" && GOFLAGS=-buildvcs=false go build \
		-o "$out/cpuburn-agent.tmp" .) || die "build of cpuburn-agent failed"
	mv -f "$out/cpuburn-agent.tmp" "$out/cpuburn-agent"
fi
