#!/bin/bash
# bench-fetch.sh: seg-fetch reading the gzipped sample beside gzip -dc and
# pigz -dc on the same file in the same run (MB/s of decompressed NDJSON).
. "$(dirname "$0")/common.sh"
sample
GZ="$SAMPLE.gz"
[ -s "$GZ" ] || { gzip -c "$SAMPLE" > "$GZ.tmp" && mv "$GZ.tmp" "$GZ"; } || exit 1
bytes=$(filesize "$SAMPLE")
cat "$GZ" "$SAMPLE" > /dev/null    # warm the page cache
echo "  ($(seg-fetch --version | sed -n 2p | cut -d';' -f1))"
bench_reset MB
bench_add "gzip -dc" "$bytes" "gzip -dc '$GZ' > /dev/null"
command -v pigz > /dev/null && bench_add "pigz -dc" "$bytes" "pigz -dc '$GZ' > /dev/null"
bench_add "seg-fetch" "$bytes" "seg-fetch -q '$GZ' > /dev/null"
bench_add "seg-fetch --strict" "$bytes" "seg-fetch -q --strict '$GZ' > /dev/null"
bench_add "seg-fetch (plain NDJSON)" "$bytes" "seg-fetch -q '$SAMPLE' > /dev/null"
bench_run
bench_header
bench_show
bench_ratio "seg-fetch" "gzip -dc" "seg-fetch / gzip -dc"
