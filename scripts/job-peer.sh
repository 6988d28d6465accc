# SPDX-License-Identifier: GPL-2.0
# The upstream KVM selftests of the same tree, inside the test VM: each
# runs without kvm_coalesce, then with it loaded in each mode of kc.modes=
# (comma-separated; default: the module's default mode) and with
# extent=64.  A test that passes without the module must pass with it.
# One TAP line per test and mode.
modes=$(sed -n 's/.*kc\.modes=\([a-z,]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
tests=$(cat /kc/upstream.list)

# run_pass NAME: run every test, record "<test> <rc>" in /tmp/NAME.
run_pass() {
	: >/tmp/"$1"
	for t in $tests; do
		timeout -s KILL "${KC_PEER_TIMEOUT:-90}" /kc/upstream/"$t" \
			>/tmp/out 2>&1
		rc=$?
		echo "$t $rc" >>/tmp/"$1"
		echo "# $1: $t exit $rc"
		# What a test that failed with the module said, for diagnosis.
		if [ "$rc" != 0 ] && [ "$1" != stock ]; then
			tail -5 /tmp/out | sed 's/^/#   /'
		fi
	done
}

run_pass stock
for m in ${modes:-default}; do
	param=
	[ "$m" = default ] || param="mode=$m"
	insmod /kc/kvm_coalesce.ko $param extent=64 ||
		echo "KC-FATAL cannot load kvm_coalesce $param"
	run_pass "$m"
	rmmod kvm_coalesce
done

echo "TAP version 13"
echo "1..$(($(echo $tests | wc -w) * $(echo ${modes:-default} | wc -w)))"
n=0
for m in ${modes:-default}; do
	for t in $tests; do
		n=$((n + 1))
		a=$(grep "^$t " /tmp/stock | cut -d' ' -f2)
		b=$(grep "^$t " /tmp/"$m" | cut -d' ' -f2)
		if [ "$a" != 0 ]; then
			echo "ok $n upstream $t mode=$m # SKIP exit $a without the module"
		elif [ "$b" = 0 ]; then
			echo "ok $n upstream $t mode=$m"
		else
			echo "not ok $n upstream $t mode=$m # exit $b, 0 without the module"
		fi
	done
done
