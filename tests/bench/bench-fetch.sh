#!/bin/sh
# bench-fetch.sh: seg-fetch reading the gzipped sample beside gzip -dc and
# pigz -dc on the same file in the same run (MB/s of decompressed NDJSON).
. "$(dirname "$0")/common.sh"
sample
GZ="$BENCH_DIR/sample-${BENCH_MB}mb.ndjson.gz"
[ -s "$GZ" ] || gzip -c "$SAMPLE" > "$GZ"
bytes=$(filesize "$SAMPLE")
echo "  ($(seg-fetch --version | sed -n 2p | cut -d';' -f1))"
bench "gzip -dc" "$bytes" "gzip -dc '$GZ' > /dev/null"
bench "pigz -dc" "$bytes" "pigz -dc '$GZ' > /dev/null"
bench "seg-fetch" "$bytes" "seg-fetch -q '$GZ' > /dev/null"
bench "seg-fetch --strict" "$bytes" "seg-fetch -q --strict '$GZ' > /dev/null"
bench "seg-fetch (plain NDJSON)" "$bytes" "seg-fetch -q '$SAMPLE' > /dev/null"
