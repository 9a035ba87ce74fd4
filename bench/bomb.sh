#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The segment-walk ELF bomb (tests/tools/elfbomb.c, docs/security.md §1):
# wall time and peak RSS of every command that meets it, as a file and as a
# running process (run as root: stats and probe read and probe the process):
#   BUILD=build bench/bomb.sh [RUNS]
#   GOSCOPE=/path/to/other/goscope bench/bomb.sh 1     e.g. a build before the fix
# The bombs: 63 writable PT_LOADs over one 32 MiB range (bomb32), the same
# over 128 MiB (bomb128), 8 over a 2 GiB sparse file (bomb-sparse), and that
# with a .symtab over the range (bomb-symtab). Each command runs RUNS times
# (default 5) through bench/timeit: median, min and max wall time, and the
# peak RSS over the runs. Exit statuses are ignored (stats and probe refuse
# a bomb, as they should); TIMEOUT (default 300 s) bounds each run so that
# an old build ends too, and a run cut by it shows as ">= TIMEOUT". BOMBS
# picks some of them (default: all four).
# Benchmarks print figures; they never pass or fail on time.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
GOSCOPE=${GOSCOPE:-$BUILD/goscope}
TIMEIT=$BUILD/bench/timeit
ELFBOMB=$root/build/tests/elfbomb
RUNS=${1:-5}
TIMEOUT=${TIMEOUT:-300}
read -r -a BOMBS <<<"${BOMBS:-bomb32 bomb128 bomb-sparse bomb-symtab}"

need_root "stats, probe"
[ -x "$TIMEIT" ] && [ -x "$ELFBOMB" ] && [ -x "$GOSCOPE" ] ||
	make -s -C "$root" "$BUILD/bench/timeit" build/tests/elfbomb "$BUILD/goscope" >/dev/null

tmp=$(mktemp -d)
bpid=
cleanup() {
	[ -n "$bpid" ] && kill "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$ELFBOMB" -t 3600 "$tmp/bomb32"
"$ELFBOMB" -t 3600 -s 128M "$tmp/bomb128"
"$ELFBOMB" -t 3600 -n 8 -s 2040M -f 2G -z "$tmp/bomb-sparse"
"$ELFBOMB" -t 3600 -n 8 -s 2040M -f 2G -z -y "$tmp/bomb-symtab"

# one LABEL ARGS...: goscope ARGS, RUNS times.
one() {
	local label=$1 out ms lo hi rss
	shift
	out=$("$TIMEIT" "$RUNS" bash -c 'timeout "$0" "$@" >/dev/null 2>&1; true' \
		"$TIMEOUT" "$GOSCOPE" "$@")
	read -r ms lo hi rss <<<"$(sed -E 's/median_ms=([0-9.]+) min_ms=([0-9.]+) max_ms=([0-9.]+) maxrss_kb=([0-9]+)/\1 \2 \3 \4/' <<<"$out")"
	if awk -v m="$hi" -v t="$TIMEOUT" 'BEGIN { exit !(m >= t * 1000) }'; then
		hi=">=$((TIMEOUT * 1000))"
	fi
	printf '  %-26s median %9.1f ms (min %9.1f, max %9s)  peak RSS %7.1f MB\n' \
		"$label" "$ms" "$lo" "$hi" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}

echo "goscope: $GOSCOPE ($RUNS runs each, timeout ${TIMEOUT}s)"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
for b in "${BOMBS[@]}"; do
	f=$tmp/$b
	echo "$b: $(stat -c %s "$f") bytes, $(($(stat -c %b "$f") * 512 / 1024)) KiB on disk;" \
		"$(timeout "$TIMEOUT" "$GOSCOPE" --json version "$f" 2>/dev/null |
			jq -r '.files[0].go | "\(.verdict): \(.reason)"' 2>/dev/null || echo "no answer")"
	one "version FILE" version "$f"
	one "version -m FILE" version -m "$f"
	one "audit --path FILE" audit --path "$f"
	"$f" </dev/null >/dev/null 2>&1 &
	bpid=$!
	sleep 0.2
	one "(list)"
	one "tree" tree
	one "audit" audit
	one "PID" "$bpid"
	one "stats --agentless PID" stats --agentless "$bpid"
	one "probe -d 1 PID" probe -d 1 "$bpid"
	kill "$bpid"
	wait "$bpid" 2>/dev/null || true
	bpid=
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
