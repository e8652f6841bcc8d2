# SPDX-License-Identifier: GPL-2.0
#
# skbfactory: `make` builds the module against KDIR; the other targets run
# the project's scripts, which set up and use a QEMU test VM.  Nothing here
# loads a module into the kernel this machine runs.

KDIR ?= /lib/modules/$(shell uname -r)/build

SCRIPTS := scripts

.PHONY: all modules clean run shell kunit kunit-um kunit-module check race bench help distclean dkms

all: modules

modules:
	@test -d "$(KDIR)" || { \
		echo "skbfactory: no kernel build tree at $(KDIR)" >&2; \
		echo "  install the headers (e.g. linux-headers-amd64) or pass KDIR=/usr/src/linux-headers-<release>" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	rm -rf build .tmp_versions
	rm -f *.o *.ko *.mod *.mod.c .*.cmd .*.d Module.symvers modules.order

# clean, and the cache: the unpacked kernels, the debug kernel (lib.sh's CACHE_DIR).
distclean: clean
	bash -c '. $(SCRIPTS)/lib.sh && rm -rf "$$CACHE_DIR"'

# The VM jobs.  Their knobs (KVER, ARGS, VM_CPUS, VM_MEM, VM_NIC_CPU, ACCEL,
# QUICK) are read from the environment, where make puts command-line
# variables.
run:
	@$(SCRIPTS)/run.sh

shell:
	@$(SCRIPTS)/shell.sh

# kunit.py run on a kernel tree with skbfactory built in; ARCH=um for UML.
kunit:
	@$(SCRIPTS)/kunit.sh --arch=$(or $(ARCH),x86_64)

kunit-um:
	@$(SCRIPTS)/kunit.sh --arch=um

# The suite as modules on the debug kernel, then kmemleak: two of the
# debug kernel's integration cases.
kunit-module:
	@TESTS_ONLY="kunit_module kmemleak" tests/integration.sh debug

check:
	@$(SCRIPTS)/check.sh

# The lifetime cases and a storm of concurrent stops, writes, reads and CPU
# hotplug on the KCSAN variant of the debug kernel: what KCSAN reports.
race:
	@$(SCRIPTS)/race.sh

bench:
	@$(SCRIPTS)/bench.sh

# dkms build, in a DKMS tree of its own, for each stock kernel.
dkms:
	@$(SCRIPTS)/dkms-check.sh

help:
	@echo "make            build skbfactory.ko against KDIR ($(KDIR))"
	@echo "make run        boot the test VM and run the default benchmark"
	@echo "make shell      boot the test VM to a shell with skbfactory loaded"
	@echo "make kunit      kunit.py run: the KUnit suite built in, x86_64 QEMU with debug options"
	@echo "make kunit-um   kunit.py run on UML (also: make kunit ARCH=um)"
	@echo "make kunit-module  the KUnit suite as modules on the debug kernel, then kmemleak"
	@echo "make check      run every test"
	@echo "make race       lifetime cases and a stop/hotplug storm on a KCSAN debug kernel"
	@echo "make bench      the full sweep: table, JSON and plots"
	@echo "make clean      remove everything built here"
	@echo "make distclean  clean, and the cache (~/.cache/skbfactory: kernels, debug kernel)"
	@echo "make dkms       check dkms.conf: dkms build for each stock kernel, installing nothing"
