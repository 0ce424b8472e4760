#!/usr/bin/env bash
# Bench: scripts/add_instruction.sh (one jq pass) against the reference design's per-line loop.
#   bench/add_instruction.sh [LINES]        (default 15000; run from the repo root)
# 1. LINES typical alpaca lines (plain words, no backslash escapes, no runs of spaces, no glob characters):
#    the loop exactly as the reference design wrote it vs the script: same bytes? speed-up (goal >= 100x).
# 2. 200 lines with escaped quotes, newlines and backslashes, runs of spaces and a `*`: the script vs the
#    correct loop (read -r, quoted printf) must match; the loop as written is shown to differ.
set -euo pipefail

lines=${1:-15000}
root=$(cd "$(dirname "$0")/.." && pwd)
script=$root/scripts/add_instruction.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # the as-written loop expands globs against the current folder: keep it empty but for our files

now() { date +%s.%N; }

jq -nc '{instruction: "You are a professional machine learning conference reviewer.", system: ""}' > extra.json
jq -nc --argjson n "$lines" 'range($n) | {input: ("title: Paper \(.) abstract: We study sparse attention for long documents and report results on benchmark \(. % 97)."),
    output: ("The paper is clear. Rating: \(. % 10)"), id: ., score: (. / 8)}' > typical.jsonl

as_written() {  # the reference design's loop, verbatim (SC2086/SC2162 are the point of the comparison)
    # shellcheck disable=SC2086,SC2162
    while read line; do echo $line | jq -c --slurpfile extra extra.json '. + $extra[0]'; done < "$1"
}
correct() {
    while IFS= read -r line; do printf '%s\n' "$line" | jq -c --slurpfile extra extra.json '. + $extra[0]'; done < "$1"
}

t0=$(now); "$script" typical.jsonl extra.json > one_pass.jsonl; t1=$(now)
as_written typical.jsonl > loop.jsonl; t2=$(now)
one=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
loop=$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')
if cmp -s one_pass.jsonl loop.jsonl; then same=yes; else same=NO; fi
printf 'typical lines: %d, bytes out: %d\n' "$lines" "$(wc -c < one_pass.jsonl)"
printf 'one jq pass: %.3f s   per-line loop (as written): %.1f s   speed-up: %.0fx   same bytes: %s\n' \
    "$one" "$loop" "$(awk -v a="$loop" -v b="$one" 'BEGIN { print a / b }')" "$same"

jq -nc 'range(200) | {input: ("He said \"sparse\"\nthen\t\ttabs, a \\\\ backslash and  two spaces * star \(.)"),
    output: "line one\nline two"}' > escaped.jsonl
"$script" escaped.jsonl extra.json > esc_one.jsonl
correct escaped.jsonl > esc_correct.jsonl
as_written escaped.jsonl > esc_written.jsonl 2> /dev/null || true
if cmp -s esc_one.jsonl esc_correct.jsonl; then ok=yes; else ok=NO; fi
if cmp -s esc_one.jsonl esc_written.jsonl; then differs=no; else differs=yes; fi
printf 'escaped lines: 200; script = correct loop: %s; loop as written differs: %s\n' "$ok" "$differs"
[[ $same == yes && $ok == yes ]]
