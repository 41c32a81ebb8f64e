#!/bin/sh
# `make run`: the main job on the sample corpus the repository ships
# (sample/: pages written for this project, see scripts/make-sample.py).
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
out=$build/sample-out
mkdir -p "$out"
"$build/winnow" read sample/ -o "$out/read.jsonl.zst" --stats "$out/stats.json"
echo "winnow: output in $out/ (read.jsonl.zst, stats.json)"
