#!/usr/bin/env bats
# What the target stores is what was sent, or a named failure: row errors
# that are not duplicates fail the statement and are isolated to their row
# (never dropped as INSERT IGNORE would), messageId compares byte for byte
# (no trailing-space padding, no case folding), and every stage's limits
# agree with what the target can store. A private MariaDB behind s2-gateway;
# every test checks the exact rows in the database.

load 'helpers/target'

setup_file() {
	target_start || return 1
}

setup() {
	T=$BATS_TEST_TMPDIR
	sql "DROP TABLE IF EXISTS t"
	sql 'CREATE TABLE t (`id` VARCHAR(64) NOT NULL, `s` VARCHAR(8), `doc` JSON, PRIMARY KEY (`id`))'
	sql "DROP TABLE IF EXISTS segment_data"
	sql "DROP TABLE IF EXISTS segment_raw_data"
}

teardown() {
	sql "SET GLOBAL sql_mode = DEFAULT"
}

s2load() { s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --retry-delay 5ms --retry-cap 100ms "$@"; }

# nest N: a JSON value of N objects inside each other, {"a":{"a":...{}}}.
nest() {
	local i s='{}'
	for ((i = 1; i < $1; i++)); do s="{\"a\":$s}"; done
	printf '%s' "$s"
}

# rows: row records for t, ids r1..r8; r4's doc nests 32 deep, which
# MariaDB's JSON check refuses (it takes 31).
rows() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		if [ "$i" = 4 ]; then
			printf '{"_table":"t","id":"r%d","s":"x%d","doc":%s}\n' "$i" "$i" "$(nest 32)"
		else
			printf '{"_table":"t","id":"r%d","s":"x%d","doc":{"k":%d}}\n' "$i" "$i" "$i"
		fi
	done
}

@test "a row error in a batch isolates the bad row into --failed with MariaDB's reason; the rest loads" {
	rows | seg-batch -q > "$T/b"
	[ "$(jq -s 'length' "$T/b")" = 1 ]
	run s2load --failed "$T/failed" -o "$T/res" "$T/b"
	[ "$status" -eq 1 ]
	[ "$(sql 'SELECT id, s, JSON_VALUE(doc, "$.k") FROM t ORDER BY id' | tr '\t\n' ' |')" = \
	  "r1 x1 1|r2 x2 2|r3 x3 3|r5 x5 5|r6 x6 6|r7 x7 7|r8 x8 8|" ]
	[ "$(wc -l < "$T/failed")" = 1 ]
	jq -e '.rows == 1 and .body.args[0] == "r4" and (.error | test("^HTTP 400: Error 4025.*CONSTRAINT"))' "$T/failed"
	jq -e '.status == "failed" and .rowsAffected == 7 and .parts > 1' "$T/res"
	# the failed record is a batch again: with the row fixed it loads
	jq -c '.body.args[2] = {"k":4} | del(.error)' "$T/failed" > "$T/fixed"
	run s2load "$T/fixed"
	[ "$status" -eq 0 ]
	[ "$(sql 'SELECT COUNT(*) FROM t')" = 8 ]
}

@test "duplicates are still absorbed: exit 0, rowsAffected 0, a re-run loads nothing twice" {
	rows | grep -v '"r4"' > "$T/rows"
	# a duplicate inside the batch, too
	head -n 1 "$T/rows" | sed 's/"x1"/"y1"/' >> "$T/rows"
	seg-batch -q "$T/rows" > "$T/b"
	run s2load -o "$T/res" "$T/b"
	[ "$status" -eq 0 ]
	[ "$(jq .rowsAffected "$T/res")" = 7 ]
	run s2load -o "$T/res2" "$T/b"
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.status) \(.rowsAffected)"' "$T/res2")" = "loaded 0" ]
	[ "$(sql 'SELECT COUNT(*), COUNT(DISTINCT id) FROM t' | tr '\t' ' ')" = "7 7" ]
	# the first copy wins, nothing was changed by the duplicate
	[ "$(sql "SELECT s FROM t WHERE id = 'r1'")" = x1 ]
}

@test "a value too long for its column fails its row even when the server is not strict" {
	# SingleStore errors on a VARCHAR overflow; the gateway keeps MariaDB strict
	sql "SET GLOBAL sql_mode = ''"
	{ printf '{"_table":"t","id":"v1","s":"short"}\n'
	  printf '{"_table":"t","id":"v2","s":"far too long"}\n'
	  printf '{"_table":"t","id":"v3","s":"fine"}\n'; } | seg-batch -q > "$T/b"
	run s2load --failed "$T/failed" "$T/b"
	[ "$status" -eq 1 ]
	[ "$(sql 'SELECT id, s FROM t ORDER BY id' | tr '\t\n' ' |')" = "v1 short|v3 fine|" ]
	jq -e '.body.args[0] == "v2" and (.error | test("Error 1406"))' "$T/failed"
}

# msg ID [EVENT]: a track message with messageId ID.
msg() {
	jq -cn --arg id "$1" --arg ev "${2:-e}" \
		'{type:"track",event:$ev,messageId:$id,timestamp:"2020-01-01T00:00:00Z",userId:"u",properties:{n:1}}'
}

@test "messageId compares byte for byte: trailing spaces and case are different ids, a true duplicate is absorbed" {
	for layout in segment_data raw; do
		{ msg 'pad-1'; msg 'pad-1 '; msg 'pad-1  '; msg 'Pad-1'; msg 'PAD-1'; msg 'pad-1' again; } > "$T/m"
		seg-flatten -q --layout "$layout" "$T/m" | seg-batch -q > "$T/b"
		run s2load -o "$T/res" "$T/b"
		[ "$status" -eq 0 ]
		table=segment_data
		[ "$layout" = raw ] && table=segment_raw_data
		[ "$(sql "SELECT HEX(messageId) FROM $table ORDER BY 1" | tr '\n' ' ')" = \
		  "5041442D31 5061642D31 7061642D31 7061642D3120 7061642D312020 " ]
		[ "$(jq -s 'map(.rowsAffected) | add' "$T/res")" = 5 ]
		# the first copy of pad-1 was kept
		[ "$(sql "SELECT COUNT(*) FROM $table WHERE messageId = BINARY 'pad-1' AND event = 'e'")" = 1 ]
	done
}

# deep N [ID]: a track message nested N deep (its properties N - 1).
deep() {
	printf '{"type":"track","event":"e","userId":"u","messageId":"%s","timestamp":"2020-01-01T00:00:00Z","properties":%s}\n' \
		"${2:-d$1}" "$(nest $(($1 - 1)))"
}

# pipe LAYOUT [VALIDATE-OPTS]: the whole pipe into the gateway; rejects of
# each stage in $T/rej.STAGE, results in $T/res, failed in $T/failed.
pipe() {
	local layout=$1; shift
	seg-validate -q -r "$T/rej.validate" "$@" "$T/m" |
		seg-dedup -q -r "$T/rej.dedup" |
		seg-flatten -q --layout "$layout" -r "$T/rej.flatten" "${FLATTEN_OPTS[@]}" |
		seg-batch -q -r "$T/rej.batch" |
		s2load --max-failures 100 --failed "$T/failed" -o "$T/res"
}

@test "limits agree: 31 deep loads end to end in both layouts, 32 is too_deep at seg-validate" {
	FLATTEN_OPTS=()
	for layout in segment_data raw; do
		table=segment_data
		[ "$layout" = raw ] && table=segment_raw_data
		{ deep 31; deep 32; deep 510; } > "$T/m"
		rm -f "$T"/rej.* "$T/failed"
		run pipe "$layout"
		[ "$status" -eq 0 ]
		[ "$(sql "SELECT messageId FROM $table")" = d31 ]
		[ "$(jq -r '"\(.reason) \(.line)"' "$T/rej.validate" | tr '\n' ,)" = "too_deep 2,too_deep 3," ]
		[ ! -s "$T/rej.flatten" ] && [ ! -s "$T/rej.batch" ] && [ ! -s "$T/failed" ]
	done
	# seg-flatten keeps the same limit for input that skipped seg-validate
	{ deep 31; deep 32; } | seg-flatten -q -r "$T/rej" > /dev/null || true
	[ "$(jq -r '"\(.reason) \(.line)"' "$T/rej")" = "too_deep 2" ]
}

@test "limits agree: --max-depth 512 is carried by every later stage to the target, which fails the row itself" {
	# raised for a target that stores deeper JSON: seg-batch and s2-load carry
	# it (no bad_record); MariaDB refuses it as a row error, isolated
	FLATTEN_OPTS=(--max-depth 512)
	{ deep 31 ok1; deep 512 deep512; deep 510 deep510; deep 30 ok2; } > "$T/m"
	run pipe segment_data --max-depth 512
	[ "$status" -eq 1 ]
	[ "$(sql 'SELECT messageId FROM segment_data ORDER BY 1' | tr '\n' ,)" = "ok1,ok2," ]
	[ ! -s "$T/rej.validate" ] && [ ! -s "$T/rej.flatten" ] && [ ! -s "$T/rej.batch" ]
	# (jq cannot read records this deep: grep)
	[ "$(grep -o '"args":\["[a-z0-9]*"' "$T/failed" | sort | tr '\n' ,)" = '"args":["deep510","args":["deep512",' ]
	[ "$(grep -c '"error":"HTTP 400: Error 4025' "$T/failed")" = 2 ]
	# 513 is the earliest stage's too_deep
	deep 513 > "$T/m"
	run seg-validate -q --max-depth 512 -r "$T/rej" "$T/m"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej")" = too_deep ]
	run seg-validate -q --max-depth 513 "$T/m"
	[ "$status" -eq 64 ]
}

@test "limits agree: messageId of 255 characters (4-byte ones too) loads end to end, 256 is message_id_too_long at seg-validate; seg-flatten holds the column's 1020 bytes" {
	FLATTEN_OPTS=()
	id255=$(printf 'i%.0s' $(seq 255))
	wide255=$(printf '\xf0\x9f\x98\x80%.0s' $(seq 255))
	id256=$(printf 'j%.0s' $(seq 256))
	{ deep 2 "$id255"; deep 2 "$wide255"; deep 2 "$id256"; } > "$T/m"
	run pipe segment_data
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT COUNT(*) FROM segment_data WHERE messageId = '$id255'")" = 1 ]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data WHERE LENGTH(messageId) = 1020')" = 1 ]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" = 2 ]
	[ "$(jq -r '"\(.reason) \(.line)"' "$T/rej.validate")" = "message_id_too_long 3" ]
	# without seg-validate: the column's limit, 1020 bytes, at seg-flatten
	id1020=$(printf 'k%.0s' $(seq 1020))
	id1021=$(printf 'l%.0s' $(seq 1021))
	{ deep 2 "$id1020"; deep 2 "$id1021"; } | seg-flatten -q -r "$T/rej" | seg-batch -q | s2load -o "$T/res" || true
	[ "$(jq -r '"\(.reason) \(.line)"' "$T/rej")" = "message_id_too_long 2" ]
	[ "$(sql "SELECT COUNT(*) FROM segment_data WHERE messageId = '$id1020'")" = 1 ]
	[ "$(jq -r 'select(._batch | startswith("ddl:") | not) | .status' "$T/res")" = loaded ]
}
