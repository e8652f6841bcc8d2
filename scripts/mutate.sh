#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mutate.sh PATCH...: mutation testing.  Each PATCH is one deliberate bug in
# the module (a `git diff` of a copy of the tree, with a line
# "Checks: TARGET..." before the diff naming the make check targets that
# ought to catch it, e.g. "Checks: kunit tests-6.12"; optionally a line
# "Env: VAR=VALUE..." narrowing them, e.g. "Env: TESTS_ONLY=run_batch,calibrate
# KUNIT_FILTER=skbfactory_known.*": the cases a mutant should fail, so
# that a run costs seconds, not a whole VM's plan).  For each, in turn:
# a copy of this tree's module sources, the patch applied (it must apply
# cleanly), and `make check` with CHECKS=those targets and SKBFACTORY_SRC=the
# copy, in a build directory of its own.  The mutant is killed when that
# make check fails, and survives when it passes; a patch that does not
# apply is an error, not a survivor.  One line per mutant, then the kill
# rate; logs in build/mutants/NAME/.  Exit 1 when a mutant survived.
# The mutants live outside the tree (docs/testing.md says how to write one).

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || die "usage: scripts/mutate.sh PATCH... (docs/testing.md, Mutation testing)"
on_exit
out=$BUILD_DIR/mutants
mkdir -p "$out"
killed=0 survived=0 broken=0 names=()
for patch in "$@"; do
	[ -f "$patch" ] || die "no patch $patch"
	name=$(basename "$patch" .patch)
	checks=$(sed -n 's/^Checks: *//p' "$patch" | head -n 1)
	[ -n "$checks" ] || die "$patch has no 'Checks: TARGET...' line"
	read -ra envs <<<"$(sed -n 's/^Env: *//p' "$patch" | head -n 1)"
	for i in "${!envs[@]}"; do
		[[ ${envs[i]} == [A-Z_]*=* ]] || die "$patch: Env: ${envs[i]} is not VAR=VALUE"
		# A list of cases: commas in the line, words for the plan.
		[[ ${envs[i]} != TESTS_ONLY=* ]] || envs[i]=${envs[i]//,/ }
	done
	dir=$out/$name
	rm -rf "$dir" && mkdir -p "$dir/src"
	# The module's sources and what builds and documents them, as they
	# are in this tree (uncommitted changes too).
	(cd "$ROOT" && git ls-files -co --exclude-standard | grep -vE '^(build|docs/.*\.png)' |
		rsync -a --files-from=- ./ "$dir/src/")
	if ! (cd "$dir/src" && patch -p1 --forward --no-backup-if-mismatch -s) <"$patch" >"$dir/patch.log" 2>&1; then
		broken=$((broken + 1))
		printf 'ERROR    %-28s does not apply (%s)\n' "$name" "$dir/patch.log"
		continue
	fi
	start=$SECONDS
	if env "${envs[@]}" CHECKS="$checks" SKBFACTORY_SRC="$dir/src" SKBFACTORY_BUILD="$dir/build" \
		"$SCRIPTS/check.sh" >"$dir/check.log" 2>&1; then
		survived=$((survived + 1)) names+=("$name")
		printf 'SURVIVED %-28s %s passed (%d s)\n' "$name" "$checks" $((SECONDS - start))
	else
		killed=$((killed + 1))
		printf 'KILLED   %-28s by %s (%d s)\n' "$name" \
			"$(grep '^FAIL' "$dir/build/check/results" 2>/dev/null | cut -f2 | head -n 3 | paste -sd';' -)" \
			$((SECONDS - start))
	fi
done
total=$((killed + survived))
summary="$killed of $total mutants killed ($((total ? 100 * killed / total : 0)) %)"
[ "$broken" = 0 ] || summary+="; $broken did not apply"
[ "$survived" = 0 ] || summary+="; survivors: ${names[*]}"
echo "$summary"
[ "$survived" = 0 ] && [ "$broken" = 0 ]
