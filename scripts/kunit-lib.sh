# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034  # the variables are for the sourcing scripts
#
# The kunit.py route, shared by scripts/kunit-tree.sh (stage the sources
# into a kernel tree, print the command) and scripts/kunit.sh (make kunit:
# stage, run the command, check what kunit.py cannot see).  Source it after
# lib.sh.

# Where the sources go in a kernel tree, relative to its top.
KUNIT_SUBDIR=net/skbfactory
# The x86_64 guest: three CPUs (the suite has cross-CPU cases; two
# releasing CPUs and a measuring one make three) and a virtio NIC with
# MSI-X on user networking that reaches nothing outside.
KUNIT_QEMU_ARGS='-smp 3 -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0'

# kunit_source: the Debian linux-source package of the "debug" kernel of
# scripts/kernels, its version and tarball (SRC_PKG, SRC_VERSION, SRC_TARBALL).
kunit_source() {
	SRC_PKG=$(kernel_packages debug)
	SRC_VERSION=$(dpkg-query -W -f '${Version}' "$SRC_PKG" 2>/dev/null) || SRC_VERSION=
	SRC_TARBALL=/usr/src/$SRC_PKG.tar.xz
	{ [ -n "$SRC_VERSION" ] && [ -f "$SRC_TARBALL" ]; } ||
		die "$SRC_PKG is not installed (no $SRC_TARBALL): run scripts/deps.sh debug"
}

# kunit_default_tree: the tarball unpacked once per version in the cache (not
# the debug kernel's copy: staging edits net/Kconfig and net/Makefile);
# prints the tree.
kunit_default_tree() {
	local dest top
	kunit_source
	top=$(basename "$SRC_TARBALL" .tar.xz)
	dest=$CACHE_DIR/kunit/src/$SRC_VERSION
	if [ ! -f "$dest/.extracted" ]; then
		say "unpacking $SRC_TARBALL into $dest (once per version)"
		rm -rf "$dest"
		mkdir -p "$dest"
		tar -xJf "$SRC_TARBALL" -C "$dest"
		[ -f "$dest/$top/Makefile" ] || die "$SRC_TARBALL does not hold $top/Makefile"
		touch "$dest/.extracted"
	fi
	printf '%s\n' "$dest/$top"
}

# The options of scripts/debug.config that make x86_64's built-in run
# sanitize (an extended regex of names after CONFIG_).
KUNIT_SANITIZERS='KASAN|KASAN_[A-Z_]+|DEBUG_KMEMLEAK|PROVE_LOCKING'

# kunit_stage TREE: the sources (SKBFACTORY_SRC, default the repository) and
# the kunitconfigs into TREE/net/skbfactory, hooked into net/Kconfig and
# net/Makefile.  Idempotent; files whose content did not change keep their
# mtime, so kbuild rebuilds only what changed.
kunit_stage() {
	local tree=$1 src=${SKBFACTORY_SRC:-$ROOT} dir=$1/$KUNIT_SUBDIR line
	{ [ -f "$tree/net/Kconfig" ] && [ -f "$tree/net/Makefile" ] &&
		[ -f "$tree/tools/testing/kunit/kunit.py" ]; } ||
		die "$tree is not a kernel tree with tools/testing/kunit/kunit.py"
	for line in Kconfig Kbuild .kunitconfig skbfactory.c config.c engine.c skbfactory_kunit.c; do
		[ -f "$src/$line" ] || die "no $src/$line"
	done
	mkdir -p "$dir"
	rsync -rc --delete --exclude='*.mod.c' --include='*.[ch]' --include=Kbuild \
		--include=Kconfig --include=.kunitconfig --exclude='*' "$src/" "$dir/"
	rsync -c "$SCRIPTS/kunit-x86_64.config" "$dir/x86_64.kunitconfig"
	# The debug kernel's options but, unless KUNIT_SANITIZE=1, its
	# sanitizers: the same suite runs under them (and kmemleak, which a
	# built-in suite cannot ask for) on the debug kernel, as a module
	# (make kunit-module, and make check's kunit_module case).  Without
	# them x86_64's kernel boots in seconds rather than a minute, and its
	# suite runs three times as fast.
	if [ "${KUNIT_SANITIZE:-0}" = 1 ]; then
		cat "$SCRIPTS/debug.config"
	else
		grep -vE "^CONFIG_($KUNIT_SANITIZERS)=" "$SCRIPTS/debug.config"
	fi >"$dir/debug.kunitconfig.new"
	if cmp -s "$dir/debug.kunitconfig.new" "$dir/debug.kunitconfig" 2>/dev/null; then
		rm "$dir/debug.kunitconfig.new"
	else
		mv "$dir/debug.kunitconfig.new" "$dir/debug.kunitconfig"
	fi

	line="source \"$KUNIT_SUBDIR/Kconfig\""
	if ! grep -qxF "$line" "$tree/net/Kconfig"; then
		# Inside the Networking menu when the tree has the usual layout.
		sed -i "/^endif[[:space:]]*# if NET\$/i $line" "$tree/net/Kconfig"
		grep -qxF "$line" "$tree/net/Kconfig" || echo "$line" >>"$tree/net/Kconfig"
	fi
	line="obj-\$(CONFIG_SKBFACTORY) += skbfactory/"
	grep -qxF "$line" "$tree/net/Makefile" || echo "$line" >>"$tree/net/Makefile"
}

# kunit_lock: the cached tree and its build dirs to this process, held on
# fd 9 until it ends; a make kunit or kunit-tree.sh using them is waited for.
kunit_lock() {
	mkdir -p "$CACHE_DIR/kunit"
	exec 9>"$CACHE_DIR/kunit/.lock"
	flock -n 9 || { say "another make kunit (or kunit-tree.sh) is using $CACHE_DIR/kunit; waiting for it"; flock 9; }
}

# kunit_args ARCH: KUNIT_ARGS, the `kunit.py run` arguments for ARCH (um or
# x86_64), relative to the tree's top as kunit.py takes them.
kunit_args() {
	local d=$KUNIT_SUBDIR
	case $1 in
	um) KUNIT_ARGS=(--kunitconfig="$d") ;;
	x86_64)
		KUNIT_ARGS=(--arch=x86_64 --kunitconfig="$d" --kunitconfig="$d/x86_64.kunitconfig"
			--kunitconfig="$d/debug.kunitconfig" --qemu_args="$KUNIT_QEMU_ARGS")
		;;
	*) die "kunit: unknown architecture '$1' (um or x86_64)" ;;
	esac
}

# kunit_command ARG...: a command line to copy and paste.
kunit_command() {
	local a out=./tools/testing/kunit/kunit.py
	for a in run "$@"; do
		case $a in
		*=*[[:space:]]*) out+=" ${a%%=*}='${a#*=}'" ;;
		*) out+=" $a" ;;
		esac
	done
	printf '%s\n' "$out"
}

# kernel_problems FILE...: the lines of kernel logs that show a problem
# KUnit does not count: KASAN, UBSAN, lockdep, BUG:/WARNING:, oopses,
# stalls, lockups, kmemleak.  Prints nothing when there is none.
kernel_problems() {
	cat "$@" 2>/dev/null | tr -d '\r' | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' | grep -E \
		-e '(^|: )(BUG|WARNING): ' \
		-e 'BUG: KASAN|KASAN: [a-z-]+ in |UBSAN: ' \
		-e 'INFO: (trying to register non-static key|lockdep is turned off|possible (circular|recursive|irq))' \
		-e 'INFO: task .* blocked for more than|rcu: INFO: .*stall|soft lockup' \
		-e 'Kernel panic|Oops: |general protection fault|invalid opcode: |kernel BUG at' \
		-e 'kmemleak: [0-9]+ new suspected memory leaks' |
		awk '!seen[$0]++' | head -n 20 || true
}
