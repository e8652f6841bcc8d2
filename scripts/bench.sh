#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh (make bench): the benchmark sweep.  Boots the test VM once per
# stock kernel of scripts/kernels (KVER: one kernel) and measures on the
# NIC's CPU (the steps: scripts/bench/bench.py plan; the job: bench/job.sh):
# every mode at 11 sizes from 64 B to 64 KiB, batch 1 and 64; latency=1,
# cpu=all, and freed on the same CPU against the other vCPU (free_cpu=) at
# 1500 bytes; the kernel's pktgen at each size.  Then a second boot of each
# kernel with BENCH_RETURN_CPUS vCPUs (4) for the returning steps only:
# freed on the NIC's CPU, then on 1, 2 ... all of the others (free_cpu=
# lists).  Every run reserves 14 bytes and puts 50: the size axis shows the
# allocator's cost, not memset's.
# QUICK=1: sizes 64, 1500 and 9000, batch 1, one kernel, pktgen at 1500,
# returning to 1 and to all the other CPUs.  BENCH_ONLY=main or returning:
# that boot alone.  BENCH_SCALE=F multiplies every count, BENCH_APPEND="ARGS"
# adds kernel arguments (init_on_alloc=0); VM_CPUS (the first boot's), VM_MEM,
# VM_NIC_CPU and ACCEL as for scripts/vm.sh, SKBFACTORY_SRC the module's
# sources.
# Writes build/bench/<time>/: results.json, results.md, the plots and raw/
# (bench.py report), and prints a summary of ratios.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BENCH=$SCRIPTS/bench/bench.py
quick=''
case ${QUICK:-0} in '' | 0 | no | false) ;; *) quick=1 ;; esac
scale=${BENCH_SCALE:-1}
[[ $scale =~ ^[0-9]*\.?[0-9]+$ ]] || die "BENCH_SCALE must be a positive number, not '$scale'"
rcpus=${BENCH_RETURN_CPUS:-4}
[[ $rcpus =~ ^[0-9]+$ && $rcpus -ge 2 ]] || die "BENCH_RETURN_CPUS must be 2 or more, not '$rcpus'"
[ -z "${VM_NIC_CPU:-}" ] || [ "$VM_NIC_CPU" -lt "$rcpus" ] ||
	die "VM_NIC_CPU=$VM_NIC_CPU, but the returning boot has BENCH_RETURN_CPUS=$rcpus vCPUs"
case ${BENCH_ONLY:-} in
'') parts=(main returning) ;;
main | returning) parts=("$BENCH_ONLY") ;;
*) die "BENCH_ONLY must be main or returning, not '$BENCH_ONLY'" ;;
esac

loadavg() {
	cut -d' ' -f1-3 /proc/loadavg
}

say "checking packages"
"$SCRIPTS/deps.sh" vm bench
if [ -n "${KVER:-}" ]; then
	kernels=("$KVER")
elif [ -n "$quick" ]; then
	kernels=("$(default_kernel)")
else
	mapfile -t kernels < <(kernel_names stock)
fi
[ ${#kernels[@]} -gt 0 ] || die "no stock kernel in $SCRIPTS/kernels"

on_exit
stamp=$(date +%Y%m%d-%H%M%S)
out=$BUILD_DIR/bench/$stamp
load_before=$(loadavg)
start=$SECONDS
say "bench $stamp: kernels ${kernels[*]}${quick:+, QUICK}; load average $load_before; output in $out"
rc=0
# boot I PART: kernel I's VM for PART, main (VM_CPUS vCPUs, bench.py plan) or
# returning (rcpus vCPUs, its returning steps); its files in raw/KERNEL/, those
# of the returning boot with a suffix: plan-returning.txt, out-returning.txt...
boot() {
	local i=$1 part=$2 k=${kernels[$1]} sfx='' label=${kernels[$1]} raw vm timeout t l0 args
	local -x VM_CPUS=${VM_CPUS:-}
	if [ "$part" = returning ]; then
		sfx=-returning label="$k, $rcpus vCPUs" VM_CPUS=$rcpus
	fi
	raw=$out/raw/$k vm=$BUILD_DIR/vm/bench-$k$sfx
	mkdir -p "$raw"
	rm -f "$vm/out.txt" "$vm/console.log"  # a VM that fails early leaves the last run's
	python3 "$BENCH" plan "$part" >"$raw/plan$sfx.txt"
	# Generous: a loaded machine, the boot, the module build.
	timeout=$(awk '{ t += $3 } END { printf "%d", t / 1000 * 4 + 180 }' "$raw/plan$sfx.txt")
	args=(--kernel "$k" --name "bench-$k$sfx" --job "$SCRIPTS/bench/job.sh" --add "$raw/plan$sfx.txt:plan.txt"
		--modules "pktgen dummy" --timeout "$timeout" ${BENCH_APPEND:+--append "$BENCH_APPEND"})
	t=$SECONDS l0=$(loadavg)
	# vm.sh's stderr becomes the progress; the job's output is in $vm.  In
	# a process group of its own, which on_exit ends with us.
	set -m
	(
		"$SCRIPTS/vm.sh" "${args[@]}" 2>&1 >/dev/null |
			python3 "$BENCH" progress "$label" $((i + 1)) ${#kernels[@]} "$raw/plan$sfx.txt" "$raw/host$sfx.log" >&2
		exit "${PIPESTATUS[0]}"
	) &
	PGROUPS+=($!)
	set +m
	wait $! || { rc=1 && say "$label: the VM failed (logs: $vm)"; }
	echo "$((SECONDS - t)) $l0 / $(loadavg)" >"$raw/vm$sfx.txt"
	cp "$vm/out.txt" "$raw/out$sfx.txt" 2>/dev/null || true
	cp "$vm/console.log" "$raw/console$sfx.log" 2>/dev/null || true
}
for i in "${!kernels[@]}"; do
	for part in "${parts[@]}"; do
		boot "$i" "$part"
	done
done
echo "$((SECONDS - start)) $load_before / $(loadavg)" >"$out/host.txt"
python3 "$BENCH" report "$out" "${kernels[@]}" || rc=1
exit "$rc"
