#!/usr/bin/env bats
# seg-make: rows to Segment messages. Every message passes seg-validate;
# messageIds are the same on a re-run; rows that cannot be a message are
# rejects with a reason. The last tests run the whole query side: MariaDB
# behind s2-gateway -> s2-query -> seg-make -> seg-validate.

load 'helpers/target'

setup_file() {
	target_start || return 1
	sql "CREATE TABLE users (id INT PRIMARY KEY, user_id VARCHAR(40), ltv DECIMAL(10,2), tier VARCHAR(10),
	     churn_risk DOUBLE, last_seen DATETIME(6), account VARCHAR(20))"
	sql "INSERT INTO users VALUES
	     (1, 'u-1', 120.50, 'gold', 0.1, '2024-03-01 10:00:00', 'acme'),
	     (2, 'u-2', 0.00, 'free', 0.9, '2024-01-15 08:30:00.250000', 'acme'),
	     (3, NULL, 10.00, 'free', 0.5, '2024-02-01 00:00:00', 'initech'),
	     (4, 'u-4', 55.25, 'silver', 0.7, '2023-12-31 23:59:59', NULL)"
}

setup() {
	T=$BATS_TEST_TMPDIR
}

q() { s2-query -q --url "$S2_URL" -d "$S2_DATABASE" "$@"; }

@test "identify: traits are the other columns, numbers as ids become strings, every message valid" {
	printf '%s\n' '{"user_id":"u1","ltv":"12.50","doc":{"a": [1, 2]}}' '{"user_id":7,"ltv":null}' > "$T/rows"
	run seg-make identify --user-id user_id "$T/rows"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]   # 2 messages and the summary
	[ "$(echo "${lines[0]}" | jq -c '{type, userId, traits}')" = '{"type":"identify","userId":"u1","traits":{"ltv":"12.50","doc":{"a":[1,2]}}}' ]
	[ "$(echo "${lines[1]}" | jq -c '{type, userId, traits}')" = '{"type":"identify","userId":"7","traits":{"ltv":null}}' ]
	seg-make -q identify --user-id user_id "$T/rows" | seg-validate -q > /dev/null
}

@test "track: --event or --event-col, --properties, --timestamp-col (DATETIME is UTC; offsets converted)" {
	printf '%s\n' '{"u":"a","ev":"Churn Risk","ts":"2024-01-02 03:04:05.123456","p":1,"q":2}' \
	              '{"u":"a","ev":"Churn Risk","ts":"2024-01-02T03:04:05+02:00","p":1,"q":2}' > "$T/rows"
	run seg-make -q track --event-col ev --user-id u --timestamp-col ts --properties q "$T/rows"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | jq -c '{type, event, properties, timestamp}')" = '{"type":"track","event":"Churn Risk","properties":{"q":2},"timestamp":"2024-01-02T03:04:05.123456Z"}' ]
	[ "$(echo "${lines[1]}" | jq -r .timestamp)" = 2024-01-02T01:04:05.000000Z ]
	run seg-make -q track --event "Inactive 30d" --user-id u "$T/rows"
	[ "$(echo "${lines[0]}" | jq -c '{event, properties}')" = '{"event":"Inactive 30d","properties":{"ev":"Churn Risk","ts":"2024-01-02 03:04:05.123456","p":1,"q":2}}' ]
}

@test "group: --group-id, --anonymous-id alone is a user" {
	run seg-make -q group --group-id g --anonymous-id a --traits name <<< '{"g":5,"a":"x","name":"acme","other":1}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '{type, groupId, anonymousId, traits}')" = '{"type":"group","groupId":"5","anonymousId":"x","traits":{"name":"acme"}}' ]
	echo "$output" | seg-validate -q > /dev/null
}

@test "the run's time is one timestamp for every message; messageIds do not depend on it" {
	seq 1 50 | awk '{ printf "{\"u\":\"u%d\",\"v\":%d}\n", $1, $1 }' > "$T/rows"
	seg-make -q identify --user-id u "$T/rows" > "$T/a"
	sleep 1.1
	seg-make -q identify --user-id u "$T/rows" > "$T/b"
	[ "$(jq -r .timestamp "$T/a" | sort -u | wc -l)" -eq 1 ]
	[ "$(jq -r .timestamp "$T/a" | head -n 1)" != "$(jq -r .timestamp "$T/b" | head -n 1)" ]
	cmp <(jq -r .messageId "$T/a") <(jq -r .messageId "$T/b")
	[ "$(jq -r .messageId "$T/a" | sort -u | wc -l)" -eq 50 ]
}

@test "messageIds: a hash of kind, event, user and values, or of --id-from columns" {
	printf '%s\n' '{"u":"a","v":1,"day":"d1"}' '{"u":"a","v":2,"day":"d1"}' '{"u":"b","v":1,"day":"d1"}' > "$T/rows"
	ids() { seg-make -q "$@" "$T/rows" | jq -r .messageId | tr '\n' ' '; }
	set -- $(ids identify --user-id u)
	[ "$1" != "$2" ] && [ "$1" != "$3" ] && [ "$2" != "$3" ]
	[[ "$1" =~ ^segmake-[0-9a-f]{32}$ ]]
	i1=$1
	set -- $(ids track --event E --user-id u)
	[ "$1" != "$i1" ]
	t1=$1
	set -- $(ids track --event F --user-id u)
	[ "$1" != "$t1" ]
	set -- $(ids track --event E --user-id u --id-from u,day)
	[ "$1" = "$2" ] && [ "$1" != "$3" ]
}

@test "rows that cannot be a message are rejects with a reason; the rest goes on (exit 1)" {
	big=$(head -c 40000 /dev/zero | tr '\0' x)
	printf '%s\n' '{"u":"ok","e":"E","t":"2024-01-01T00:00:00Z"}' '{"u":null,"e":"E","t":"2024-01-01T00:00:00Z"}' \
	       '{"u":"","e":"E"}' '{"e":"E"}' '{"u":{"x":1},"e":"E"}' '{"u":"ok","e":"","t":"2024-01-01T00:00:00Z"}' \
	       '{"u":"ok","e":"E","t":"2024-02-30 00:00:00"}' '{"u":"ok","e":"E","t":1700000000}' \
	       "{\"u\":\"ok\",\"e\":\"E\",\"t\":\"2024-01-01T00:00:00Z\",\"big\":\"$big\"}" 'not json' '[1]' '' > "$T/rows"
	run seg-make -q track --event-col e --user-id u --timestamp-col t -r "$T/rej" "$T/rows"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | seg-validate -q > /dev/null
	[ "$(jq -r .reason "$T/rej" | tr '\n' ' ')" = "missing_user_or_anonymous_id missing_user_or_anonymous_id missing_user_or_anonymous_id bad_field_type missing_event bad_timestamp bad_timestamp too_large json_syntax not_object " ]
	[ "$(jq -r .line "$T/rej" | tr '\n' ' ')" = "2 3 4 5 6 7 8 9 10 11 " ]
}

@test "usage errors are 64" {
	run seg-make --user-id u
	[ "$status" -eq 64 ]
	run seg-make alias --user-id u
	[ "$status" -eq 64 ]
	run seg-make track --user-id u
	[ "$status" -eq 64 ]
	run seg-make track --user-id u --event a --event-col b
	[ "$status" -eq 64 ]
	run seg-make group --user-id u
	[ "$status" -eq 64 ]
	run seg-make identify --event x --user-id u
	[ "$status" -eq 64 ]
	run seg-make identify
	[ "$status" -eq 64 ]
	run seg-make identify --user-id u "$BATS_TEST_TMPDIR/missing"
	[ "$status" -eq 66 ]
}

@test "MariaDB -> s2-gateway -> s2-query -> seg-make -> seg-validate: exactly the expected messages" {
	q "SELECT user_id, ltv, tier, last_seen FROM users ORDER BY id" > "$T/rows"
	run seg-make -q identify --user-id user_id --timestamp-col last_seen -r "$T/rej" -o "$T/msgs" "$T/rows"
	[ "$status" -eq 1 ]   # row 3 has no user
	[ "$(jq -c 'del(.messageId)' "$T/msgs")" = '{"type":"identify","userId":"u-1","traits":{"ltv":"120.50","tier":"gold"},"timestamp":"2024-03-01T10:00:00.000000Z"}
{"type":"identify","userId":"u-2","traits":{"ltv":"0.00","tier":"free"},"timestamp":"2024-01-15T08:30:00.250000Z"}
{"type":"identify","userId":"u-4","traits":{"ltv":"55.25","tier":"silver"},"timestamp":"2023-12-31T23:59:59.000000Z"}' ]
	[ "$(jq -r '[.reason, .line] | join(" ")' "$T/rej")" = "missing_user_or_anonymous_id 3" ]
	seg-validate -q "$T/msgs" > "$T/valid"
	cmp "$T/msgs" "$T/valid"
	# a re-run of the same query makes the same messageIds
	q "SELECT user_id, ltv, tier, last_seen FROM users ORDER BY id" > "$T/rows2"
	seg-make -q identify --user-id user_id --timestamp-col last_seen -r /dev/null -o "$T/msgs2" "$T/rows2" || [ $? -eq 1 ]
	cmp "$T/msgs" "$T/msgs2"
	[ "$(jq -r .messageId "$T/msgs" | sort -u | wc -l)" -eq 3 ]
}

@test "threshold alert to track and group membership, through the pipe, every message valid" {
	q --args-json '[0.6]' "SELECT user_id, churn_risk, 'Churn Risk High' AS event FROM users WHERE churn_risk > ? AND user_id IS NOT NULL ORDER BY id" \
	  | seg-make -q track --event-col event --user-id user_id > "$T/track"
	[ "$(jq -c '[.userId, .event, .properties]' "$T/track")" = '["u-2","Churn Risk High",{"churn_risk":0.9}]
["u-4","Churn Risk High",{"churn_risk":0.7}]' ]
	seg-validate -q "$T/track" > /dev/null
	q "SELECT user_id, account FROM users WHERE user_id IS NOT NULL AND account IS NOT NULL ORDER BY id" \
	  | seg-make -q group --group-id account --user-id user_id > "$T/group"
	[ "$(jq -c '[.userId, .groupId, .traits]' "$T/group")" = '["u-1","acme",{}]
["u-2","acme",{}]' ]
	seg-validate -q "$T/group" > /dev/null
}
