#!/usr/bin/env bats
# The whole pipeline, seg-fetch to s2-load, against MariaDB behind s2-gateway:
# exact row counts and contents in the database, a re-run that loads nothing
# twice, duplicates and invalid lines accounted for.

load 'helpers/target'

setup() {
	T=$BATS_TEST_TMPDIR
	ARCHIVE=$BATS_TEST_DIRNAME/../share/examples/archive
}

# pipeline SRC... : the documented pipeline into table segment_data
# (with pipefail: the status is the last failing program's)
pipeline() {
	local state=
	[ -f "$T/seen.idx" ] && state="--state $T/seen.idx"
	set -o pipefail
	seg-fetch -q --rejects "$T/fetch-bad.ndjson" "$@" \
	| seg-validate -q --rejects "$T/bad.ndjson" \
	| seg-dedup -q $state --save-state "$T/seen.new" --dups "$T/dups.ndjson" \
	| seg-flatten -q --layout segment_data \
	| seg-batch -q \
	| s2-load -q --url "$S2_URL" --database "$S2_DATABASE" --checkpoint "$T/load.ckpt" > "$T/results.ndjson"
}

@test "the sample archive lands complete, with exact content" {
	sql "DROP TABLE IF EXISTS segment_data"
	run pipeline "$ARCHIVE"
	[ "$status" -eq 0 ]
	want=$(seg-fetch -q "$ARCHIVE" | wc -l)
	[ "$want" -eq 320 ]
	[ "$(sql 'SELECT COUNT(*), COUNT(DISTINCT messageId) FROM segment_data')" = "$(printf '320\t320')" ]
	# the ids in the database are exactly the ids in the archive
	seg-fetch -q "$ARCHIVE" | jq -r .messageId | sort > "$T/ids.want"
	sql 'SELECT messageId FROM segment_data' | sort > "$T/ids.got"
	cmp "$T/ids.want" "$T/ids.got"
	# one message checked column by column against jq's reading of the source
	m=$(seg-fetch -q "$ARCHIVE" | jq -c 'select(.type == "track")' | head -n 1)
	id=$(echo "$m" | jq -r .messageId)
	got=$(sql "SELECT type, event, userId, anonymousId, DATE_FORMAT(timestamp, '%Y-%m-%dT%H:%i:%s.%f'), JSON_EXTRACT(properties, '\$.revenue') FROM segment_data WHERE messageId = '$id'")
	want=$(echo "$m" | jq -r '[.type, .event, .userId, .anonymousId, (.timestamp | sub("Z$"; "000")), (.properties.revenue // null | tostring)] | @tsv' | sed 's/\tnull$/\tNULL/')
	[ "$got" = "$want" ] || { echo "got  $got"; echo "want $want"; return 1; }
}

@test "a re-run skips every batch and adds no row" {
	sql "DROP TABLE IF EXISTS segment_data"
	pipeline "$ARCHIVE"
	n1=$(jq -r 'select(.status=="loaded") | .rows' "$T/results.ndjson" | paste -sd+ | bc)
	[ "$n1" -eq 320 ]
	run pipeline "$ARCHIVE"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status "$T/results.ndjson" | sort -u)" = skipped ]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 320 ]
	# without the checkpoint, INSERT IGNORE on the unique key still keeps it exact
	rm -f "$T/load.ckpt"
	run pipeline "$ARCHIVE"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 320 ]
}

@test "duplicates and invalid lines: every line accounted for, the rest loaded once" {
	sql "DROP TABLE IF EXISTS segment_data"
	seg-gen --seed 11 --count 5000 --dup-rate 0.05 --invalid-rate 0.02 > "$T/in.ndjson"
	run pipeline "$T/in.ndjson"
	[ "$status" -eq 1 ]    # seg-validate rejected lines
	# seg-fetch rejects each element of an array line: count input lines
	bad=$(( $(jq -r '"\(.input):\(.line)"' "$T/fetch-bad.ndjson" | sort -u | wc -l) + $(wc -l < "$T/bad.ndjson") ))
	dups=$(wc -l < "$T/dups.ndjson")
	rows=$(sql 'SELECT COUNT(*) FROM segment_data')
	[ "$(wc -l < "$T/fetch-bad.ndjson")" -gt 0 ]
	[ "$(wc -l < "$T/bad.ndjson")" -gt 0 ]
	[ "$dups" -gt 0 ]
	[ $((bad + dups + rows)) -eq 5000 ] || { echo "bad $bad dups $dups rows $rows"; return 1; }
	[ "$(sql 'SELECT COUNT(DISTINCT messageId) FROM segment_data')" -eq "$rows" ]
}

@test "messageIds that differ only in case are two events" {
	sql "DROP TABLE IF EXISTS segment_data"
	OK='"type":"track","event":"E","timestamp":"2015-12-10T04:08:31Z","userId":"u"'
	printf '{"messageId":"abc",%s}\n{"messageId":"ABC",%s}\n' "$OK" "$OK" > "$T/case.ndjson"
	run pipeline "$T/case.ndjson"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT messageId FROM segment_data ORDER BY messageId' | tr '\n' ,)" = "ABC,abc," ]
}

@test "a captured /v1/batch request is unwrapped and loaded" {
	sql "DROP TABLE IF EXISTS segment_data"
	cat > "$T/req.json" <<'JSON'
{"batch":[{"type":"identify","messageId":"b1","userId":"u1","traits":{"plan":"pro"},"timestamp":"2015-12-10T04:08:31Z"},{"type":"track","messageId":"b2","userId":"u1","event":"Signed Up","timestamp":"2015-12-10T04:08:32+01:00"}],"context":{"ip":"8.8.8.8"},"sentAt":"2015-12-10T04:08:33Z","writeKey":"k"}
JSON
	run pipeline "$T/req.json"
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT messageId, type, JSON_EXTRACT(context, '\$.ip'), timestamp FROM segment_data ORDER BY messageId" | tr '\t\n' ' |')" = 'b1 identify "8.8.8.8" 2015-12-10 04:08:31.000000|b2 track "8.8.8.8" 2015-12-10 03:08:32.000000|' ]
}

@test "the saved id set, promoted after a load, drops the known ids of an overlapping re-run" {
	sql "DROP TABLE IF EXISTS segment_data"
	day=$ARCHIVE/segment-logs/Xk3sF9source/1432684800000
	run pipeline "$day"
	[ "$status" -eq 0 ]
	mv "$T/seen.new" "$T/seen.idx"        # the promotion rule: only after s2-load succeeded
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 80 ]
	rm -f "$T/load.ckpt"
	run pipeline "$ARCHIVE"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$T/dups.ndjson")" -eq 80 ]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 320 ]
}
