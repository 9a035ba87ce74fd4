#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Generate user/lib/rtlayout_table.c, the runtime-layout table, from real
# toolchains (docs/runtime-layouts.md): build a small program with each Go
# release line we keep (/var/cache/goscope/go/1.NN, fetched by
# tools/fetch-go-toolchains.sh) for amd64 and arm64, and read its DWARF
# with goscope's own reader (build/tools/rtlayout-gen).
#
#   tools/gen-rtlayout.sh            rewrite user/lib/rtlayout_table.c
#   tools/gen-rtlayout.sh --check    regenerate and diff against it (exit 1 on a difference)
#
# Exit 3 when a toolchain is missing. Env: BUILD (build), GOSCOPE_GO_CACHE
# (/var/cache/goscope/go), GOSCOPE_RTLAYOUT_LINES (the release lines),
# GOSCOPE_RTLAYOUT_TABLE (the file to write or check), GOCACHE.
set -euo pipefail

die() { printf 'gen-rtlayout: %s\n' "$*" >&2; exit "${2:-1}"; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*) die "usage: $0 [--check]" 2 ;;
esac

BUILD=${BUILD:-build}
gen=$BUILD/tools/rtlayout-gen
cache=${GOSCOPE_GO_CACHE:-/var/cache/goscope/go}
lines=${GOSCOPE_RTLAYOUT_LINES:-"1.15 1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"}
table=${GOSCOPE_RTLAYOUT_TABLE:-user/lib/rtlayout_table.c}

[ -x "$gen" ] || make --no-print-directory -s "$gen" >/dev/null ||
	die "cannot build $gen"

for l in $lines; do
	[ -x "$cache/$l/goroot/bin/go" ] && [ -s "$cache/$l/VERSION" ] ||
		die "missing toolchain go$l under $cache (tools/fetch-go-toolchains.sh)" 3
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The program: nothing but the runtime, which carries every type we read.
mkdir -p "$work/src"
printf 'package main\n\nfunc main() {}\n' >"$work/src/main.go"
printf 'module rtlayout\n\ngo 1.15\n' >"$work/src/go.mod"

gocache=${GOCACHE:-}
if [ -z "$gocache" ]; then
	gocache=$(go env GOCACHE 2>/dev/null || true)
	[ -n "$gocache" ] && [ "$gocache" != off ] || gocache=${TMPDIR:-/tmp}/goscope-go-build
fi

: >"$work/manifest"
for l in $lines; do
	goroot=$cache/$l/goroot
	version=$(tr -d ' \n' <"$cache/$l/VERSION")
	# waitReasonStrings from the toolchain's own runtime source: "waitReasonX<TAB>name".
	awk '/^var waitReasonStrings = /{on=1; next}
	     on && /^}/{exit}
	     on && match($0, /^[ \t]*(waitReason[A-Za-z0-9_]+):[ \t]*"(.*)",[ \t]*(\/\/.*)?$/) {
		line=$0; sub(/^[ \t]*/, "", line)
		name=line; sub(/:.*/, "", name)
		str=line; sub(/^[^"]*"/, "", str); sub(/",[ \t]*(\/\/.*)?$/, "", str)
		printf "%s\t%s\n", name, str }' \
		"$goroot/src/runtime/runtime2.go" >"$work/$version.wait"
	[ -s "$work/$version.wait" ] || die "$version: no waitReasonStrings in runtime2.go"
	for arch in amd64 arm64; do
		out=$work/$version-$arch
		(cd "$work/src" &&
			env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="${HOME:-/tmp}" GOROOT="$goroot" \
				GOCACHE="$gocache" GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GOWORK=off \
				GO111MODULE=on GOOS=linux GOARCH=$arch CGO_ENABLED=0 \
				"$goroot/bin/go" build -o "$out" .) ||
			die "$version $arch: go build failed"
		echo "$version $arch $out $work/$version.wait" >>"$work/manifest"
	done
done

"$gen" emit "$work/manifest" >"$work/table.c"
if [ "$check" = 1 ]; then
	if ! diff -u "$table" "$work/table.c"; then
		echo "gen-rtlayout: $table differs from the toolchains (run tools/gen-rtlayout.sh)" >&2
		exit 1
	fi
	echo "gen-rtlayout: $table matches $(wc -l <"$work/manifest") builds"
else
	cp "$work/table.c" "$table"
	echo "gen-rtlayout: wrote $table from $(wc -l <"$work/manifest") builds"
fi
