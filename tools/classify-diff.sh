#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Does a classifier change keep every classification? Runs `goscope version -m`
# (text, and --json for verdict, evidence and flags) of two goscope builds over
# the same binaries and diffs the outputs:
#   tools/classify-diff.sh OLD_GOSCOPE NEW_GOSCOPE
#   tools/classify-diff.sh --base REV [NEW_GOSCOPE]   build REV (git archive) as OLD
# The binaries: the release corpus, build/fixtures, /usr/bin and /usr/lib
# (C binaries stay not Go), and hello built by every toolchain under
# /var/cache/goscope/go/1.NN/goroot in variants: default, stripped (-s -w),
# build info removed (as tools/build-fixtures.sh does: the sections dropped,
# every copy of the magic zeroed), both, PIE, cgo (external linking), c-shared,
# arm64 and 386, and without a section header table (e_shoff/e_shnum zeroed,
# as sstrip leaves a file); and the corpus binaries in the same variants.
# Built once into build/classify-diff/ (kept).
# Prints the count of files compared and every difference; exit 1 on any.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
OUT=${OUT:-build/classify-diff}
GOCACHE_ROOT=${GOSCOPE_GO_CACHE:-/var/cache/goscope/go}
CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
FIX=${GOSCOPE_FIXTURES:-build/fixtures}

die() { printf 'classify-diff: %s\n' "$*" >&2; exit 2; }

if [ "${1:-}" = --base ]; then
	rev=${2:?usage: $0 --base REV [NEW]}
	new=${3:-build/goscope}
	src=$OUT/base-src
	rm -rf "$src"
	mkdir -p "$src"
	git archive "$rev" | tar -x -C "$src"
	make -s -C "$src" -j2 all >/dev/null || die "build of $rev failed"
	old=$src/build/goscope
else
	[ $# -eq 2 ] || die "usage: $0 OLD_GOSCOPE NEW_GOSCOPE | --base REV [NEW]"
	old=$1
	new=$2
fi
[ -x "$old" ] && [ -x "$new" ] || die "goscope binaries missing: $old $new"

bins=$OUT/bins
mkdir -p "$bins"
export GOPROXY=off GOFLAGS=-buildvcs=false GO111MODULE=on GOWORK=off GOSUMDB=off GOTOOLCHAIN=local
magic='\xff Go buildinf:'

# nobuildinfo IN OUT: what tools/build-fixtures.sh makes of hello.nobuildinfo.
nobuildinfo() {
	local off
	local bfd
	# binutils' objcopy as the fixtures use it; its generic ELF target for other machines
	case $(od -An -tu1 -j4 -N2 "$1" | tr -s ' ') in
	" 2 1") bfd=elf64-little ;; " 2 2") bfd=elf64-big ;; " 1 1") bfd=elf32-little ;; *) bfd=elf32-big ;;
	esac
	objcopy --remove-section .go.buildinfo --remove-section .note.go.buildid "$1" "$2.tmp" \
		2>/dev/null || objcopy -I "$bfd" -O "$bfd" --remove-section .go.buildinfo \
		--remove-section .note.go.buildid "$1" "$2.tmp"
	for off in $(LC_ALL=C grep -obUaP "$magic" "$2.tmp" | cut -d: -f1 || true); do
		dd if=/dev/zero of="$2.tmp" bs=1 seek="$off" count=14 conv=notrunc status=none
	done
	mv -f "$2.tmp" "$2"
}

# noshdr IN OUT: the same file without its section header table (ELF64 and ELF32).
noshdr() {
	cp "$1" "$2.tmp"
	if [ "$(od -An -tu1 -j4 -N1 "$1" | tr -d ' ')" = 2 ]; then
		dd if=/dev/zero of="$2.tmp" bs=1 seek=40 count=8 conv=notrunc status=none
		dd if=/dev/zero of="$2.tmp" bs=1 seek=60 count=4 conv=notrunc status=none
	else
		dd if=/dev/zero of="$2.tmp" bs=1 seek=32 count=4 conv=notrunc status=none
		dd if=/dev/zero of="$2.tmp" bs=1 seek=48 count=4 conv=notrunc status=none
	fi
	mv -f "$2.tmp" "$2"
}

# build T NAME ENV... -- ARGS...: hello built by toolchain T, once.
build() {
	local t=$1 name=$2 envs=() goroot=$GOCACHE_ROOT/$1/goroot dir=hello
	shift 2
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	[ -e "$bins/$name" ] || [ -e "$bins/$name.failed" ] && return 0
	case " $* " in *" ./libhello "*) ;; *) set -- "$@" . ;; esac
	# Go 1.15 knows no -buildvcs.
	[ "$t" = 1.15 ] && envs+=(GOFLAGS=)
	if (cd tests/fixtures/$dir && env GOROOT="$goroot" "${envs[@]}" "$goroot/bin/go" build \
		-o "$root/$bins/$name.tmp" "$@") >"$bins/$name.log" 2>&1; then
		mv -f "$bins/$name.tmp" "$bins/$name"
		rm -f "$bins/$name.log" "$bins/$name.h" "$bins/$name.tmp.h"
	else
		mv -f "$bins/$name.log" "$bins/$name.failed"
	fi
}

derive() {	# derive FUNC IN OUT
	[ -e "$bins/$2" ] || return 0
	[ -e "$bins/$3" ] || "$1" "$bins/$2" "$bins/$3"
}

for d in "$GOCACHE_ROOT"/1.*/; do
	t=$(basename "$d")
	[ -x "$d/goroot/bin/go" ] || continue
	h=hello-$t
	build "$t" "$h" CGO_ENABLED=0 --
	build "$t" "$h.stripped" CGO_ENABLED=0 -- -ldflags=-s\ -w
	build "$t" "$h.pie" CGO_ENABLED=0 -- -buildmode=pie
	build "$t" "$h.cgo" CGO_ENABLED=1 -- -tags goscope_cgo -ldflags=-linkmode=external
	build "$t" "$h.arm64" CGO_ENABLED=0 GOARCH=arm64 --
	build "$t" "$h.386" CGO_ENABLED=0 GOARCH=386 --
	build "$t" "lib$h.so" CGO_ENABLED=1 -- -buildmode=c-shared ./libhello
	# .stripped.nobuildinfo: version and modinfo only by scans
	for v in "" .stripped .pie .cgo .arm64 .386; do
		derive nobuildinfo "$h$v" "$h$v.nobuildinfo"
	done
	derive nobuildinfo "lib$h.so" "lib$h.so.nobuildinfo"
	for v in "" .stripped .stripped.nobuildinfo .nobuildinfo .pie.nobuildinfo .arm64.nobuildinfo \
		.386.nobuildinfo .cgo.nobuildinfo; do
		derive noshdr "$h$v" "$h$v.noshdr"
	done
done

# The largest real binaries too: each corpus package's first binary without
# build info, without section headers, and both.
for d in "$CORPUS"/*/; do
	[ -d "$d" ] || continue
	for f in "$d"*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		c=corpus-$(basename "$d")
		[ -e "$bins/$c" ] || cp "$f" "$bins/$c"
		derive nobuildinfo "$c" "$c.nobuildinfo"
		derive noshdr "$c" "$c.noshdr"
		derive noshdr "$c.nobuildinfo" "$c.nobuildinfo.noshdr"
		break
	done
done

list=$OUT/files
{
	find "$bins" -maxdepth 1 -type f ! -name '*.failed' ! -name '*.log' ! -name '*.tmp' ! -name '*.h'
	find "$CORPUS" -type f -perm -u+x 2>/dev/null
	find "$FIX" -maxdepth 1 -type f 2>/dev/null
	find /usr/bin /usr/lib -type f -size +1k 2>/dev/null | sort | head -4000 || true
} | sort >"$list"

run() {	# run GOSCOPE TAG
	xargs -d '\n' -n 200 "$1" version -m <"$list" >"$OUT/$2.txt" 2>&1 || true
	xargs -d '\n' -n 200 "$1" --json version -m <"$list" >"$OUT/$2.json" 2>&1 || true
}
run "$old" old
run "$new" new
fail=0
echo "files compared: $(wc -l <"$list") ($(ls "$bins" | grep -vc '\.failed$\|\.log$') toolchain builds;" \
	"failed to build: $(ls "$bins" | grep -c '\.failed$' || true))"
echo "go binaries (text output): $(grep -c '^[^	].*: \(go1\|devel\)' "$OUT/new.txt" || true)"
for k in txt json; do
	if cmp -s "$OUT/old.$k" "$OUT/new.$k"; then
		echo "version -m ($k): identical ($(wc -c <"$OUT/new.$k") bytes)"
	else
		echo "version -m ($k): DIFFERENT"
		diff "$OUT/old.$k" "$OUT/new.$k" | head -50
		fail=1
	fi
done
exit $fail
