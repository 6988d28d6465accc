#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-collect.sh [OUT]: gather the KC-RESULT lines that the bench jobs
# printed (build/vm-bench/job.txt and, if present, build/vm-guest/job.txt)
# into OUT (default bench/results.json): a JSON array of their records,
# each with the job it came from added as "job".
#
# A record needs workload, config, iterations, exits, userspace_exits and
# l2_ns (totals over its iterations).  One without model_ns gets
# l2_ns + exits x exit_cost_ns - emulations x fetch_cost_ns, with the
# exit cost the workload records state (Documentation/bench.rst, "The
# per-exit constant C" and "The fetch constant F"); KC_EXIT_NS=N
# recomputes model_ns of every record with an exit cost of N ns.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=${1:-$KC_TOP/bench/results.json}
records=$(mktemp)
trap 'rm -f "$records"' EXIT

for job in bench guest; do
	f="$KC_BUILD/vm-$job/job.txt"
	[ -f "$f" ] || continue
	sed -n 's/^KC-RESULT //p' "$f" |
		jq -c --arg job "vm-$job" '. + {job: $job}' >>"$records"
done
[ -s "$records" ] || kc_die "no KC-RESULT lines in $KC_BUILD/vm-{bench,guest}/job.txt: run make bench"

mkdir -p "$(dirname "$out")"
jq -s --arg cost "${KC_EXIT_NS:-}" '
	def required: ["workload", "config", "iterations", "exits",
		       "userspace_exits", "l2_ns"];
	(map(.exit_cost_ns // empty) | first) as $stated |
	(if $cost != "" then ($cost | tonumber) else $stated end) as $c |
	map(. as $r |
	    (required - ($r | keys)) as $missing |
	    if ($missing | length) > 0 then
		error("record without \($missing | join(", ")): \($r | tojson)")
	    else . end |
	    if ($cost != "" or (has("model_ns") | not)) and $c != null then
		. + {exit_cost_ns: $c,
		     model_ns: (.l2_ns + .exits * $c -
				(.emulations // 0) * (.fetch_cost_ns // 0) | round)}
	    else . end)' "$records" >"$out.tmp"
mv "$out.tmp" "$out"
kc_log "$(jq length "$out") records in $out"
