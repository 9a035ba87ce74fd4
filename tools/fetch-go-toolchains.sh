#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fetch Debian's packaged Go toolchains, one per release line, without
# installing anything into the system: each line's golang-1.NN-go and
# golang-1.NN-src packages are downloaded through a private apt state (its
# own sources, lists and cache, naming the suite that packages the line) and
# unpacked with dpkg -x under
#	/var/cache/goscope/go/1.NN/		(GOSCOPE_GO_CACHE overrides)
#	/var/cache/goscope/go/1.NN/goroot -> usr/lib/go-1.NN	(use as GOROOT)
#	/var/cache/goscope/go/1.NN/VERSION	the exact version, e.g. go1.25.12
#
#   tools/fetch-go-toolchains.sh             every line below
#   tools/fetch-go-toolchains.sh 1.21 1.25   just these
#   tools/fetch-go-toolchains.sh --list      the lines, one per line
#   tools/fetch-go-toolchains.sh --print     the GOROOT of each fetched line
#
# Idempotent and quiet when everything is there: a line whose goroot runs
# and whose marker names the packages it came from is not fetched again.
# The apt mirror is the one this machine's Debian sources name.
set -euo pipefail

cache=${GOSCOPE_GO_CACHE:-/var/cache/goscope/go}

# Release line and the Debian suite that packages it.
lines=(
	"1.15 bullseye"
	"1.19 bookworm"
	"1.21 bookworm-backports"
	"1.22 bookworm-backports"
	"1.23 bookworm-backports"
	"1.24 trixie"
	"1.25 trixie-backports"
	"1.26 trixie-backports"
	"1.27 trixie-backports"
)

die() { printf 'fetch-go-toolchains: %s\n' "$*" >&2; exit 1; }

suite_of() {
	local l
	for l in "${lines[@]}"; do
		[ "${l%% *}" = "$1" ] && { echo "${l#* }"; return 0; }
	done
	return 1
}

case "${1:-}" in
--list)
	for l in "${lines[@]}"; do echo "${l%% *}"; done
	exit 0
	;;
--print)
	for l in "${lines[@]}"; do
		v=${l%% *}
		[ -x "$cache/$v/goroot/bin/go" ] && echo "$v $cache/$v/goroot"
	done
	exit 0
	;;
-h | --help)
	sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac

want=("$@")
if [ ${#want[@]} -eq 0 ]; then
	for l in "${lines[@]}"; do want+=("${l%% *}"); done
fi
for v in "${want[@]}"; do
	suite_of "$v" >/dev/null || die "no Debian suite known for Go $v (known: $("$0" --list | tr '\n' ' '))"
done

# A line is ready when its go runs, reports its own line, and the marker
# exists (written last, after a complete unpack).
ready() {
	local v=$1 d=$cache/$1
	[ -f "$d/.fetched" ] && [ -x "$d/goroot/bin/go" ] || return 1
	case "$(cat "$d/VERSION" 2>/dev/null)" in
	go"$v" | go"$v".*) return 0 ;;
	esac
	return 1
}

todo=()
for v in "${want[@]}"; do
	ready "$v" || todo+=("$v")
done
[ ${#todo[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this needs a Debian or Ubuntu host"
command -v dpkg >/dev/null 2>&1 || die "dpkg not found"
mkdir -p "$cache" 2>/dev/null || die "cannot create $cache (set GOSCOPE_GO_CACHE)"
cache=$(cd "$cache" && pwd)

# The mirror: the first http(s) URI of this machine's Debian sources.
mirror=${GOSCOPE_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n 's/^URIs: *\(http[^ ]*debian\/*\)\( .*\)\{0,1\}$/\1/p' | grep -v security | head -n 1)
fi
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*\) .*/\2/p' /etc/apt/sources.list 2>/dev/null |
		grep -v security | head -n 1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing: install debian-archive-keyring"

state=$cache/.apt
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/etc" "$state/dl"
suites=$(for v in "${todo[@]}"; do suite_of "$v"; done | sort -u)
: >"$state/etc/sources.list.new"
for s in $suites; do
	echo "deb [signed-by=$keyring] $mirror $s main" >>"$state/etc/sources.list.new"
done
mv "$state/etc/sources.list.new" "$state/etc/sources.list"
apt_opts=(-q -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache"
	-o "Dir::Etc::SourceList=$state/etc/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::status=/dev/null" -o "APT::Sandbox::User=root"
	-o "Acquire::Retries=3")

log=$state/log
printf '  %-8s %s\n' APT "package lists for: $(echo $suites)" >&2
apt-get "${apt_opts[@]}" update >"$log" 2>&1 || { cat "$log" >&2; die "apt-get update failed"; }

for v in "${todo[@]}"; do
	d=$cache/$v
	pkgs=("golang-$v-go" "golang-$v-src")
	rm -rf "$state/dl" && mkdir -p "$state/dl"
	printf '  %-8s %s\n' FETCH "${pkgs[*]} -> $d" >&2
	(cd "$state/dl" && apt-get "${apt_opts[@]}" download "${pkgs[@]}") >"$log" 2>&1 ||
		{ cat "$log" >&2; die "apt-get download ${pkgs[*]} failed"; }
	rm -rf "$d.new" && mkdir -p "$d.new"
	for deb in "$state/dl"/*.deb; do
		dpkg -x "$deb" "$d.new" || die "dpkg -x $deb failed"
	done
	[ -x "$d.new/usr/lib/go-$v/bin/go" ] || die "golang-$v-go has no usr/lib/go-$v/bin/go"
	[ -d "$d.new/usr/share/go-$v/src/runtime" ] || die "golang-$v-src has no runtime sources"
	ln -s "usr/lib/go-$v" "$d.new/goroot"
	# `go version`, not `go env GOVERSION`: Go 1.15 has no such variable.
	ver=$(env -u GOROOT -u GOFLAGS GOTOOLCHAIN=local "$d.new/goroot/bin/go" version | awk '{print $3}')
	case "$ver" in
	go"$v" | go"$v".*) ;;
	*) die "golang-$v-go reports '$ver'" ;;
	esac
	echo "$ver" >"$d.new/VERSION"
	(cd "$state/dl" && ls ./*.deb | sed 's|^\./||') >"$d.new/.fetched"
	rm -rf "$d" && mv "$d.new" "$d"
	# The symlink still names the relative path inside the new directory.
	[ -x "$d/goroot/bin/go" ] || die "unpacked toolchain at $d does not run"
done
rm -rf "$state/dl"
