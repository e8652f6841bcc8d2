# SPDX-License-Identifier: GPL-2.0
#
# tests/check.mk: the checks of make check, run by scripts/check.sh with
# make -j2.  Every check is a phony target whose recipe, `scripts/check.sh
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
# In the order make should start them, the long ones first (dkms, half a
# minute, before the stock VMs so that the end is short checks); CHECKS="..."
# in the environment picks some.
CHECKS ?= $(SOURCE:%=tests-%) kunit dkms $(STOCK:%=tests-%) ctrl-c compare \
	$(KERNELS:%=build-%) checkpatch shellcheck readme

.PHONY: all list kernels deps debug-kernel $(CHECKS)
all: $(CHECKS)
list:
	@echo deps debug-kernel $(CHECKS)
kernels:
	@echo $(KERNELS)

deps:
	@$(STEP) $@ run scripts/deps.sh vm check debug
debug-kernel: deps
	@$(STEP) $@ run scripts/debug-kernel.sh

# All wait for the debug kernel: warm it takes a second; cold, its build
# keeps both cores busy anyway.  So the long checks, listed first, start
# first (make -j goes down the list, and never back to a check it passed).
$(CHECKS): debug-kernel

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
# make compare's verdicts, intervals and gate on synthetic runs.
compare:
	@$(STEP) $@ slot tests/compare/test-compare.py
