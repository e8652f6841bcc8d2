#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration.sh KERNEL: the integration tests in the test VM of
# KERNEL (a name of scripts/kernels).  scripts/vm.sh runs tests/job.sh
# there, whose KTAP report the kernel's own `kunit.py parse` reads.  Prints
# a line per planned case, "NAME STATUS" (PASS, FAIL, SKIP, or MISSING when
# the job never reported it: a crash, a hang, a timeout), then "vm PASS" or
# "vm FAIL: why" for the VM itself (job finished; no BUG, WARNING, Oops,
# KASAN, lockdep, stall or leak; no bad taint).  kunit.py's report goes to
# stderr.  Exit 0 when nothing failed or went missing.
#
# Environment: FUZZ_SEED (default: the time), FUZZ_WRITES (the fuzz case's
# writes: 20000, 1000 on the debug kernel; tests/job.sh), FUZZ_ARGS (more
# options of skbf-fuzz, tests/fuzz/fuzz.c), CYCLES and RACE (tests/job.sh),
# STORM and RACE_SECONDS (race_storm), SPLAT_SKIP (tests/lib.sh), TESTS_ONLY (cases to run), TESTS_STALL (vm.sh --stall: seconds without
# console output, KTAP line or heartbeat before the guest counts as
# stalled; 120), TESTS_TIMEOUT (vm.sh --timeout, a bound on the whole VM
# whatever its progress; 0, none), SKBFACTORY_SRC (the module's sources),
# and vm.sh's VM_CPUS, VM_MEM (512M, so that memory_pressure fills it
# quickly and kmemleak scans it quickly), VM_NODES (numa_placement's VM on
# a stock kernel: 2, else 1), VM_NIC_CPU, ACCEL.  Logs in
# build/vm/tests-KERNEL/ (out.txt is the KTAP) and
# build/check/tests-KERNEL.*; a plan split over two VMs (cases_apart in
# tests/cases.sh) adds build/vm/tests-KERNEL-2/ and tests-KERNEL-2.*.

set -eu
# (TESTS_FROM is this script's to set, for a VM it resumes.)
unset TESTS_FROM
# shellcheck source-path=SCRIPTDIR source=../scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=tests/retry.sh
. "$(dirname "$0")/retry.sh"

# kunit_tool: the path of kunit.py, from a source tree in the cache, else
# from tools/testing/kunit alone, extracted once from the linux-source
# tarball of scripts/kernels.
kunit_tool() {
	local pkg dir py
	pkg=$(kernel_packages "$(kernel_names source | head -n 1)" | grep -m1 '^linux-source-')
	for py in "$CACHE_DIR"/{debug-kernel,kunit}/src/*/"$pkg"/tools/testing/kunit/kunit.py \
		"$CACHE_DIR/kunit-tool/$pkg/tools/testing/kunit/kunit.py"; do
		[ ! -f "$py" ] || { echo "$py" && return; }
	done
	dir=$CACHE_DIR/kunit-tool
	mkdir -p "$dir"
	(
		flock 9
		[ -f "$py" ] && exit
		rm -rf "$dir/tmp.$$" && mkdir "$dir/tmp.$$"
		tar -xJf "/usr/src/$pkg.tar.xz" -C "$dir/tmp.$$" --wildcards "$pkg/tools/testing/kunit" &&
			rm -rf "${dir:?}/$pkg" && mv "$dir/tmp.$$/$pkg" "$dir/" && rm -rf "$dir/tmp.$$"
	) 9>"$dir/.lock" >&2 || die "cannot extract tools/testing/kunit from /usr/src/$pkg.tar.xz"
	echo "$py"
}

if [ $# != 1 ] || [ -z "$(kernel_kind "$1")" ]; then
	die "usage: tests/integration.sh KERNEL (one of $(kernel_names | xargs))"
fi
kernel=$1 kind=stock
[ "$(kernel_kind "$kernel")" != source ] || kind=debug
export VM_MEM=${VM_MEM:-512M}
# A variant of the debug kernel (DEBUG_VARIANT, scripts/debug-kernel.sh)
# keeps its logs apart.
name=tests-$kernel${DEBUG_VARIANT:+-$DEBUG_VARIANT}
log=$BUILD_DIR/check/$name
out=$BUILD_DIR/vm/$name/out.txt
rc=0
seed=${FUZZ_SEED:-$(date +%s)}
mkdir -p "$BUILD_DIR/check"
kunit_py=$(kunit_tool)
mapfile -t plan < <(TESTS_KIND=$kind TESTS_PART='' busybox sh "$ROOT/tests/job.sh" --list)
[ ${#plan[@]} -gt 0 ] || die "tests/job.sh --list gave no cases"

# dummy: link_del's device.
args=(--kernel "$kernel" --job "$ROOT/tests/job.sh" --add "$ROOT/tests:tests" --modules dummy
	--quiet --stall "${TESTS_STALL:-120}" --timeout "${TESTS_TIMEOUT:-0}" --append "log_buf_len=8M"
	--env "TESTS_KIND=$kind" --env "FUZZ_SEED=$seed")
for v in TESTS_ONLY FUZZ_WRITES FUZZ_ARGS CYCLES RACE STORM RACE_SECONDS SPLAT_SKIP; do
	[ -z "${!v:-}" ] || args+=(--env "$v=${!v}")
done
# guest_tool CASE DIR NAME: when the plan has CASE, tests/DIR/DIR.c built
# static for the busybox guest (once for every kernel), in the guest as
# /skbfactory/NAME.
guest_tool() {
	[[ " ${plan[*]} " == *" $1 "* ]] || return 0
	local src=$ROOT/tests/$2/$2.c bin=$BUILD_DIR/$2/$3
	mkdir -p "$BUILD_DIR/$2"
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		gcc -static -O2 -Wall -Wextra -Werror -o "$bin.$$" "$src" >&2 ||
			die "building tests/$2/$2.c failed (gcc -static needs libc6-dev: scripts/deps.sh vm)"
		mv -f "$bin.$$" "$bin"
	fi
	args+=(--add "$bin:$3")
}
# The fuzz's writer and model.
guest_tool fuzz fuzz skbf-fuzz
# reclaim_kept's huge page taker: a shell there touched new pages at the
# min watermark.
guest_tool reclaim_kept hog skbf-hog
# The debug job runs the KUnit suite as a module and scans for leaks
# itself, as cases, once skbfactory is unloaded.
if [ "$kind" = debug ]; then
	# kunit_module's suites: the names of skbfactory_kunit.c's, and of the
	# kunit_*.c files it includes.
	suites=$(awk '/^static struct kunit_suite / { on = 1 }
		on && match($0, /\.name = "[a-z_0-9]+"/) { print substr($0, RSTART + 9, RLENGTH - 10); on = 0 }' \
		"${SKBFACTORY_SRC:-$ROOT}"/skbfactory_kunit.c "${SKBFACTORY_SRC:-$ROOT}"/kunit_*.c | xargs)
	[ -n "$suites" ] || die "no kunit_suite in skbfactory_kunit.c"
	# Every rmmod waits for several RCU grace periods there (lockdep frees
	# the module's lock keys after one each); expedited, a reload of
	# rmmod_race's 200 takes 0.15 s rather than 0.27.  KASAN still sees a
	# use after a grace period too short, sooner if anything.
	# The cases two CPUs cannot run, and why: scripts/kunit-skips
	# ("debug-vm2"); start_vm allows them where the VM has two.
	kskips2=$(awk '$1 == "debug-vm2" { print $2 }' "$SCRIPTS/kunit-skips" | xargs)
	args+=(--no-kmemleak --env "KUNIT_SUITES=$suites" --append "rcupdate.rcu_expedited=1")
fi

# A plan that splits (cases_apart in tests/cases.sh) runs in two VMs at
# once, tests-K (TESTS_PART=first) and tests-K-2 (apart); with TESTS_ONLY,
# in one.  Each VM in a process group of its own, which on_exit ends.
parts=('')
if [ -z "${TESTS_ONLY:-}" ] && [ -n "$(TESTS_KIND=$kind busybox sh "$ROOT/tests/job.sh" --apart)" ]; then
	parts=(first apart)
fi
say "integration tests on $kernel ($kind, ${#plan[@]} cases in ${#parts[@]} VM(s), fuzz seed $seed; logs $log*.vm.log)"
rm -f "$out" "$log.json" "$BUILD_DIR/vm/$name-2/"{out.txt,console.log} "$log-2.json" "$log-2.vm.log" "$log".boot[0-9].* "$log"-2.boot[0-9].*
on_exit
# start_vm I [FROM]: part I's VM in the background, in a process group of
# its own; from case FROM on.
start_vm() {
	local sfx='' nodes=${VM_NODES:-1} cpus=${VM_CPUS:-2}
	[ "$1" = 0 ] || sfx=-$(($1 + 1))
	# numa_placement's VM (the second; the one with TESTS_ONLY): two NUMA
	# nodes.  Every kernel here has CONFIG_NUMA.
	if [ "${parts[$1]}" = apart ] || [[ " ${TESTS_ONLY:-} " == *" numa_placement "* ]]; then
		nodes=${VM_NODES:-2}
	fi
	# On a stock kernel that VM has four CPUs, for free_cpus_traced's
	# measuring CPU and three releasing ones; the debug kernel's keeps two,
	# a node each, for its cases_apart.  The debug kernel's one-node VM
	# has three, for kunit_module's cases of a measuring CPU
	# and two releasing ones: several releasing CPUs under KASAN, lockdep
	# and kmemleak.
	if [ "$kind" != debug ] && { [ "${parts[$1]}" = apart ] ||
		[[ " ${TESTS_ONLY:-} " == *" free_cpus_traced "* ]]; }; then
		cpus=${VM_CPUS:-4}
	elif [ "$kind" = debug ] && [ "$nodes" = 1 ]; then
		cpus=${VM_CPUS:-3}
	fi
	local skips=()
	[ "$kind" != debug ] || skips=(--env "KUNIT_SKIPS=$([ "$cpus" -ge 3 ] || echo "$kskips2")")
	set -m
	VM_CPUS=$cpus VM_NODES=$nodes "$SCRIPTS/vm.sh" "${args[@]}" "${skips[@]}" --name "$name$sfx" ${parts[$1]:+--env "TESTS_PART=${parts[$1]}"} \
		${2:+--env "TESTS_FROM=$2"} </dev/null >/dev/null 2>"$log$sfx.vm.log" &
	PGROUPS+=($!) pids[$1]=$!
	set +m
}
pids=()
for i in "${!parts[@]}"; do
	start_vm "$i"
done
# A VM the emulator failed boots again, up to 3 times, from the case it
# died in: the cases it reported stand (their JSON is kept beside), and a
# late failure costs one case, not the whole VM.
vm_fail=() retried=() boots=()
for i in "${!pids[@]}"; do
	sfx=
	[ "$i" = 0 ] || sfx=-$((i + 1))
	o=$BUILD_DIR/vm/$name$sfx/out.txt
	boot=1
	while :; do
		vm_rc=0
		wait "${pids[$i]}" || vm_rc=$?
		why='' from=''
		[ "$vm_rc" = 0 ] ||
			why=$(emulator_failed "$BUILD_DIR/vm/$name$sfx/console.log" "$log$sfx.vm.log" "$o")
		[ -z "$why" ] || from=$(first_unreported "$kind" "${parts[$i]}" "$o" "$log$sfx".boot[0-9].out.txt)
		if [ -z "$from" ] || [ "$boot" -gt 3 ]; then
			break
		fi
		keep=$log$sfx.boot$boot
		cp "$BUILD_DIR/vm/$name$sfx/console.log" "$keep.console.log" 2>/dev/null || true
		cp "$o" "$keep.out.txt" 2>/dev/null || : >"$keep.out.txt"
		cp "$log$sfx.vm.log" "$keep.vm.log" 2>/dev/null || true
		python3 "$kunit_py" parse --json="$keep.json" "$keep.out.txt" >/dev/null 2>&1 || true
		boots+=("$keep.json")
		say "$name$sfx: $why (vm.sh exit $vm_rc); booting it again from $from"
		retried+=("$name$sfx from $from (exit $vm_rc, $why; console: $keep.console.log)")
		boot=$((boot + 1))
		start_vm "$i" "$from"
	done
	[ "$vm_rc" = 0 ] || vm_fail+=("$name$sfx: vm.sh failed (exit $vm_rc): $(grep '^skbfactory: ' "$log$sfx.vm.log" | tail -n 3 | tr '\n' ' ')")
	[ -f "$o" ] || : >"$o"
	python3 "$kunit_py" parse --json="$log$sfx.json" "$o" >&2 || true
done
PGROUPS=()
# Each planned case's status in kunit.py's JSON, the worst of its VMs
# (kmemleak runs in both); MISSING when no VM reported it.
jsons=("$log.json")
[ "${#parts[@]}" = 1 ] || jsons+=("$log-2.json")
jsons+=("${boots[@]}")
python3 - "${#jsons[@]}" "${jsons[@]}" "${plan[@]}" <<'EOF' || rc=1
import json, sys
n = int(sys.argv[1])
got = {}
for path in sys.argv[2:2 + n]:
    try:
        tests = json.load(open(path))["test_cases"]
    except (OSError, ValueError, KeyError):
        tests = []
    for t in tests:
        both = [got.get(t["name"]), t["status"]]
        got[t["name"]] = next((s for s in both if s not in (None, "PASS", "SKIP")),
                              "SKIP" if "SKIP" in both else "PASS")
plan = sys.argv[2 + n:]
for case in plan:
    print(case, got.get(case, "MISSING"))
sys.exit(any(got.get(c) not in ("PASS", "SKIP") for c in plan))
EOF
if [ "${#vm_fail[@]}" = 0 ]; then
	echo "vm PASS${retried[*]:+ after booting again ${retried[*]}}"
else
	echo "vm FAIL: ${vm_fail[*]}${retried[*]:+ (booted again: ${retried[*]})}"
	rc=1
fi
exit "$rc"
