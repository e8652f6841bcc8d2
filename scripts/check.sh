#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh (make check): every check skbfactory has, counted.
#
#   deps          scripts/deps.sh (installs what is missing)
#   debug kernel  scripts/debug-kernel.sh (built once, ~10 min, then cached)
#   build         skbfactory against each kernel with W=1 and sparse (C=2):
#                 a warning fails it (the debug kernel's build has KUnit,
#                 so skbfactory_kunit.c is built there too)
#   checkpatch    --strict, on skbfactory.c, skbfactory.h, skbfactory_kunit.c
#                 (scripts/checkpatch.pl of the debug kernel's source tree)
#   readme        README.md documents every parameter and results column
#   shell lint    shellcheck -x on scripts/*.sh, scripts/guest/*, the shell
#                 scripts in tests/ and .ci/run
#   kunit         make kunit (scripts/kunit.sh) on the debug kernel
#   tests         tests/integration.sh in the VM of every kernel of
#                 scripts/kernels: each case is one check, and so is each
#                 VM's own verdict (no BUG/WARNING/KASAN/lockdep/leak...)
#
# Two lanes run side by side (the machine has 2 cores; a TCG guest mostly
# keeps one busy): the debug kernel, checkpatch and the debug kernel's
# tests in one; the builds, shellcheck, the stock kernels' tests and KUnit
# in the other.
#
# Prints a line per check as it ends, the failures with their details and
# the VMs' console tails, and last exactly one line:
#   N passed, N failed[, N skipped]
# Exits 1 when a check failed.  Logs in build/check/.
#
# Environment: FUZZ_SEED (the debug kernel's fuzz; default the time, printed
# so a failure can be replayed), CHECK_KERNELS (default: all of
# scripts/kernels), and what tests/integration.sh and scripts/vm.sh read.
#
# Nothing here loads a module into this machine's kernel: every module runs
# in a QEMU guest.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

OUT=$BUILD_DIR/check
START=$SECONDS

elapsed() {
	printf '%d:%02d' $(((SECONDS - START) / 60)) $(((SECONDS - START) % 60))
}

# stage TEXT: what a lane starts now.
stage() {
	printf '[%s] --- %s\n' "$(elapsed)" "$*"
}

# record STATUS NAME [DETAIL [quiet]]: one check's outcome (PASS, FAIL or
# SKIP), in the lane's results file and on the terminal (not a quiet PASS:
# the integration tests show theirs as they happen).  DETAIL is a file
# whose text explains a failure, or a line of text.
record() {
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$LANE_RESULTS"
	[ "$1/${4:-}" = PASS/quiet ] || printf '[%s] %-4s %s\n' "$(elapsed)" "$1" "$2"
}

# run_logged LOG CMD...: CMD with its output in LOG; its status.
run_logged() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
}

check_deps() {
	stage "packages (scripts/deps.sh)"
	if run_logged "$OUT/deps.log" "$SCRIPTS/deps.sh" vm check debug; then
		record PASS "deps: the Debian packages are installed"
	else
		record FAIL "deps: scripts/deps.sh failed" "$OUT/deps.log"
	fi
}

# check_build NAME: skbfactory built from scratch against kernel NAME with
# W=1 and C=2 (sparse), in a directory of its own (build/check/w1/).  On
# the debug kernel, which has KUnit, that includes skbfactory_kunit.c.
check_build() {
	local name=$1 log=$OUT/build-$1.log dir rc=0 kbuild krel
	stage "build against $name (W=1, sparse)"
	if ! (resolve_kernel "$name" && echo "$KBUILD $KREL" >"$log.kernel") >"$log.err" 2>&1; then
		record FAIL "build $name: no kernel" "$log.err"
		return
	fi
	read -r kbuild krel <"$log.kernel"
	dir=$OUT/w1/$krel
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$ROOT"/*.[ch] "$ROOT/Kbuild" "$dir/"
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$kbuild" M="$dir" W=1 C=2 -j"$(nproc)" modules >"$log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		record FAIL "build $name ($krel, W=1 C=2): make failed" "$log"
	elif grep -qE 'warning:|error:' "$log"; then
		grep -E 'warning:|error:' "$log" >"$log.warnings"
		record FAIL "build $name ($krel, W=1 C=2): $(wc -l <"$log.warnings") warning(s)" "$log.warnings"
	else
		record PASS "build $name ($krel, W=1 C=2): no warnings"
	fi
}

# check_shellcheck: every shell script, each one check.
check_shellcheck() {
	local f log rel
	stage "shellcheck"
	mkdir -p "$OUT/shellcheck"
	for f in "$ROOT"/scripts/*.sh "$ROOT"/scripts/guest/* "$ROOT"/tests/* "$ROOT/.ci/run"; do
		[ -f "$f" ] || continue
		case $f in
		*.sh | */scripts/guest/* | */.ci/run) ;;
		*) head -n 1 "$f" | grep -qE '^#!.*(sh|bash)' || continue ;;
		esac
		rel=${f#"$ROOT"/}
		log=$OUT/shellcheck/${rel//\//_}.log
		if (cd "$ROOT" && shellcheck -x "$rel") >"$log" 2>&1; then
			record PASS "shellcheck $rel"
		else
			record FAIL "shellcheck $rel" "$log"
		fi
	done
}

# check_readme: the README documents every parameter and every results
# column, as the module's own tables (skbfactory.c) name them.
check_readme() {
	local missing
	stage "README against the module's tables"
	missing=$(awk '/^static const struct skbf_param skbf_params\[\]/,/^};/ { if (match($0, /\{ "[a-z_]+"/)) print substr($0, RSTART + 3, RLENGTH - 4) }
		/^} skbf_cols\[\] = \{/,/^};/ { if (match($0, /\{ "[a-z0-9_]+"/)) print substr($0, RSTART + 3, RLENGTH - 4) }' \
		"$ROOT/skbfactory.c" | while read -r name; do
		grep -qE "\`([^\` ]+ )*${name}( [^\` ]+)*\`" "$ROOT/README.md" || echo "$name"
	done | xargs)
	if [ -z "$missing" ]; then
		record PASS "README documents every parameter and column"
	else
		record FAIL "README documents every parameter and column" "not in README.md: $missing"
	fi
}

# check_debug_kernel: build or find the debug kernel; sets SRC (its source
# tree) for checkpatch.
check_debug_kernel() {
	local kunit_py
	stage "debug kernel (scripts/debug-kernel.sh; the first time it takes ~10 min)"
	DEBUG_OK=0
	if run_logged "$OUT/debug-kernel.log" "$SCRIPTS/debug-kernel.sh" &&
		kunit_py=$("$SCRIPTS/debug-kernel.sh" --kunit-tool 2>>"$OUT/debug-kernel.log"); then
		SRC=${kunit_py%/tools/testing/kunit/kunit.py}
		DEBUG_OK=1
		record PASS "debug kernel: $(sed -n 's/^KREL=//p' "$OUT/debug-kernel.log")"
	else
		record FAIL "debug kernel: scripts/debug-kernel.sh failed" "$OUT/debug-kernel.log"
	fi
}

check_checkpatch() {
	local f log
	stage "checkpatch --strict"
	for f in skbfactory.c skbfactory.h skbfactory_kunit.c; do
		log=$OUT/checkpatch-$f.log
		if [ "$DEBUG_OK" != 1 ] || [ ! -f "$SRC/scripts/checkpatch.pl" ]; then
			record FAIL "checkpatch $f: no scripts/checkpatch.pl (the debug kernel's source tree)"
		elif [ ! -f "$ROOT/$f" ]; then
			record FAIL "checkpatch $f: no such file"
		elif (cd "$ROOT" && perl "$SRC/scripts/checkpatch.pl" --strict --no-tree --no-summary \
			--show-types -f "$f") >"$log" 2>&1; then
			record PASS "checkpatch --strict $f"
		else
			record FAIL "checkpatch --strict $f" "$log"
		fi
	done
}

check_kunit() {
	local log=$OUT/kunit.log line
	stage "KUnit (make kunit, on the debug kernel)"
	if [ "$DEBUG_OK" != 1 ]; then
		record FAIL "kunit: not run (no debug kernel)"
		return
	fi
	if run_logged "$log" "$SCRIPTS/kunit.sh"; then
		line=$(grep -oE 'Ran [0-9]+ tests: passed: [0-9]+.*' "$log" | tail -n 1 || true)
		record PASS "kunit: ${line:-passed}"
	else
		record FAIL "kunit: make kunit failed" "$log"
	fi
}

# check_tests KERNEL: the integration tests in KERNEL's VM; each case one
# check.  Their progress shows as it happens.
check_tests() {
	local kernel=$1 res line status name detail out
	res=$OUT/tests-$kernel.results
	stage "integration tests on $kernel"
	out=$BUILD_DIR/vm/tests-$kernel/out.txt
	if [ "$(kernel_kind "$kernel")" = source ] && [ "$DEBUG_OK" != 1 ]; then
		record FAIL "$kernel: integration tests not run (no debug kernel)"
		return
	fi
	FUZZ_SEED=$SEED "$ROOT/tests/integration.sh" "$kernel" >"$res" || true
	while IFS= read -r line; do
		case $line in
		"ok - "*) status=PASS name=${line#ok - } ;;
		"not ok - "*) status=FAIL name=${line#not ok - } ;;
		"skip - "*) status=SKIP name=${line#skip - } ;;
		*) continue ;;
		esac
		detail=${name#* # }
		[ "$detail" != "$name" ] || detail=
		name=${name%% # *}
		if [ "$status" = FAIL ]; then
			case $name in
			*": vm")
				detail=$OUT/tests-$kernel.vm.log
				;;
			*)
				# The case's own diagnostics, from the job's output.
				grep -a "^#   ${name#*: }: " "$out" 2>/dev/null | tr -d '\r' >"$res.${name#*: }" || true
				[ -z "$detail" ] || echo "$detail" >>"$res.${name#*: }"
				detail=$res.${name#*: }
				;;
			esac
		fi
		record "$status" "$name" "$detail" quiet
	done <"$res"
	if ! grep -q . "$res"; then
		record FAIL "$kernel: integration tests: tests/integration.sh gave no results" "$OUT/tests-$kernel.vm.log"
	fi
	printf '[%s] ==== %s: %s passed, %s failed, %s skipped (the cases and the VM)\n' "$(elapsed)" "$kernel" \
		"$(grep -c '^ok - ' "$res" || true)" "$(grep -c '^not ok - ' "$res" || true)" "$(grep -c '^skip - ' "$res" || true)"
}

# The lanes.  Each writes its own results file.  The debug lane is the
# long one (the debug kernel's tests, ~2 min warm), so KUnit runs in the
# other, after the stock kernels' tests.

lane_debug() {
	LANE_RESULTS=$OUT/lane-debug.results
	check_debug_kernel
	[ "$DEBUG_OK" = 1 ] || : >"$OUT/lane-debug.nokernel"
	check_checkpatch
	local k
	for k in $(kernel_names source); do
		if wanted "$k"; then check_tests "$k"; fi
	done
	: >"$OUT/lane-debug.done"
}

# wait_debug_boot: until the debug lane's VM has booted (or that lane has
# no debug kernel, or ended): two vm.sh of one kernel must not make the
# same initramfs base at once.
wait_debug_boot() {
	local log=$OUT/tests-$1.vm.log
	until grep -qs '^==> booting' "$log" || [ -f "$OUT/lane-debug.nokernel" ] ||
		[ -f "$OUT/lane-debug.done" ] || ! wanted "$1"; do
		sleep 2
	done
}

lane_stock() {
	LANE_RESULTS=$OUT/lane-stock.results
	local k
	for k in $(kernel_names stock); do
		if wanted "$k"; then check_build "$k"; fi
	done
	check_shellcheck
	check_readme
	for k in $(kernel_names stock); do
		if wanted "$k"; then check_tests "$k"; fi
	done
	# On a fresh machine these wait for the debug kernel's build.
	for k in $(kernel_names source); do
		wait_debug_boot "$k"
		if [ -f "$OUT/lane-debug.nokernel" ]; then
			record FAIL "kunit: not run (no debug kernel)"
		else
			DEBUG_OK=1
			check_kunit
		fi
		if wanted "$k"; then check_build "$k"; fi
	done
	: >"$OUT/lane-stock.done"
}

# wanted KERNEL: KERNEL is in CHECK_KERNELS (default: every kernel).
wanted() {
	[ -z "${CHECK_KERNELS:-}" ] || [[ " $CHECK_KERNELS " == *" $1 "* ]]
}

# report: the failures with their details, the console tails, the count.
report() {
	local pass fail skip status name detail k console lane
	# A lane that stopped short (set -e) is a failure too.
	for lane in debug stock; do
		[ -f "$OUT/lane-$lane.done" ] ||
			printf 'FAIL\t%s\t%s\n' "the $lane lane stopped early: its later checks never ran" "" >>"$OUT/lane-$lane.results"
	done
	cat "$OUT"/lane-*.results >"$OUT/results" 2>/dev/null || true
	pass=$(grep -c '^PASS' "$OUT/results" || true)
	fail=$(grep -c '^FAIL' "$OUT/results" || true)
	skip=$(grep -c '^SKIP' "$OUT/results" || true)
	if [ "$fail" -gt 0 ]; then
		echo
		echo "==== $fail failed ===="
		while IFS=$'\t' read -r status name detail; do
			[ "$status" = FAIL ] || continue
			echo "FAIL $name"
			if [ -f "$detail" ]; then
				tail -n 40 "$detail" | sed 's/^/    /'
			elif [ -n "$detail" ]; then
				echo "    $detail"
			fi
		done <"$OUT/results"
		for k in $(kernel_names); do
			grep -q "^FAIL	$k: " "$OUT/results" || continue
			console=$BUILD_DIR/vm/tests-$k/console.log
			[ -f "$console" ] || continue
			echo "---- $k: the last 25 lines of $console ----"
			tr -d '\r' <"$console" | tail -n 25
		done
		if grep -q '^FAIL	kunit' "$OUT/results" && [ -f "$BUILD_DIR/vm/kunit/console.log" ]; then
			echo "---- kunit: the last 25 lines of $BUILD_DIR/vm/kunit/console.log ----"
			tr -d '\r' <"$BUILD_DIR/vm/kunit/console.log" | tail -n 25
		fi
		echo "(logs in $OUT; replay the fuzz with FUZZ_SEED=$SEED)"
	fi
	echo "make check took $(elapsed)"
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" = 0 ]
}

main() {
	# One stream: the last line is the count, whatever wrote before it.
	exec 2>&1
	mkdir -p "$OUT"
	rm -f "$OUT"/lane-* "$OUT/results" "$OUT"/tests-*.vm.log
	DEBUG_OK=0
	SEED=${FUZZ_SEED:-$(date +%s)}
	local k kernels=''
	for k in $(kernel_names); do
		if wanted "$k"; then kernels="$kernels${kernels:+, }$k"; fi
	done
	echo "make check: kernels $kernels; fuzz seed $SEED (replay: FUZZ_SEED=$SEED make check)"
	LANE_RESULTS=$OUT/lane-deps.results
	check_deps
	lane_debug &
	local a=$!
	lane_stock &
	local b=$!
	wait "$a" || true
	wait "$b" || true
	report
}

main "$@"
