#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-plot.sh [RESULTS [OUT]]: plot bench/results.json (from
# bench-collect.sh) to Documentation/bench.svg (or OUT,
# .svg or .png): per workload, the speedup
# of each configuration over "stock" (stock's time per iteration divided
# by the configuration's) in the test VM's time (l2_ns) and in the
# modelled hardware time (model_ns).  Workloads without a "stock" record
# are left out.
set -euo pipefail
. "$(dirname "$0")/common.sh"

results=${1:-$KC_TOP/bench/results.json}
out=${2:-$KC_TOP/Documentation/bench.svg}
command -v gnuplot >/dev/null || "$KC_TOP"/scripts/deps.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One table per metric: a row per workload, a column per configuration
# (in the order they first appear), "-" where a record is missing.
table() {
	jq -r --arg m "$1" '
		map(. + {per_it: (.[$m] / .iterations)}) |
		(map(.config) | reduce .[] as $c ([]; if index([$c]) then . else . + [$c] end)) as $configs |
		(map(.workload) | reduce .[] as $w ([]; if index([$w]) then . else . + [$w] end)) as $workloads |
		(["workload"] + $configs | @tsv),
		($workloads[] as $w |
		 (map(select(.workload == $w and .config == "stock")) | first | .per_it) as $stock |
		 select($stock != null) |
		 [$w] + [$configs[] as $c |
			 (map(select(.workload == $w and .config == $c)) | first) as $r |
			 if $r == null or $r.per_it == 0 then "-"
			 else ($stock / $r.per_it * 1000 | round / 1000 | tostring) end] | @tsv)' "$results"
}
table l2_ns >"$tmp/l2.tsv"
table model_ns >"$tmp/model.tsv"
ncols=$(head -1 "$tmp/l2.tsv" | awk -F'\t' '{ print NF }')
case $out in
*.png) term='png size 1100,800 font "sans,10"' ;;
*)     term='svg size 1100,800 dynamic font "sans,11"' ;;
esac

gnuplot <<GP
set terminal $term
set output "$out"
set datafile separator "\t"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top
set grid ytics
set yrange [0:*]
set ylabel "speedup over stock (higher is faster)"
set xtics nomirror
set multiplot layout 2,1
set title "Test VM time per iteration (-icount: instructions), stock / config"
plot for [i=2:$ncols] "$tmp/l2.tsv" using i:xtic(1) title columnheader(i), 1 with lines lc "black" dt 2 notitle
set title "Modelled hardware time (l2\\\\_ns + exits x C), stock / config"
plot for [i=2:$ncols] "$tmp/model.tsv" using i:xtic(1) title columnheader(i), 1 with lines lc "black" dt 2 notitle
unset multiplot
GP
kc_log "plot in $out"
