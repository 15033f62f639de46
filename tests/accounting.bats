#!/usr/bin/env bats
# design.md's accounting rule end to end: an archive with every kind of bad
# line and object goes through seg-fetch | seg-validate | seg-dedup |
# seg-flatten | seg-batch | s2-load into MariaDB behind s2-gateway, and
# every non-blank line of the archive is a table row, a reject (per reason),
# a duplicate or a line of a quarantined (damaged) object; each program's
# --stats adds up (helpers/accounting) and hands on what the next one reads.

load 'helpers/target'
load 'helpers/accounting'

setup() {
	T=$BATS_TEST_TMPDIR
}

# msg ID EVENT: a valid track message
msg() {
	printf '{"type":"track","event":"%s","messageId":"%s","timestamp":"2015-12-10T04:08:31.905Z","userId":"u"}' "$2" "$1"
}

# archive DIR: the hostile archive (see the counts in the test)
archive() {
	local d=$1
	mkdir -p "$d" "$T/src"
	{ msg m1 E1; printf '\n\n'; msg m2 E2; printf '\n\n'; printf ' \t \n'; msg m3 E3; printf '\n'
	  msg m4 E4; printf '\r\n'; msg m5 E5; printf '\n'; msg m1 E1; printf '\n'; } | gzip -n > "$d/1-good.ndjson.gz"
	{ printf '{"type":"track","event":"\377","messageId":"x1","timestamp":"2015-12-10T04:08:31Z","userId":"u"}\n'
	  printf '{"type":"track",}\n'
	  printf '{"type":"track","event":"%s","messageId":"x2"}\n' "$(printf '%05000d' 0)"
	  printf '{"type":"track","messageId":"x3","timestamp":"2015-12-10T04:08:31Z","userId":"u"}\n'
	  printf '{"type":"click","messageId":"x4","timestamp":"2015-12-10T04:08:31Z","userId":"u"}\n'
	  msg m6 E6; printf '\n'; msg m2 E2-repeat; printf '\n'; } > "$d/2-bad.ndjson"
	{ msg m7 E7; printf '\n'; msg m8 E8; printf '\n'; } > "$T/src/members.ndjson"
	(cd "$T/src" && zip -q "$d/3-members.zip" members.ndjson)
	{ msg m9 E9; printf '\n'; msg m10 E10; printf '\n'; } |
		python3 -c 'import sys, zlib; c=zlib.compressobj(0, zlib.DEFLATED, 31); sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read())+c.flush())' > "$d/4-damaged.ndjson.gz"
	perl -0777 -pi -e 's/"E10"/"E11"/' "$d/4-damaged.ndjson.gz"
	ln -s "$d/nowhere" "$d/5-dangling.ndjson"
}

@test "archive lines = table rows + rejects + duplicates + quarantined, per reason, exact rows" {
	sql "DROP TABLE IF EXISTS segment_data"
	archive "$T/arch"
	run bash -c 'seg-fetch -q -k --max-line 4096 -r "$0/fetch.rej" --stats "$0/fetch.st" "$0/arch" 2>"$0/fetch.err" \
		| seg-validate -q -r "$0/validate.rej" --stats "$0/validate.st" \
		| seg-dedup -q -r "$0/dedup.rej" --dups "$0/dups" --stats "$0/dedup.st" \
		| seg-flatten -q --layout segment_data -r "$0/flatten.rej" --stats "$0/flatten.st" \
		| seg-batch -q -r "$0/batch.rej" --stats "$0/batch.st" \
		| s2-load -q --url "$S2_URL" --database "$S2_DATABASE" --failed "$0/load.failed" --stats "$0/load.st" > "$0/results"
		echo "${PIPESTATUS[*]}"' "$T"
	# seg-fetch: rejects and a skipped damaged object; seg-validate: rejects
	[ "$output" = "1 1 0 0 0 0" ] || { echo "$output"; cat "$T/fetch.err"; return 1; }
	# the archive, read by other tools: 17 lines that are not blank, 3 blank
	{ gzip -dc "$T/arch/1-good.ndjson.gz"; cat "$T/arch/2-bad.ndjson"; unzip -p "$T/arch/3-members.zip"
	  gzip -dc "$T/arch/4-damaged.ndjson.gz" 2>/dev/null || true; } > "$T/all"
	lines=$(grep -cv '^[[:space:]]*$' "$T/all")
	blank=$(grep -c '^[[:space:]]*$' "$T/all")
	[ "$lines" -eq 17 ] && [ "$blank" -eq 3 ] || { echo "lines $lines blank $blank"; return 1; }
	# quarantined: the lines of the objects seg-fetch named as damaged
	grep -q "4-damaged.ndjson.gz: corrupt gzip data in member 1" "$T/fetch.err"
	grep -q "5-dangling.ndjson: cannot open: a dangling symbolic link" "$T/fetch.err"
	quarantined=$(gzip -dc "$T/arch/4-damaged.ndjson.gz" 2>/dev/null | grep -cv '^[[:space:]]*$' || true)
	[ "$quarantined" -eq 2 ]
	[ "$(jq -c '[.objects,.damaged,.unopened,.blank]' "$T/fetch.st")" = "[4,1,1,3]" ]
	# every reject, per reason, from every program's rejects file
	cat "$T"/*.rej > "$T/all.rej"
	[ "$(jq -r .reason "$T/all.rej" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" = \
	  "bad_utf8=1 json_syntax=1 line_too_long=1 missing_event=1 unknown_type=1 " ]
	[ ! -s "$T/load.failed" ]
	rejects=$(wc -l < "$T/all.rej")
	dups=$(wc -l < "$T/dups")
	[ "$dups" -eq 2 ] && [ "$(jq -r .messageId "$T/dups" | sort | tr '\n' ' ')" = "m1 m2 " ]
	# exact rows: the first occurrence of each id, nothing of the damaged object
	[ "$(sql 'SELECT messageId, event FROM segment_data ORDER BY messageId' | tr '\t\n' ': ')" = \
	  "m1:E1 m2:E2 m3:E3 m4:E4 m5:E5 m6:E6 m7:E7 m8:E8 " ]
	rows=$(sql 'SELECT COUNT(*) FROM segment_data')
	[ $((rows + rejects + dups + quarantined)) -eq "$lines" ] ||
		{ echo "rows $rows + rejects $rejects + dups $dups + quarantined $quarantined != $lines"; return 1; }
	# each program adds up, and reads what the one before it wrote
	for p in fetch validate dedup flatten; do assert_accounted "$T/$p.st"; done
	assert_accounted "$T/batch.st" rows ddl rejected
	assert_accounted "$T/load.st" loaded skipped failed
	[ "$(jq .out "$T/fetch.st")" -eq "$(jq .in "$T/validate.st")" ]
	[ "$(jq .out "$T/validate.st")" -eq "$(jq .in "$T/dedup.st")" ]
	[ "$(jq .out "$T/dedup.st")" -eq "$(jq .in "$T/flatten.st")" ]
	[ "$(jq '.out + .ddl' "$T/flatten.st")" -eq "$(jq .in "$T/batch.st")" ]
	[ "$(jq .out "$T/batch.st")" -eq "$(jq .in "$T/load.st")" ]
	[ "$(jq .rows "$T/batch.st")" -eq "$rows" ] && [ "$(jq .rows "$T/load.st")" -eq "$rows" ]
}

@test "s2-load: whitespace-only lines are blank, not records, and in = loaded + skipped + failed" {
	sql "DROP TABLE IF EXISTS segment_data"
	{ msg w1 E1; printf '\n'; } | seg-flatten -q --layout segment_data | seg-batch -q > "$T/batches"
	{ printf ' \t\r\n'; cat "$T/batches"; printf '\n  \n'; } > "$T/in"
	run s2-load -q --url "$S2_URL" --database "$S2_DATABASE" --failed "$T/failed" --stats "$T/st" "$T/in"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ ! -s "$T/failed" ]
	[ "$(jq -c '[.in,.blank,.loaded]' "$T/st")" = "[2,3,2]" ]
	assert_accounted "$T/st" loaded skipped failed
	[ "$(sql 'SELECT messageId, event FROM segment_data')" = "$(printf 'w1\tE1')" ]
}
