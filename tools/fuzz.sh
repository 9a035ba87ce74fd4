#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run goscope's libFuzzer targets (build/fuzz/fuzz_*).
#   tools/fuzz.sh run SECONDS      fuzz every target for SECONDS each
#   tools/fuzz.sh one TARGET SECS  fuzz one target
#   tools/fuzz.sh replay           run every regression input once
#   tools/fuzz.sh seed [TARGET...] only write the seed corpora
# Seeds come from the Go fixtures, the release-binary corpus (cut down to a
# few hundred KiB each by build/tests/elfcut) and this host's /proc, into
# build/fuzz/ (never into the repo). Crashes land in build/fuzz/artifacts/TARGET/;
# copy each one into tests/fuzz/regress/TARGET/ once fixed, so that
# `make test` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FIX=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
MATRIX=${GOSCOPE_MATRIX:-$BUILD/matrix}
OUT=$BUILD/fuzz
CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
ELFCUT=${ELFCUT:-build/tests/elfcut}
# Bump when the seed recipe changes, so old seed dirs are topped up.
SEED_RECIPE=3
# Limits every run holds: no allocation above 64 MiB, no input slower than 10 s.
LIMITS=(-rss_limit_mb=1024 -malloc_limit_mb=64 -timeout=10)

dict_for() {
	case "$1" in
	fuzz_classify | fuzz_goelf | fuzz_modinfo | fuzz_runtime | fuzz_triage | fuzz_profsym) echo tests/fuzz/goelf.dict ;;
	fuzz_proc | fuzz_sockets | fuzz_agentfiles) echo tests/fuzz/proc.dict ;;
	*) [ -f "tests/fuzz/${1#fuzz_}.dict" ] && echo "tests/fuzz/${1#fuzz_}.dict" ;;
	esac
}

# One binary per corpus package (a package's binaries share a toolchain).
corpus_bins() {
	local d f
	for d in "$CORPUS"/*/; do
		[ -d "$d" ] || continue
		for f in "$d"*; do
			[ -f "$f" ] && [ -x "$f" ] && { echo "$f"; break; }
		done
	done
}

# corpus_cut DIR PREFIX [SELECTOR...]: a cut-down ELF of each corpus binary
# into DIR, once without a selector byte or once per selector given.
corpus_cut() {
	local dir=$1 prefix=$2 f name tmp s
	shift 2
	[ -x "$ELFCUT" ] || return 0
	tmp=$(mktemp -d)
	for f in $(corpus_bins); do
		name=corpus-$(basename "$(dirname "$f")")
		rm -f "$tmp/cut"
		"$ELFCUT" "$f" "$tmp/cut" || continue
		if [ $# -eq 0 ]; then
			cp "$tmp/cut" "$dir/$prefix$name"
		else
			for s in "$@"; do
				{ printf "\\x$s"; cat "$tmp/cut"; } >"$dir/$prefix$name.$s"
			done
		fi
	done
	rm -rf "$tmp"
}

# Seeds: with a one-byte selector prefix where the target takes one.
seed() {
	local t=$1 dir=$OUT/corpus/$1 stamp=$OUT/seeded/$1 f i want
	mkdir -p "$dir" "$OUT/seeded"
	want="recipe $SEED_RECIPE, corpus $(corpus_bins | wc -l)"
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
	case "$t" in
	fuzz_classify | fuzz_profsym)
		for f in hello.stripped hello.386 hello.ppc64 libhello.so hello.nobuildinfo truncated cbin; do
			[ -f "$FIX/$f" ] && cp "$FIX/$f" "$dir/$f"
		done
		corpus_cut "$dir" "" ;;
	fuzz_triage)
		# Only headers and the section-name table matter: small real files, cut
		# corpus binaries (same tables), and the repo's hand-made edge cases.
		for f in hello.stripped hello.386 hello.ppc64 libhello.so cbin truncated; do
			[ -f "$FIX/$f" ] && cp "$FIX/$f" "$dir/$f"
		done
		corpus_cut "$dir" ""
		cp tests/fuzz/seeds/fuzz_triage/* "$dir/" ;;
	fuzz_goelf)
		for f in hello.stripped hello.ppc64 hello.nobuildinfo; do
			[ -f "$FIX/$f" ] || continue
			for i in 0 1 2 3 4 5; do
				{ printf "\\x$i"; cat "$FIX/$f"; } >"$dir/$f.$i"
			done
		done
		corpus_cut "$dir" "" 0 1 2 3 4 5 ;;
	fuzz_modinfo)
		if [ -x "$BUILD/goscope" ] && [ -f "$FIX/hello" ]; then
			"$BUILD/goscope" version -m "$FIX/hello" | tail -n +2 | sed 's/^\t//' >"$dir/hello" || true
		fi
		if [ -x "$BUILD/goscope" ]; then
			for f in $(corpus_bins); do
				"$BUILD/goscope" version -m "$f" | tail -n +2 | sed 's/^\t//' \
					>"$dir/corpus-$(basename "$(dirname "$f")")" || true
			done
		fi
		printf 'path\tx\nmod\tx\t(devel)\t\nbuild\t"a=b"="c\\td"\n' >"$dir/quoted" ;;
	fuzz_proc)
		i=0
		for f in stat status cgroup cmdline; do
			{ printf "\\x$i"; cat /proc/self/$f; } >"$dir/$f"
			i=$((i + 1))
		done
		{ printf '\x04'; printf 'verylongcommand'; printf '/usr/bin/verylongcommandname\0--flag\0'; } >"$dir/name" ;;
	fuzz_sockets)
		i=0
		for f in tcp tcp6 udp udp6 unix; do
			[ -r /proc/self/net/$f ] && { printf "\\x$i"; cat /proc/self/net/$f; } >"$dir/$f"
			i=$((i + 1))
		done
		printf '\x00socket:[12345]' >"$dir/link" ;;
	fuzz_agentfiles)
		{ printf '\x00'; cat /proc/self/environ; } >"$dir/environ"
		printf '\x01 40123\n' >"$dir/port"
		{ printf '\x02'; head -c 2000 /etc/passwd; } >"$dir/passwd"
		{ printf '\x02'; head -c 200 /proc/meminfo; } >"$dir/meminfo"
		printf '\x03[::1]:6060' >"$dir/addr"
		printf '\x04off' >"$dir/gc"
		printf '\x051h2m3.5s' >"$dir/dur" ;;
	fuzz_runtime)
		{ printf '\x00'; cat /proc/self/maps; } >"$dir/maps"
		if [ -f "$FIX/hello" ] && command -v objcopy >/dev/null; then
			local tmp
			tmp=$(mktemp -d)
			objcopy --decompress-debug-sections "$FIX/hello" "$tmp/h" 2>/dev/null &&
				objcopy -O binary --only-section=.debug_info "$tmp/h" "$tmp/info" &&
				objcopy -O binary --only-section=.debug_abbrev "$tmp/h" "$tmp/abbrev" &&
				objcopy -O binary --only-section=.text "$tmp/h" "$tmp/text" && {
				head -c 60000 "$tmp/info" >"$tmp/info.cut"
				n=$(stat -c %s "$tmp/info.cut")
				{ printf '\x01'; printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8)))";
				  cat "$tmp/info.cut" "$tmp/abbrev"; } >"$dir/dwarf"
				{ printf '\x02'; head -c 65536 "$tmp/text"; } >"$dir/text"
			}
			rm -rf "$tmp"
		fi
		[ -f "$FIX/hello.stripped" ] && { printf '\x03'; cat "$FIX/hello.stripped"; } >"$dir/stripped"
		# Real compilers' code from each corpus toolchain, for the RET scan.
		if [ -x "$ELFCUT" ]; then
			for f in $(corpus_bins); do
				rm -f "$OUT/text.tmp"
				"$ELFCUT" -s .text -c 65536 "$f" "$OUT/text.tmp" &&
					{ printf '\x02'; cat "$OUT/text.tmp"; } >"$dir/corpus-text-$(basename "$(dirname "$f")")"
			done
			rm -f "$OUT/text.tmp"
		fi
		corpus_cut "$dir" "" 3 6 7
		# Stripped builds of the oldest and newest toolchains, both machines: the
		# rules that find runtime globals in code (6: no layout, 7: a layout).
		for f in 1.15/selfstat.stripped 1.27/selfstat.stripped 1.15/selfstat.arm64.stripped \
			1.27/selfstat.arm64.stripped; do
			[ -f "$MATRIX/$f" ] || continue
			for i in 6 7; do
				{ printf "\\x0$i"; cat "$MATRIX/$f"; } >"$dir/matrix-${f//\//-}.$i"
			done
			if [ -x "$ELFCUT" ]; then
				rm -f "$OUT/text.tmp"
				"$ELFCUT" -s .text -c 65536 "$MATRIX/$f" "$OUT/text.tmp" &&
					{ printf '\x05'; cat "$OUT/text.tmp"; } >"$dir/matrix-text-${f//\//-}"
				rm -f "$OUT/text.tmp"
			fi
		done
		# DWARF in an ELF image, as go build leaves it (SHF_COMPRESSED zlib), as
		# legacy .zdebug_* and uncompressed: the section decompression path.
		if [ -f "$FIX/hello" ] && command -v objcopy >/dev/null; then
			local tmp
			tmp=$(mktemp -d)
			if objcopy --only-section=.debug_info --only-section=.debug_abbrev \
				"$FIX/hello" "$tmp/zlib" 2>/dev/null &&
				objcopy --decompress-debug-sections "$tmp/zlib" "$tmp/plain" &&
				objcopy --compress-debug-sections=zlib-gnu "$tmp/plain" "$tmp/zdebug"; then
				for f in zlib plain zdebug; do
					{ printf '\x04'; cat "$tmp/$f"; } >"$dir/dwarf-elf-$f"
				done
			fi
			rm -rf "$tmp"
		fi
		true ;;
	fuzz_unwind)
		# Symtest images of each pclntab generation and both architectures,
		# with no noise (the harness's own valid stack) and some options.
		for f in go1.15/amd64.stripped go1.19/amd64.stripped go1.21/amd64.stripped \
			go1.21/arm64.stripped go1.27/amd64.stripped go1.27/arm64.stripped; do
			[ -f "$FIX/symtest/$f" ] || continue
			for i in 01 03 23; do
				{ printf "\\x$i\\x40\\x00"; head -c 64 /dev/zero; cat "$FIX/symtest/$f"; } \
					>"$dir/$(echo "$f" | tr / -).$i"
			done
		done ;;
	*)
		# A target added later: its own seeds dir in the repo, if any.
		[ -d "tests/fuzz/seeds/$t" ] && cp -r "tests/fuzz/seeds/$t/." "$dir/" ;;
	esac
	# Regression inputs are seeds too.
	[ -d "tests/fuzz/regress/$t" ] && cp "tests/fuzz/regress/$t"/* "$dir/" 2>/dev/null || true
	echo "$want" >"$stamp"
	return 0
}

fuzz_one() {
	local t=$1 secs=$2 d args=()
	seed "$t"
	mkdir -p "$OUT/artifacts/$t"
	d=$(dict_for "$t" || true)
	[ -n "$d" ] && args+=(-dict="$d")
	# fuzz_unwind's inputs carry a whole Go image (1.5-2.5 MB).
	[ "$t" = fuzz_unwind ] && args+=(-max_len=4194304)
	echo "  FUZZ     $t (${secs}s)"
	if ! "$OUT/$t" "${LIMITS[@]}" "${args[@]}" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$OUT/artifacts/$t/" "$OUT/corpus/$t" >"$OUT/$t.log" 2>&1; then
		echo "FAIL: $t found a problem; see $OUT/$t.log and $OUT/artifacts/$t/" >&2
		tail -40 "$OUT/$t.log" >&2
		return 1
	fi
	grep -E '^stat::number_of_executed_units' "$OUT/$t.log" | sed "s/^/    /" || true
}

targets() {
	local f
	for f in "$OUT"/fuzz_*; do
		[ -x "$f" ] && [ -f "$f" ] && basename "$f"
	done
}

case "${1:-}" in
run)
	secs=${2:-60}
	rc=0
	for t in $(targets); do fuzz_one "$t" "$secs" || rc=1; done
	exit $rc ;;
one)
	fuzz_one "$2" "${3:-60}" ;;
seed)
	shift
	[ $# -gt 0 ] || set -- $(targets)
	for t in "$@"; do seed "$t"; done ;;
replay)
	rc=0
	for t in $(targets); do
		dir=tests/fuzz/regress/$t
		[ -d "$dir" ] || continue
		files=("$dir"/*)
		[ -e "${files[0]}" ] || continue
		if ! "$OUT/$t" "${LIMITS[@]}" "${files[@]}" >"$OUT/$t.replay.log" 2>&1; then
			echo "FAIL: $t on a regression input; see $OUT/$t.replay.log" >&2
			rc=1
		fi
	done
	exit $rc ;;
*)
	echo "usage: $0 run SECONDS | one TARGET SECONDS | replay | seed [TARGET...]" >&2
	exit 2 ;;
esac
