# SPDX-License-Identifier: GPL-2.0
#
# skbfactory: `make` builds the module against KDIR; the other targets run
# the project's scripts, which set up and use a QEMU test VM.  Nothing here
# loads a module into the kernel this machine runs.

KDIR ?= /lib/modules/$(shell uname -r)/build

SCRIPTS := scripts

.PHONY: all modules clean run shell kunit check bench help

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

# The VM jobs.  Their knobs (KVER, ARGS, VM_CPUS, VM_MEM, VM_NIC_CPU, ACCEL,
# QUICK) are read from the environment, where make puts command-line
# variables.
run:
	@$(SCRIPTS)/run.sh

shell:
	@$(SCRIPTS)/shell.sh

kunit:
	@$(SCRIPTS)/kunit.sh

check:
	@$(SCRIPTS)/check.sh

bench:
	@$(SCRIPTS)/bench.sh

help:
	@echo "make            build skbfactory.ko against KDIR ($(KDIR))"
	@echo "make run        boot the test VM and run the default benchmark"
	@echo "make shell      boot the test VM to a shell with skbfactory loaded"
	@echo "make kunit      run the KUnit suite on the debug kernel"
	@echo "make check      run every test"
	@echo "make bench      the full sweep: table, JSON and plots"
	@echo "make clean      remove everything built here"
