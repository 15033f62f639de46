#!/usr/bin/env bats
# seg-dedup: first occurrence wins byte for byte, repeats are dropped (and
# kept with --dups), ids with escapes, missing keys, bad lines, the state
# file across runs (round trip, refusals, clean-end rule), the window, and
# 10 million distinct ids within 24 bytes each.

load 'helpers/accounting'

setup() {
	T=$BATS_TEST_TMPDIR
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
}

# ev ID DAY [EXTRA]: one message with messageId ID received on 2024-05-DAY.
ev() {
	printf '{"type":"track","event":"E","messageId":"%s","userId":"u","receivedAt":"2024-05-%02dT12:00:00Z"%s}\n' \
		"$1" "$2" "${3:-}"
}

@test "first occurrence wins, byte-identical, at known duplicate positions" {
	{
		ev a 1                                   # 1 kept
		ev b 1                                   # 2 kept
		ev a 1 ',"n":2'                          # 3 dup of 1 (different bytes)
		printf '{ "messageId" : "c" ,"x":[1,{"y":"}"}] }\n'   # 4 kept, spacing kept
		ev b 2                                   # 5 dup of 2
		ev d 1                                   # 6 kept
		ev c 3                                   # 7 dup of 4
		ev a 4                                   # 8 dup of 1
	} > "$T/in"
	run seg-dedup --dups "$T/dups" --stats "$T/stats" -o "$T/out" "$T/in"
	[ "$status" -eq 0 ]
	sed -n '1p;2p;4p;6p' "$T/in" | cmp - "$T/out"
	sed -n '3p;5p;7p;8p' "$T/in" | cmp - "$T/dups"
	[ "$output" = "seg-dedup: 8 in, 4 out, 4 dups, 0 nokey, 0 rejected, 4 ids" ]
	[ "$(jq -c '[.in,.out,.dups,.nokey,.rejected,.ids]' "$T/stats")" = "[8,4,4,0,0,4]" ]
}

@test "the kept lines are exactly awk's first occurrences on a generated stream" {
	seg-gen --seed 11 --count 5000 --dup-rate 0.05 > "$T/in"
	run seg-dedup -q --dups "$T/dups" -o "$T/out" "$T/in"
	[ "$status" -eq 0 ]
	grep -v '^$' "$T/in" > "$T/lines"     # (seg-gen may emit blank lines; they are skipped)
	jq -r .messageId "$T/lines" | awk '{ print (seen[$0]++ ? "d" : "k") }' > "$T/fate"
	paste -d '\t' "$T/fate" "$T/lines" | awk -F '\t' '$1 == "k"' | cut -f2- | cmp - "$T/out"
	paste -d '\t' "$T/fate" "$T/lines" | awk -F '\t' '$1 == "d"' | cut -f2- | cmp - "$T/dups"
	[ "$(wc -l < "$T/dups")" -gt 100 ]
}

@test "ids are compared decoded: escapes, surrogate pairs, numbers" {
	{
		ev abc 1
		ev 'a\u0062c' 1                          # same id as abc
		ev 'a\\u0062c' 1                         # the six characters a\u0062c: new
		ev 'caf\u00e9' 1
		ev 'café' 1                              # same as caf\u00e9
		ev '\ud83d\ude00' 1
		ev '😀' 1                                 # same as the surrogate pair
		printf '{"messageId":42}\n'
		printf '{"messageId":"42"}\n'            # a number's literal is its id
		printf '{"message\\u0049d":"abc"}\n'     # the key's name decodes too
	} > "$T/in"
	run seg-dedup -q --dups "$T/dups" -o "$T/out" "$T/in"
	[ "$status" -eq 0 ]
	sed -n '1p;3p;4p;6p;8p' "$T/in" | cmp - "$T/out"
	sed -n '2p;5p;7p;9p;10p' "$T/in" | cmp - "$T/dups"
}

@test "--key dedups on another top-level field" {
	printf '{"messageId":"1","anonymousId":"x"}\n{"messageId":"2","anonymousId":"x"}\n{"messageId":"3","anonymousId":"y","p":{"anonymousId":"x"}}\n' > "$T/in"
	run seg-dedup -q --key anonymousId "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed -n '1p;3p' "$T/in")" ]
}

@test "a message without a usable id is passed through and counted, or rejected with --require-key" {
	{
		ev a 1
		printf '{"type":"track","userId":"u"}\n'             # no messageId
		printf '{"messageId":null}\n'
		printf '{"messageId":""}\n'
		printf '{"messageId":{"id":"a"}}\n'
		printf '{"messageId":true}\n'
		printf '{"x":{"messageId":"a"}}\n'                  # nested does not count
		printf '{"type":"track","userId":"u"}\n'             # passed again: not an id
	} > "$T/in"
	run seg-dedup --stats "$T/stats" -o "$T/out" "$T/in"
	[ "$status" -eq 0 ]
	cmp "$T/in" "$T/out"
	[ "$(jq -c '[.in,.out,.dups,.nokey,.ids]' "$T/stats")" = "[8,8,0,7,1]" ]

	run seg-dedup -q --require-key -r "$T/rej" -o "$T/out" "$T/in"
	[ "$status" -eq 1 ]
	sed -n 1p "$T/in" | cmp - "$T/out"
	[ "$(jq -r '"\(.line) \(.reason)"' "$T/rej" | tr '\n' ,)" = "2 missing_key,3 missing_key,4 missing_key,5 bad_key,6 bad_key,7 missing_key,8 missing_key," ]
	[ "$(jq -r 'select(.line==5) | .raw' "$T/rej")" = '{"messageId":{"id":"a"}}' ]
	[ "$(jq -r 'select(.line==5) | .detail' "$T/rej")" = 'messageId is not a string or number' ]
}

@test "lines that are not JSON objects are rejected with a reason, never kept or remembered" {
	{
		ev a 1
		printf '{"messageId":"b",}\n'                        # json_syntax
		printf '{"messageId":"c"\n'                          # truncated
		printf '["messageId","d"]\n'                         # not_object
		printf '{"messageId":"e\xff"}\n'                     # bad_utf8
		printf '{"messageId":"f","n":\0}\n'                  # NUL byte
		printf '{"messageId":"c"}\n'                         # the real c: kept
		printf '\n'                                          # blank: skipped
		printf '{"messageId":"g"}\r\n'                       # CRLF: kept without CR
	} > "$T/in"
	run seg-dedup -r "$T/rej" -o "$T/out" --stats "$T/stats" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -r '"\(.line) \(.reason)"' "$T/rej" | tr '\n' ,)" = "2 json_syntax,3 json_syntax,4 not_object,5 bad_utf8,6 json_syntax," ]
	[ "$(cat "$T/out")" = "$(ev a 1; printf '{"messageId":"c"}\n{"messageId":"g"}')" ]
	[ "$(jq -c '[.in,.out,.rejected,.blank,.reasons.json_syntax]' "$T/stats")" = "[8,3,5,1,3]" ]
	[ "$output" = "seg-dedup: 8 in, 3 out, 0 dups, 0 nokey, 5 rejected, 1 blank, 3 ids (json_syntax 3, not_object 1, bad_utf8 1)" ]
}

@test "a too long line and deep nesting are rejected, the next line still read" {
	{ printf '{"messageId":"x","pad":"'; head -c 3000 /dev/zero | tr '\0' x; printf '"}\n'; ev a 1; } > "$T/in"
	{ printf '{"messageId":"y","a":'; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}\n'; } >> "$T/in"
	run seg-dedup -q --max-line 2000 -r "$T/rej" -o "$T/out" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej" | tr '\n' ,)" = "line_too_long,line_too_long," ]
	[ "$(cat "$T/out")" = "$(ev a 1)" ]
	run seg-dedup -q -r "$T/rej" -o "$T/out" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej" | tr '\n' ,)" = "too_deep," ]
	[ "$(jq -r .messageId "$T/out" | tr '\n' ,)" = "x,a," ]
}

@test "state round trip: later runs drop ids of earlier runs" {
	{ ev a 1; ev b 1; ev c 1; } > "$T/day1"
	{ ev c 2; ev d 2; ev a 2; ev e 2; } > "$T/day2"
	run seg-dedup --save-state "$T/s1" -o "$T/out1" "$T/day1"
	[ "$status" -eq 0 ]
	[ "$output" = "seg-dedup: 3 in, 3 out, 0 dups, 0 nokey, 0 rejected, 3 ids, 3 saved" ]
	cmp "$T/day1" "$T/out1"
	run seg-dedup --state "$T/s1" --save-state "$T/s2" -o "$T/out2" "$T/day2"
	[ "$status" -eq 0 ]
	[ "$output" = "seg-dedup: 4 in, 2 out, 2 dups, 0 nokey, 0 rejected, 3 loaded, 5 ids, 5 saved" ]
	sed -n '2p;4p' "$T/day2" | cmp - "$T/out2"
	# the grown state remembers both days; the first state is untouched
	run seg-dedup -q --state "$T/s2" "$T/day1" "$T/day2"
	[ "$status" -eq 0 ] && [ -z "$output" ]
	run seg-dedup -q --state "$T/s1" "$T/day2"
	[ "$output" = "$(sed -n '2p;4p' "$T/day2")" ]
	# the same file as --state and --save-state is updated in place
	cp "$T/s1" "$T/s"
	seg-dedup -q --state "$T/s" --save-state "$T/s" "$T/day2" > /dev/null
	run seg-dedup -q --state "$T/s" "$T/day2"
	[ -z "$output" ]
	[ -z "$(ls "$T" | grep '\.......$' || true)" ]     # no temporary files left
}

@test "corrupt, truncated, foreign and empty state files are refused with 78, before any output" {
	{ ev a 1; ev b 1; } > "$T/in"
	seg-dedup -q --save-state "$T/good" "$T/in" > /dev/null
	size=$(wc -c < "$T/good")
	cp "$T/good" "$T/flipped"
	printf '\001' | dd of="$T/flipped" bs=1 seek=$((size - 3)) conv=notrunc 2> /dev/null
	cp "$T/good" "$T/short" && truncate -s $((size - 1)) "$T/short"
	cp "$T/good" "$T/long" && printf x >> "$T/long"
	cp "$T/in" "$T/foreign"
	: > "$T/empty"
	for f in flipped short long foreign empty; do
		run seg-dedup -o "$T/out" --save-state "$T/new" --state "$T/$f" "$T/in"
		[ "$status" -eq 78 ] || { echo "$f: exit $status"; return 1; }
		[[ "$output" == "seg-dedup: $T/$f: refusing state file: "* ]] || { echo "$f: $output"; return 1; }
		[ ! -s "$T/out" ] && [ ! -e "$T/new" ] || { echo "$f: output or state written"; return 1; }
	done
	run seg-dedup --state "$T/flipped" "$T/in"
	[ "$output" = "seg-dedup: $T/flipped: refusing state file: corrupt: checksum mismatch" ]
	run seg-dedup --state "$T/short" "$T/in"
	[[ "$output" == *"refusing state file: truncated: "* ]]
	run seg-dedup --state "$T/foreign" "$T/in"
	[[ "$output" == *"refusing state file: not a seg-dedup state file"* ]]
	run seg-dedup --state "$T/missing" "$T/in"
	[ "$status" -eq 66 ]
	[ "$output" = "seg-dedup: $T/missing: cannot open state file: No such file or directory (leave out --state on a first run)" ]
}

@test "the state is saved only when the input ended cleanly" {
	{ ev a 1; ev b 1; } > "$T/in"
	echo keep > "$T/state"
	run seg-dedup -q --save-state "$T/state" "$T/in" "$T/missing"
	[ "$status" -eq 66 ]
	[[ "$output" == *"seg-dedup: $T/state: state not saved: the input did not end cleanly"* ]]
	[ "$(cat "$T/state")" = keep ]
	# rejects do not make the end unclean: they are in the rejects file
	printf 'junk\n' >> "$T/in"
	run seg-dedup -q -r "$T/rej" --save-state "$T/state" -o /dev/null "$T/in"
	[ "$status" -eq 1 ]
	run seg-dedup -q --state "$T/state" "$T/in"
	[ "$output" = "seg-dedup: $T/in:3: json_syntax: at byte 0: expected a value, found 'j'" ]
	# an unwritable place for the state is an I/O error
	run seg-dedup -q --save-state /nonexistent/dir/state -o /dev/null "$T/in"
	[ "$status" -eq 74 ]
}

@test "--window: ids older than the window leave the saved state" {
	for d in 1 2 3 4 5 6 7 8 9 10; do ev "id$d" "$d"; done > "$T/in"
	run seg-dedup -o /dev/null --window 3 --save-state "$T/s" "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "seg-dedup: 10 in, 10 out, 0 dups, 0 nokey, 0 rejected, 10 ids, 4 saved, 6 expired, 0 notime" ]
	# days 7..10 (the newest day and the 3 before it) are remembered
	run seg-dedup -q --state "$T/s" "$T/in"
	[ "$output" = "$(sed -n '1,6p' "$T/in")" ]
	# the newest day carries over: a run of old events expires them at once
	{ ev old 2; ev id10 10; } > "$T/late"
	run seg-dedup -q --state "$T/s" --window 3 --save-state "$T/s2" "$T/late"
	[ "$output" = "$(ev old 2)" ]
	run seg-dedup -q --state "$T/s2" "$T/late"
	[ "$output" = "$(ev old 2)" ]
	# a repeat refreshes an id's day
	{ ev id7 7; ev id7 12; } > "$T/again"
	seg-dedup -q --state "$T/s" --window 2 --save-state "$T/s3" "$T/again" > /dev/null
	run seg-dedup -q --state "$T/s3" "$T/in"
	[ "$output" = "$(sed -n '1,6p;8,9p' "$T/in")" ]
}

@test "--time-field picks the field; events without a valid time stay for the full window" {
	{
		printf '{"messageId":"a","timestamp":"2024-05-01T00:00:00Z","receivedAt":"2024-05-20T00:00:00Z"}\n'
		printf '{"messageId":"b","timestamp":"2024-05-20T00:00:00Z","receivedAt":"2024-05-20T00:00:00Z"}\n'
		printf '{"messageId":"c","timestamp":"not a time"}\n'
		printf '{"messageId":"d"}\n'
	} > "$T/in"
	run seg-dedup -o /dev/null --window 5 --save-state "$T/r" "$T/in"
	[[ "$output" == *"4 saved, 0 expired, 2 notime" ]]
	run seg-dedup -o /dev/null --window 5 --time-field timestamp --save-state "$T/t" "$T/in"
	[[ "$output" == *"3 saved, 1 expired, 2 notime" ]]
	run seg-dedup -q --state "$T/t" "$T/in"
	[ "$output" = "$(sed -n 1p "$T/in")" ]
	# a time after tomorrow is no time: it must not expire everything else
	printf '{"messageId":"z","receivedAt":"2999-01-01T00:00:00Z"}\n' >> "$T/in"
	run seg-dedup -o /dev/null --window 5 --save-state "$T/f" "$T/in"
	[[ "$output" == *"5 saved, 0 expired, 3 notime" ]]
}

@test "stdin, '-' and several files share one set, in order" {
	{ ev a 1; ev b 1; } > "$T/x"
	{ ev b 2; ev c 2; } > "$T/y"
	run sh -c "seg-dedup -q '$T/x' - '$T/y' < '$T/y'"
	[ "$status" -eq 0 ]
	[ "$output" = "$(ev a 1; ev b 1; ev c 2)" ]
	run sh -c "seg-dedup -q < /dev/null"
	[ "$status" -eq 0 ] && [ -z "$output" ]
}

@test "exit codes: usage 64, help 0, version" {
	run seg-dedup --bogus
	[ "$status" -eq 64 ]
	run seg-dedup --window 3
	[ "$status" -eq 64 ]
	[[ "$output" == *"--window only shapes the saved state"* ]]
	run seg-dedup --window 0 --save-state "$T/s"
	[ "$status" -eq 64 ]
	run seg-dedup --expect lots
	[ "$status" -eq 64 ]
	run seg-dedup --help
	[ "$status" -eq 0 ] && [[ "$output" == usage:* ]]
	run seg-dedup -V
	[ "$status" -eq 0 ] && [[ "$output" == "seg-dedup (segpipe) "* ]]
}

@test "a closed output pipe is a quiet stop" {
	seg-gen --count 20000 > "$T/in"
	run bash -c "seg-dedup '$T/in' 2> '$T/err' | head -n 1 > /dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 0 ]
	[ ! -s "$T/err" ]
}

@test "10 million distinct ids fit in 24 bytes each, saved and loaded" {
	# ulimit -v caps the address space: the set must fit in 24 bytes per id
	# over the program's own baseline. AddressSanitizer reserves terabytes of
	# address space, so there the limit is left out (the counts still hold).
	limit=unlimited
	grep -q 'SANITIZE = yes' "$top/config.mk" || limit=$(( 16 * 1024 + 10000000 * 24 / 1024 ))
	seq -f '{"messageId":"id-%.0f"}' 9999001 10002000 > "$T/more"
	run bash -c "ulimit -v $limit; seq -f '{\"messageId\":\"id-%.0f\",\"receivedAt\":\"2024-05-01T00:00:00Z\"}' 10000000 |
		seg-dedup -o /dev/null --save-state '$T/s' --stats '$T/st' - '$T/more'"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.in,.out,.dups,.ids,.saved]' "$T/st")" = "[10003000,10002000,1000,10002000,10002000]" ]
	[ "$(wc -c < "$T/s")" -eq $(( 96 + 10002000 * 18 )) ]
	run bash -c "ulimit -v $limit; seg-dedup -o '$T/out' --state '$T/s' --stats '$T/st' '$T/more'"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.loaded,.out,.dups]' "$T/st")" = "[10002000,0,3000]" ]
}

@test "accounting: in = out + dups + rejected, every bad line counted once, whitespace-only lines blank" {
	{ ev a 1; bad_lines; ev a 1; ev b 2; printf '{"type":"track","userId":"nokey"}\n'; } > "$T/in"
	run seg-dedup -q --max-line 200 -r "$T/rej" --stats "$T/st" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.in,.out,.dups,.rejected,.blank,.nokey]' "$T/st")" = "[8,3,1,4,3,1]" ]
	assert_accounted "$T/st"
}
