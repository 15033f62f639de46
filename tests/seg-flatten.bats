#!/usr/bin/env bats
# seg-flatten: every column of every message type, the timestamp table, PII
# rules, byte fidelity, DDL records, reject reasons, bad input, exit codes.

load 'helpers/accounting'

setup() {
	T=$BATS_TEST_TMPDIR
	DOCS=$TESTDATA/segment-docs
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	TS='"timestamp":"2015-12-10T04:08:31.905Z"'
	printf 'pepper\n' > "$T/salt"
}

# pairs ARGS...: stdin holds pairs of lines, a message and the row seg-flatten
# must make of it (or "reject:REASON"); reports every pair that differs, and
# fails on no pairs or an odd last line (a message without its row).
pairs() {
	local fails=0 n=0 in want got
	while IFS= read -r in; do
		if ! IFS= read -r want; then
			printf 'in:   %s\nwant: (missing: an odd last line)\n' "$in"
			return 1
		fi
		n=$((n + 1))
		got=$(printf '%s\n' "$in" | seg-flatten -q --ddl none -r "$T/rej" "$@" 2>&1) || true
		if [ -s "$T/rej" ]; then
			got="reject:$(jq -r .reason "$T/rej")"
		fi
		if [ "$got" != "$want" ]; then
			printf 'in:   %s\nwant: %s\ngot:  %s\n' "$in" "$want" "$got"
			fails=$((fails + 1))
		fi
	done
	[ "$n" -gt 0 ] || { echo "pairs: no pairs given"; return 1; }
	[ "$fails" -eq 0 ]
}

# sha SALT VALUE: the hex SHA-256 of salt followed by value, by coreutils.
sha() { printf '%s%s' "$1" "$2" | sha256sum | cut -c1-64; }

@test "the pairs helper fails on no pairs and on an odd last line" {
	run pairs < /dev/null
	[ "$status" -eq 1 ]
	run pairs <<'EOT'
{"type":"track","messageId":"m1","timestamp":"2015-12-10T04:08:31Z","event":"E"}
EOT
	[ "$status" -eq 1 ]
}

@test "every column on every message type" {
	pairs <<'EOT'
{"type":"track","messageId":"m1","timestamp":"2015-12-10T04:08:31.905Z","userId":"u1","anonymousId":"a1","event":"Order Completed","name":"not for track","properties":{"total":325.29,"items":[1,2]},"context":{"ip":"1.2.3.4"},"traits":{"t":1},"groupId":"g1"}
{"_table":"segment_data","_row":{"messageId":"m1","timestamp":"2015-12-10 04:08:31.905000","type":"track","event":"Order Completed","name":null,"properties":{"total":325.29,"items":[1,2]},"userId":"u1","anonymousId":"a1","groupId":"g1","traits":{"t":1},"context":{"ip":"1.2.3.4"}}}
{"type":"identify","messageId":"m2","timestamp":"2015-12-10T04:08:31Z","userId":"u1","traits":{"email":"a@b.c","logins":5}}
{"_table":"segment_data","_row":{"messageId":"m2","timestamp":"2015-12-10 04:08:31.000000","type":"identify","event":null,"name":null,"properties":null,"userId":"u1","anonymousId":null,"groupId":null,"traits":{"email":"a@b.c","logins":5},"context":null}}
{"type":"identify","messageId":"m3","timestamp":"2015-12-10T04:08:31Z","anonymousId":"a3","context":{"traits":{"from":"context"},"ip":"x"},"traits":{"from":"top"}}
{"_table":"segment_data","_row":{"messageId":"m3","timestamp":"2015-12-10 04:08:31.000000","type":"identify","event":null,"name":null,"properties":null,"userId":null,"anonymousId":"a3","groupId":null,"traits":{"from":"context"},"context":{"traits":{"from":"context"},"ip":"x"}}}
{"type":"identify","messageId":"m4","timestamp":"2015-12-10T04:08:31Z","anonymousId":"a4","context":{"traits":null},"traits":{"from":"top"}}
{"_table":"segment_data","_row":{"messageId":"m4","timestamp":"2015-12-10 04:08:31.000000","type":"identify","event":null,"name":null,"properties":null,"userId":null,"anonymousId":"a4","groupId":null,"traits":{"from":"top"},"context":{"traits":null}}}
{"type":"page","messageId":"m5","timestamp":"2015-12-10T04:08:31Z","userId":"u5","name":"Home","category":"Docs","properties":{"title":"Welcome | Initech","url":"http://www.example.com"}}
{"_table":"segment_data","_row":{"messageId":"m5","timestamp":"2015-12-10 04:08:31.000000","type":"page","event":null,"name":"Home","properties":{"title":"Welcome | Initech","url":"http://www.example.com"},"userId":"u5","anonymousId":null,"groupId":null,"traits":null,"context":null}}
{"type":"screen","messageId":"m6","timestamp":"2015-12-10T04:08:31Z","userId":"u6","name":"Feed","properties":{"Feed Type":"private"}}
{"_table":"segment_data","_row":{"messageId":"m6","timestamp":"2015-12-10 04:08:31.000000","type":"screen","event":null,"name":"Feed","properties":{"Feed Type":"private"},"userId":"u6","anonymousId":null,"groupId":null,"traits":null,"context":null}}
{"type":"group","messageId":"m7","timestamp":"2015-12-10T04:08:31Z","userId":"u7","groupId":"0e8c78ea9d97a7b8185e8632","traits":{"name":"Initech","employees":329}}
{"_table":"segment_data","_row":{"messageId":"m7","timestamp":"2015-12-10 04:08:31.000000","type":"group","event":null,"name":null,"properties":null,"userId":"u7","anonymousId":null,"groupId":"0e8c78ea9d97a7b8185e8632","traits":{"name":"Initech","employees":329},"context":null}}
{"type":"alias","messageId":"m8","timestamp":"2015-12-10T04:08:31Z","userId":"u8","previousId":"old8"}
{"_table":"segment_data","_row":{"messageId":"m8","timestamp":"2015-12-10 04:08:31.000000","type":"alias","event":null,"name":null,"properties":null,"userId":"u8","anonymousId":null,"groupId":null,"traits":null,"context":null}}
{"type":"track","messageId":17,"timestamp":"2015-12-10T04:08:31Z","userId":42,"anonymousId":null,"event":"E"}
{"_table":"segment_data","_row":{"messageId":"17","timestamp":"2015-12-10 04:08:31.000000","type":"track","event":"E","name":null,"properties":null,"userId":"42","anonymousId":null,"groupId":null,"traits":null,"context":null}}
{"type":"track","messageId":"m9","timestamp":"2015-12-10T04:08:31Z","userId":"u","event":"E","type":"page","name":"last type wins"}
{"_table":"segment_data","_row":{"messageId":"m9","timestamp":"2015-12-10 04:08:31.000000","type":"page","event":"E","name":"last type wins","properties":null,"userId":"u","anonymousId":null,"groupId":null,"traits":null,"context":null}}
{"type":"identify","messageId":"m10","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"traits":{"x":1}},"cont\u0065xt":{"y":1}}
{"_table":"segment_data","_row":{"messageId":"m10","timestamp":"2015-12-10 04:08:31.000000","type":"identify","event":null,"name":null,"properties":null,"userId":"u","anonymousId":null,"groupId":null,"traits":{"from":"top"},"context":{"y":1}}}
{"type":"identify","messageId":"m11","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"traits":{"x":1}},"context":{"z":{"traits":5},"t\u0072aits":{"from":"escaped"}}}
{"_table":"segment_data","_row":{"messageId":"m11","timestamp":"2015-12-10 04:08:31.000000","type":"identify","event":null,"name":null,"properties":null,"userId":"u","anonymousId":null,"groupId":null,"traits":{"from":"escaped"},"context":{"z":{"traits":5},"t\u0072aits":{"from":"escaped"}}}}
{"type":"identify","messageId":"m12","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"traits":{"x":1}},"context":null}
{"_table":"segment_data","_row":{"messageId":"m12","timestamp":"2015-12-10 04:08:31.000000","type":"identify","event":null,"name":null,"properties":null,"userId":"u","anonymousId":null,"groupId":null,"traits":{"from":"top"},"context":null}}
EOT
}

@test "raw layout: the whole message verbatim, then timestamp, event, messageId, type" {
	pairs --layout raw <<'EOT'
{ "type" : "track", "messageId":"m1", "timestamp":"2015-12-10T04:08:31+01:00","event":"E","properties":{"v":1.50} }
{"_table":"segment_raw_data","_row":{"message":{ "type" : "track", "messageId":"m1", "timestamp":"2015-12-10T04:08:31+01:00","event":"E","properties":{"v":1.50} },"timestamp":"2015-12-10 03:08:31.000000","event":"E","messageId":"m1","type":"track"}}
{"messageId":"m2","originalTimestamp":"2015-12-10T04:08:31Z"}
{"_table":"segment_raw_data","_row":{"message":{"messageId":"m2","originalTimestamp":"2015-12-10T04:08:31Z"},"timestamp":"2015-12-10 04:08:31.000000","event":null,"messageId":"m2","type":null}}
{"type":"track","timestamp":"2015-12-10T04:08:31Z"}
reject:missing_message_id
EOT
}

@test "the real examples of Segment's documentation" {
	# complete messages: all mapped, and the same rows as the jq reference mapping
	run seg-flatten -q -r "$T/rej" "$DOCS/complete.ndjson"
	[ "$status" -eq 0 ]
	[ ! -s "$T/rej" ]
	printf '%s\n' "$output" > "$T/out"
	[ "$(wc -l < "$T/out")" -eq 6 ]
	[ "$(head -n 1 "$T/out" | jq -r ._table)" = segment_data ]
	tail -n +2 "$T/out" | jq -cS . > "$T/got"
	jq -c -f "$top/tests/bench/segment_data.jq" "$DOCS/complete.ndjson" | jq -cS . > "$T/want"
	diff "$T/want" "$T/got"
	# objects are the input's bytes
	jq -c .context "$DOCS/complete.ndjson" | while IFS= read -r ctx; do
		grep -qF "\"context\":$ctx}" "$T/out" || { echo "context not verbatim: $ctx"; return 1; }
	done
	[ "$(sed -n 2p "$T/out" | jq -r '._row | [.messageId, .timestamp, .type, .event, .userId] | join("|")')" = \
	  "022bb90c-bbac-11e4-8dfc-aa07a5b093db|2015-12-10 04:08:31.905000|track|Report Submitted|97980cfea0067" ]
	[ "$(sed -n 4p "$T/out" | jq -c ._row.traits)" = "$(sed -n 3p "$DOCS/complete.ndjson" | jq -c .traits)" ]

	# partial examples lack messageId; with one added, the two malformed
	# timestamps and the ones with no time at all are rejected, the rest map
	jq -c '.messageId = "p\(input_line_number)"' "$DOCS/partial.ndjson" > "$T/partial"
	run seg-flatten -q --ddl none -r "$T/rej" "$T/partial"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" = \
	  "bad_timestamp=2 missing_timestamp=5 " ]
	[ "$(printf '%s\n' "$output" | jq -r '._row | .messageId + " " + .timestamp' | tr '\n' ',')" = \
	  "p6 2012-12-02 00:30:08.276000,p7 2012-12-02 00:30:12.984000," ]
	run seg-flatten -q -r "$T/rej" "$DOCS/partial.ndjson"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(jq -r .reason "$T/rej" | sort -u)" = missing_message_id ]
	[ "$(jq -r .raw "$T/rej")" = "$(cat "$DOCS/partial.ndjson")" ]
}

@test "timestamp table: offsets to UTC, fractions, leap day, year boundary, fallbacks" {
	local fails=0 fields want got
	while IFS='|' read -r fields want; do
		[ -n "$want" ] || continue
		got=$(printf '{"type":"track","event":"E","messageId":"m","userId":"u",%s}\n' "$fields" |
			seg-flatten -q --ddl none -r "$T/rej" 2>&1 | jq -r ._row.timestamp) || true
		[ -s "$T/rej" ] && got="reject:$(jq -r .reason "$T/rej")"
		if [ "$got" != "$want" ]; then
			echo "$fields: want $want, got $got"
			fails=$((fails + 1))
		fi
	done <<'EOT'
"timestamp":"2015-12-10T04:08:31.905Z"|2015-12-10 04:08:31.905000
"timestamp":"2015-12-10T04:08:31.905+00:00"|2015-12-10 04:08:31.905000
"timestamp":"2015-12-10T04:08:31.905+0000"|2015-12-10 04:08:31.905000
"timestamp":"2015-12-10T04:08:31.905+05:30"|2015-12-09 22:38:31.905000
"timestamp":"2015-12-10T04:08:31-0800"|2015-12-10 12:08:31.000000
"timestamp":"2015-12-10T04:08:31-08:00"|2015-12-10 12:08:31.000000
"timestamp":"2015-12-10T04:08:31Z"|2015-12-10 04:08:31.000000
"timestamp":"2015-12-10T04:08:31.1Z"|2015-12-10 04:08:31.100000
"timestamp":"2015-12-10T04:08:31.123Z"|2015-12-10 04:08:31.123000
"timestamp":"2015-12-10T04:08:31.123456Z"|2015-12-10 04:08:31.123456
"timestamp":"2015-12-10T04:08:31.123456789Z"|2015-12-10 04:08:31.123456
"timestamp":"2015-12-10T04:08:31.999999999+01:00"|2015-12-10 03:08:31.999999
"timestamp":"2015-12-10 04:08:31+05:30"|2015-12-09 22:38:31.000000
"timestamp":"2015-12-10t04:08:31z"|2015-12-10 04:08:31.000000
"timestamp":"2016-02-29T23:59:59.999Z"|2016-02-29 23:59:59.999000
"timestamp":"2016-03-01T01:00:00+02:00"|2016-02-29 23:00:00.000000
"timestamp":"2016-02-28T23:00:00-02:00"|2016-02-29 01:00:00.000000
"timestamp":"2015-03-01T01:00:00+02:00"|2015-02-28 23:00:00.000000
"timestamp":"2015-12-31T20:00:00-05:00"|2016-01-01 01:00:00.000000
"timestamp":"2016-01-01T01:00:00+02:00"|2015-12-31 23:00:00.000000
"timestamp":"1999-12-31T23:30:00.5-00:45"|2000-01-01 00:15:00.500000
"timestamp":"1000-01-01T00:00:00Z"|1000-01-01 00:00:00.000000
"timestamp":"9999-12-31T23:59:59.999999Z"|9999-12-31 23:59:59.999999
"timestamp":"2015-12-10T04:08:31\u002e905Z"|2015-12-10 04:08:31.905000
"originalTimestamp":"2015-12-10T04:08:31.100Z","sentAt":"2015-12-10T04:08:31.200Z"|2015-12-10 04:08:31.100000
"timestamp":null,"sentAt":"2015-12-10T04:08:31.200Z","receivedAt":"2015-12-10T04:08:31.300Z"|2015-12-10 04:08:31.200000
"receivedAt":"2015-12-10T04:08:31.300+01:00"|2015-12-10 03:08:31.300000
"timestamp":"2015-12-10T04:08:31.1Z","originalTimestamp":"2015-12-10T04:08:31.2Z"|2015-12-10 04:08:31.100000
"timestamp":"2015-2-02T00:30:08.276Z","originalTimestamp":"2015-12-10T04:08:31Z"|reject:bad_timestamp
"timestamp":"2021-10-16T16:00:27.029:Z"|reject:bad_timestamp
"timestamp":"2015-12-10T04:08:31"|reject:bad_timestamp
"timestamp":"2015-12-10T04:08:31.Z"|reject:bad_timestamp
"timestamp":"2015-12-10T04:08:31.1234567890Z"|reject:bad_timestamp
"timestamp":"2015-02-29T00:00:00Z"|reject:bad_timestamp
"timestamp":"2015-12-10T24:00:00Z"|reject:bad_timestamp
"timestamp":"2015-12-10T04:08:31+5:30"|reject:bad_timestamp
"timestamp":""|reject:bad_timestamp
"timestamp":1449720511|reject:bad_timestamp
"timestamp":{"t":1}|reject:bad_timestamp
"timestamp":"0999-12-31T23:59:59Z"|reject:bad_timestamp
"timestamp":"1000-01-01T00:30:00+01:00"|reject:bad_timestamp
"timestamp":"9999-12-31T23:00:00-05:00"|reject:bad_timestamp
"sentAt":"2015-13-01T00:00:00Z"|reject:bad_timestamp
"timestamp":null|reject:missing_timestamp
"other":1|reject:missing_timestamp
EOT
	[ "$fails" -eq 0 ]
}

@test "reject reasons: one line per code, raw kept, exit 1" {
	local long255 long256 long1020 long1021 fails=0 want line got
	long255=$(printf 'x%.0s' $(seq 255))
	long256=$(printf 'x%.0s' $(seq 256))
	# messageId is VARBINARY(1020): bytes count, 255 four-byte characters fit
	long1020=$(printf 'x%.0s' $(seq 1020))
	long1021=$(printf 'x%.0s' $(seq 1021))
	wide255=$(printf '\xf0\x9f\x98\x80%.0s' $(seq 255))
	deep=$(printf '[%.0s' $(seq 600))
	while IFS='|' read -r want args line; do
		[ -n "$want" ] || continue
		printf '%s\n' "$line" > "$T/in"
		rc=0
		seg-flatten -q $args -r "$T/rej" "$T/in" > "$T/out" 2>/dev/null || rc=$?
		if [ "$want" = ok ]; then
			got=$([ "$rc" -eq 0 ] && [ ! -s "$T/rej" ] && [ "$(wc -l < "$T/out")" -eq 2 ] && echo ok || echo "exit $rc")
		else
			got=$(jq -r .reason "$T/rej" 2>/dev/null)
			[ "$rc" -eq 1 ]
			[ ! -s "$T/out" ] || got="$got (exit $rc, out $(wc -c < "$T/out"))"
			[ "$(jq -r .raw "$T/rej")" = "$line" ] || got="$got (raw differs)"
		fi
		if [ "$got" != "$want" ]; then
			echo "want $want, got $got: $args $line"
			fails=$((fails + 1))
		fi
	done <<EOT
ok||{"type":"track","event":"E","messageId":"m",$TS}
json_syntax||{"type":"track",}
json_syntax||{"type":"track","messageId":"m",$TS} x
json_syntax||{"type":"track","n":NaN}
json_syntax||{"type":"track","n":01}
too_deep||{"a":$deep
not_object||["type","track"]
not_object||"track"
not_object||null
missing_message_id||{"type":"track",$TS}
missing_message_id||{"type":"track","messageId":null,$TS}
missing_message_id||{"type":"track","messageId":"",$TS}
ok||{"type":"track","messageId":"$long1020",$TS}
ok||{"type":"track","messageId":"$wide255",$TS}
message_id_too_long||{"type":"track","messageId":"$long1021",$TS}
ok|--ddl compat|{"type":"track","messageId":"$long1021",$TS}
ok|--layout raw|{"type":"track","messageId":"$long1020",$TS}
message_id_too_long|--layout raw|{"type":"track","messageId":"$long1021",$TS}
ok|--layout raw --ddl compat|{"type":"track","messageId":"$long255",$TS}
message_id_too_long|--layout raw --ddl compat|{"type":"track","messageId":"$long256",$TS}
bad_field_type||{"type":"track","messageId":true,$TS}
bad_field_type||{"type":"track","messageId":["m"],$TS}
missing_type||{"messageId":"m",$TS}
missing_type||{"type":null,"messageId":"m",$TS}
ok|--layout raw|{"messageId":"m",$TS}
bad_field_type||{"type":{"t":1},"messageId":"m",$TS}
bad_field_type||{"type":"track","messageId":"m",$TS,"event":false}
bad_field_type||{"type":"track","messageId":"m",$TS,"userId":{"id":1}}
bad_field_type||{"type":"page","messageId":"m",$TS,"name":[1]}
ok||{"type":"track","messageId":"m",$TS,"name":[1]}
bad_field_type||{"type":"track","messageId":"m",$TS,"properties":[1]}
bad_field_type||{"type":"track","messageId":"m",$TS,"properties":"x"}
bad_field_type||{"type":"track","messageId":"m",$TS,"context":7}
bad_field_type||{"type":"identify","messageId":"m",$TS,"traits":"vip"}
bad_field_type||{"type":"identify","messageId":"m",$TS,"context":{"traits":[]},"traits":{}}
ok|--layout raw|{"type":"identify","messageId":"m",$TS,"traits":"vip"}
missing_timestamp||{"type":"track","messageId":"m"}
bad_timestamp||{"type":"track","messageId":"m","timestamp":"yesterday"}
ok|--layout raw|{"type":"track","messageId":"m",$TS,"event":"$long256"}
value_too_long|--layout raw --ddl compat|{"type":"track","messageId":"m",$TS,"event":"$long256"}
value_too_long|--layout raw --ddl compat|{"type":"$long256","messageId":"m",$TS}
ok|--layout raw --ddl compat|{"type":"track","messageId":"m",$TS,"event":"$(printf 'é%.0s' $(seq 255))"}
EOT
	[ "$fails" -eq 0 ]
}

@test "TEXT columns hold at most 65535 bytes" {
	big=$(head -c 65535 /dev/zero | tr '\0' 'x')
	printf '{"type":"track","messageId":"m",%s,"event":"%s"}\n{"type":"track","messageId":"n",%s,"event":"%sx"}\n' \
		"$TS" "$big" "$TS" "$big" > "$T/in"
	run seg-flatten -q --ddl none -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r ._row.messageId)" = m ]
	[ "$(jq -r .reason "$T/rej")" = value_too_long ]
	[[ "$(jq -r .detail "$T/rej")" == "event has 65536 bytes, more than the 65535 of its TEXT column" ]]
}

@test "byte fidelity: untouched values keep their exact bytes; escaped surrogate pairs in JSON columns become raw UTF-8" {
	props='{"total":325.29,"big":12345678901234567890123,"e":1.0E+2,"neg":-0.0,"s":"caf\u00e9 \"q\" \/ \ud83c\udfb5 \t","z":{"b":1,"a":[true,false,null,{}]},"dup":1,"dup":2}'
	ctx='{"ip":"8.8.8.8","traits":{"email":"a@b.c","phone":"+1 555"},"page":{"url":"http://x/?q=1&r=\u0026"}}'
	line=$(printf '{"type":"track","messageId":"m\\u0031","event":"caf\\u00e9","userId":"\\"u\\"",%s,"properties":%s,"context":%s}' "$TS" "$props" "$ctx")
	printf '%s\n' "$line" > "$T/in"
	seg-flatten -q --ddl none "$T/in" > "$T/out"
	# SingleStore stores an escaped pair in a JSON column corrupted: raw UTF-8 goes instead
	rprops=${props//'\ud83c\udfb5'/$'\xf0\x9f\x8e\xb5'}
	[ "$rprops" != "$props" ]
	want=$(printf '{"_table":"segment_data","_row":{"messageId":"m\\u0031","timestamp":"2015-12-10 04:08:31.905000","type":"track","event":"caf\\u00e9","name":null,"properties":%s,"userId":"\\"u\\"","anonymousId":null,"groupId":null,"traits":{"email":"a@b.c","phone":"+1 555"},"context":%s}}' "$rprops" "$ctx")
	[ "$(cat "$T/out")" = "$want" ]
	# with a PII rule elsewhere in the message, the rest is still byte-identical
	seg-flatten -q --ddl none --drop context.ip "$T/in" > "$T/out2"
	[ "$(cat "$T/out2")" = "${want/\"ip\":\"8.8.8.8\",/}" ]
	# the raw layout keeps the whole line
	seg-flatten -q --ddl none --layout raw "$T/in" > "$T/out3"
	[[ "$(cat "$T/out3")" == "{\"_table\":\"segment_raw_data\",\"_row\":{\"message\":${line//"$props"/"$rprops"},\"timestamp\""* ]]
}

@test "PII: drop, redact and hash on nested paths, missing paths and arrays" {
	in='{"type":"identify","messageId":"m","timestamp":"2015-12-10T04:08:31Z","userId":"u1","context":{"ip":"8.8.8.8","traits":{"email":"Peter@Example.com","name":"Peter"},"os":{"name":"iOS"}},"properties":{"user":{"phone":"+1 555 0100","pets":[{"name":"Rex","chip":"982"},{"name":"Tom"},"x",[{"chip":"7"}]]}},"traits":{"email":"t@x.y"}}'
	printf '%s\n' "$in" > "$T/in"

	run seg-flatten -q --ddl none --drop context.ip --drop context.nope --drop nope.deeper --redact context.traits.name "$T/in"
	[ "$status" -eq 0 ]
	[ "$(jq -c ._row.context <<< "$output")" = '{"traits":{"email":"Peter@Example.com","name":null},"os":{"name":"iOS"}}' ]
	[ "$(jq -c ._row.traits <<< "$output")" = '{"email":"Peter@Example.com","name":null}' ]

	run seg-flatten -q --ddl none --salt-file "$T/salt" --hash context.traits.email --hash traits.email \
		--hash properties.user.phone --hash properties.user.pets.chip --hash userId "$T/in"
	[ "$status" -eq 0 ]
	h_email=$(sha pepper 'Peter@Example.com')
	[ "$(jq -r ._row.context.traits.email <<< "$output")" = "$h_email" ]
	[ "$(jq -r ._row.traits.email <<< "$output")" = "$h_email" ]
	[ "$(jq -r ._row.properties.user.phone <<< "$output")" = "$(sha pepper '+1 555 0100')" ]
	[ "$(jq -c ._row.properties.user.pets <<< "$output")" = \
	  "[{\"name\":\"Rex\",\"chip\":\"$(sha pepper 982)\"},{\"name\":\"Tom\"},\"x\",[{\"chip\":\"$(sha pepper 7)\"}]]" ]
	[ "$(jq -r ._row.userId <<< "$output")" = "$(sha pepper u1)" ]

	# the hash is the same for the same value and salt in another message,
	# whatever the escapes, and differs with another salt
	printf '{"type":"identify","messageId":"m2","timestamp":"2015-12-10T04:08:31Z","traits":{"email":"Peter\\u0040Example.com"}}\n' > "$T/in2"
	[ "$(seg-flatten -q --ddl none --salt-file "$T/salt" --hash traits.email "$T/in2" | jq -r ._row.traits.email)" = "$h_email" ]
	printf 'other' > "$T/salt2"
	[ "$(seg-flatten -q --ddl none --salt-file "$T/salt2" --hash traits.email "$T/in2" | jq -r ._row.traits.email)" = "$(sha other 'Peter@Example.com')" ]

	# a whole object dropped or redacted; an array hashed element by element
	run seg-flatten -q --ddl none --drop properties --redact context "$T/in"
	[ "$(jq -c '._row | [.properties, .context, .traits]' <<< "$output")" = '[null,null,{"email":"t@x.y"}]' ]
	printf '{"type":"track","event":"E","messageId":"m",%s,"properties":{"emails":["a@b",null,7]}}\n' "$TS" > "$T/in3"
	run seg-flatten -q --ddl none --salt-file "$T/salt" --hash properties.emails "$T/in3"
	[ "$(jq -c ._row.properties.emails <<< "$output")" = "[\"$(sha pepper a@b)\",null,\"$(sha pepper 7)\"]" ]
}

@test "PII rules apply before mapping, in every layout; rejects keep the original line" {
	printf '{"type":"track","event":"E","messageId":"m",%s,"context":{"ip":"1.1.1.1","k":1},"userId":"u"}\n' "$TS" > "$T/in"
	run seg-flatten -q --ddl none --layout raw --drop context.ip --redact userId "$T/in"
	[ "$output" = "{\"_table\":\"segment_raw_data\",\"_row\":{\"message\":{\"type\":\"track\",\"event\":\"E\",\"messageId\":\"m\",$TS,\"context\":{\"k\":1},\"userId\":null},\"timestamp\":\"2015-12-10 04:08:31.905000\",\"event\":\"E\",\"messageId\":\"m\",\"type\":\"track\"}}" ]
	run seg-flatten -q --ddl none --drop messageId -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(jq -r .reason "$T/rej")" = missing_message_id ]
	[ "$(jq -r .raw "$T/rej")" = "$(cat "$T/in")" ]
	run seg-flatten -q --ddl none --stats "$T/stats" --drop context.ip --drop nothing.here "$T/in" "$T/in"
	[ "$(jq -c '[.in, .out, .pii_edited]' "$T/stats")" = '[2,2,2]' ]
}

@test "DDL records: recommended and compat, once per table, before the first row" {
	ok1=$(printf '{"type":"track","event":"E","messageId":"m1",%s}' "$TS")
	ok2=$(printf '{"type":"track","event":"E","messageId":"m2",%s}' "$TS")
	printf 'not json\n%s\n%s\n' "$ok1" "$ok2" > "$T/in"
	run seg-flatten -q -r "$T/rej" "$T/in" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r 'if ._ddl then "ddl" else ._row.messageId end' | tr '\n' ' ')" = "ddl m1 m2 m1 m2 " ]
	[ "$(printf '%s\n' "$output" | head -n 1 | jq -r ._ddl)" = "$(grep -v '^--' "$top/share/sql/segment_data.sql" | sed '$ s/;$//')" ]
	[ "$(printf '%s\n' "$output" | head -n 1 | jq -c 'keys_unsorted')" = '["_table","_ddl"]' ]

	run seg-flatten -q --ddl compat -r "$T/rej" "$T/in"
	ddl=$(printf '%s\n' "$output" | head -n 1 | jq -r ._ddl)
	[ "$ddl" = "$(grep -v '^--' "$top/share/sql/segment_data_compat.sql" | sed '$ s/;$//')" ]
	[[ "$ddl" == *'`messageId` TEXT NOT NULL'* && "$ddl" == *'SHARD KEY ()'* && "$ddl" != *UNIQUE* ]]

	run seg-flatten -q --layout raw --ddl compat -r "$T/rej" "$T/in"
	[ "$(printf '%s\n' "$output" | head -n 1 | jq -r ._ddl)" = "$(grep -v '^--' "$top/share/sql/segment_raw_data_compat.sql" | sed '$ s/;$//')" ]

	# a renamed table; no DDL at all; no DDL when there is no row
	run seg-flatten -q --table events_2015 -r "$T/rej" "$T/in"
	[ "$(printf '%s\n' "$output" | jq -r ._table | sort -u)" = events_2015 ]
	[[ "$(printf '%s\n' "$output" | head -n 1 | jq -r ._ddl)" == 'CREATE TABLE IF NOT EXISTS `events_2015` ('* ]]
	run seg-flatten -q --ddl none -r "$T/rej" "$T/in"
	[ "$(printf '%s\n' "$output" | grep -c _ddl)" -eq 0 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	printf 'not json\n' > "$T/bad"
	run seg-flatten -q -r "$T/rej" "$T/bad"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "share/sql holds exactly what --print-ddl prints" {
	for spec in "segment_data:" "segment_data_compat:--ddl compat" "segment_raw_data:--layout raw" \
	            "segment_raw_data_compat:--layout raw --ddl compat"; do
		f=${spec%%:*} args=${spec#*:}
		seg-flatten --print-ddl $args > "$T/ddl"
		grep -v '^--' "$top/share/sql/$f.sql" | diff - "$T/ddl"
	done
	run seg-flatten --print-ddl --table t1
	[ "${lines[0]}" = 'CREATE TABLE IF NOT EXISTS `t1` (' ]
}

@test "bad input never crashes it: NUL, invalid UTF-8, CRLF, BOM, blank lines, deep nesting, long lines" {
	ok=$(printf '{"type":"track","event":"E","messageId":"m",%s}' "$TS")
	{
		printf '\xEF\xBB\xBF%s\r\n' "$ok"
		printf '\n\r\n'
		printf '{"type":"track","event":"E\0","messageId":"m",%s}\n' "$TS"
		printf '{"type":"track","event":"caf\xE9","messageId":"m",%s}\n' "$TS"
		printf '{"a":%s\n' "$(head -c 100000 /dev/zero | tr '\0' '[')"
		printf '{"type":"track","event":"%s","messageId":"m",%s}\n' "$(head -c 300000 /dev/zero | tr '\0' x)" "$TS"
		printf '%s' "$ok"
	} > "$T/in"
	run seg-flatten --max-line 200K --stats "$T/stats" -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '"messageId":"m"')" -eq 2 ]
	[ "$(jq -r '.reason + ":" + (.line | tostring)' "$T/rej" | tr '\n' ' ')" = "json_syntax:4 bad_utf8:5 too_deep:6 line_too_long:7 " ]
	[ "$(jq -r 'select(.reason == "bad_utf8") | .raw_base64' "$T/rej" | base64 -d | od -An -c | tr -d ' \n')" != "" ]
	[ "$(jq -c '[.in, .out, .rejected, .blank]' "$T/stats")" = '[6,2,4,2]' ]
	# empty input: nothing out, exit 0
	run seg-flatten -q /dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "options: exit codes for usage, configuration and missing inputs" {
	printf '{"type":"track","event":"E","messageId":"m",%s}\n' "$TS" > "$T/in"
	run seg-flatten --layout nope "$T/in"
	[ "$status" -eq 78 ]
	[[ "$output" == *"unknown layout 'nope'"* ]]
	run seg-flatten --ddl maybe "$T/in"
	[ "$status" -eq 64 ]
	run seg-flatten --table 'x; DROP TABLE y' "$T/in"
	[ "$status" -eq 64 ]
	run seg-flatten --hash context.traits.email "$T/in"
	[ "$status" -eq 64 ]
	[[ "$output" == *--salt-file* ]]
	run seg-flatten --drop 'a..b' "$T/in"
	[ "$status" -eq 64 ]
	run seg-flatten --drop a --redact a "$T/in"
	[ "$status" -eq 64 ]
	: > "$T/empty"
	run seg-flatten --hash a --salt-file "$T/empty" "$T/in"
	[ "$status" -eq 78 ]
	run seg-flatten --hash a --salt-file "$T/no-such-salt" "$T/in"
	[ "$status" -eq 78 ]
	[[ "$output" != *pepper* ]]
	run seg-flatten -q "$T/no-such-file" "$T/in"
	[ "$status" -eq 66 ]
	[ "$(printf '%s\n' "$output" | grep -c '"messageId":"m"')" -eq 1 ]
	run seg-flatten -q -o "$T/out" - < "$T/in"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$T/out")" -eq 2 ]
}

@test "same rows as the jq reference mapping on generated events" {
	command -v seg-gen > /dev/null || skip "seg-gen not built"
	seg-gen --seed 7 --size 2M > "$T/gen"
	run seg-flatten -q --ddl none -r "$T/rej" -o "$T/out" "$T/gen"
	[ "$status" -eq 0 ]
	[ ! -s "$T/rej" ]
	[ "$(wc -l < "$T/out")" -eq "$(wc -l < "$T/gen")" ]
	jq -cS . "$T/out" > "$T/got"
	jq -c -f "$top/tests/bench/segment_data.jq" "$T/gen" | jq -cS . > "$T/want"
	cmp "$T/want" "$T/got"
}

@test "accounting: in = out + rejected, every bad line counted once, whitespace-only lines blank" {
	{ printf '{"type":"track","event":"E","messageId":"m1",%s}\n' "$TS"; bad_lines; } > "$T/in"
	run seg-flatten -q --max-line 200 -r "$T/rej" --stats "$T/st" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.in,.out,.rejected,.blank]' "$T/st")" = "[5,1,4,3]" ]
	assert_accounted "$T/st"
}

@test "in a chain (seg-validate's index of context handed on) the rows are the ones seg-flatten makes alone" {
	cat > "$T/in" <<'EOT'
{"type":"identify","messageId":"c1","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"ip":"1","traits":{"from":"context"}}}
{"type":"identify","messageId":"c2","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"traits":null}}
{"type":"identify","messageId":"c3","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"traits":{"x":1}},"cont\u0065xt":{"y":1}}
{"type":"identify","messageId":"c4","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"traits":{"x":1}},"context":{"z":{"traits":5}}}
{"type":"identify","messageId":"c5","timestamp":"2015-12-10T04:08:31Z","userId":"u","traits":{"from":"top"},"context":{"traits":{"x":1}},"context":[{"traits":2}]}
{"type":"identify","messageId":"c6","timestamp":"2015-12-10T04:08:31Z","userId":"u","context":{"a":{"b":{"traits":1}},"traits":{"deep":[{"traits":3}]},"t\u0072aits":{"last":1}}}
EOT
	seg-validate -q "$T/in" | seg-flatten -q --ddl none > "$T/alone"
	rc=0
	seg-backfill --in-process-chain "$T/status" "$T/l1" 2 seg-validate -q "$T/l2" 2 seg-dedup -q \
		"$T/l3" 4 seg-flatten -q --ddl none < "$T/in" > "$T/chain" || rc=$?
	[ "$rc" -eq 1 ]
	[ "$(cat "$T/status")" = "1 0 0" ]   # c5 rejected: context must be an object
	grep -q 'in:5: bad_field_type: context must be an object' "$T/l1"
	diff "$T/alone" "$T/chain"
	[ "$(wc -l < "$T/chain")" -eq 5 ]
	[ "$(jq -c '._row.traits' "$T/chain" | tr '\n' ' ')" = '{"from":"context"} {"from":"top"} {"from":"top"} {"from":"top"} {"last":1} ' ]
}
