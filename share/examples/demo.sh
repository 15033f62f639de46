#!/bin/sh
# demo.sh: what "make demo" runs. Starts a private MariaDB with s2-gateway in
# front of it (the Data API, as SingleStore serves it), loads the sample
# archive in Segment's S3 layout through the whole pipeline, shows what landed,
# runs the same job again to show that nothing is loaded twice, and stops.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$top/bin:$top/tests/helpers:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/segdemo.XXXXXX")
export SEGPIPE_WATCH_PID=$$

cleanup() {
	[ -n "${S2_GATEWAY_DIR:-}" ] && gateway.sh stop "$S2_GATEWAY_DIR"
	[ -n "${MARIADB_DIR:-}" ] && mariadb.sh stop "$MARIADB_DIR"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== starting a private MariaDB and s2-gateway"
eval "$(mariadb.sh start)"
eval "$(gateway.sh start)"
echo "   Data API at $S2_URL, database $S2_DATABASE"

archive=$top/share/examples/archive
echo "== the archive: $(find "$archive" -type f | wc -l) objects"
seg-fetch --list "$archive" | head -n 3
echo "   ..."

job() {
	seg-fetch "$archive" \
	| seg-validate --rejects "$work/rejects.ndjson" \
	| seg-dedup $([ -f "$work/seen.idx" ] && echo --state "$work/seen.idx") --save-state "$work/seen.new" \
	| seg-flatten --layout segment_data \
	| seg-batch \
	| s2-load --url "$S2_URL" --database "$S2_DATABASE" --checkpoint "$work/load.ckpt" -j 4 \
	> "$work/results.ndjson"
	# promote the id set only after the load succeeded
	mv "$work/seen.new" "$work/seen.idx"
}

echo "== the pipeline"
job
echo "== what landed"
mariadb.sh sql "$MARIADB_DIR" "SELECT type, COUNT(*) AS n FROM $S2_DATABASE.segment_data GROUP BY type ORDER BY n DESC"
mariadb.sh sql "$MARIADB_DIR" "SELECT messageId, timestamp, event FROM $S2_DATABASE.segment_data WHERE type = 'track' ORDER BY timestamp LIMIT 3"

echo "== the same job again: seg-dedup remembers every id, nothing is sent"
job
mariadb.sh sql "$MARIADB_DIR" "SELECT COUNT(*) AS rows_total, COUNT(DISTINCT messageId) AS distinct_ids FROM $S2_DATABASE.segment_data"

echo "== and without the id set: s2-load's checkpoint skips every committed batch"
rm -f "$work/seen.idx"
job
echo "   result statuses: $(jq -r .status "$work/results.ndjson" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
mariadb.sh sql "$MARIADB_DIR" "SELECT COUNT(*) AS rows_total, COUNT(DISTINCT messageId) AS distinct_ids FROM $S2_DATABASE.segment_data"
echo "== done"
