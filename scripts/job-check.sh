# SPDX-License-Identifier: GPL-2.0
# make check, inside the test VM: run each test of /kc/tests.list with
# the module loaded, as a kselftest TAP stream.
#
# A test is killed after KC_TEST_TIMEOUT seconds (default 240, three
# times the longest's on the harness kernel): none waits for time, so
# one still running then has lost a vCPU, and the tests after it still
# run within vm-run.sh's limit for the VM.

uptime_s() { cut -d. -f1 /proc/uptime; }

# run_test NUM NAME: run /kc/NAME, print its output as TAP comments.
run_test() {
	limit=${KC_TEST_TIMEOUT:-240}
	start=$(uptime_s)
	timeout -s KILL "$limit" /kc/"$2" >/tmp/out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/out
	echo "# $2: $(($(uptime_s) - start)) s"
	case $rc in
	0)   echo "ok $1 $2" ;;
	4)   echo "ok $1 $2 # SKIP" ;;
	137) echo "not ok $1 $2 # killed after $limit s" ;;
	*)   echo "not ok $1 $2 # exit=$rc" ;;
	esac
}

insmod /kc/kvm_coalesce.ko || echo "KC-FATAL cannot load kvm_coalesce"
echo "TAP version 13"
echo "1..$(grep -c . /kc/tests.list)"
n=0
while read -r t; do
	n=$((n + 1))
	run_test $n "$t"
done </kc/tests.list
