#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh (make check): every check skbfactory has, counted.  The checks
# are the targets of tests/check.mk, run with make -j3 (-j2 on a busy
# machine: check_jobs): deps, debug-kernel,
# build-K (W=1 and sparse: a warning fails; then scripts/baseline-check.sh
# on the .ko: mode=empty's calls are still there), checkpatch --strict,
# every script through shellcheck, readme (docs.py --check: the docs' lists
# match the module's tables), tests-K (tests/integration.sh K: each case a
# check, and the VM one more), kunit (kunit.py run), dkms, ctrl-c
# (tests/host/ctrl-c.sh) and compare (tests/compare/test-compare.py).
# A line per check as it ends; then the failures with their details and
# the failed VMs' consoles, and last exactly one line:
#   N passed, N failed[, N skipped]
# A case skipped but not in tests/expected-skips for that kernel fails, as
# does a planned case that never reported.  Exit 1 when a check failed.
#
# Environment: FUZZ_SEED (the fuzz case's, on every kernel; default the
# time, printed for a replay), CHECK_KERNELS (default all of
# scripts/kernels), CHECKS (the targets to run, default all), CHECK_JOBS
# (make's slots; check_jobs picks 3 or 2), SKBFACTORY_SRC (the module's sources), and what
# tests/integration.sh and scripts/vm.sh read.  Logs in build/check/.
# Nothing here loads a module into this machine's kernel.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

OUT=$BUILD_DIR/check
RES=$OUT/res
SRC=${SKBFACTORY_SRC:-$ROOT}

elapsed() {
	local t=$(($(date +%s) - CHECK_START))
	printf '%d:%02d' $((t / 60)) $((t % 60))
}

# record STATUS NAME [DETAIL]: one check's outcome, PASS, FAIL or SKIP;
# DETAIL is a file that explains it, or a line of text.
record() {
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$RES/$TARGET.res"
	printf '[%s] %-4s %s\n' "$(elapsed)" "$1" "$2"
}

# run CMD...: one check, passed when CMD succeeds (its output in the log;
# kunit.py's closing line, if any, in the name).
check_run() {
	local log=$OUT/$TARGET.log line
	if (cd "$ROOT" && "$@") >"$log" 2>&1; then
		line=$(grep -o 'Ran [0-9]* tests: .*' "$log" | tail -n 1 || true)
		record PASS "$TARGET: $*${line:+: $line}"
		[ "$TARGET" != debug-kernel ] || : >"$OUT/debug-kernel.ok"
	else
		record FAIL "$TARGET: $* failed" "$log"
	fi
}

# slot [CMD...]: a check another part of the project delivers.
check_slot() {
	if [ $# = 0 ] || [ ! -x "$ROOT/$1" ]; then
		record FAIL "$TARGET: not delivered${1:+ (no executable $1)}"
	else
		check_run "$@"
	fi
}

# kernel_source K: where kernel K comes from: Debian's package version, or
# the linux-source it is built from.
kernel_source() {
	case $(kernel_kind "$1") in
	stock) echo "Debian $(basename "$(stock_kernel "$1")")" ;;
	source) echo "built from $(kernel_packages "$1" | xargs) $(basename "$(dirname "$KBUILD")" | cut -d- -f1-2)" ;;
	esac
}

# needs_kernel K: true, else the check fails for want of the debug kernel.
needs_kernel() {
	[ "$(kernel_kind "$1")" != source ] || [ -f "$OUT/debug-kernel.ok" ] ||
		{ record FAIL "$TARGET: not run (no debug kernel)" && return 1; }
}

# passed_before NAME INPUT...: NAME's key, from its INPUT files' contents
# (and the tool's version and command line on stdin), in KEY; true when
# the same inputs passed before.  passed KEY remembers a pass.  Only
# passes are kept, in the cache, so a warm run of an unchanged tree does
# not lint it again; a failure is checked anew each time, with its log.
LINT_CACHE=$CACHE_DIR/lint
passed_before() {
	local name=$1
	shift
	KEY=$name-$({ cat; cat -- "$@"; } 2>&1 | sha256sum | cut -c1-16)
	[ -f "$LINT_CACHE/$KEY" ]
}
passed() {
	mkdir -p "$LINT_CACHE" && : >"$LINT_CACHE/$1"
}

# build K: from scratch in a directory of its own, W=1 C=2, no warnings.
# A build that passed from the same sources, against the same kernel, with
# the same compiler and sparse, passes again: its result is kept with the
# key of those (build/check/w1/KREL/.pass, and its .ko in the cache for
# another clone) and the build is not redone.
check_build() {
	local log=$OUT/$TARGET.log dir kv key
	needs_kernel "$1" || return 0
	kv=$(resolve_kernel "$1" 2>"$log" && echo "$KBUILD $KREL") || { record FAIL "$TARGET: no kernel" "$log" && return; }
	read -r KBUILD KREL <<<"$kv"
	dir=$OUT/w1/$KREL
	key=$( { cat "$SRC"/*.[ch] "$SRC/Kbuild"; echo "$KBUILD W=1 C=2"; cat "$KBUILD/.config" "$KBUILD/Module.symvers"
		gcc --version; sparse --version; } 2>&1 | sha256sum | cut -c1-16)
	# The same inputs passed before, in this tree or (its .ko kept in the
	# cache) in another clone.
	if [ "$(cat "$dir/.pass" 2>/dev/null)" != "$key" ] && [ -f "$LINT_CACHE/build-$key/skbfactory.ko" ]; then
		rm -rf "$dir" && mkdir -p "$dir" && cp "$LINT_CACHE/build-$key/skbfactory.ko" "$dir/" &&
			echo "$key" >"$dir/.pass"
	fi
	if [ "$(cat "$dir/.pass" 2>/dev/null)" = "$key" ] && [ -f "$dir/skbfactory.ko" ]; then
		record PASS "$TARGET ($KREL, W=1 C=2): no warnings (the same inputs passed before: $key)"
		check_baseline "$dir" "$log"
		return
	fi
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$SRC"/*.[ch] "$SRC/Kbuild" "$dir/"
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$KBUILD" M="$dir" W=1 C=2 -j"$(nproc)" modules >"$log" 2>&1; then
		record FAIL "$TARGET ($KREL, W=1 C=2): make failed" "$log"
	elif grep -E 'warning:|error:' "$log" >"$log.warnings"; then
		record FAIL "$TARGET ($KREL, W=1 C=2): $(wc -l <"$log.warnings") warning(s)" "$log.warnings"
	else
		record PASS "$TARGET ($KREL, W=1 C=2): no warnings"
		echo "$key" >"$dir/.pass"
		# (Whole or not at all: another clone may be reading it.)
		mkdir -p "$LINT_CACHE/build-$key" && cp "$dir/skbfactory.ko" "$LINT_CACHE/build-$key/.ko.$$" &&
			mv -f "$LINT_CACHE/build-$key/.ko.$$" "$LINT_CACHE/build-$key/skbfactory.ko"
	fi
	check_baseline "$dir" "$log"
}

# baseline DIR LOG: what the compiler made of mode=empty in DIR's .ko
# (objdump -d).
check_baseline() {
	local dir=$1 log=$2
	[ -f "$dir/skbfactory.ko" ] || return 0
	if "$SCRIPTS/baseline-check.sh" "$dir/skbfactory.ko" >"$log.baseline" 2>&1; then
		record PASS "$TARGET ($KREL): $(tail -n 1 "$log.baseline")"
	else
		record FAIL "$TARGET ($KREL): mode=empty's op is gone from skbf_dispatch" "$log.baseline"
	fi
}

check_checkpatch() {
	local f cp log
	cp=$("$SCRIPTS/debug-kernel.sh" --kunit-tool 2>/dev/null) || true
	cp=${cp%/tools/testing/kunit/kunit.py}/scripts/checkpatch.pl
	# Every source file of the module: skbfactory.c, the parts it
	# includes, the header and the KUnit suite.
	for f in $(cd "$SRC" && ls -- *.[ch]); do
		log=$OUT/checkpatch-$f.log
		if [ ! -f "$cp" ]; then
			record FAIL "checkpatch $f: no scripts/checkpatch.pl (the debug kernel's source tree)"
		elif passed_before checkpatch "$cp" "${cp%/*}"/{spelling.txt,const_structs.checkpatch} \
			"$SRC/$f" <<<"$cp --strict --no-tree --no-summary --show-types -f $f"; then
			record PASS "checkpatch --strict $f (the same inputs passed before: $KEY)"
		elif (cd "$SRC" && perl "$cp" --strict --no-tree --no-summary --show-types -f "$f") >"$log" 2>&1; then
			record PASS "checkpatch --strict $f"
			passed "$KEY"
		else
			record FAIL "checkpatch --strict $f" "$log"
		fi
	done
}

check_shellcheck() {
	local f files=() bad=0 rc=0 log=$OUT/shellcheck.log
	cd "$ROOT"
	for f in scripts/*.sh scripts/bench/*.sh scripts/guest/* tests/* tests/host/*.sh .ci/run; do
		[ -f "$f" ] || continue
		case $f in
		*.sh | scripts/guest/* | .ci/run) files+=("$f") ;;
		*) head -n 1 "$f" | grep -qE '^#!.*(sh|bash)' && files+=("$f") ;;
		esac
	done
	# With -x it reads what each file sources: one key for all files.
	if passed_before shellcheck "${files[@]}" <<<"$(shellcheck --version) -x -f gcc ${files[*]}"; then
		for f in "${files[@]}"; do
			record PASS "shellcheck $f (the same inputs passed before: $KEY)"
		done
		return
	fi
	# One run for all: it starts slowly.
	shellcheck -x -f gcc "${files[@]}" >"$log" 2>&1 || rc=$?
	[ "$rc" != 0 ] || passed "$KEY"
	for f in "${files[@]}"; do
		if grep "^$f:" "$log" >"$log.${f//\//_}"; then
			record FAIL "shellcheck $f" "$log.${f//\//_}"
			bad=1
		else
			record PASS "shellcheck $f"
		fi
	done
	[ "$rc" = 0 ] || [ "$bad" = 1 ] || record FAIL "shellcheck failed (exit $rc)" "$log"
}

# readme: the docs' lists of modes, parameters and columns are the ones
# scripts/docs.py writes from the module's tables, and README.md stays
# under 10 KB.
check_readme() {
	local out size
	if out=$(python3 "$SRC/scripts/docs.py" --check 2>&1); then
		record PASS "docs list every mode, parameter and column as the module's tables have them"
	else
		record FAIL "docs list every mode, parameter and column as the module's tables have them" "$out"
	fi
	size=$(wc -c <"$SRC/README.md")
	if [ "$size" -le 10240 ]; then
		record PASS "README.md is under 10 KB ($size bytes)"
	else
		record FAIL "README.md is under 10 KB" "it is $size bytes"
	fi
}

# tests K: the integration tests in K's VM, each planned case one check.
check_tests() {
	local k=$1 log=$OUT/tests-$1 name status why plan
	# The KTAP of its VM, and of a second one where the plan splits.
	local outs=("$BUILD_DIR/vm/tests-$k/out.txt" "$BUILD_DIR/vm/tests-$k-2/out.txt")
	needs_kernel "$k" || return 0
	# Debian bumps its kernels without notice: the log says which ran.
	(resolve_kernel "$k" >/dev/null 2>&1 && echo "$KREL ($(kernel_source "$k"))") >"$OUT/kernel-$k" || true
	plan=$(TESTS_KIND=$([ "$(kernel_kind "$k")" = source ] && echo debug || echo stock) TESTS_PART='' \
		busybox sh "$ROOT/tests/job.sh" --list)
	printf '[%s] ---- %s, %s: %s cases planned\n' "$(elapsed)" "$k" "$(cat "$OUT/kernel-$k")" "$(wc -w <<<"$plan")"
	"$ROOT/tests/integration.sh" "$k" >"$log.res" 2>"$log.log" || true
	for name in $plan; do
		status=$(awk -v c="$name" '$1 == c { print $2 }' "$log.res")
		case $status in
		PASS) record PASS "$k: $name" ;;
		SKIP)
			if why=$(awk -v k="$k" -v c="$name" '$1 == k && $2 == c { $1 = $2 = ""; print substr($0, 3); f = 1 } END { exit !f }' \
				"$ROOT/tests/expected-skips"); then
				record SKIP "$k: $name" "expected: $why"
			else
				why=$(cat "${outs[@]}" 2>/dev/null | sed -n "s/^ok [0-9]* $name # SKIP //p")
				record FAIL "$k: $name: skipped ($why), and tests/expected-skips does not expect it"
			fi
			;;
		'' | MISSING) record FAIL "$k: $name: missing: the job never reported it (crash, hang or timeout)" "$log.log" ;;
		*)
			cat "${outs[@]}" 2>/dev/null | grep -a "^# $name: " >"$log.$name" || true
			record FAIL "$k: $name" "$log.$name"
			;;
		esac
	done
	if grep -q '^vm PASS' "$log.res"; then
		record PASS "$k: vm$(sed -n 's/^vm PASS//p' "$log.res")"
	else
		record FAIL "$k: vm: $(sed -n 's/^vm FAIL: //p' "$log.res")" "$log.vm.log"
	fi
}

# report: the failures with their details, the consoles, the count.
report() {
	local t status name detail k console pass fail skip
	for t in $(make -s -C "$ROOT" -f tests/check.mk list); do
		[ -s "$RES/$t.res" ] || printf 'FAIL\t%s\t\n' "$t: never ran" >>"$RES/$t.res"
	done
	cat "$RES"/*.res >"$OUT/results"
	pass=$(grep -c '^PASS' "$OUT/results" || true)
	fail=$(grep -c '^FAIL' "$OUT/results" || true)
	skip=$(grep -c '^SKIP' "$OUT/results" || true)
	if [ "$fail" -gt 0 ]; then
		echo
		echo "==== $fail failed ===="
		while IFS=$'\t' read -r status name detail; do
			[ "$status" = FAIL ] || continue
			echo "FAIL $name"
			if [ -f "$detail" ]; then tail -n 40 "$detail" | sed 's/^/    /'; elif [ -n "$detail" ]; then echo "    $detail"; fi
		done <"$OUT/results"
		# The consoles of the VMs that failed something.
		for k in $(kernel_names); do
			grep -qE "^FAIL"$'\t'"(tests-)?${k}[: ]" "$OUT/results" || continue
			for console in "$BUILD_DIR/vm/tests-$k/console.log" "$BUILD_DIR/vm/tests-$k-2/console.log"; do
				[ -f "$console" ] || continue
				echo "---- $k: the last 25 lines of $console ----"
				tr -d '\r' <"$console" | tail -n 25
			done
		done
		echo "(logs in $OUT; replay the fuzz with FUZZ_SEED=$FUZZ_SEED)"
	fi
	for k in $(kernel_names); do
		[ ! -s "$OUT/kernel-$k" ] || echo "kernel $k: $(cat "$OUT/kernel-$k")"
	done
	echo "stages (start - end, length, CPU time; make -j$CHECK_JOBS runs $CHECK_JOBS at a time, stall beside them):"
	stage_times
	echo "make check took $(elapsed)"
	echo "$pass passed, $fail failed$([ "$skip" = 0 ] || echo ", $skip skipped")"
	[ "$fail" = 0 ]
}

# check_jobs: CHECK_JOBS, make's slots, unless set: 3 when this machine's
# CPUs were mostly idle over a second (the stock guests wait more than
# they compute, and a third slot fills the gaps), else 2.  Beside two CPU
# hogs three slots ran five guests on two busy cores, and the guests'
# clocks drifted past what their timing cases allow.
# cpu_ticks: all the CPUs' ticks, and their idle ones (idle + iowait).
cpu_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8, $5 + $6 }' /proc/stat
}

check_jobs() {
	local a b
	if [ -z "${CHECK_JOBS:-}" ]; then
		read -r -a a <<<"$(cpu_ticks)"
		sleep 1
		read -r -a b <<<"$(cpu_ticks)"
		if [ $(((b[1] - a[1]) * 100)) -ge $(((b[0] - a[0]) * 70)) ]; then CHECK_JOBS=3; else CHECK_JOBS=2; fi
		echo "make slots: $CHECK_JOBS (the CPUs were $(((b[1] - a[1]) * 100 / (b[0] - a[0] + 1)))% idle; CHECK_JOBS sets them)"
	fi
	export CHECK_JOBS
}

# step TARGET FUNCTION [ARGS]: one target of tests/check.mk; whatever
# happens, it records something and succeeds, so make goes on.
step() {
	TARGET=$1
	# shellcheck disable=SC2034 # read by the EXIT trap
	STEP_START=$(date +%s)
	rm -f "$RES/$TARGET.res"
	trap 'rc=$?; { [ "$rc" = 0 ] && [ -s "$RES/$TARGET.res" ]; } || record FAIL "$TARGET: stopped early (exit $rc)" "$OUT/$TARGET.log"
		cpu_seconds; printf "%s %s %s %s\n" "$TARGET" $((STEP_START - CHECK_START)) $(($(date +%s) - CHECK_START)) "$CPU" >"$RES/$TARGET.time"; exit 0' EXIT
	"check_$2" "${@:3}"
}

# cpu_seconds: CPU = the CPU time, user and system, of this shell's
# children that have ended (bash's times, which must run in this shell,
# not a subshell: "0m1.500s 0m0.250s"), in whole seconds.
cpu_seconds() {
	times >"$RES/$TARGET.times"
	CPU=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%.0f\n", t }' "$RES/$TARGET.times")
	rm -f "$RES/$TARGET.times"
}

# stage_times: each step's start, end, length and CPU time (its guests'
# and builds', on every core), in the order they started, from the
# RES/*.time files steps leave; then the CPU time of them all.
stage_times() {
	cat "$RES"/*.time 2>/dev/null | sort -k2,2n | awk '
		{ printf "  %-14s %3d:%02d - %3d:%02d  %5d s  %5d s CPU\n", $1, $2 / 60, $2 % 60, $3 / 60, $3 % 60, $3 - $2, $4; cpu += $4 }
		END { printf "  %-31s %13d s CPU\n", "all", cpu }'
}

main() {
	# One stream: the last line is the count, whatever wrote before it.
	exec 2>&1
	unset MAKEFLAGS MFLAGS MAKELEVEL
	CHECK_START=$(date +%s)
	FUZZ_SEED=${FUZZ_SEED:-$CHECK_START}
	export CHECK_START FUZZ_SEED SKBFACTORY_SRC=$SRC
	rm -rf "$RES" "$OUT/debug-kernel.ok" "$OUT"/kernel-*
	mkdir -p "$RES"
	echo "make check: kernels $(make -s -C "$ROOT" -f tests/check.mk kernels); fuzz seed $FUZZ_SEED (replay: FUZZ_SEED=$FUZZ_SEED make check)"
	check_jobs
	# make and all it starts in a process group of their own, ended with us.
	on_exit
	set -m
	make -C "$ROOT" -f tests/check.mk -j"$CHECK_JOBS" -k -s --no-print-directory &
	PGROUPS+=($!)
	local make_pid=$! bg_pid='' bg
	read -ra bg <<<"$(make -s -C "$ROOT" -f tests/check.mk background)"
	if [ ${#bg[@]} -gt 0 ]; then
		background "$make_pid" "${bg[@]}" &
		bg_pid=$!
		PGROUPS+=("$bg_pid")
	fi
	set +m
	wait "$make_pid" || { TARGET='make' && record FAIL "make -f tests/check.mk failed"; }
	[ -z "$bg_pid" ] || wait "$bg_pid" || true
	report
}

# background MAKE_PID CHECK... : BUILD...: once each BUILD has its result
# (or make has ended), each CHECK one after another, as make would run it
# (tests/check.mk's BACKGROUND: their guests mostly sleep, and need no
# slot of make's; a cold kernel build is not to be slowed by them).
background() {
	local make_pid=$1 checks=() builds=() b
	shift
	while [ $# -gt 0 ] && [ "$1" != : ]; do checks+=("$1") && shift; done
	[ $# = 0 ] || { shift && builds=("$@"); }
	for b in ${builds[@]+"${builds[@]}"}; do
		while [ ! -s "$RES/$b.res" ] && kill -0 "$make_pid" 2>/dev/null; do sleep 1; done
	done
	# (-o: the builds are the other make's to run, not this one's)
	for b in "${checks[@]}"; do
		make -C "$ROOT" -f tests/check.mk -s --no-print-directory CHECKS="$b" \
			-o deps -o debug-kernel -o kunit-build "$b" || true
	done
}

if [ "${1:-}" = step ]; then step "${@:2}"; else main "$@"; fi
