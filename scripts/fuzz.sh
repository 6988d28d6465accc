#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh [--no-cov] [SECONDS]: build the libFuzzer target of
# kvm_coalesce/decode.c (fuzz/), make its seeds from the selftests' guest
# routines, run the regression inputs of fuzz/regress/, then fuzz for
# SECONDS (default $FUZZ_SECONDS, else 60) and, unless --no-cov, report
# the source coverage of decode.c over the corpus.  The corpus grows in
# $KC_BUILD/fuzz/corpus from run to run; a failing input is saved as
# $KC_BUILD/fuzz/crash-*.  Last line: "fuzz: ..." and the exit status
# says whether an input failed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

cov=1
if [ "${1:-}" = --no-cov ]; then
	cov=0
	shift
fi
secs=${1:-${FUZZ_SECONDS:-60}}
out=$KC_BUILD/fuzz
fuzzer=$out/kc_scan_fuzz
# The header (extent, RIP and 16 register bytes), then a window of code.
max_len=$((18 + 256))

"$KC_TOP"/scripts/deps.sh
ksrc=$("$KC_TOP"/scripts/kernel.sh)
targets=$fuzzer
[ $cov = 1 ] && targets+=" $out/kc_scan_cov"
make -s -C "$KC_TOP/fuzz" KSRC="$ksrc" OUT="$out" $targets >&2
kc_log "fuzz seeds: $("$KC_TOP"/fuzz/seeds.sh "$out/seeds")"
mkdir -p "$out/corpus"

# Every regression input alone first: libFuzzer runs files given by name.
regress=("$KC_TOP"/fuzz/regress/*)
if [ -e "${regress[0]}" ] &&
   ! "$fuzzer" "${regress[@]}" >"$out/regress.log" 2>&1; then
	cat "$out/regress.log" >&2
	echo "fuzz: a regression input of fuzz/regress/ fails"
	exit 1
fi

rc=0
"$fuzzer" -max_total_time="$secs" -max_len=$max_len -timeout=10 \
	-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$out/" \
	"$out/corpus" "$out/seeds" >"$out/fuzz.log" 2>&1 || rc=$?
grep -E 'kc_scan_fuzz:|^input:|ERROR|SUMMARY|^artifact' "$out/fuzz.log" >&2 || true

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log")
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$out/fuzz.log" | tail -1)
cov_ft=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$done_line" || true)
corpus=$(find "$out/corpus" -type f | wc -l)

if [ $cov = 1 ]; then
	LLVM_PROFILE_FILE="$out/cov.profraw" "$out/kc_scan_cov" -runs=0 \
		-max_len=$max_len "$out/corpus" "$out/seeds" >/dev/null 2>&1
	llvm-profdata merge -sparse "$out/cov.profraw" -o "$out/cov.profdata"
	llvm-cov report "$out/kc_scan_cov" -instr-profile="$out/cov.profdata" \
		"$KC_TOP/kvm_coalesce/decode.c" >"$out/cov.txt"
	kc_log "decode.c coverage (regions, functions, lines, branches):"
	grep -E '^(Filename|TOTAL)' "$out/cov.txt" >&2
fi

if [ $rc = 0 ]; then
	echo "fuzz: ${runs:-?} inputs in $secs s, ${cov_ft:-?}, corpus $corpus, no failure"
else
	echo "fuzz: failure (exit $rc) after ${runs:-?} inputs: see $out/fuzz.log"
fi
exit $rc
