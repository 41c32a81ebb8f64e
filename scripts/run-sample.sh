#!/bin/sh
# `make run`: the main job on the sample corpus the repository ships
# (sample/: pages written for this project, see scripts/make-sample.py),
# with the preset configuration in config/english-web.ini.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
out=$build/sample-run
# exit 1 (finished, some input bad) still wrote the output; 2 and 3 did not
rc=0
"$build/winnow" run --config config/english-web.ini sample/crawl.warc.wet sample/feed.jsonl -o "$out" || rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
  echo "winnow: the sample run failed (exit status $rc)" >&2
  exit $rc
fi
echo "winnow: output in $out/ (data/, rejects/, stats.json, report.html)"
