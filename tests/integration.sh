#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration.sh KERNEL: skbfactory's integration tests in the test VM
# of KERNEL (a name of scripts/kernels: 6.1, 6.12, debug).  Boots it with
# scripts/vm.sh, runs tests/job.sh there (the cases of tests/cases.sh) and
# prints one line per case on stdout:
#   ok - KERNEL: NAME          not ok - KERNEL: NAME          skip - KERNEL: NAME # WHY
# plus "ok - KERNEL: vm" when the VM itself was clean (job finished, no
# BUG/WARNING/Oops/KASAN/lockdep/stall/leak, no bad taint).  A case the job
# never reported (a crash, a hang, a timeout) is "not ok ... # missing".
# Progress and diagnostics go to stderr.  Exit 0 when nothing failed.
#
# Environment: FUZZ_SEED (default: the time), FUZZ_WRITES (2000), CYCLES
# (insmod/rmmod cycles, 50), TESTS_ONLY (names of cases to run), TESTS_TIMEOUT
# (seconds for the VM; default 300, 600 on the debug kernel), and vm.sh's
# VM_CPUS, VM_MEM, VM_NIC_CPU, ACCEL.
#
# Logs: build/vm/tests-KERNEL/ (console.log, dmesg.log, out.txt) and
# build/check/tests-KERNEL.vm.log (vm.sh's own output).
#
# Nothing here loads a module into this machine's kernel.

set -eu
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"

TESTS="$ROOT/tests"

usage() {
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

# kind_of KERNEL: debug for the source-built kernel, stock otherwise.
kind_of() {
	if [ "$(kernel_kind "$1")" = source ]; then echo debug; else echo stock; fi
}

# follow FILE PID: print FILE's new lines to stderr until PID exits.
follow() {
	local file=$1 pid=$2 seen=0 n
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		[ -f "$file" ] || continue
		n=$(wc -l <"$file")
		if [ "$n" -gt "$seen" ]; then
			sed -n "$((seen + 1)),${n}p" "$file" | tr -d '\r' | sed "s/^/    [$kernel] /" >&2
			seen=$n
		fi
	done
	[ -f "$file" ] || return 0
	sed -n "$((seen + 1)),\$p" "$file" | tr -d '\r' | sed "s/^/    [$kernel] /" >&2
}

main() {
	[ $# -eq 1 ] || usage
	case $1 in -h | --help) usage ;; esac
	kernel=$1
	[ -n "$(kernel_kind "$kernel")" ] || die "unknown kernel '$kernel': use one of $(kernel_names | xargs)"
	local kind name logdir vmlog out seed timeout vm_rc pid
	kind=$(kind_of "$kernel")
	name=tests-$kernel
	logdir=$BUILD_DIR/check
	vmlog=$logdir/$name.vm.log
	out=$BUILD_DIR/vm/$name/out.txt
	seed=${FUZZ_SEED:-$(date +%s)}
	if [ "$kind" = debug ]; then timeout=${TESTS_TIMEOUT:-600}; else timeout=${TESTS_TIMEOUT:-300}; fi
	mkdir -p "$logdir"

	local -a plan args
	mapfile -t plan < <(TESTS_KIND=$kind TESTS_ONLY=${TESTS_ONLY:-} busybox sh "$TESTS/job.sh" --list)
	[ ${#plan[@]} -gt 0 ] || die "tests/job.sh --list gave no cases"

	args=(--kernel "$kernel" --job "$TESTS/job.sh" --add "$TESTS:tests" --name "$name"
		--quiet --timeout "$timeout" --append "log_buf_len=8M"
		--env "TESTS_KIND=$kind" --env "FUZZ_SEED=$seed")
	[ -z "${TESTS_ONLY:-}" ] || args+=(--env "TESTS_ONLY=$TESTS_ONLY")
	[ -z "${FUZZ_WRITES:-}" ] || args+=(--env "FUZZ_WRITES=$FUZZ_WRITES")
	[ -z "${CYCLES:-}" ] || args+=(--env "CYCLES=$CYCLES")
	# The debug job does its own kmemleak scan, as a case, once skbfactory
	# is unloaded; vm.sh's would only add 5 s.  Its fuzz script is made
	# here, by the same busybox awk, faster than under TCG.
	if [ "$kind" = debug ]; then
		args+=(--no-kmemleak)
		busybox awk -v seed="$seed" -v n="${FUZZ_WRITES:-2000}" -f "$TESTS/fuzz.awk" \
			>"$logdir/fuzz-$kernel.sh" || die "tests/fuzz.awk failed"
		args+=(--add "$logdir/fuzz-$kernel.sh:fuzz.sh")
	fi

	say "integration tests on $kernel ($kind kernel, ${#plan[@]} cases${seed:+, fuzz seed $seed}; log $vmlog)"
	rm -f "$out"
	vm_rc=0
	"$SCRIPTS/vm.sh" "${args[@]}" >/dev/null 2>"$vmlog" &
	pid=$!
	follow "$out" "$pid"
	wait "$pid" || vm_rc=$?

	# The verdict per case: the job's last word on it, else missing.
	local c line status failed=0 res
	declare -A result=()
	if [ -f "$out" ]; then
		while IFS= read -r line; do
			line=${line%$'\r'}
			case $line in
			"ok - "* | "not ok - "* | "skip - "*)
				c=${line#* - }
				c=${c%% *}
				result[$c]=$line
				;;
			esac
		done <"$out"
	fi
	for c in "${plan[@]}"; do
		res=${result[$c]:-}
		case $res in
		"ok - "*) status=ok ;;
		"skip - "*) status=skip ;;
		"not ok - "*) status=fail ;;
		*) status=missing ;;
		esac
		case $status in
		ok) echo "ok - $kernel: $c" ;;
		skip) echo "skip - $kernel: $c # ${res#*# }" ;;
		fail)
			echo "not ok - $kernel: $c"
			failed=1
			;;
		missing)
			echo "not ok - $kernel: $c # missing: the job never reported it (crash, hang or timeout)"
			failed=1
			;;
		esac
	done
	if [ "$vm_rc" = 0 ]; then
		echo "ok - $kernel: vm"
	else
		echo "not ok - $kernel: vm # vm.sh failed (exit $vm_rc): $(grep '^skbfactory: ' "$vmlog" | tail -n 3 | tr '\n' ' ')"
		failed=1
	fi
	return "$failed"
}

main "$@"
