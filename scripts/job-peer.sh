# SPDX-License-Identifier: GPL-2.0
# The upstream KVM selftests of the same tree, inside the test VM: each
# runs without kvm_coalesce, then with it loaded in each mode of kc.modes=
# (comma-separated; default: the module's default mode) and with
# extent=64.  A test that passes without the module must pass with it.
# One TAP line per test and mode, printed as soon as a test has run in
# every mode, so that a VM that stops loses only the tests after them.
modes=$(sed -n 's/.*kc\.modes=\([a-z,]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
modes=${modes:-default}
tests=$(cat /kc/upstream.list)

# run_in MODE TEST: run TEST, print "# MODE: TEST exit RC" and return RC.
run_in() {
	timeout -s KILL "${KC_PEER_TIMEOUT:-90}" /kc/upstream/"$2" \
		>/tmp/out 2>&1
	rc=$?
	echo "# $1: $2 exit $rc"
	# What a test that failed with the module said, for diagnosis.
	if [ "$rc" != 0 ] && [ "$1" != stock ]; then
		tail -5 /tmp/out | sed 's/^/#   /'
	fi
	return $rc
}

# run_with MODE TEST: run TEST with the module loaded in MODE.
run_with() {
	param=
	[ "$1" = default ] || param="mode=$1"
	insmod /kc/kvm_coalesce.ko $param extent=64 ||
		echo "KC-FATAL cannot load kvm_coalesce $param"
	run_in "$1" "$2"
	rc=$?
	rmmod kvm_coalesce
	return $rc
}

echo "TAP version 13"
echo "1..$(($(echo $tests | wc -w) * $(echo $modes | wc -w)))"
n=0
for t in $tests; do
	run_in stock "$t"
	a=$?
	results=
	for m in $modes; do
		n=$((n + 1))
		run_with "$m" "$t"
		b=$?
		if [ "$a" != 0 ]; then
			line="ok $n upstream $t mode=$m # SKIP exit $a without the module"
		elif [ "$b" = 0 ]; then
			line="ok $n upstream $t mode=$m"
		else
			line="not ok $n upstream $t mode=$m # exit $b, 0 without the module"
		fi
		results="$results$line
"
	done
	printf '%s' "$results"
done
