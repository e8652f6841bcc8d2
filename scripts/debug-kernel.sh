#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--variant NAME] [--kunit-tool | --config-only | --help]
#
# Builds, or reuses, the debug kernel: the "debug" line of scripts/kernels
# names a Debian linux-source package, whose tarball is built with
# scripts/debug.config (KUnit, KASAN, kmemleak, lockdep, fault injection)
# + scripts/vm.config (what the QEMU VM and the module need) into the cache:
#
#   $CACHE_DIR/debug-kernel/src/<debian-version>/linux-source-X.Y/
#       the extracted tarball, shared by every build of that version
#   $CACHE_DIR/debug-kernel/<debian-version>[-<variant>]-<key>/
#       build/      O= build tree, usable as KDIR for out-of-tree modules
#       mods/       INSTALL_MOD_PATH: mods/lib/modules/<release>/, depmod'ed
#       build.log   make's output
#       variant     the variant's name (debug for none)
#       done        the stamp: written last, holds the four lines below
#
# A variant (--variant NAME, or DEBUG_VARIANT=NAME in the environment) adds
# scripts/debug-NAME.config last, whose lines replace those of the same
# options before it: kcsan swaps KASAN for KCSAN, which excludes it.  Each
# variant has builds of its own, and pruning one never touches another's.
#
# <key> is a hash of the option lines of the config fragments (and of
# RECIPE below); when the stamp exists the script prints it and runs nothing
# else, not even make.
#
# Progress goes to stderr.  stdout is exactly four lines:
#   KREL=<kernel release>
#   KIMAGE=<path to bzImage>
#   KBUILD=<build tree, a KDIR>
#   KMODS=<root dir holding lib/modules/<release>>
# With --kunit-tool stdout is one line instead: the path of the source's
# tools/testing/kunit/kunit.py (the build is made or reused first).
# --config-only makes and checks the .config only (quick, for editing the
# fragments) and prints its path.
#
# Nothing here loads a module or touches this machine's kernel.

set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# Bump when the way the kernel is built changes, so old builds are not reused.
RECIPE=1
# Finished builds of a variant (other configs) kept in the cache, the
# current one included.
KEEP_BUILDS=2

usage() {
	sed -n '3,40s/^# \{0,1\}//p' "$0" >&2
}

want_kunit_tool=0
config_only=0
variant=${DEBUG_VARIANT:-}
while [ $# -gt 0 ]; do
	case "$1" in
	--kunit-tool) want_kunit_tool=1 ;;
	--config-only) config_only=1 ;;
	--variant) [ $# -gt 1 ] || die "debug-kernel.sh: --variant needs a name"; variant=$2; shift ;;
	--variant=*) variant=${1#--variant=} ;;
	-h | --help) usage; exit 0 ;;
	*) usage; die "debug-kernel.sh: unknown argument: $1" ;;
	esac
	shift
done

# make kunit's own make variables (V=, O=, -j jobserver) must not reach the
# kernel's make.
unset MAKEFLAGS MFLAGS MAKELEVEL

DEBUG_CONFIG="$SCRIPTS/debug.config"
VM_CONFIG="$SCRIPTS/vm.config"
[ "$variant" != debug ] || variant=
[[ $variant =~ ^[a-z0-9]*$ ]] || die "debug-kernel.sh: a variant is a lower-case name, not '$variant'"
FRAGMENTS=("$DEBUG_CONFIG" "$VM_CONFIG")
[ -z "$variant" ] || FRAGMENTS+=("$SCRIPTS/debug-$variant.config")

# merged: the option lines of the fragments, in order, each option once:
# where two set it, the last one (a variant's), in the place of the first.
merged() {
	awk '/^CONFIG_[A-Za-z0-9_]+=/ { n = $0; sub(/=.*/, "", n) }
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { n = $2 }
		n != "" { if (!(n in line)) order[++k] = n; line[n] = $0; n = "" }
		END { for (i = 1; i <= k; i++) print line[order[i]] }' "${FRAGMENTS[@]}"
}

# The package: the one "source" kernel named "debug" in scripts/kernels.
source_package() {
	local pkgs
	pkgs=$(kernel_packages debug)
	[ "$(kernel_kind debug)" = source ] ||
		die "scripts/kernels has no 'debug source linux-source-X.Y' line"
	[ "$(printf '%s\n' "$pkgs" | wc -l)" -eq 1 ] ||
		die "scripts/kernels: the debug kernel must name exactly one package"
	case "$pkgs" in
	linux-source-*) printf '%s\n' "$pkgs" ;;
	*) die "scripts/kernels: the debug kernel's package '$pkgs' is not a linux-source package" ;;
	esac
}

# emit_result KREL DIR: the stdout contract.
emit_result() {
	printf 'KREL=%s\nKIMAGE=%s\nKBUILD=%s\nKMODS=%s\n' \
		"$1" "$2/build/arch/x86/boot/bzImage" "$2/build" "$2/mods"
}

# stamp_ok DIR: the build in DIR finished and its outputs are still there.
stamp_ok() {
	local krel
	[ -f "$1/done" ] || return 1
	krel=$(sed -n 's/^KREL=//p' "$1/done")
	[ -n "$krel" ] &&
		[ -f "$1/build/arch/x86/boot/bzImage" ] &&
		[ -f "$1/build/Module.symvers" ] &&
		[ -f "$1/mods/lib/modules/$krel/modules.dep" ]
}

# variant_of DIR: the variant a build directory is of (debug for none).
variant_of() {
	cat "$1/variant" 2>/dev/null || echo debug
}

# prune_builds DIR: with the lock held, remove the build directories of
# DIR's variant and other keys that never finished, and all but the
# newest finished ones (each is ~0.7 GB).  Other variants' are theirs.
prune_builds() {
	local d v
	v=$(variant_of "$1")
	for d in "$CACHE_DIR"/debug-kernel/*/; do
		d=${d%/}
		if [ "$d" = "$1" ] || [ ! -d "$d/build" ] || [ -f "$d/done" ] || [ "$(variant_of "$d")" != "$v" ]; then
			continue
		fi
		say "removing the unfinished build $d"
		rm -rf "$d"
	done
	# shellcheck disable=SC2012 # names are ours, no odd characters
	ls -1t "$CACHE_DIR"/debug-kernel/*/done 2>/dev/null | while IFS= read -r d; do
		d=${d%/done}
		[ "$(variant_of "$d")" != "$v" ] || echo "$d"
	done | tail -n +$((KEEP_BUILDS + 1)) | while IFS= read -r d; do
		[ "$d" != "$1" ] || continue
		say "removing the old build $d"
		rm -rf "$d"
	done
}

# extract_source TARBALL VERSION: unpack once per Debian version; prints the
# source directory.
extract_source() {
	local tarball=$1 version=$2 top dest tmp
	top=$(basename "$tarball" .tar.xz)
	dest="$CACHE_DIR/debug-kernel/src/$version"
	if [ ! -f "$dest/.extracted" ]; then
		say "extracting $tarball (once per source version)"
		tmp="$dest.tmp.$$"
		rm -rf "$tmp" "$dest"
		mkdir -p "$tmp"
		tar -xJf "$tarball" -C "$tmp"
		[ -f "$tmp/$top/Makefile" ] || die "$tarball does not hold $top/Makefile"
		mv "$tmp" "$dest"
		touch "$dest/.extracted"
	fi
	printf '%s\n' "$dest/$top"
}

# check_config CONFIG: every option the fragments set (merged) has that
# value in the final .config ("is not set" means: not =y/=m there).
check_config() {
	local config=$1 bad=0 line name
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" || {
				name=${line%%=*}
				printf '  wanted %s, got: %s\n' "$line" \
					"$(grep -E "^(# )?${name}[= ]" "$config" || echo 'absent')" >&2
				bad=1
			}
			;;
		"# CONFIG_"*" is not set")
			name=${line#\# }
			name=${name%% *}
			if grep -qE "^$name=" "$config"; then
				printf '  wanted %s, got: %s\n' "$line" \
					"$(grep -E "^$name=" "$config")" >&2
				bad=1
			fi
			;;
		esac
	done < <(merged)
	return "$bad"
}

# run_make LOG ARGS...: make with its output in LOG, a progress line every
# 30 s, and the tail of LOG when it fails.
run_make() {
	local log=$1 pid rc=0 t0=$SECONDS next=30
	shift
	make "$@" >>"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [ $((SECONDS - t0)) -ge "$next" ]; then
			say "  ... $((SECONDS - t0))s, $(grep -cE '^  (CC|AS|LD|AR)' "$log") steps done"
			next=$((next + 30))
		fi
	done
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "---- last lines of $log ----" >&2
		tail -n 40 "$log" >&2
		die "make $* failed (exit $rc); full log: $log"
	fi
}

# configure_kernel SRC DIR: DIR/build/.config from the fragments, checked.
configure_kernel() {
	local src=$1 dir=$2 log="$2/build.log"
	mkdir -p "$dir/build"
	: >"$log"
	echo "${variant:-debug}" >"$dir/variant"
	say "configuring: ${FRAGMENTS[*]#"$ROOT/"}, make olddefconfig"
	merged >"$dir/build/.config"
	run_make "$log" -C "$src" O="$dir/build" ARCH=x86_64 olddefconfig
	check_config "$dir/build/.config" ||
		die "the debug kernel's .config lacks options asked for (above): fix the fragments' dependencies"
	if grep -qE '^CONFIG_[A-Z0-9_]*KUNIT[A-Z0-9_]*TEST[A-Z0-9_]*=[ym]' "$dir/build/.config"; then
		grep -E '^CONFIG_[A-Z0-9_]*KUNIT[A-Z0-9_]*TEST[A-Z0-9_]*=[ym]' "$dir/build/.config" >&2
		die "KUnit suites would be built into the debug kernel (above); turn them off"
	fi
}

# build_kernel SRC DIR: configure, build, install the modules, stamp.
build_kernel() {
	local src=$1 dir=$2 jobs log krel start
	jobs=$(nproc)
	log="$dir/build.log"
	start=$SECONDS
	configure_kernel "$src" "$dir"

	say "building bzImage and modules with -j$jobs (log: $log)"
	run_make "$log" -C "$dir/build" ARCH=x86_64 -j"$jobs" bzImage modules
	krel=$(make -s -C "$dir/build" ARCH=x86_64 kernelrelease 2>>"$log")
	[ -n "$krel" ] || die "cannot read the kernel release from $dir/build"

	say "installing modules to $dir/mods"
	rm -rf "$dir/mods"
	run_make "$log" -C "$dir/build" ARCH=x86_64 INSTALL_MOD_PATH="$dir/mods" \
		modules_install
	depmod -b "$dir/mods" "$krel"

	emit_result "$krel" "$dir" >"$dir/done.tmp"
	mv "$dir/done.tmp" "$dir/done"
	say "debug kernel $krel built in $((SECONDS - start))s"
}

main() {
	local pkg version tarball key dir src
	pkg=$(source_package)
	version=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) || version=
	tarball="/usr/src/$pkg.tar.xz"
	if [ -z "$version" ] || [ ! -f "$tarball" ]; then
		die "$pkg is not installed (no $tarball): run scripts/deps.sh, or apt-get install $pkg"
	fi
	for f in "${FRAGMENTS[@]}"; do
		[ -f "$f" ] || die "missing $f${variant:+ (variant $variant)}"
	done

	# Only the option lines count: editing a comment rebuilds nothing.
	# (The default variant's key is what it was before variants were.)
	key=$({
		grep -hE '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)' "${FRAGMENTS[@]}"
		echo "recipe $RECIPE"
	} | sha256sum | cut -c1-12)
	dir="$CACHE_DIR/debug-kernel/$(printf '%s' "$version" | tr -c 'A-Za-z0-9.+_-' '_')${variant:+-$variant}-$key"

	if [ "$config_only" = 1 ]; then
		mkdir -p "$CACHE_DIR/debug-kernel"
		exec 9>"$CACHE_DIR/debug-kernel/.lock"
		flock 9
		src=$(extract_source "$tarball" "$version")
		if stamp_ok "$dir"; then
			say "$dir is built already; its .config is final"
		else
			configure_kernel "$src" "$dir"
			say "the .config checks out: every option the fragments set is there"
		fi
		printf '%s\n' "$dir/build/.config"
		return 0
	fi

	if ! stamp_ok "$dir"; then
		mkdir -p "$CACHE_DIR/debug-kernel"
		exec 9>"$CACHE_DIR/debug-kernel/.lock"
		if ! flock -n 9; then
			say "another debug-kernel build is running; waiting for it"
			flock 9
		fi
		if ! stamp_ok "$dir"; then
			say "debug kernel${variant:+ ($variant)}: $pkg $version, config key $key, not built yet"
			if ! command -v make >/dev/null || ! command -v gcc >/dev/null; then
				die "no make/gcc: run scripts/deps.sh"
			fi
			prune_builds "$dir"
			src=$(extract_source "$tarball" "$version")
			build_kernel "$src" "$dir"
		fi
		exec 9>&-
	fi
	say "debug kernel${variant:+ ($variant)}: $(sed -n 's/^KREL=//p' "$dir/done") ($pkg $version, key $key) in $dir"

	if [ "$want_kunit_tool" = 1 ]; then
		src=$(extract_source "$tarball" "$version")
		printf '%s\n' "$src/tools/testing/kunit/kunit.py"
	else
		cat "$dir/done"
	fi
}

main
