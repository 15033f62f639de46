#!/bin/sh
# bench-batch: seg-batch's MB/s of row input on rows made from the sample,
# beside cat and jq -c . on the same rows in the same run. Target: >= 500 MB/s.
# The rows (segment_data columns, as seg-flatten writes them) are made once
# with jq, outside the timing, and kept in $BENCH_DIR.
. "$(dirname "$0")/common.sh"
sample
ROWS="$BENCH_DIR/rows-${BENCH_MB}mb.ndjson"
if [ ! -s "$ROWS" ]; then
	{
		printf '%s\n' '{"_table":"segment_data","_ddl":"CREATE TABLE IF NOT EXISTS `segment_data` (`messageId` VARCHAR(100) NOT NULL, `timestamp` DATETIME(6) NOT NULL, `type` VARCHAR(16) NOT NULL, `event` TEXT, `name` TEXT, `properties` JSON, `userId` TEXT, `anonymousId` TEXT, `groupId` TEXT, `traits` JSON, `context` JSON, SHARD KEY (`messageId`), UNIQUE KEY (`messageId`) USING HASH, SORT KEY (`timestamp`))"}'
		jq -c '{_table: "segment_data", messageId, timestamp: ((.timestamp // "") | sub("T"; " ") | sub("Z$"; "")),
		        type, event, name, properties, userId, anonymousId, groupId,
		        traits: (.context.traits // .traits), context}' "$SAMPLE"
	} > "$ROWS.tmp" && mv "$ROWS.tmp" "$ROWS"
fi
bytes=$(filesize "$ROWS")
cat "$ROWS" > /dev/null    # warm the page cache
bench "cat" "$bytes" "cat '$ROWS' > /dev/null"
bench "seg-batch" "$bytes" "seg-batch -q '$ROWS' > /dev/null"
bench "seg-batch (1 CPU, taskset)" "$bytes" "taskset -c 0 seg-batch -q '$ROWS' > /dev/null"
# jq is slow: time it on the first 20 MB of rows and report its rate
head -c 20000000 "$ROWS" | head -n -1 > "$BENCH_DIR/jq-rows-slice.ndjson"
bench "jq -c . (20 MB slice)" "$(filesize "$BENCH_DIR/jq-rows-slice.ndjson")" "jq -c . '$BENCH_DIR/jq-rows-slice.ndjson' > /dev/null"
