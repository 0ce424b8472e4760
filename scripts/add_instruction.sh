#!/usr/bin/env bash
# Merge the JSON object in <extra.json> into every line of <in.jsonl>, in ONE jq pass:
#   scripts/add_instruction.sh <in.jsonl> <extra.json> > <out.jsonl>
# Same bytes as the reference design's per-line loop
#   while read line; do echo $line | jq -c --slurpfile extra extra.json '. + $extra[0]'; done
# on lines that loop passes through intact, and as the correct loop
#   while IFS= read -r line; do printf '%s\n' "$line" | jq -c --slurpfile extra extra.json '. + $extra[0]'; done
# on every line. Where they differ (the loop as written is wrong there): backslash escapes (\" \n \\ in JSON
# strings lose their backslash under `read` without -r), runs of spaces or tabs inside strings (collapsed by
# the unquoted echo), glob characters (* ? [ expanded against the current folder) and a last line without a
# newline (skipped by `read`). Keys of <extra.json> win over the line's own. Input that is not JSON stops
# the run with jq's parse error (its position) and a non-zero exit, after the lines before it are written.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 <in.jsonl> <extra.json> > <out.jsonl>" >&2
    exit 64
fi
in=$1
extra=$2
for f in "$in" "$extra"; do
    if [[ ! -r $f ]]; then
        echo "error: cannot read $f" >&2
        exit 66
    fi
done
if ! command -v jq > /dev/null; then
    echo "error: jq not found (Debian: apt-get install -y jq)" >&2
    exit 69
fi
exec jq -c --slurpfile extra "$extra" '. + $extra[0]' "$in"
