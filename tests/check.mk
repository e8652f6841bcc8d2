# SPDX-License-Identifier: GPL-2.0
#
# tests/check.mk: the checks of make check, run by scripts/check.sh with
# make -j3 (CHECK_JOBS).  Every check is a phony target whose recipe, `scripts/check.sh
# step TARGET FUNCTION [ARGS]`, records its results in build/check/res/ and
# never fails, so a failure stops nothing (a check that needs the debug
# kernel fails itself when there is none).
#
# To add a check: a function check_NAME in scripts/check.sh (or a script,
# through the generic "run" or "slot"), and a target here, listed in CHECKS.

STEP := scripts/check.sh step
kernels = $(shell bash -c '. scripts/lib.sh && kernel_names $(1)')
KERNELS := $(or $(CHECK_KERNELS),$(call kernels))
SOURCE := $(filter $(call kernels,source),$(KERNELS))
STOCK := $(filter-out $(SOURCE),$(KERNELS))
# In the order make should start them, the long ones first; CHECKS="..." in
# the environment picks some.  The VMs (and dkms's builds) wait for the
# kernel builds: cold, the debug kernel and kunit.py's kernel each keep
# both cores busy for 10-25 min, and a VM beside them crawls; warm, the
# builds take seconds.  The light checks fill the other make slots: with
# three, the debug kernel's two guests and both stock kernels' run at
# once (a stock guest waits more than it computes).
VMS := $(SOURCE:%=tests-%) kunit dkms $(STOCK:%=tests-%) ctrl-c stall
LIGHT := compressed-ko compare retry $(KERNELS:%=build-%) checkpatch shellcheck readme
CHECKS ?= $(VMS) $(LIGHT)
# Checks whose guests mostly sleep (stall's three wait out their budgets):
# scripts/check.sh runs them beside make's slots, once the kernel
# builds are done, rather than let them hold a slot for minutes.
BACKGROUND := stall

.PHONY: all list background kernels deps debug-kernel kunit-build $(VMS) $(LIGHT)
all: $(filter-out $(BACKGROUND),$(CHECKS))
# What runs: the checks, and the steps they wait for.
NEEDS_DEBUG := $(filter $(VMS) build-$(SOURCE) checkpatch,$(CHECKS))
BUILDS := deps $(if $(NEEDS_DEBUG),debug-kernel) $(if $(filter kunit,$(CHECKS)),kunit-build)
list:
	@echo $(BUILDS) $(CHECKS)
# The background checks, and the builds they wait for.
background:
	@echo $(filter $(BACKGROUND),$(CHECKS)) $(if $(filter $(BACKGROUND),$(CHECKS)),: $(BUILDS))
kernels:
	@echo $(KERNELS)

deps:
	@$(STEP) $@ run scripts/deps.sh vm check debug
debug-kernel: deps
	@$(STEP) $@ run scripts/debug-kernel.sh
# After the debug kernel: two kernel builds at once only slow each other.
kunit-build: debug-kernel
	@$(STEP) $@ slot scripts/kunit.sh --arch=x86_64 --build-only

$(filter $(VMS),$(CHECKS)): debug-kernel $(if $(filter kunit,$(CHECKS)),kunit-build)
$(filter $(LIGHT),$(CHECKS)): deps
# build-debug and checkpatch (the debug kernel's source tree) need it built.
$(filter build-$(SOURCE) checkpatch,$(CHECKS)): debug-kernel

$(KERNELS:%=tests-%): tests-%:
	@$(STEP) $@ tests $*
$(KERNELS:%=build-%): build-%:
	@$(STEP) $@ build $*
checkpatch shellcheck readme:
	@$(STEP) $@ $@

# kunit.py run with the suite built in, on x86_64 (UML later).
kunit:
	@$(STEP) $@ slot scripts/kunit.sh --arch=x86_64
# The DKMS build for both stock kernels.
dkms:
	@$(STEP) $@ slot scripts/dkms-check.sh
# Ctrl-C leaves nothing running.
ctrl-c:
	@$(STEP) $@ slot tests/host/ctrl-c.sh
# A stalled guest fails with its tasks dumped; a slow one passes.
stall:
	@$(STEP) $@ slot tests/host/stall.sh
# Modules compressed as a kernel's config says are found and read.
compressed-ko:
	@$(STEP) $@ slot tests/host/compressed-ko.sh
# Which integration VMs boot again, and from where (tests/retry.sh).
retry:
	@$(STEP) $@ slot tests/host/retry.sh
# make compare's verdicts, intervals and gate on synthetic runs.
compare:
	@$(STEP) $@ slot tests/compare/test-compare.py
