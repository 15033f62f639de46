#!/bin/bash
# bench-duckdb: the gzipped archive (the sample as 20 objects over 2 days)
# mapped to segment_data rows in a file, by segpipe and by DuckDB (npm
# @duckdb/node-api, tests/bench/duckdb-rows.mjs: read_ndjson over the .gz
# objects, the same columns, one row per messageId, COPY to NDJSON). DuckDB
# cannot reach MariaDB here (no extension downloads), so this is where the
# two meet: archive to rows. Every run's output is counted.
. "$(dirname "$0")/common.sh"
sample
archive
bytes=$(filesize "$SAMPLE")
nrows=$(seg-fetch -q "$ARCH" | seg-dedup -q | wc -l | tr -d ' ')
W=$(mktemp -d "${TMPDIR:-/tmp}/benchduck.XXXXXX") || exit 1
cleanup() { rm -rf "$W"; }
node -e "import('@duckdb/node-api')" 2> /dev/null || {
	echo "  DuckDB: @duckdb/node-api is not installed (npm ci); skipped"
	exit 0
}
cat "$ARCH"/segment-logs/*/*/*.gz > /dev/null    # warm the page cache
# rows in OUT, one a line (plus seg-flatten's DDL record)
lines() { got=$(($(wc -l < "$W/out") - $2)); rm -f "$W/out"; [ "$got" = "$1" ] || echo "$got rows, not $1"; }

bench_reset MB
BENCH_CHECK='lines "$nrows" 1'
bench_add "segpipe: seg-fetch | validate | dedup | flatten > file" "$bytes" \
	"seg-fetch -q '$ARCH' | seg-validate -q | seg-dedup -q | seg-flatten -q --layout segment_data > '$W/out'"
BENCH_CHECK='lines "$nrows" 0'
bench_add "DuckDB: read_ndjson(*.gz), same columns > file" "$bytes" \
	"cd '$top' && node tests/bench/duckdb-rows.mjs '$ARCH/segment-logs/*/*/*.gz' '$W/out'"
bench_run

echo "  $nrows events ($bytes bytes of NDJSON) in 20 gzip objects to segment_data rows as NDJSON"
bench_header
bench_show
bench_ratio "segpipe: seg-fetch | validate | dedup | flatten > file" "DuckDB: read_ndjson(*.gz), same columns > file" \
	"segpipe / DuckDB"
