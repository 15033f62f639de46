#!/usr/bin/env bats
# The other direction, whole: rows in MariaDB behind s2-gateway -> s2-query
# -> seg-make -> seg-send -> seg-receive -> the archive it wrote -> seg-fetch
# (and seg-backfill could load it again). Exactly the expected messages
# arrive, and a re-run sends the same messageIds.

load 'helpers/target'
load 'helpers/receiver'

setup_file() {
	target_start || return 1
	sql "CREATE TABLE scores (id INT PRIMARY KEY, user_id VARCHAR(40), ltv DECIMAL(10,2),
	     churn_risk DOUBLE, tier VARCHAR(10), computed_at DATETIME(6))"
	sql "INSERT INTO scores VALUES
	     (1, 'u-1', 120.50, 0.125, 'gold', '2024-03-01 10:00:00'),
	     (2, 'u-2', 0.00, 0.875, 'free', '2024-03-01 10:00:00.250000'),
	     (3, NULL, 10.00, 0.5, 'free', '2024-03-01 10:00:00'),
	     (4, 'u-\"4\" é', 55.25, 0.75, 'silver', '2024-03-01 10:00:00')"
}

setup() {
	T=$BATS_TEST_TMPDIR
	export SEGMENT_WRITE_KEY=wk_reverse
}

teardown() {
	stop_receiver
}

# job: computed traits to Identify, the first recipe of segpipe(7)
job() {
	set -o pipefail
	s2-query -q --url "$S2_URL" -d "$S2_DATABASE" \
		"SELECT user_id, ltv, churn_risk, tier, computed_at FROM scores ORDER BY id" \
	| seg-make -q -r "$T/rejects" identify --user-id user_id --timestamp-col computed_at \
	| seg-send -q --url "$RECV_URL" --checkpoint "$T/ck$1" -o /dev/null
}

@test "MariaDB -> s2-query -> seg-make -> seg-send -> seg-receive -> seg-fetch: exactly the expected messages" {
	start_receiver "$T/d"
	run job 1
	[ "$status" -eq 1 ]   # the row without a user is a reject, kept
	[ "$(jq -r .reason "$T/rejects")" = missing_user_or_anonymous_id ]
	received "$T/d" | seg-validate -q > "$T/got"
	[ "$(wc -l < "$T/got")" -eq 3 ]
	[ "$(jq -c '[.type, .userId, .traits.ltv, .traits.churn_risk, .traits.tier, .timestamp]' "$T/got" | sort)" = \
	'["identify","u-1","120.50",0.125,"gold","2024-03-01T10:00:00.000000Z"]
["identify","u-2","0.00",0.875,"free","2024-03-01T10:00:00.250000Z"]
["identify","u-\"4\" é","55.25",0.75,"silver","2024-03-01T10:00:00.000000Z"]' ]
	# the receiver's archive is in Segment's layout: one source, one day
	[ "$(find "$T/d/segment-logs" -name '*.gz' | sed 's|.*/segment-logs/||; s|/[^/]*$||' | sort -u | wc -l)" -eq 1 ]
	# a re-run (its own checkpoint: a new send) gives the same messageIds
	run job 2
	[ "$status" -eq 1 ]
	received "$T/d" | jq -r .messageId | sort | uniq -c | awk '{ print $1 }' | sort -u > "$T/counts"
	[ "$(cat "$T/counts")" = 2 ]
	[ "$(received "$T/d" | jq -r .messageId | sort -u | wc -l)" -eq 3 ]
}
