# SPDX-License-Identifier: GPL-2.0
#
# skbfactory: `make` builds the module against KDIR; the other targets run
# the project's scripts, which set up and use a QEMU test VM.  Nothing here
# loads a module into the kernel this machine runs.

KDIR ?= /lib/modules/$(shell uname -r)/build

SCRIPTS := scripts

.PHONY: all modules clean run shell kunit kunit-um kunit-module check fuzz race bench compare help distclean dkms

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

# The fuzz case alone, in one VM of KVER (default the first stock kernel):
# N writes (default 100000) from SEED (default the time), then the case's
# "# fuzz:" lines.  FUZZ_ARGS: more options of skbf-fuzz (tests/fuzz/fuzz.c).
fuzz:
	@bash -c '. $(SCRIPTS)/lib.sh && k=$$(default_kernel) n=$${N:-100000} s=$${SEED:-$$(date +%s)} && \
		say "make fuzz: $$n writes on $$k, seed $$s (replay: make fuzz N=$$n SEED=$$s KVER=$$k)" && \
		rc=0 && TESTS_ONLY=fuzz FUZZ_WRITES=$$n FUZZ_SEED=$$s \
			TESTS_TIMEOUT=$${TESTS_TIMEOUT:-$$((300 + n / 100))} tests/integration.sh "$$k" || rc=$$?; \
		sed -n "s/^# fuzz: //p" "$$BUILD_DIR/vm/tests-$$k/out.txt" 2>/dev/null; exit $$rc'
# The lifetime cases and a storm of concurrent stops, writes, reads and CPU
# hotplug on the KCSAN variant of the debug kernel: what KCSAN reports.
race:
	@$(SCRIPTS)/race.sh

bench:
	@$(SCRIPTS)/bench.sh

# Two runs side by side, with confidence: A=RUN B=RUN, SAVE=NAME (a
# baseline in the cache), BASE=NAME (exit 1 when slower beyond THRESHOLD %).
compare:
	@$(SCRIPTS)/compare.sh

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
	@echo "make fuzz       the fuzz alone in one VM: N=100000 writes, SEED=, KVER= (replays a seed)"
	@echo "make race       lifetime cases and a stop/hotplug storm on a KCSAN debug kernel"
	@echo "make bench      the full sweep: table, JSON and plots"
	@echo "make compare    the newest run against the one before: ratios, 95% intervals, verdicts"
	@echo "                (A=RUN B=RUN; SAVE=NAME keeps a baseline; BASE=NAME exits 1 when slower beyond THRESHOLD=10 %)"
	@echo "make clean      remove everything built here"
	@echo "make distclean  clean, and the cache (~/.cache/skbfactory: kernels, debug kernel, compare baselines)"
	@echo "make dkms       check dkms.conf: dkms build for each stock kernel, installing nothing"
