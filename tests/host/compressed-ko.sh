#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/compressed-ko.sh: every place that looks for a kernel module
# file takes what a kernel's config makes of it: NAME.ko, .ko.xz, .ko.zst
# or .ko.gz.  Debian's 6.12 compresses its modules with xz (and DKMS then
# leaves skbfactory.ko.xz); 6.1 does not; another kernel may use zstd.
#
# From the first stock kernel of scripts/kernels (fetched into the cache if
# need be), its NIC's modules go into a module tree of this test's own,
# once per suffix, compressed that way; then:
#   - ko_find and ko_cat (scripts/lib.sh; dkms-check.sh's way to the
#     module DKMS built) find each and give back the same ELF bytes, which
#     modinfo reads;
#   - module_paths (modprobe --show-depends, vm.sh's way to the in-tree
#     modules a guest needs) lists them with their suffix, and
#     modules_stage puts each into an initramfs tree as a plain NAME.ko
#     with the same bytes.  kmod's own build decides what depmod can read
#     (bookworm's kmod 30 has no zlib): what it cannot read,
#     modules_readable decompresses first, as fetch_kernel does.
# KTAP on stdout; exit 1 on a failure.

set -eu
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"

on_exit
tmp=$(mktemp -d) && TEMPS+=("$tmp")
resolve_kernel "$(kernel_names stock | head -n 1)" >/dev/null
from=$KMODS/lib/modules/$KREL
mapfile -t paths < <(module_paths "$KMODS" "$KREL" virtio_net | grep -v '^builtin ')
[ ${#paths[@]} -gt 0 ] || die "no virtio_net module in $from"

n=0 failed=0
echo "KTAP version 1"
echo "1..$((2 * 4))"
ok() {
	n=$((n + 1))
	echo "ok $n $*"
}
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n $1"
	shift
	printf '# %s\n' "$@"
}

# compress SUFFIX SRC DEST: SRC's ELF image (a module of any suffix) as DEST.
compress() {
	case $1 in
	.ko) ko_cat "$2" >"$3" ;;
	.ko.xz) ko_cat "$2" | xz -c --check=crc32 >"$3" ;;
	.ko.zst) ko_cat "$2" | zstd -qc >"$3" ;;
	.ko.gz) ko_cat "$2" | gzip -nc >"$3" ;;
	esac
}

# The formats the kernel can make (its own list, not lib.sh's).
for suffix in .ko .ko.xz .ko.zst .ko.gz; do
	root=$tmp/${suffix//./}
	to=$root/lib/modules/$KREL
	mkdir -p "$to"
	cp "$from/modules.builtin" "$from/modules.order" "$to/"
	want=()
	for p in "${paths[@]}"; do
		mkdir -p "$to/$(dirname "$p")"
		compress "$suffix" "$from/$p" "$to/${p%.ko*}$suffix"
		ko_cat "$from/$p" >"$tmp/$(basename "${p%.ko*}").elf"
		want+=("${p%.ko*}")
	done
	name=$(basename "${paths[-1]%.ko*}")

	# The DKMS side: find the file, read its ELF image, modinfo it.
	dir=$(dirname "$to/${paths[-1]}")
	why=()
	if ! ko=$(ko_find "$dir" "$name"); then
		why+=("ko_find found no $name in $dir")
	elif [ "$ko" != "$dir/$name$suffix" ]; then
		why+=("ko_find gave $ko, want $dir/$name$suffix")
	elif ! ko_cat "$ko" | cmp -s - "$tmp/$name.elf"; then
		why+=("ko_cat $ko is not the module's ELF image")
	else
		ko_cat "$ko" >"$tmp/one.ko"
		[ "$(modinfo -F name "$tmp/one.ko")" = "$name" ] || why+=("modinfo cannot read what ko_cat gave")
	fi
	if [ ${#why[@]} = 0 ]; then ok "ko_find and ko_cat read $name$suffix"; else not_ok "ko_find and ko_cat read $name$suffix" "${why[@]}"; fi

	# The guest side, as fetch_kernel prepares a kernel and vm.sh takes
	# its modules: modules_readable, depmod, modprobe --show-depends, the
	# initramfs tree.  What kmod cannot read is decompressed first.
	why=() read_as=$suffix
	kmod_reads "$suffix" || read_as=.ko
	modules_readable "$to"
	depmod -b "$root" "$KREL" 2>"$tmp/depmod.err" || why+=("depmod failed: $(head -c 300 "$tmp/depmod.err")")
	mapfile -t got < <(module_paths "$root" "$KREL" virtio_net | grep -v '^builtin ')
	for p in "${got[@]}"; do
		[[ $p == *"$read_as" ]] || why+=("module_paths gave $p, want a path ending in $read_as")
	done
	[ "${#got[@]}" = "${#want[@]}" ] || why+=("module_paths gave ${#got[@]} modules, want ${#want[@]}: ${got[*]}")
	if modules_stage "$root" "$KREL" "$tmp/stage$suffix" "${got[@]}" 2>"$tmp/stage.err"; then
		for p in "${want[@]}"; do
			cmp -s "$tmp/stage$suffix/lib/modules/$KREL/$p.ko" "$tmp/${p##*/}.elf" ||
				why+=("the staged $p.ko is not the module's ELF image")
		done
	else
		why+=("modules_stage failed: $(head -c 300 "$tmp/stage.err")")
	fi
	if [ ${#why[@]} = 0 ]; then
		ok "module_paths and modules_stage take ${#want[@]} modules as $suffix (kmod reads them as $read_as)"
	else
		not_ok "module_paths and modules_stage take modules as $suffix" "${why[@]}"
	fi
done
exit "$failed"
