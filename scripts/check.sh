#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build everything, run our selftests and a quick list of the
# upstream KVM selftests (all of them with --full) in the test VM, both
# again on Debian's stock kernel with the modules the DKMS package builds
# for it, and the host-side checks (ALU test, fuzzing of the decoder,
# DKMS build, kvm_intel compile test, checkpatch, sparse).  Ends with
# "N passed, N failed, N skipped"; exits non-zero if anything failed.
set -uo pipefail
. "$(dirname "$0")/common.sh"

passed=0 failed=0 skipped=0

# A test VM whose job prints nothing for this long has stalled: each of
# its tests has a shorter limit (KC_TEST_TIMEOUT, KC_PEER_TIMEOUT).
export KC_STALL_TIMEOUT=300

result() {	# result ok|fail|skip NAME
	case $1 in
	ok)   passed=$((passed + 1)); echo "PASS: $2" ;;
	skip) skipped=$((skipped + 1)); echo "SKIP: $2" ;;
	*)    failed=$((failed + 1)); echo "FAIL: $2" ;;
	esac
}

summary() {
	echo
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

if ! ksrc=$("$KC_TOP"/scripts/build.sh); then
	result fail "build (kernel, module, selftests)"
	summary
fi
result ok "build (kernel $(make -s -C "$ksrc" kernelrelease), module, selftests)"

# The TAP result lines of a job's output, and its plan's count.
tap_results() { grep -E '^(not )?ok [0-9]+ ' "$1"; }
tap_plan() { sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$1"; }

# tap_test LINE: the test a TAP result line of check or peer is about.
tap_test() {
	set -- ${1#not }
	if [ "$3" = upstream ]; then echo "$4"; else echo "$3"; fi
}

# job_tests JOB: the tests JOB runs, one per line.
job_tests() {
	case $1 in
	check) printf '%s\n' ${KC_TESTS:-$(cat "$KC_TOP/scripts/tests-check.list")} ;;
	peer)  printf '%s\n' $KC_UPSTREAM_TESTS ;;
	esac
}

# lost_tests JOB LOG VMDIR: the tests, by name, that the test VM lost
# rather than failed: ended by a vCPU's KVM_EXIT_SHUTDOWN, killed at
# their time limit, or not run because the VM stopped without a kernel
# report.  QEMU's emulation of SVM loses an L2 vCPU now and then, with
# the module unloaded too (Documentation/testing.rst, "Lost vCPUs").
lost_tests() {
	local done

	case $1 in
	check)	# A test's output, then its result.
		awk '/SHUTDOWN/ { lost = 1 }
		     /^(not )?ok [0-9]+ / {
			if (/^not ok/ && (lost || / # killed after /)) print $4
			lost = 0
		     }' "$2" ;;
	peer)	# "# MODE: TEST exit RC", the tail of a failed run after it.
		awk '/^# [a-z]+: [^ ]+ exit [0-9]+$/ { t = $2 == "stock:" ? "" : $3 }
		     t != "" && (/SHUTDOWN/ || / exit 137$/) { print t }' "$2" ;;
	esac
	grep -q '^KC-END' "$2" || [ -s "$3/kernel-reports.txt" ] && return
	# The VM stopped: the tests without a result did not run, or not in
	# every mode.
	done=$(tap_results "$2" | while read -r line; do tap_test "$line"; done)
	job_tests "$1" | xargs -r -n1 basename | grep -vxF "$done"
}

# vm_attempt JOB LOG [TESTS]: run JOB in the test VM, on TESTS (names)
# only if given, its output in LOG; fails as vm-run.sh does.
vm_attempt() {
	local tests

	[ -z "${3:-}" ] && { "$KC_TOP"/scripts/vm-run.sh "$1" >"$2"; return; }
	tests=$(job_tests "$1" | while read -r t; do
			grep -qx "$(basename "$t")" <<<"$3" && echo "$t"
		done)
	case $1 in
	check) KC_TESTS=$tests "$KC_TOP"/scripts/vm-run.sh "$1" >"$2" ;;
	peer)  KC_UPSTREAM_TESTS=$tests "$KC_TOP"/scripts/vm-run.sh "$1" >"$2" ;;
	esac
}

# vm_job NAME JOB: run JOB in the test VM; each TAP line is one result.
# The tests the VM lost run once more in a VM of their own, which gives
# their results; a RETRY line names them, and the first VM's logs stay
# in build/vm-JOB.lost/.  A kernel report in either VM fails the job.
# With KC_KERNEL=stock, on Debian's stock kernel; results say so.
vm_job() {
	local vm=${KC_KERNEL:+$KC_KERNEL-}$2
	local log="$KC_BUILD/check-$vm.log" dir="$KC_BUILD/vm-$vm"
	local results ntests nrun line lost pre= ok=ok

	[ -n "${KC_KERNEL:-}" ] && pre="$KC_KERNEL kernel: "
	vm_attempt "$2" "$log" || ok=fail
	cat "$log"
	results=$(tap_results "$log")
	ntests=$(tap_plan "$log")
	lost=$(lost_tests "$2" "$log" "$dir" | sort -u)
	if [ -n "$lost" ]; then
		echo "RETRY: $1: the test VM lost" $lost
		rm -rf "$dir.lost" && mv "$dir" "$dir.lost"
		mv "$log" "$log.lost"
		ok=ok
		[ -s "$dir.lost/kernel-reports.txt" ] && ok=fail
		vm_attempt "$2" "$log" "$lost" || ok=fail
		cat "$log"
		results=$(grep . <<<"$results" | while read -r line; do
				grep -qx "$(tap_test "$line")" <<<"$lost" ||
					echo "$line"
			  done; tap_results "$log")
		: "${ntests:=$(tap_plan "$log")}"
	fi
	if [ $ok = ok ]; then
		result ok "$1: job finished, kernel log clean"
	else
		result fail "$1: job finished, kernel log clean (see $dir/)"
	fi
	[ -n "$ntests" ] || result fail "$1: no TAP plan"
	while read -r line; do
		case $line in
		"ok "*"# SKIP"*) result skip "$pre${line#ok [0-9]* }" ;;
		"ok "*)          result ok "$pre${line#ok [0-9]* }" ;;
		"not ok "*)      result fail "$pre${line#not ok [0-9]* }" ;;
		esac
	done < <(grep . <<<"$results")
	nrun=$(grep -c . <<<"$results")
	[ "$nrun" = "${ntests:-0}" ] ||
		result fail "$1: $nrun of ${ntests:-?} tests reported"
}

# Our selftests; with --full, the differential test runs 100,000 blocks
# from a random seed (printed) instead of 5,000 from seed 1, and the
# guest fuzz test 2,000 cases instead of 200.
if [ "${1:-}" = --full ]; then
	KC_JOB_ENV="KC_DIFF_BLOCKS=100000 KC_DIFF_SEED=random KC_GFUZZ_CASES=2000 KC_GFUZZ_SEED=random KC_TEST_TIMEOUT=7200" \
		KC_VM_TIMEOUT=7200 KC_STALL_TIMEOUT=7300 vm_job "selftests" check
elif [ -n "${KC_DEBUG:-}" ]; then
	# KASAN, lockdep and KCSAN slow the longest tests tenfold.
	KC_JOB_ENV="KC_TEST_TIMEOUT=1200" KC_STALL_TIMEOUT=1300 \
		vm_job "selftests" check
else
	vm_job "selftests" check
fi

# The concurrency tests need exits that really run at the same time.
cpus=$(tr -d '\r' <"$KC_BUILD/vm-check/console.log" |
       sed -n 's/^smp: Brought up [0-9]* nodes*, \([0-9]*\) CPUs*$/\1/p')
if [ "${cpus:-0}" -ge 2 ]; then
	result ok "test VM: $cpus CPUs brought up"
else
	result fail "test VM: ${cpus:-no} CPUs brought up, 2 needed"
fi

# The upstream KVM selftests, without the module and with it in every
# mode: a quick list, or all of them for make check-full.
if [ "${1:-}" = --full ]; then
	st="$ksrc/tools/testing/selftests/kvm"
	KC_UPSTREAM_TESTS=$(cd "$st" && find . -maxdepth 2 -type f -perm -u+x \
			    ! -name '*.sh' ! -path './lib/*' | sed 's|^\./||' | sort)
	export KC_VM_TIMEOUT=7200
	# Some (demand_paging_test, kvm_page_table_test) take most of the
	# default 90 s under TCG, and more on a loaded machine.
	export KC_JOB_ENV="KC_PEER_TIMEOUT=180"
else
	KC_UPSTREAM_TESTS=$(grep -v '^#' "$KC_TOP/scripts/upstream-quick.list")
fi
export KC_UPSTREAM_TESTS KC_CMDLINE="kc.modes=scan,confirm,addr"
vm_job "upstream KVM selftests" peer
unset KC_UPSTREAM_TESTS KC_CMDLINE KC_JOB_ENV

# Debian's stock kernel, as a user installs the package on it: dkms
# builds KVM's modules (kvm-intel compiled only) and kvm_coalesce, its
# install puts them in place of the stock ones, its remove brings those
# back (scripts/stock-kernel.sh); then our selftests and the upstream
# quick list on that kernel with the modules it built, in every mode.
# DEBUG=1/kcsan and make check-full stay on the harness's kernel.
slog="$KC_BUILD/check-stock-dkms.log"
if "$KC_TOP"/scripts/stock-kernel.sh modules >"$slog" 2>&1; then
	result ok "stock kernel: dkms install replaces KVM's modules, dkms remove restores them"
	grep -E '^(installed|removed):' "$slog"
	KC_KERNEL=stock vm_job "stock kernel: selftests" check
	KC_KERNEL=stock KC_CMDLINE="kc.modes=scan,confirm,addr" \
		KC_UPSTREAM_TESTS=$(grep -v '^#' "$KC_TOP/scripts/upstream-quick.list") \
		vm_job "stock kernel: upstream KVM selftests" peer
else
	tail -40 "$slog"
	result fail "stock kernel: dkms install replaces KVM's modules, dkms remove restores them (see $slog)"
fi
if syms=$(nm "$KC_BUILD/stock-modules/dkms/kvm-intel.ko" 2>/dev/null) &&
   grep -q ' U kvm_emulate_string_pio$' <<<"$syms"; then
	result ok "stock kernel: kvm_intel builds with the I/O exit hook (compile only)"
else
	result fail "stock kernel: kvm_intel builds with the I/O exit hook (compile only)"
fi
if "$KC_TOP"/scripts/stock-kernel.sh refuse; then
	result ok "dkms build refuses other kernels, and the stock one without its source, in one line"
else
	result fail "dkms build refuses other kernels, and the stock one without its source, in one line"
fi

# Host tests: one result per TAP line.
hlog="$KC_BUILD/check-host.log"
"$KC_TOP"/scripts/host-tests.sh >"$hlog" 2>&1 || result fail "host tests ran"
cat "$hlog"
while read -r line; do
	case $line in
	"ok "*)     result ok "host: ${line#ok [0-9]* }" ;;
	"not ok "*) result fail "host: ${line#not ok [0-9]* }" ;;
	esac
done < <(grep -E '^(not )?ok [0-9]+ ' "$hlog")

# kvm_coalesce/decode.c fuzzed in user space (fuzz/): 10 s here, 60 s
# with --full; the last line of fuzz.sh says how many inputs ran.
fsecs=10
[ "${1:-}" = --full ] && fsecs=60
flog="$KC_BUILD/check-fuzz.log"
if "$KC_TOP"/scripts/fuzz.sh --no-cov "$fsecs" >"$flog" 2>&1; then
	result ok "$(tail -1 "$flog")"
else
	cat "$flog"
	result fail "fuzz: kc_scan() on arbitrary code (see $flog)"
fi

if "$KC_TOP"/scripts/dkms-test.sh "$ksrc"; then
	result ok "dkms build against the patched tree"
else
	result fail "dkms build against the patched tree"
fi

# kvm_intel cannot run under TCG (no VMX): check it builds with the hook.
syms=$(nm "$ksrc/arch/x86/kvm/kvm-intel.ko" 2>/dev/null)
if grep -q ' U kvm_emulate_string_pio$' <<<"$syms"; then
	result ok "kvm_intel builds with the I/O exit hook (compile only)"
else
	result fail "kvm_intel builds with the I/O exit hook (compile only)"
fi

if "$KC_TOP"/scripts/lint.sh "$ksrc"; then
	result ok "checkpatch --strict and sparse clean"
else
	result fail "checkpatch --strict and sparse clean"
fi

summary
