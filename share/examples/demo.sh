#!/bin/sh
# demo.sh: what "make demo" runs. Starts a private MariaDB with s2-gateway in
# front of it (the Data API, as SingleStore serves it), loads the sample
# archive in Segment's S3 layout with seg-backfill (the whole pipeline per
# day folder), shows what landed, runs the same job again to show that
# nothing is loaded twice, and stops.
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
	seg-backfill --no-progress --state-dir "$work/state" --url "$S2_URL" --database "$S2_DATABASE" "$@" "$archive"
}

echo "== what would be loaded (seg-backfill --dry-run changes nothing)"
job --dry-run
echo "== the job: one command, one pipeline per day folder"
job
echo "== what landed"
mariadb.sh sql "$MARIADB_DIR" "SELECT type, COUNT(*) AS n FROM $S2_DATABASE.segment_data GROUP BY type ORDER BY n DESC"
mariadb.sh sql "$MARIADB_DIR" "SELECT messageId, timestamp, event FROM $S2_DATABASE.segment_data WHERE type = 'track' ORDER BY timestamp LIMIT 3"
echo "== the journal: one line per unit loaded"
jq -c '{unit: (.unit | sub(".*segment-logs/"; "")), day, rows, objects: (.objects | length)}' "$work/state/journal"

echo "== the same job again: every unit is in the journal, nothing is read"
job --since 2015-05-27
mariadb.sh sql "$MARIADB_DIR" "SELECT COUNT(*) AS rows_total, COUNT(DISTINCT messageId) AS distinct_ids FROM $S2_DATABASE.segment_data"

echo "== without the journal: the id set drops every known message"
rm "$work/state/journal"
job
mariadb.sh sql "$MARIADB_DIR" "SELECT COUNT(*) AS rows_total, COUNT(DISTINCT messageId) AS distinct_ids FROM $S2_DATABASE.segment_data"
echo "== done"
