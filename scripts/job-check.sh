# SPDX-License-Identifier: GPL-2.0
# make check, inside the test VM: run each test of /kc/tests.list with
# the module loaded, as a kselftest TAP stream.

# run_test NUM NAME: run /kc/NAME, print its output as TAP comments.
run_test() {
	/kc/"$2" >/tmp/out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/out
	case $rc in
	0) echo "ok $1 $2" ;;
	4) echo "ok $1 $2 # SKIP" ;;
	*) echo "not ok $1 $2 # exit=$rc" ;;
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
