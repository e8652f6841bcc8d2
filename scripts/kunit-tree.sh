#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit-tree.sh [TREE]: put skbfactory into a kernel tree the way an
# in-tree driver sits there, and print the `kunit.py run` commands to type.
#
#   TREE/net/skbfactory/  the sources, Kbuild and Kconfig (copies; run this
#                         again after editing them), .kunitconfig, and the
#                         x86_64 NIC and debug-option kunitconfigs
#   TREE/net/Kconfig      sources net/skbfactory/Kconfig     (added once)
#   TREE/net/Makefile     obj-$(CONFIG_SKBFACTORY) += skbfactory/  (once)
#
# Without TREE: Debian's linux-source of scripts/kernels' debug kernel,
# unpacked once into the cache.  The sources come from SKBFACTORY_SRC
# (default: the repository).  The commands go to stdout, progress to stderr.
# It changes nothing else in TREE and builds nothing.

set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=kunit-lib.sh
. "$SCRIPTS/kunit-lib.sh"

case ${1:-} in
-h | --help)
	sed -n '3,17s/^# \{0,1\}//p' "$0"
	exit 0
	;;
-*) die "kunit-tree.sh: unknown option $1 (usage: kunit-tree.sh [TREE])" ;;
esac
[ $# -le 1 ] || die "usage: kunit-tree.sh [TREE]"

if [ $# -eq 1 ]; then
	tree=$(cd "$1" && pwd) || die "no directory $1"
else
	tree=$(kunit_default_tree)
	# make kunit builds from this tree: never stage into it mid-build.
	kunit_lock
fi
kunit_stage "$tree"
say "staged ${SKBFACTORY_SRC:-$ROOT} into $tree/$KUNIT_SUBDIR"

echo "cd $tree"
echo "# UML (kunit.py's default): the fastest loop"
kunit_args um
kunit_command "${KUNIT_ARGS[@]}"
echo "# x86_64 in QEMU with the NIC and the debug options"
kunit_args x86_64
kunit_command "${KUNIT_ARGS[@]}" --build_dir=.kunit-x86_64
