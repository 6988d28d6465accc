# SPDX-License-Identifier: GPL-2.0
#
# kvm-coalesce: top-level targets.  The module itself is built by Kbuild
# (see Kbuild and kvm_coalesce/Kbuild); these targets drive the harness
# in scripts/, which builds a patched kernel, boots it in QEMU and runs
# KVM guests under it.
#
#   make check     build everything, run all tests; ends "N passed, N failed"
#   make check-full  the same with every upstream KVM selftest,
#                  100,000 blocks of the differential test and 60 s of fuzzing
#   make demo      boot the test VM (-icount) and run the built-in guest workloads
#   make bench     costs of exits and of the module's work, and driver
#                  workloads, under -icount; bench/results.json, Documentation/bench.svg
#   make bench-guest  Debian's QEMU boots Debian's kernel under KVM in the
#                  test VM, without the module and in each mode (-icount),
#                  on four machines, then profiles each
#   make profile   where the test VM's instructions go in the exits of one
#                  bench workload (WORKLOAD=add4 MODE=addr CALLS=20)
#   make profile-guest  the same for a real guest of bench-guest, stock
#                  and MODE (MACHINE=vga MODE=addr)
#   make module    build kvm_coalesce.ko against the cached patched kernel
#   make kernel    build (or reuse) the patched kernel; prints its tree
#   make fuzz      fuzz kvm_coalesce/decode.c in user space (libFuzzer) for
#                  FUZZ_SECONDS (default 60); see Documentation/testing.rst
#   make lint      checkpatch --strict and sparse
#   make clean     remove build output (the kernel cache stays)
#
# KC_CACHE=<dir> moves the kernel cache (default ~/.cache/kvm-coalesce).
# DEBUG=1 (e.g. make check-full DEBUG=1) runs everything on a kernel with
# KASAN and lockdep (scripts/kernel-debug.config), DEBUG=kcsan on one with
# KCSAN (scripts/kernel-kcsan.config), each built and cached apart.

SHELL := /bin/bash

ifneq ($(DEBUG),)
export KC_DEBUG := $(DEBUG)
endif

check:
	@scripts/check.sh

# All upstream KVM selftests in every mode: about half an hour.
check-full:
	@scripts/check.sh --full

# With -icount the demo's numbers are the same on every run.
demo:
	@KC_ICOUNT=1 scripts/vm-run.sh demo

# Benchmarks, not tests: costs in the test VM's instructions (-icount).
# The KC-RESULT lines of the job go to bench/results.json and its plot.
bench:
	@KC_ICOUNT=1 scripts/vm-run.sh bench
	@scripts/bench-collect.sh
	@scripts/bench-plot.sh

# A real guest: exits and time of a Linux boot and workload (-icount).
# Up to 15 boots if some hang (scripts/job-guest.sh): allow an hour.
bench-guest:
	@scripts/bench-guest.sh

# QEMU's exec log of the test VM, by function, per exit.
profile:
	@scripts/profile.sh $(or $(WORKLOAD),add4) $(or $(MODE),addr) $(or $(CALLS),20)

# The same for a real guest of bench-guest, outside the guest's code.
profile-guest:
	@scripts/profile-guest.sh $(or $(MACHINE),vga) $(or $(MODE),addr)

# The decoder and scanner on arbitrary bytes, against the executor's
# assumptions: no VM, no kernel module.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

module selftests:
	@scripts/build.sh >/dev/null

kernel:
	@scripts/kernel.sh

lint:
	@scripts/lint.sh "$$(scripts/kernel.sh)"

clean:
	rm -rf build selftests/out
	find kvm_coalesce -name '*.o' -o -name '*.ko' -o -name '*.mod*' \
		-o -name '.*.cmd' | xargs rm -f
	rm -f Module.symvers modules.order .module-common.o .*.cmd

.PHONY: check check-full demo bench bench-guest profile profile-guest fuzz \
	module selftests kernel lint clean
