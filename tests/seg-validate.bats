#!/usr/bin/env bats
# seg-validate: every reason code, the bad inputs of design.md, operands,
# byte-identical passthrough and exit codes.

load 'helpers/accounting'

setup() {
	T=$BATS_TEST_TMPDIR
	DOCS=$TESTDATA/segment-docs
	OK='"messageId":"m1","timestamp":"2015-12-10T04:08:31.905Z","userId":"u1"'
}

# reason ARGS... <<< line: print the reason code of the one input line, or "ok"
reason() {
	cat > "$T/in"
	seg-validate -q -r "$T/rej" "$@" "$T/in" > "$T/out" 2> "$T/err"
	local rc=$?
	if [ -s "$T/rej" ]; then
		[ "$rc" -eq 1 ] || { echo "exit $rc with a reject"; return; }
		jq -r .reason "$T/rej"
	elif [ -s "$T/out" ]; then
		[ "$rc" -eq 0 ] && cmp -s "$T/in" "$T/out" && echo ok || echo "passthrough differs (exit $rc)"
	else
		echo "nothing (exit $rc)"
	fi
}

@test "table: one line per reason code" {
	local fails=0
	while IFS='|' read -r want args line; do
		[ -n "$want" ] || continue
		got=$(printf '%s\n' "$line" | reason $args)
		if [ "$got" != "$want" ]; then
			echo "want $want, got $got: $args $line"
			fails=$((fails + 1))
		fi
	done <<EOT
ok||{"type":"track","event":"E",$OK}
ok||{"type":"identify",$OK,"traits":{"a":1}}
ok||{"type":"page",$OK,"name":"Home","properties":{}}
ok||{"type":"screen",$OK}
ok||{"type":"group","groupId":"g",$OK}
ok||{"type":"alias","previousId":"p",$OK}
ok||{"type":"track","event":"E","messageId":"m","timestamp":"2015-12-10 04:08:31+05:30","anonymousId":"a"}
ok||{"type":"track","event":"E",$OK,"context":null}
json_syntax||{"type":"track",}
json_syntax||{"type":"track","event":"E",$OK} x
json_syntax||{"type":"track","n":01}
json_syntax||{'type':'track'}
json_syntax||{"type":"track","n":NaN}
not_object||["type","track"]
not_object||"track"
not_object||null
missing_type||{"event":"E",$OK}
bad_field_type||{"type":1,$OK}
unknown_type||{"type":"click",$OK}
unknown_type|--types=track,identify|{"type":"page",$OK}
missing_message_id||{"type":"screen","timestamp":"2015-12-10T04:08:31Z","userId":"u"}
missing_message_id||{"type":"screen","messageId":"","timestamp":"2015-12-10T04:08:31Z","userId":"u"}
missing_message_id||{"type":"screen","messageId":null,"timestamp":"2015-12-10T04:08:31Z","userId":"u"}
ok|--no-require-message-id|{"type":"screen","timestamp":"2015-12-10T04:08:31Z","userId":"u"}
message_id_too_long||{"type":"screen","messageId":"$(printf 'x%.0s' $(seq 256))","timestamp":"2015-12-10T04:08:31Z","userId":"u"}
ok||{"type":"screen","messageId":"$(printf 'x%.0s' $(seq 255))","timestamp":"2015-12-10T04:08:31Z","userId":"u"}
ok||{"type":"screen","messageId":"$(printf 'x%.0s' $(seq 101))","timestamp":"2015-12-10T04:08:31Z","userId":"u"}
ok||{"type":"screen","messageId":"$(printf 'é%.0s' $(seq 255))","timestamp":"2015-12-10T04:08:31Z","userId":"u"}
bad_field_type||{"type":"screen","messageId":17,"timestamp":"2015-12-10T04:08:31Z","userId":"u"}
ok|--allow-numeric-ids|{"type":"screen","messageId":17,"timestamp":"2015-12-10T04:08:31Z","userId":42}
bad_field_type||{"type":"screen",$OK,"anonymousId":42}
missing_user_or_anonymous_id||{"type":"screen","messageId":"m","timestamp":"2015-12-10T04:08:31Z"}
missing_user_or_anonymous_id||{"type":"screen","messageId":"m","timestamp":"2015-12-10T04:08:31Z","userId":""}
missing_event||{"type":"track",$OK}
missing_event||{"type":"track","event":"",$OK}
bad_field_type||{"type":"track","event":7,$OK}
missing_group_id||{"type":"group",$OK}
missing_previous_id||{"type":"alias",$OK}
missing_user_or_anonymous_id||{"type":"alias","previousId":"p","messageId":"m","timestamp":"2015-12-10T04:08:31Z","anonymousId":"a"}
bad_field_type||{"type":"identify",$OK,"traits":"vip"}
bad_field_type||{"type":"track","event":"E",$OK,"properties":[1]}
bad_field_type||{"type":"track","event":"E",$OK,"integrations":true}
bad_field_type||{"type":"page",$OK,"name":5}
missing_timestamp||{"type":"screen","messageId":"m","userId":"u"}
bad_timestamp||{"type":"screen","messageId":"m","userId":"u","timestamp":"2015-13-01T00:00:00Z"}
bad_timestamp||{"type":"screen","messageId":"m","userId":"u","timestamp":"2015-02-30T00:00:00Z"}
bad_timestamp||{"type":"screen","messageId":"m","userId":"u","timestamp":1449720511}
bad_timestamp||{"type":"screen",$OK,"sentAt":"2021-10-16T16:00:27.029:Z"}
bad_timestamp||{"type":"screen",$OK,"receivedAt":"2021-10-16"}
too_large|--max-bytes=60|{"type":"screen",$OK}
ok|--max-bytes=0|{"type":"screen",$OK,"pad":"$(printf 'x%.0s' $(seq 40000))"}
too_large||{"type":"screen",$OK,"pad":"$(printf 'x%.0s' $(seq 40000))"}
line_too_long|--max-line=50|{"type":"screen",$OK}
EOT
	[ "$fails" -eq 0 ]
}

@test "bad UTF-8 is bad_utf8 and carried as raw_base64, byte-exact" {
	printf '{"type":"screen","messageId":"m\xff","userId":"u"}\n' > "$T/bad"
	run seg-validate -q -r "$T/rej" "$T/bad"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej")" = bad_utf8 ]
	jq -r .raw_base64 "$T/rej" | base64 -d > "$T/raw"
	printf '{"type":"screen","messageId":"m\xff","userId":"u"}' | cmp - "$T/raw"
	[ "$(jq -r .detail "$T/rej")" = "at byte 31: invalid UTF-8 in string, found byte 0xFF" ]
}

@test "reject records name input and line and keep the raw line" {
	printf '{"type":"screen",%s}\n\n{"type":"nope",%s}\n' "$OK" "$OK" > "$T/in"
	run seg-validate -q -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.reason,.input,.line]' "$T/rej")" = "[\"unknown_type\",\"$T/in\",3]" ]
	[ "$(jq -r .raw "$T/rej")" = "{\"type\":\"nope\",$OK}" ]
}

@test "NUL bytes are a json_syntax reject, not a crash" {
	printf '{"type":"screen",\0"x":1}\n{"a":"\0"}\n' > "$T/nul"
	run seg-validate -q -r "$T/rej" "$T/nul"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej" | sort | uniq -c | awk '{print $1 $2}')" = "2json_syntax" ]
}

@test "100000-deep nesting is too_deep; --max-depth raises the limit up to 512" {
	{ printf '{"a":'; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}\n'; } > "$T/deep"
	run seg-validate -q -r "$T/rej" "$T/deep"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej")" = too_deep ]
	run seg-validate -q -r "$T/rej" --max-depth 200000 --max-bytes 0 "$T/deep"
	[ "$status" -eq 64 ]
	{ printf '{"a":'; head -c 511 /dev/zero | tr '\0' '['; head -c 511 /dev/zero | tr '\0' ']'; printf '}\n'; } > "$T/deep"
	run seg-validate -q -r "$T/rej" "$T/deep"
	[ "$(jq -r .reason "$T/rej")" = too_deep ]
	run seg-validate -q -r "$T/rej" --max-depth 512 "$T/deep"
	[ "$(jq -r .reason "$T/rej")" = missing_type ]
}

@test "a 20 MB line is line_too_long with its first bytes kept, next line still read" {
	{ printf '{"pad":"'; head -c 20000000 /dev/zero | tr '\0' x; printf '"}\n{"type":"screen",%s}\n' "$OK"; } > "$T/long"
	run seg-validate -q -r "$T/rej" -o "$T/out" "$T/long"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej")" = line_too_long ]
	[ "$(jq -r '.raw | length' "$T/rej")" -eq 1024 ]
	[ "$(jq -r .detail "$T/rej")" = "line of 20000010 bytes is longer than --max-line 16777216; raw holds its first 1024 bytes" ]
	[ "$(wc -l < "$T/out")" -eq 1 ]
}

@test "CRLF, a BOM, blank lines, no final newline are accepted" {
	printf '\xef\xbb\xbf{"type":"screen",%s}\r\n\r\n\n{"type":"page",%s}' "$OK" "$OK" > "$T/in"
	run seg-validate --stats "$T/stats" -o "$T/out" "$T/in"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/out")" = "$(printf '{"type":"screen",%s}\n{"type":"page",%s}' "$OK" "$OK")" ]
	[ "$(jq -c '[.in,.out,.rejected,.blank]' "$T/stats")" = "[2,2,0,2]" ]
}

@test "empty files and empty stdin give no output and exit 0" {
	: > "$T/empty"
	run seg-validate -q "$T/empty" "$T/empty"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sh -c 'seg-validate -q < /dev/null'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "stdin, '-' and several files keep order; rejects name each file" {
	printf '{"type":"screen",%s}\n' "$OK" > "$T/a"
	printf '{"type":"page",%s}\nbroken\n' "$OK" > "$T/b"
	run sh -c "seg-validate -q -r '$T/rej' '$T/a' - '$T/b' < '$T/a'"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "{\"type\":\"screen\",$OK}" ]
	[ "${lines[1]}" = "{\"type\":\"screen\",$OK}" ]
	[ "${lines[2]}" = "{\"type\":\"page\",$OK}" ]
	[ "$(jq -c '[.input,.line]' "$T/rej")" = "[\"$T/b\",2]" ]
	run sh -c "seg-validate -q < '$T/b' 2>&1 >/dev/null"
	[ "$status" -eq 1 ]
	[ "$output" = "seg-validate: stdin:2: json_syntax: at byte 0: expected a value, found 'b'" ]
}

@test "Segment's complete examples pass byte-identical" {
	run seg-validate -o "$T/out" "$DOCS/complete.ndjson"
	[ "$status" -eq 0 ]
	cmp "$T/out" "$DOCS/complete.ndjson"
	[ "$output" = "seg-validate: 5 in, 5 out, 0 rejected" ]
}

@test "Segment's partial examples: a precise reason for every line" {
	run seg-validate -q -r "$T/rej" "$DOCS/partial.ndjson"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej" | sort -u)" = missing_message_id ]
	[ "$(wc -l < "$T/rej")" -eq 9 ]
	run seg-validate -q -r "$T/rej" --no-require-message-id "$DOCS/partial.ndjson"
	[ "$(jq -r '"\(.line) \(.reason)"' "$T/rej" | tr '\n' ,)" = "1 missing_user_or_anonymous_id,2 missing_timestamp,3 missing_user_or_anonymous_id,4 missing_user_or_anonymous_id,5 missing_user_or_anonymous_id,8 bad_timestamp,9 bad_timestamp," ]
	[ "$(jq -r 'select(.line==8) .detail' "$T/rej")" = 'timestamp "2015-2-02T00:30:08.276Z": date is not YYYY-MM-DD' ]
}

@test "every line is accounted for on a generated stream with invalid lines" {
	seg-gen --seed 7 --count 3000 --invalid-rate 0.1 > "$T/in"
	run seg-validate -r "$T/rej" -o "$T/out" --stats "$T/stats" "$T/in"
	[ "$status" -eq 1 ]
	[ $(( $(wc -l < "$T/out") + $(wc -l < "$T/rej") )) -eq 3000 ]
	[ "$(jq '.in' "$T/stats")" -eq 3000 ]
	[ "$(jq '.rejected' "$T/stats")" -eq "$(wc -l < "$T/rej")" ]
	[ "$(jq '[.reasons[]] | add' "$T/stats")" -eq "$(wc -l < "$T/rej")" ]
	# the output is the input minus the rejected lines, in order
	jq -r .line "$T/rej" | awk 'NR==FNR { bad[$1]; next } !(FNR in bad)' - "$T/in" | cmp - "$T/out"
}

@test "exit codes: usage 64, missing input 66 (others still read), help 0" {
	run seg-validate --bogus
	[ "$status" -eq 64 ]
	run seg-validate --max-bytes=lots
	[ "$status" -eq 64 ]
	run seg-validate --types=click
	[ "$status" -eq 64 ]
	printf '{"type":"screen",%s}\n' "$OK" > "$T/a"
	run seg-validate -q "$T/nope" "$T/a"
	[ "$status" -eq 66 ]
	[ "${lines[0]}" = "seg-validate: $T/nope: cannot open: No such file or directory" ]
	[ "${lines[1]}" = "{\"type\":\"screen\",$OK}" ]
	run seg-validate --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run seg-validate -V
	[ "$status" -eq 0 ]
	[[ "$output" == "seg-validate (segpipe) "* ]]
}

@test "a closed output pipe is a quiet stop" {
	seg-gen --count 20000 > "$T/in"
	run bash -c "seg-validate '$T/in' 2> '$T/err' | head -n 1 > /dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 0 ]
	[ ! -s "$T/err" ]
}

@test "an unwritable rejects file is an I/O error, 74" {
	run seg-validate -r /nonexistent/dir/rej < /dev/null
	[ "$status" -eq 74 ]
}

@test "accounting: in = out + rejected, every bad line counted once, whitespace-only lines blank" {
	{ printf '{"type":"track","event":"E",%s}\n' "$OK"; bad_lines; printf '{"type":"screen",%s}\n' "$OK"; } > "$T/in"
	run seg-validate -q --max-line 200 -r "$T/rej" --stats "$T/st" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.in,.out,.rejected,.blank]' "$T/st")" = "[6,2,4,3]" ]
	[ "$(jq -r .reason "$T/rej" | sort | tr '\n' ' ')" = "bad_utf8 json_syntax line_too_long not_object " ]
	assert_accounted "$T/st"
}

@test "messageId: the limit seg-validate keeps is one every layout stores (255 characters)" {
	local id fails=0 l
	for id in "$(printf 'x%.0s' $(seq 255))" "$(printf '\xf0\x9f\x98\x80%.0s' $(seq 255))"; do
		printf '{"type":"track","event":"e","messageId":"%s","timestamp":"2015-12-10T04:08:31Z","userId":"u"}\n' "$id" > "$T/in"
		for l in "--layout segment_data" "--layout raw" "--layout segment_data --ddl compat" "--layout raw --ddl compat"; do
			seg-validate -q "$T/in" | seg-flatten -q $l -r "$T/rej" > "$T/out" || { echo "$l: exit $?"; fails=1; }
			[ ! -s "$T/rej" ] && grep -q '"_table"' "$T/out" && ! grep -q '"_ddl"' <(tail -n 1 "$T/out") || {
				echo "$l: ${#id}-character id not stored"; cat "$T/rej"; fails=1; }
		done
	done
	printf '{"type":"track","event":"e","messageId":"%s","timestamp":"2015-12-10T04:08:31Z","userId":"u"}\n' "$(printf 'x%.0s' $(seq 256))" > "$T/in"
	run seg-validate -q -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ] && [ "$(jq -r .reason "$T/rej")" = message_id_too_long ] || { echo "256: exit $status"; fails=1; }
	[ $fails -eq 0 ]
}
