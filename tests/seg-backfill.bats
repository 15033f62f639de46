#!/usr/bin/env bats
# seg-backfill, the whole job in one command, against MariaDB behind
# s2-gateway (and s3rver for the S3 layout): exact rows in the table after
# daily runs, kills, damage, empty days, shards, late objects, verify,
# config profiles and dry runs.

load 'helpers/target'

DAY0=1432684800000     # 2015-05-27
DAYMS=86400000

setup() {
	T=$BATS_TEST_TMPDIR
	ST=$T/state
	sql "DROP TABLE IF EXISTS segment_data"
}

# mkarchive DIR DAYS: 2 sources x DAYS days x 2 objects of 40 messages,
# gzipped, in Segment's layout; ids unique across the archive
mkarchive() {
	local dir=$1 days=$2 s d h day seed=1
	for s in srcA srcB; do
		for ((d = 0; d < days; d++)); do
			day=$((DAY0 + d * DAYMS))
			mkdir -p "$dir/segment-logs/$s/$day"
			for h in 0 1; do
				seg-gen --seed $seed --count 40 --start-ms $((day + h * 3600000)) \
					| gzip > "$dir/segment-logs/$s/$day/$((day / 1000 + h * 3600))-$h.gz"
				seed=$((seed + 1))
			done
		done
	done
}

# want_ids DIR: the sorted distinct messageIds the archive holds
want_ids() {
	seg-fetch -q "$1" | jq -r .messageId | sort -u
}

got_ids() {
	sql 'SELECT messageId FROM segment_data' | sort
}

# exact: the table holds every id of the archive exactly once, nothing else
exact() {
	want_ids "$1" > "$T/want"
	got_ids > "$T/got"
	[ "$(sql 'SELECT COUNT(*) - COUNT(DISTINCT messageId) FROM segment_data')" -eq 0 ]
	cmp "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; return 1; }
}

bf() {
	seg-backfill -q --state-dir "$ST" --url "$S2_URL" --database "$S2_DATABASE" "$@"
}

@test "the sample archive lands exactly; a re-run skips every unit" {
	A=$BATS_TEST_DIRNAME/../share/examples/archive
	run bf "$A"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 320 ]
	exact "$A"
	[ "$(wc -l < "$ST/journal")" -eq 4 ]      # 4 day folders (dummy-object.txt is no unit)
	[ -s "$ST/ids" ]
	run bf --stats "$T/st.json" "$A"
	[ "$status" -eq 0 ]
	[ "$(jq -c "[.units, .skipped, .done, .rows]" "$T/st.json")" = "[2,2,0,0]" ]   # catch-up: from the last journaled day
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 320 ]
}

@test "a 5-day, 2-source archive loaded by daily runs" {
	mkarchive "$T/a" 5
	for d in 0 1 2 3 4; do
		run bf --day $((DAY0 + d * DAYMS)) "$T/a"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
		[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq $(( (d + 1) * 160 )) ]
	done
	exact "$T/a"
	[ "$(jq -r .unit "$ST/journal" | sort -u | wc -l)" -eq 10 ]
	# catch-up from the last journaled day: nothing new, nothing doubled
	run bf "$T/a"
	[ "$status" -eq 0 ]
	exact "$T/a"
}

@test "rejects are kept per unit and counted; exit 1, the unit is done" {
	mkdir -p "$T/a/segment-logs/s1/$DAY0"
	seg-gen --seed 3 --count 100 --invalid-rate 0.05 --start-ms $DAY0 | gzip > "$T/a/segment-logs/s1/$DAY0/1-0.gz"
	run bf --stats "$T/st.json" "$T/a"
	[ "$status" -eq 1 ]
	rej=$(cat "$ST"/units/*/fetch-rejects.ndjson "$ST"/units/*/rejects.ndjson | wc -l)
	[ "$rej" -gt 0 ]
	rows=$(sql 'SELECT COUNT(*) FROM segment_data')
	[ "$(jq .done "$T/st.json")" -eq 1 ]
	[ "$(jq .rows "$T/st.json")" -eq "$rows" ]
	[ "$(wc -l < "$ST/journal")" -eq 1 ]
}
