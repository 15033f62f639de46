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

vf() {
	seg-backfill verify -q --url "$S2_URL" --database "$S2_DATABASE" "$@"
}

# unit_of DIR ID: the day folder of the archive DIR that holds ID
unit_of() {
	local u
	for u in "$1"/segment-logs/*/*; do
		seg-fetch -q "$u" | jq -r .messageId | grep -qxF "$2" && { echo "$u"; return; }
	done
}

@test "verify: a clean load verifies with 0; the id of a row deleted from the table is named exactly" {
	mkarchive "$T/a" 2
	run bf "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	exact "$T/a"
	run vf "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -z "$output" ]
	id=$(sql "SELECT messageId FROM segment_data ORDER BY messageId LIMIT 1 OFFSET 200")
	u=$(unit_of "$T/a" "$id")
	day=$(date -u -d "@$(( ${u##*/} / 1000 ))" +%F)
	sql "DELETE FROM segment_data WHERE messageId = '$id'"
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 319 ]
	run vf "$T/a"
	[ "$status" -eq 1 ]
	[ "$output" = "$(jq -cn --arg d "$day" --arg id "$id" --arg u "$u" '{day: $d, messageId: $id, unit: $u}')" ]
	# one day only: the other days are not read
	run vf --day "$day" "$T/a"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .messageId)" = "$id" ]
	other=$(date -u -d "$day + 1 day" +%F); [ "$day" = 2015-05-27 ] || other=2015-05-27
	run vf --day "$other" "$T/a"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "verify: ids over many chunks, a repeated id, an id with escapes and non-ASCII bytes; no table is 78" {
	mkdir -p "$T/a/segment-logs/s1/$DAY0"
	{ seg-gen --seed 41 --count 1300 --start-ms $DAY0
	  seg-gen --seed 41 --count 10 --start-ms $DAY0
	  seg-gen --seed 42 --count 1 --start-ms $DAY0 | jq -c '.messageId = "q\"\\ é ü 日本"'
	} | gzip > "$T/a/segment-logs/s1/$DAY0/1-0.gz"
	run vf "$T/a"
	[ "$status" -eq 78 ]
	run bf "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 1301 ]
	run vf "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	seg-fetch -q "$T/a" | jq -r .messageId | sed -n '3p;777p;1250p' | sort > "$T/gone"
	while read -r id; do sql "DELETE FROM segment_data WHERE messageId = '$id'"; done < "$T/gone"
	sql "DELETE FROM segment_data WHERE messageId LIKE 'q%'"
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 1297 ]
	run vf "$T/a"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | wc -l)" -eq 4 ]
	[ "$(echo "$output" | jq -r .messageId | grep -v '^q' | sort)" = "$(cat "$T/gone")" ]
	[ "$(echo "$output" | jq -r .messageId | grep -c '^q')" -eq 1 ]
	[ "$(echo "$output" | jq -r 'select(.messageId | startswith("q")) | .messageId')" = 'q"\ é ü 日本' ]
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

# day1: 3 objects, the middle one cut in half
truncated_day() {
	local d=$T/a/segment-logs/srcA/$DAY0
	mkdir -p "$d"
	seg-gen --seed 21 --count 300 --start-ms $DAY0 | gzip > "$d/1432684800-0.gz"
	seg-gen --seed 22 --count 300 --start-ms $DAY0 | gzip > "$T/whole.gz"
	head -c $(( $(stat -c %s "$T/whole.gz") / 2 )) "$T/whole.gz" > "$d/1432688400-1.gz"
	seg-gen --seed 23 --count 300 --start-ms $DAY0 | gzip > "$d/1432692000-2.gz"
}

@test "a truncated object mid-day: the unit fails naming it, ids not promoted, later objects loaded" {
	truncated_day
	run bf "$T/a"
	[ "$status" -eq 65 ]
	[[ "$output" == *"1432688400-1.gz"* ]]
	q=$(echo "$ST"/units/*/quarantine.ndjson)
	[ "$(jq -r .object "$q")" = "$T/a/segment-logs/srcA/$DAY0/1432688400-1.gz" ]
	[ "$(jq -r .offset "$q")" -gt 0 ]
	[ "$(od -An -tu8 -j32 -N8 "$ST/ids" | tr -d ' ')" -eq 0 ]   # the id set (seeded empty) holds no id
	[ ! -s "$ST/journal" ]
	# the objects before and after it are in the table, all of them
	zcat "$T/a/segment-logs/srcA/$DAY0/1432692000-2.gz" | jq -r .messageId | sort -u > "$T/after"
	got_ids > "$T/got"
	[ -z "$(comm -23 "$T/after" "$T/got")" ]
	zcat "$T/a/segment-logs/srcA/$DAY0/1432684800-0.gz" | jq -r .messageId | sort -u > "$T/before"
	[ -z "$(comm -23 "$T/before" "$T/got")" ]
	# a re-run fails the same way and doubles nothing
	run bf "$T/a"
	[ "$status" -eq 65 ]
	[ "$(sql 'SELECT COUNT(*) - COUNT(DISTINCT messageId) FROM segment_data')" -eq 0 ]
}

@test "--stats lists every unit: status, exit, rows, rejects, failed batches, seconds, the file to look at" {
	truncated_day
	d1=$T/a/segment-logs/srcA/$((DAY0 + DAYMS))
	mkdir -p "$d1"
	seg-gen --seed 24 --count 300 --start-ms $((DAY0 + DAYMS)) | gzip > "$d1/1432771200-0.gz"
	run bf --stats "$T/st.json" "$T/a"
	[ "$status" -eq 65 ]
	[ "$(jq -c '[.per_unit[] | [.status, .exit, .rows, .rejects, .failed_batches]]' "$T/st.json")" = \
	  '[["failed",65,600,0,0],["done",0,300,0,0]]' ]   # the failed unit's other objects loaded
	look=$(jq -r '.per_unit[0].look' "$T/st.json")
	[ "${look##*/}" = quarantine.ndjson ]
	[ "$(jq -r .object "$look")" = "$T/a/segment-logs/srcA/$DAY0/1432688400-1.gz" ]
	jq -e '.per_unit[0].message | test("damaged object")' "$T/st.json"
	jq -e '.per_unit[1].look == null and .per_unit[1].seconds >= 0' "$T/st.json"
	run bf --stats "$T/st.json" --since $DAY0 "$T/a"
	[ "$status" -eq 65 ]
	[ "$(jq -c '[.per_unit[] | [.unit, .status]]' "$T/st.json")" = \
	  "$(jq -cn --arg a "$T/a/segment-logs/srcA/$DAY0" --arg b "$d1" '[[$a, "failed"], [$b, "skipped"]]')" ]
}

@test "--skip-damaged loads the rest and counts the loss" {
	truncated_day
	run bf --skip-damaged --stats "$T/st.json" "$T/a"
	[ "$status" -eq 1 ]
	[ "$(jq .damaged "$T/st.json")" -eq 1 ]
	[ "$(jq .done "$T/st.json")" -eq 1 ]
	[ "$(jq -r .damaged "$ST/journal")" -eq 1 ]
	[ -s "$ST/ids" ]
	# everything seg-fetch -k reads of the archive is in the table
	seg-fetch -q -k "$T/a" 2>/dev/null | jq -r .messageId | sort -u > "$T/want"
	got_ids > "$T/got"
	cmp "$T/want" "$T/got"
	# accepted: a re-run does not retry it
	run bf --skip-damaged "$T/a"
	[ "$status" -eq 0 ]
}

@test "an empty day in the layout is an error unless --allow-empty" {
	mkarchive "$T/a" 3
	rm -r "$T/a/segment-logs/srcB/$((DAY0 + DAYMS))"
	run bf --since $DAY0 --until $((DAY0 + 3 * DAYMS)) "$T/a"
	[ "$status" -eq 65 ]
	[[ "$output" == *"srcB/$((DAY0 + DAYMS)): no objects for 2015-05-28"* ]]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 400 ]     # the other units loaded
	run bf --allow-empty --since $DAY0 --until $((DAY0 + 3 * DAYMS)) "$T/a"
	[ "$status" -eq 0 ]
	exact "$T/a"
	run bf --day 2015-06-10 "$T/a"
	[ "$status" -eq 65 ]
}

@test "SIGKILL of the driver at random moments, 15 times, then a run finishes: exact rows" {
	mkarchive "$T/a" 5
	for i in $(seq 1 16); do
		seg-backfill -q --state-dir "$ST" --url "$S2_URL" --database "$S2_DATABASE" \
			--since $DAY0 -j 2 "$T/a" 2>/dev/null &
		pid=$!
		sleep "0.$((RANDOM % 6))$((RANDOM % 10))"
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		# the stages died with it
		for try in 1 2 3 4 5 6 7 8 9 10; do
			pgrep -f -- "$ST/units" >/dev/null || break
			sleep 0.1
		done
		! pgrep -f -- "$ST/units"
	done
	run bf --since $DAY0 "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	exact "$T/a"
	[ "$(jq -r .unit "$ST/journal" | sort -u | wc -l)" -eq 10 ]
}

@test "SIGTERM stops every stage; the unit is not journaled; exit 75; a re-run finishes" {
	mkarchive "$T/a" 1
	gateway_start --delay-ms 300           # a slow target: the run is still loading
	seg-backfill -q --state-dir "$ST" --url "$S2_URL" --database "$S2_DATABASE" "$T/a" 2>"$T/err" &
	pid=$!
	for try in $(seq 1 100); do [ -s "$ST/units/"*srcA*/results.ndjson ] 2>/dev/null && break; sleep 0.1; done
	kill -TERM $pid
	wait $pid && st=0 || st=$?
	[ "$st" -eq 75 ]
	! grep -q srcA "$ST/journal"
	! pgrep -f -- "$ST/units"
	# the same target (a checkpoint is tied to its URL), now at full speed
	port=$S2_PORT
	gateway_stop
	gateway_start --port="$port"
	run bf "$T/a"
	gateway_stop
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	exact "$T/a"
}

@test "two concurrent runs: the second exits 75 naming the holder, or waits with --wait" {
	mkarchive "$T/a" 2
	mkdir -p "$ST"
	echo 4242 > "$ST/lock"
	# hold the lock until this test lets it go, and see that it is held
	# (a fixed sleep raced a slow machine or a sanitizer build)
	flock -o "$ST/lock" sleep 60 3>&- & holder=$!
	for try in $(seq 1 100); do flock -n "$ST/lock" true || break; sleep 0.05; done
	run bf "$T/a"
	pkill -P $holder; wait $holder || true   # the sleep ends, flock lets go
	[ "$status" -eq 75 ]
	[[ "$output" == *"process 4242"* ]]
	bf --wait "$T/a" & p1=$!
	bf --wait "$T/a" & p2=$!
	wait $p1
	wait $p2
	exact "$T/a"
}

@test "--shard 0/2 plus --shard 1/2 is the whole job" {
	mkarchive "$T/a" 5
	run bf --state-dir "$T/s0" --shard 0/2 "$T/a"
	[ "$status" -eq 0 ]
	n0=$(wc -l < "$T/s0/journal")
	run bf --state-dir "$T/s1" --shard 1/2 "$T/a"
	[ "$status" -eq 0 ]
	n1=$(wc -l < "$T/s1/journal")
	[ "$n0" -gt 0 ] && [ "$n1" -gt 0 ] && [ $((n0 + n1)) -eq 10 ]
	[ -z "$(cat "$T/s0/journal" "$T/s1/journal" | jq -r .unit | sort | uniq -d)" ]
	exact "$T/a"
}

@test "a late object added to an old day is loaded by --lookback" {
	mkarchive "$T/a" 5
	run bf "$T/a"
	[ "$status" -eq 0 ]
	seg-gen --seed 77 --count 40 --start-ms $((DAY0 + DAYMS)) | gzip > "$T/a/segment-logs/srcA/$((DAY0 + DAYMS))/1432800000-9.gz"
	run bf "$T/a"           # catch-up starts at the last day: not seen yet
	[ "$status" -eq 0 ]
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	run seg-backfill --state-dir "$ST" --url "$S2_URL" --database "$S2_DATABASE" --no-progress --lookback 4 "$T/a"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1432800000-9.gz"*"added since"* ]]
	exact "$T/a"            # the late object's ids are in the archive's
}

@test "--dry-run lists units, objects and bytes and changes nothing" {
	mkarchive "$T/a" 2
	mkdir "$T/tmp"
	TMPDIR=$T/tmp run bf --dry-run "$T/a"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -s '[.[] | select(.unit)] | length')" -eq 4 ]
	[ "$(echo "$output" | jq -s '[.[].objects // 0] | add')" -eq 8 ]
	total=$(cat "$T"/a/segment-logs/*/*/*.gz | wc -c)
	[ "$(echo "$output" | jq -s '[.[] | select(.unit) | .bytes] | add')" -eq "$total" ]
	# the estimate: the last line, a sample of the first object of the first unit scaled by bytes
	est=$(echo "$output" | tail -n 1)
	first=$(ls "$T"/a/segment-logs/srcA/$DAY0/* | head -n 1)
	[ "$(echo "$est" | jq -r .estimate.sample)" = "$first" ]
	[ "$(echo "$est" | jq .estimate.sample_bytes)" -eq "$(stat -c %s "$first")" ]
	[ "$(echo "$est" | jq .estimate.bytes)" -eq "$total" ]
	echo "$est" | jq -e '.estimate.sample_seconds > 0 and (.estimate.seconds - .estimate.sample_seconds * .estimate.bytes / .estimate.sample_bytes | fabs) <= 0.5'
	[ ! -e "$ST" ]
	[ -z "$(sql "SHOW TABLES LIKE 'segment_data'")" ]
	[ -z "$(ls -A "$T/tmp")" ]                   # the sample's files are gone too
	run seg-backfill --dry-run --state-dir "$ST" "$T/a"       # the summary line on stderr
	[[ "$output" == *"estimated "*"sample of $(stat -c %s "$first") bytes"* ]]
	bf "$T/a"
	cp "$ST/journal" "$T/j0"
	run bf --dry-run --since $DAY0 "$T/a"
	[ "$(echo "$output" | jq -r 'select(.unit) | .state' | sort -u)" = done ]
	[ "$(echo "$output" | tail -n 1)" = '{"estimate":{"bytes":0,"seconds":0}}' ]
	cmp "$ST/journal" "$T/j0"
}

@test "config profiles: common keys, the profile's keys, command line wins; no secrets in it" {
	mkarchive "$T/a" 1
	cat > "$T/config" <<CFG
[default]
url = $S2_URL
database = $S2_DATABASE
source = $T/a
quiet = true

[profile dev]
table = dev_events
state-dir = $T/dev

[profile prod]
table = prod_events
state-dir = $T/prod
CFG
	sql "DROP TABLE IF EXISTS dev_events"; sql "DROP TABLE IF EXISTS prod_events"
	run seg-backfill --config "$T/config" --profile dev
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(sql 'SELECT COUNT(*) FROM dev_events')" -eq 160 ]
	[ -s "$T/dev/journal" ]
	SEGPIPE_PROFILE=prod run seg-backfill --config "$T/config"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT COUNT(*) FROM prod_events')" -eq 160 ]
	run seg-backfill --config "$T/config" --profile staging
	[ "$status" -eq 78 ]
	printf '[default]\npassword = hunter2\n' > "$T/bad"
	run seg-backfill --config "$T/bad" "$T/a"
	[ "$status" -eq 78 ]
	[[ "$output" != *hunter2* ]]
	[[ "$output" == *"password-file"* ]]
}

@test "seg-fetch --manifest: s2-load stopped by SIGTERM, the same command re-run, nothing lost" {
	mkarchive "$T/a" 1
	job() {
		seg-fetch -q --manifest "$T/man" "$T/a" | seg-validate -q | seg-dedup -q \
		| seg-flatten -q --layout segment_data | seg-batch -q --max-rows 20 \
		| s2-load -q --url "$S2_URL" --database "$S2_DATABASE" --checkpoint "$T/ck" > /dev/null \
		&& seg-fetch -q --manifest "$T/man" --mark-done
	}
	gateway_start --delay-ms 200
	job & jp=$!
	# a committed id, not only the target line s2-load writes first (that raced
	# the DDL on a slow machine or a sanitizer build: no table yet)
	for try in $(seq 1 100); do grep -qv '^target ' "$T/ck" 2>/dev/null && break; sleep 0.1; done
	kill -TERM "$(pgrep -f -- "--checkpoint $T/ck")"
	wait $jp || true
	port=$S2_PORT
	gateway_stop
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -lt 160 ]   # stopped midway
	[ "$(jq -r .state "$T/man" | sort -u)" = pending ]
	gateway_start --port="$port"   # the same target: the checkpoint is tied to it
	job
	gateway_stop
	exact "$T/a"
	[ "$(jq -r .state "$T/man" | tail -n 4 | sort -u)" = done ]
}

@test "S3 layout through s3rver: day units, re-run skips them, a rewritten object is loaded again" {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	mkarchive "$T/a" 2
	port=$(sh "$top/tests/helpers/servers.sh" start s3rver "$T/s3" bkt)
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
	put() {
		curl -sSf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
			-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T "$1" "http://127.0.0.1:$port/bkt/$2" >/dev/null
	}
	(cd "$T/a" && find segment-logs -type f) | while read -r k; do put "$T/a/$k" "$k"; done
	run bf --endpoint-url "http://127.0.0.1:$port" --stats "$T/st.json" s3://bkt/segment-logs/
	[ "$status" -eq 0 ] || { echo "$output"; sh "$top/tests/helpers/servers.sh" stop "$T/s3"; return 1; }
	[ "$(jq -r .unit "$ST/journal" | sort | head -n 1)" = "s3://bkt/segment-logs/srcA/$DAY0" ]
	[ "$(jq -r '.objects[0].etag | length > 2' "$ST/journal" | sort -u)" = true ]
	exact "$T/a"
	# Segment rewrites an object of a done day: its new content is loaded
	k=segment-logs/srcB/$DAY0/$((DAY0 / 1000))-0.gz
	seg-gen --seed 500 --count 40 --start-ms $DAY0 | gzip > "$T/a/$k"
	put "$T/a/$k" "$k"
	run seg-backfill --no-progress --state-dir "$ST" --url "$S2_URL" --database "$S2_DATABASE" \
		--endpoint-url "http://127.0.0.1:$port" --since $DAY0 s3://bkt/segment-logs/
	sh "$top/tests/helpers/servers.sh" stop "$T/s3"
	[ "$status" -eq 0 ]
	[[ "$output" == *"s3://bkt/$k: changed since"* ]]
	want_ids "$T/a" > "$T/want"
	got_ids > "$T/got"
	[ -z "$(comm -23 "$T/want" "$T/got")" ]        # the old object's rows stay too
}

@test "S3 objects outside the layout: a unit reads its own object, not every key it is a prefix of; one gone is an error" {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	port=$(sh "$top/tests/helpers/servers.sh" start s3rver "$T/s3" bkt)
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
	put() {
		curl -sSf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
			-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T "$1" "http://127.0.0.1:$port/bkt/$2" >/dev/null
	}
	seg-gen --seed 71 --count 10 --start-ms $DAY0 | gzip > "$T/1.gz"
	seg-gen --seed 72 --count 30 --start-ms $DAY0 | gzip > "$T/1.gz.bak"
	put "$T/1.gz" x/1.gz
	put "$T/1.gz.bak" x/1.gz.bak
	run bf --endpoint-url "http://127.0.0.1:$port" --stats "$T/st.json" s3://bkt/x/
	[ "$status" -eq 0 ] || { echo "$output"; sh "$top/tests/helpers/servers.sh" stop "$T/s3"; return 1; }
	# each unit fetched its own object's messages, once
	[ "$(jq -r '.per_unit[] | "\(.unit) \(.rows)"' "$T/st.json" | sort | tr '\n' '|')" = \
	  "s3://bkt/x/1.gz 10|s3://bkt/x/1.gz.bak 30|" ] || { cat "$T/st.json"; return 1; }
	[ "$(cat "$ST"/units/*/fetch.stats | jq -r .out | sort -n | tr '\n' ' ')" = "10 30 " ] ||
		{ cat "$ST"/units/*/fetch.stats; return 1; }
	{ gzip -dc "$T/1.gz"; gzip -dc "$T/1.gz.bak"; } | jq -r .messageId | sort > "$T/want"
	got_ids > "$T/got"
	cmp "$T/want" "$T/got"
	# seg-fetch --exact: that object alone; one that is not there is 66 with --require-objects
	[ "$(seg-fetch -q --exact --endpoint-url "http://127.0.0.1:$port" s3://bkt/x/1.gz | wc -l)" -eq 10 ]
	[ "$(seg-fetch -q --endpoint-url "http://127.0.0.1:$port" s3://bkt/x/1.gz | wc -l)" -eq 40 ]
	run seg-fetch -q --exact --require-objects --endpoint-url "http://127.0.0.1:$port" s3://bkt/x/1
	sh "$top/tests/helpers/servers.sh" stop "$T/s3"
	[ "$status" -eq 66 ]
	[[ "$output" == *"s3://bkt/x/1: error: no objects"* ]] || { echo "$output"; return 1; }
}

@test "--with received_at,sent_at,source_id: each unit's source from its folder, the times from each message" {
	mkarchive "$T/a" 1
	run bf --day "$DAY0" --with received_at,sent_at,source_id "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	exact "$T/a"
	[ "$(sql 'SELECT source_id, COUNT(*) FROM segment_data GROUP BY 1 ORDER BY 1' | tr '\t\n' ' |')" = "srcA 80|srcB 80|" ]
	for s in srcA srcB; do
		seg-fetch -q "$T/a/segment-logs/$s" | jq -r '[.messageId, .receivedAt] | @tsv' | sort > "$T/want.$s"
		sql "SELECT messageId, DATE_FORMAT(received_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM segment_data WHERE source_id = '$s'" |
			sed 's/\([0-9][0-9][0-9]\)000Z$/\1Z/' | sort > "$T/got.$s"
		cmp "$T/want.$s" "$T/got.$s" || { diff "$T/want.$s" "$T/got.$s" | head -3; return 1; }
	done
}

# whday DIR N ID P: day N of source srcW, one track event "E" whose
# property p is P (JSON)
whday() {
	local day=$((DAY0 + $2 * DAYMS))
	mkdir -p "$1/segment-logs/srcW/$day"
	printf '{"type":"track","event":"E","messageId":"%s","userId":"u1","timestamp":"2015-05-2%dT00:00:00.000Z","receivedAt":"2015-05-2%dT00:00:01.000Z","properties":{"p":%s}}\n' \
		"$3" $((7 + $2)) $((7 + $2)) "$4" | gzip > "$1/segment-logs/srcW/$day/$((day / 1000))-0.gz"
}

drop_all() {
	local t
	for t in $(sql "SHOW TABLES"); do
		sql "DROP TABLE \`$t\`"
	done
}

# whrows: the event table and the discards table, as text
whrows() {
	sql 'SELECT id, p FROM e ORDER BY id'
	sql 'SELECT id, table_name, column_name, value, received_type, column_type, reason FROM discards ORDER BY id, seq'
}

@test "--layout warehouse: the schema carries from run to run; a string for a number column goes to discards, also with -j 2" {
	drop_all
	whday "$T/a" 0 d1 42
	run bf --layout warehouse "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ "$(jq -c 'select(.table == "e") | .columns' "$ST/schema")" = '[["p","bigint"]]' ]
	whday "$T/a" 1 d2 '"forty-two"'
	run bf --layout warehouse "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -z "$(find "$ST" -name schema.new)" ]          # promoted
	[ "$(sql "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_NAME = 'e' AND COLUMN_NAME = 'p'")" = bigint ]
	whrows > "$T/want"
	cat > "$T/exp" <<'EOT'
d1	42
d2	NULL
d2	e	p	"forty-two"	string	BIGINT	type
EOT
	diff "$T/exp" "$T/want"
	# both days in one run, two units at once: the same tables
	drop_all
	rm -rf "$ST"
	run bf -j 2 --layout warehouse "$T/a"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	whrows > "$T/got"
	diff "$T/want" "$T/got"
	[ "$(jq -c 'select(.table == "e") | .columns' "$ST/schema")" = '[["p","bigint"]]' ]
}
