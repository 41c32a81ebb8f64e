#!/bin/sh
# CLD2 alone on the kept texts of the news WET (issue 12, item 2): MB/s
# with one call per document and with the concatenated text cut into
# pieces of several sizes (CPU time of the thread).
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
F=build/bench/news.warc.wet.gz
if [ ! -f "$F" ] && [ ! -d "$S/data/text" ]; then
  echo "skip bench_cld2: $S/data/text is absent"; exit 0
fi
mkdir -p build/bench
[ -f "$F" ] || python3 bench/make_wet.py "$S" "$F" --copies 2 || exit 1
CXX=${CXX:-c++}
B=build/bench/cld2_calls
$CXX -O2 -o "$B" bench/cld2_calls.cc $(pkg-config --cflags --libs cld2 2>/dev/null || echo -lcld2) || exit 1
O=build/bench/cld2-out
rm -rf "$O"
"$build/winnow" run -q --no-progress -j 2 --no-dedup --stages normalize,clean "$F" -o "$O" >/dev/null 2>&1
zstdcat "$O"/data/*.jsonl.zst | python3 -c '
import json, struct, sys
out = open(sys.argv[1], "wb")
for line in sys.stdin:
    t = json.loads(line)["text"].encode()
    out.write(struct.pack("<I", len(t)) + t)' build/bench/cld2-texts.bin
echo "CLD2 alone on the cleaned news texts:"
"$B" build/bench/cld2-texts.bin 256 1024 4096 16384 65536
rm -rf "$O" build/bench/cld2-texts.bin
