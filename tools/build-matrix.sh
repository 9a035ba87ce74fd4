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

lib=$root/tools/lib/gobuild.sh
# shellcheck source=tools/lib/gobuild.sh
. "$lib"
gs_go_offline ''

srcs=$(find "$src" -type f | sort)

# line V: every variant of release line V (runs in a subshell of its own).
line() {
	local v=$1 d=$out/$1 gobin
	gobin=$(readlink -f "$cache/$v/goroot/bin/go")
	mkdir -p "$d"
	GS_GO=$gobin GS_GOROOT=$cache/$v/goroot GS_SRC=$src GS_OUT=$d GS_SHOW=$show/$v/
	GS_DEPS="$srcs $self $lib $gobin $cache/$v/VERSION"

	gs_go_build selfstat CGO_ENABLED=0 -- .
	gs_go_build selfstat.stripped CGO_ENABLED=0 -- -ldflags='-s -w' .
	gs_go_build selfstat.pie CGO_ENABLED=0 -- -buildmode=pie .
	gs_go_build selfstat.trimpath CGO_ENABLED=0 -- -trimpath .
	gs_go_build selfstat.cgo CGO_ENABLED=1 -- -tags goscope_cgo -ldflags=-linkmode=external .
	gs_go_build selfstat.arm64 CGO_ENABLED=0 GOARCH=arm64 -- .
	gs_go_build selfstat.arm64.stripped CGO_ENABLED=0 GOARCH=arm64 -- -ldflags='-s -w' .

	# As hello.nobuildinfo: sections dropped and every copy of the magic zeroed.
	if gs_stale "$d/selfstat.nobuildinfo" "$d/selfstat" "$self" "$lib"; then
		gs_say OBJCOPY "$show/$v/selfstat.nobuildinfo"
		gs_no_buildinfo "$d/selfstat" "$d/selfstat.nobuildinfo"
	fi
	gs_copy_version "$cache" "$v" "$d"
}

lines=$("$root/tools/fetch-go-toolchains.sh" --list)
# shellcheck disable=SC2086
gs_each_toolchain "$cache" "$jobs" line $lines || die "a toolchain's builds failed"
if [ ${#GS_MISSING[@]} -gt 0 ]; then
	printf '  %-8s %s\n' NOTE "no toolchain for Go ${GS_MISSING[*]} (tools/fetch-go-toolchains.sh): left out of $show"
fi
