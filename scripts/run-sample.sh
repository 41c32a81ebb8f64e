#!/bin/sh
# `make run`: the main job on the sample corpus the repository ships
# (sample/: pages written for this project, see scripts/make-sample.py),
# with the preset configuration in config/english-web.ini.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
out=$build/sample-run
"$build/winnow" run --config config/english-web.ini sample/crawl.warc.wet sample/feed.jsonl -o "$out" || [ $? -eq 1 ]
echo "winnow: output in $out/ (data/, rejects/, stats.json, report.html)"
