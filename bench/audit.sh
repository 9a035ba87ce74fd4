#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# goscope audit over a tree of binaries, beside `go version -m -v` over the
# same tree and beside the floor, find(1) walking it, in the same run:
#   BUILD=build bench/audit.sh [ROUNDS]
#
# The tree is the corpus plus /usr/bin and /usr/lib (AUDIT_TREE overrides).
# After one warm-up run of each (warm page cache, as on a host that audits
# itself every few minutes), ROUNDS rounds (default 9) run the three commands
# in turn, so that load from anything else on the machine falls on all three
# alike. For each it prints the median wall time with its spread (min-max),
# the median CPU time (user+system, all threads), and the peak RSS of one
# more run; then the ratios. stdout and stderr of every command go to
# /dev/null. Benchmarks print figures; they never pass or fail on time.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
GOSCOPE=${GOSCOPE:-$BUILD/goscope}
TIMEIT=$BUILD/bench/timeit
CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
ROUNDS=${1:-9}
read -r -a TREE <<<"${AUDIT_TREE:-$CORPUS /usr/bin /usr/lib}"

for t in "${TREE[@]}"; do
	[ -e "$t" ] || { echo "audit.sh: $t missing (set AUDIT_TREE)" >&2; exit 1; }
done
command -v go >/dev/null || { echo "audit.sh: go not found" >&2; exit 1; }
[ -x "$TIMEIT" ] || { echo "audit.sh: $TIMEIT missing (make bench)" >&2; exit 1; }

names=(goscope go-version find)
cmds=(
	"$GOSCOPE audit --path ${TREE[*]}"
	"go version -m -v ${TREE[*]}"
	"find ${TREE[*]}"
)

echo "tree: ${TREE[*]}"
echo "entries: $(find "${TREE[@]}" | wc -l), regular files: $(find "${TREE[@]}" -type f | wc -l)"
echo "go binaries: goscope $("$GOSCOPE" audit --format csv --path "${TREE[@]}" 2>/dev/null |
	tail -n +2 | wc -l), go version -m $(go version -m "${TREE[@]}" 2>/dev/null | grep -c '^/')" \
	"(go version follows symbolic links to files)"
echo "CPUs online: $(nproc) (goscope's default thread count); load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# run_once I: wall, user and system seconds of command I.
run_once() {
	local TIMEFORMAT='%R %U %S'
	{ time bash -c "${cmds[$1]} >/dev/null 2>&1 || true"; } 2>&1
}

# med LIST: the median of whitespace-separated numbers; min and max too.
stats() {
	tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 }
		END { printf "%.1f %.1f %.1f", v[int((NR + 1) / 2)] * 1000, v[1] * 1000, v[NR] * 1000 }'
}

declare -A wall cpu
for i in "${!cmds[@]}"; do
	run_once "$i" >/dev/null	# warm-up
	wall[$i]=
	cpu[$i]=
done
for _ in $(seq "$ROUNDS"); do
	for i in "${!cmds[@]}"; do
		read -r r u s <<<"$(run_once "$i")"
		wall[$i]+="$r "
		cpu[$i]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
	done
done

declare -A med
for i in "${!cmds[@]}"; do
	read -r m lo hi <<<"$(stats "${wall[$i]}")"
	read -r c _ _ <<<"$(stats "${cpu[$i]}")"
	rss=$("$TIMEIT" 1 bash -c "${cmds[$i]} 2>/dev/null || true" | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p')
	med[$i]=$m
	printf '%-11s wall median %7.1f ms (min %7.1f, max %7.1f)  cpu median %7.1f ms  peak RSS %5.1f MB\n' \
		"${names[$i]}" "$m" "$lo" "$hi" "$c" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
done
awk -v g="${med[0]}" -v v="${med[1]}" -v f="${med[2]}" \
	'BEGIN { printf "goscope / find: %.2fx   go version / goscope: %.2fx   (%d rounds)\n", g / f, v / g, '"$ROUNDS"' }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
