// SPDX-License-Identifier: GPL-2.0
/*
 * kc_clock: print CLOCK_MONOTONIC in nanoseconds (busybox's date has no
 * %N).  Under -icount shift=0 the test VM's clock counts the instructions
 * it executed, one per nanosecond.
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return 1;
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
