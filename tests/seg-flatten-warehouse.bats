#!/usr/bin/env bats
# seg-flatten --layout warehouse: Segment's warehouse tables, loaded through
# s2-gateway into a private MariaDB and read back with exact values: every
# call type, Segment's naming rules, schema evolution (new columns, type
# conflicts to discards, the schema state across runs), users and accounts
# newest-wins in any load order, surrogate pairs as raw UTF-8.

load 'helpers/target'
load 'helpers/accounting'

setup_file() {
	target_start || return 1
}

setup() {
	T=$BATS_TEST_TMPDIR
	local t
	for t in $(sql "SHOW TABLES"); do
		sql "DROP TABLE \`$t\`"
	done
}

# wload FILE [SEG-FLATTEN OPTIONS...]: the messages of FILE through
# seg-flatten --layout warehouse, seg-batch and s2-load; every stage exits 0.
wload() {
	local in=$1
	shift
	seg-flatten -q --layout warehouse --max-name 64 -r "$T/rej" "$@" "$in" > "$T/rows"
	[ ! -s "$T/rej" ] || { cat "$T/rej"; return 1; }
	seg-batch -q "$T/rows" > "$T/batches"
	s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --failed "$T/failed" -o "$T/res" "$T/batches" ||
		{ cat "$T/failed"; return 1; }
}

# rows_are TABLE COLS WANT: the rows of TABLE (columns COLS, ordered by the
# first) as tab-separated lines equal WANT.
rows_are() {
	local got
	got=$(sql "SELECT $2 FROM \`$1\` ORDER BY 1")
	if [ "$got" != "$3" ]; then
		printf 'table %s (%s)\nwant:\n%s\ngot:\n%s\n' "$1" "$2" "$3" "$got"
		return 1
	fi
}

@test "every call type into its tables: standard columns, context_*, properties and traits as columns" {
	cat > "$T/in" <<'EOF'
{"type":"track","messageId":"t1","receivedAt":"2015-12-10T04:08:32Z","sentAt":"2015-12-10T04:08:31.500Z","originalTimestamp":"2015-12-10T04:08:31.000Z","timestamp":"2015-12-10T04:08:31.5Z","userId":"u1","anonymousId":"a1","event":"Order Completed","properties":{"total":325.29,"items":[1,"two"],"count":3,"gift":true,"shippedAt":"2015-12-11T10:00:00+01:00","buyer":{"firstName":"Ann","address":{"zipCode":"75001"}},"note":null},"context":{"ip":"8.8.8.8","page":{"url":"http://x/"}}}
{"type":"identify","messageId":"i1","timestamp":"2015-12-10T05:00:00Z","userId":"u1","anonymousId":"a1","traits":{"email":"ann@example.com","logins":5,"plan":{"name":"pro"}},"context":{"ip":"8.8.4.4"}}
{"type":"page","messageId":"p1","timestamp":"2015-12-10T06:00:00Z","anonymousId":"a2","name":"Home","properties":{"name":"Home","title":"Welcome","url":"http://x/"}}
{"type":"screen","messageId":"s1","timestamp":"2015-12-10T07:00:00Z","userId":"u2","name":"Feed","properties":{"Feed Type":"private"}}
{"type":"group","messageId":"g1","timestamp":"2015-12-10T08:00:00Z","userId":"u1","groupId":"acme","traits":{"name":"Acme","employees":329}}
{"type":"alias","messageId":"al1","timestamp":"2015-12-10T09:00:00Z","userId":"u1","previousId":"a1"}
{"type":"track","messageId":7,"timestamp":"2015-12-10T10:00:00Z","userId":42,"event":"Signed Up"}
EOF
	wload "$T/in"
	rows_are tracks 'id, received_at, sent_at, original_timestamp, timestamp, user_id, anonymous_id, event, event_text, context_ip, context_page_url' \
"7	NULL	NULL	NULL	2015-12-10 10:00:00.000000	42	NULL	signed_up	Signed Up	NULL	NULL
t1	2015-12-10 04:08:32.000000	2015-12-10 04:08:31.500000	2015-12-10 04:08:31.000000	2015-12-10 04:08:31.500000	u1	a1	order_completed	Order Completed	8.8.8.8	http://x/"
	rows_are order_completed 'id, timestamp, event, event_text, context_ip, total, items, count, gift, shipped_at, buyer_first_name, buyer_address_zip_code' \
"t1	2015-12-10 04:08:31.500000	order_completed	Order Completed	8.8.8.8	325.29	[1,\"two\"]	3	1	2015-12-11 09:00:00.000000	Ann	75001"
	rows_are signed_up 'id, user_id, event' "7	42	signed_up"
	# no column for a null; properties are not in tracks
	[ "$(sql "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name IN ('note', 'total') AND table_name IN ('order_completed', 'tracks')")" = 1 ]
	rows_are identifies 'id, timestamp, user_id, anonymous_id, context_ip, email, logins, plan_name' \
"i1	2015-12-10 05:00:00.000000	u1	a1	8.8.4.4	ann@example.com	5	pro"
	rows_are users 'id, timestamp, email, logins, plan_name' "u1	2015-12-10 05:00:00.000000	ann@example.com	5	pro"
	rows_are pages 'id, anonymous_id, name, title, url' "p1	a2	Home	Welcome	http://x/"
	rows_are screens 'id, user_id, name, feed_type' "s1	u2	Feed	private"
	rows_are groups 'id, user_id, group_id, name, employees' "g1	u1	acme	Acme	329"
	rows_are accounts 'id, timestamp, name, employees' "acme	2015-12-10 08:00:00.000000	Acme	329"
	rows_are aliases 'id, user_id, previous_id' "al1	u1	a1"
	# column types come from the first value
	[ "$(sql "SELECT GROUP_CONCAT(column_name, ':', column_type ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'order_completed' AND ordinal_position > 10")" = \
	  "context_ip:text,context_page_url:text,total:double,items:longtext,count:bigint(20),gift:tinyint(1),shipped_at:datetime(6),buyer_first_name:text,buyer_address_zip_code:text" ]
	[ -z "$(sql "SHOW TABLES LIKE 'discards'")" ]
	# a re-run loads nothing twice
	wload "$T/in"
	[ "$(sql "SELECT COUNT(*) FROM tracks")" = 2 ]
}

@test "timestamp as Segment computes it: receivedAt - (sentAt - originalTimestamp), else the first present" {
	cat > "$T/in" <<'EOF'
{"type":"track","event":"E","messageId":"m1","receivedAt":"2020-01-01T00:00:10Z","sentAt":"2020-01-01T00:00:05Z","originalTimestamp":"2020-01-01T00:00:01.250Z","timestamp":"2019-01-01T00:00:00Z"}
{"type":"track","event":"E","messageId":"m2","receivedAt":"2020-01-01T00:00:10Z","originalTimestamp":"2020-01-01T00:00:01Z","timestamp":"2020-01-01T00:00:03Z"}
{"type":"track","event":"E","messageId":"m3","receivedAt":"2020-01-01T00:00:10Z","sentAt":"2020-01-01T00:00:12+00:00","originalTimestamp":"2020-01-01T02:00:00+02:00"}
{"type":"track","event":"E","messageId":"m4","sentAt":"2020-01-01T00:00:05Z","receivedAt":"2020-01-01T00:00:10Z"}
EOF
	wload "$T/in"
	rows_are e 'id, timestamp' "m1	2020-01-01 00:00:06.250000
m2	2020-01-01 00:00:03.000000
m3	2019-12-31 23:59:58.000000
m4	2020-01-01 00:00:05.000000"
}

@test "names: Segment's snake_case, a _ prefix before a digit or reserved word, the first of two keys keeps a name" {
	# key → column; one message per case, so no two cases collide
	cat > "$T/cases" <<'EOF'
sample text	sample_text
sample-text	sample_text
sample_text	sample_text
sample___text	sample_text
sampleText	sample_text
inviteYourCustomersAddInvites	invite_your_customers_add_invites
sample 2 Text	sample_2_text
   sample   2    Text   	sample_2_text
   $#$sample   2    Text   	sample_2_text
SAMPLE 2 TEXT	sample_2_text
___$$Base64Encode	base64_encode
FOO:BAR$BAZ	foo_bar_baz
FOO#BAR#BAZ	foo_bar_baz
something.com	something_com
$something%	something
HTTPRequest	httprequest
accountID	account_id
omega v2	omega_v2
v2Beta	v_2beta
9mega	_9mega
2021 revenue	_202_1_revenue
ünïcode	n_code
café au lait	caf_au_lait
•¶§ƒ˚foo˙∆˚¬	foo
select	_select
Order	_order
group	_group
from	_from
keys	_keys
Feed Type	feed_type
a__b	a_b
price_	price
_private	_private
EOF
	[ "$(wc -l < "$T/cases")" -ge 30 ]
	n=0
	while IFS='	' read -r key col; do
		n=$((n + 1))
		jq -cn --arg k "$key" --arg id "n$n" '{type:"track",event:"Naming",messageId:$id,timestamp:"2020-01-01T00:00:00Z",properties:{($k):$id}}'
	done < "$T/cases" > "$T/in"
	wload "$T/in"
	fails=0 n=0
	while IFS='	' read -r key col; do
		n=$((n + 1))
		got=$(sql "SELECT \`$col\` FROM naming WHERE id = 'n$n'")
		[ "$got" = "n$n" ] || { echo "'$key': want column $col, got '$got'"; fails=$((fails + 1)); }
	done < "$T/cases"
	[ "$fails" -eq 0 ]
	# two keys of one message that map to one name, and a property named
	# like a standard column: the first keeps the name, the rest go to
	# discards; a key with no ASCII letter or digit has no name
	cat > "$T/in2" <<'EOF'
{"type":"track","event":"Naming","messageId":"c1","timestamp":"2020-01-01T00:00:00Z","properties":{"fooBar":1,"foo_bar":2,"FOO BAR":"three","id":"mine","user_id":"u9","uuid_ts":"x","€":"nn"}}
EOF
	wload "$T/in2"
	[ "$(sql "SELECT id, foo_bar, user_id FROM naming WHERE id = 'c1'")" = "c1	1	NULL" ]
	rows_are discards 'seq, table_name, column_name, value, received_type, column_type, reason' \
"1	naming	foo_bar	2	integer	BIGINT	name_taken
2	naming	foo_bar	\"three\"	string	BIGINT	name_taken
3	naming	id	\"mine\"	string	VARBINARY(1020)	name_taken
4	naming	user_id	\"u9\"	string	TEXT	name_taken
5	naming	uuid_ts	\"x\"	string	DATETIME(6)	name_taken
6	naming	€	\"nn\"	string	NULL	no_name"
}

@test "names: cut to 256 bytes (or --max-name), tables and columns; --schema prefixes every table" {
	long=$(printf 'a%.0s' $(seq 300))
	printf '{"type":"track","event":"%s","messageId":"m","timestamp":"2020-01-01T00:00:00Z","properties":{"%s":1}}\n' "$long" "$long" > "$T/in"
	seg-flatten -q --layout warehouse "$T/in" > "$T/out"
	[ "$(jq -r 'select(._row) | ._table' "$T/out" | awk '{ print length($0) }' | tr '\n' ' ')" = "6 256 " ]
	[ "$(jq -r 'select(._row and ._table != "tracks") | ._row | keys[]' "$T/out" | awk 'length($0) > 200 { print length($0) }')" = 256 ]
	seg-flatten -q --layout warehouse --max-name 64 --schema ios "$T/in" > "$T/out"
	[ "$(jq -r 'select(._row) | ._table' "$T/out" | tr '\n' ' ')" = "ios_tracks ios_$(printf 'a%.0s' $(seq 60)) " ]
	wload "$T/in" --schema ios
	[ "$(sql "SELECT id FROM ios_tracks")" = m ]
	[ "$(sql "SELECT \`$(printf 'a%.0s' $(seq 64))\` FROM \`ios_$(printf 'a%.0s' $(seq 60))\`")" = 1 ]
}

@test "a property that is a number in one event and a string in the next: NULL in the row, the value in discards" {
	cat > "$T/in" <<'EOF'
{"type":"track","event":"Bought","messageId":"m1","timestamp":"2020-01-01T00:00:00Z","receivedAt":"2020-01-01T00:00:01Z","properties":{"price":10,"sku":"A1","ok":true,"at":"2020-01-01T00:00:00Z","tags":["x"]}}
{"type":"track","event":"Bought","messageId":"m2","timestamp":"2020-01-02T00:00:00Z","receivedAt":"2020-01-02T00:00:01Z","properties":{"price":"ten","sku":7,"ok":"yes","at":"soon","tags":{"a":1}}}
{"type":"track","event":"Bought","messageId":"m3","timestamp":"2020-01-03T00:00:00Z","properties":{"price":10.5,"sku":"B2","ok":false,"at":"2020-01-03T00:00:00Z","tags":[]}}
{"type":"track","event":"Bought","messageId":"m4","timestamp":"2020-01-04T00:00:00Z","properties":{"price":12345678901234567890}}
EOF
	wload "$T/in"
	rows_are bought 'id, price, sku, ok, at, tags, tags_a' \
"m1	10	A1	1	2020-01-01 00:00:00.000000	[\"x\"]	NULL
m2	NULL	NULL	NULL	NULL	NULL	1
m3	NULL	B2	0	2020-01-03 00:00:00.000000	[]	NULL
m4	NULL	NULL	NULL	NULL	NULL	NULL"
	rows_are discards 'id, seq, table_name, column_name, value, received_type, column_type, reason, received_at' \
"m2	1	bought	price	\"ten\"	string	BIGINT	type	2020-01-02 00:00:01.000000
m2	2	bought	sku	7	integer	TEXT	type	2020-01-02 00:00:01.000000
m2	3	bought	ok	\"yes\"	string	BOOLEAN	type	2020-01-02 00:00:01.000000
m2	4	bought	at	\"soon\"	string	DATETIME(6)	type	2020-01-02 00:00:01.000000
m3	1	bought	price	10.5	number	BIGINT	type	NULL
m4	1	bought	price	12345678901234567890	number	BIGINT	type	NULL"
}

@test "schema state: day 2 adds columns without losing day 1; saved only at a clean end" {
	printf '{"type":"track","event":"E","messageId":"d1","timestamp":"2020-01-01T00:00:00Z","properties":{"a":1}}\n' > "$T/day1"
	printf '{"type":"track","event":"E","messageId":"d2","timestamp":"2020-01-02T00:00:00Z","properties":{"b":"x","a":"text now"}}\n' > "$T/day2"
	wload "$T/day1" --save-state "$T/schema"
	[ "$(jq -c 'select(.table == "e")' "$T/schema")" = '{"table":"e","kind":"event","columns":[["a","bigint"]]}' ]
	wload "$T/day2" --state "$T/schema" --save-state "$T/schema2"
	# day 2's records: no CREATE of a known column, an ALTER for the new one
	[ "$(jq -r 'select(._ddl and ._table == "e") | ._ddl' "$T/rows" | grep -c 'ADD COLUMN')" = 1 ]
	rows_are e 'id, a, b' "d1	1	NULL
d2	NULL	x"
	rows_are discards 'id, column_name, value' "d2	a	\"text now\""
	[ "$(jq -c 'select(.table == "e") | .columns' "$T/schema2")" = '[["a","bigint"],["b","text"]]' ]
	# a state file that is not one is a configuration error; an I/O error
	# on the output saves nothing
	printf 'nonsense\n' > "$T/bad"
	run seg-flatten -q --layout warehouse --state "$T/bad" "$T/day1"
	[ "$status" -eq 78 ]
	run seg-flatten -q --layout warehouse --save-state "$T/never" -o /dev/full "$T/day1"
	[ "$status" -eq 74 ]
	[ ! -e "$T/never" ]
}

@test "users and accounts: newest by timestamp wins, whatever the load order (days loaded in reverse)" {
	printf '%s\n' \
		'{"type":"identify","messageId":"i1","timestamp":"2020-01-01T00:00:00Z","userId":"u1","traits":{"plan":"free","email":"old@x"}}' \
		'{"type":"group","messageId":"g1","timestamp":"2020-01-01T00:00:00Z","groupId":"acme","traits":{"size":1}}' > "$T/day1"
	printf '%s\n' \
		'{"type":"identify","messageId":"i2","timestamp":"2020-01-02T00:00:00Z","userId":"u1","traits":{"plan":"pro","email":"new@x"}}' \
		'{"type":"identify","messageId":"i3","timestamp":"2020-01-02T00:00:00Z","userId":"u2","traits":{"plan":"team"}}' \
		'{"type":"group","messageId":"g2","timestamp":"2020-01-02T00:00:00Z","groupId":"acme","traits":{"size":50}}' > "$T/day2"
	wload "$T/day2"
	wload "$T/day1"
	rows_are users 'id, timestamp, plan, email' "u1	2020-01-02 00:00:00.000000	pro	new@x
u2	2020-01-02 00:00:00.000000	team	NULL"
	rows_are accounts 'id, timestamp, size' "acme	2020-01-02 00:00:00.000000	50"
	# the forward order ends the same
	for t in users accounts identifies groups; do sql "DROP TABLE $t"; done
	wload "$T/day1"
	wload "$T/day2"
	rows_are users 'id, timestamp, plan, email' "u1	2020-01-02 00:00:00.000000	pro	new@x
u2	2020-01-02 00:00:00.000000	team	NULL"
	rows_are accounts 'id, timestamp, size' "acme	2020-01-02 00:00:00.000000	50"
	# every identify is kept in identifies
	rows_are identifies 'id, plan' "i1	free
i2	pro
i3	team"
}

@test "an emoji escaped as a surrogate pair arrives as raw UTF-8 in JSON columns" {
	printf '%s\n' '{"type":"track","event":"E","messageId":"m1","timestamp":"2020-01-01T00:00:00Z","properties":{"tags":["\ud83d\ude00","a\\\ud83c\udfb5"],"s":"\ud83d\ude00"}}' > "$T/in"
	wload "$T/in"
	[ "$(sql "SELECT HEX(tags) FROM e")" = "$(printf '["\xf0\x9f\x98\x80","a\\\\\xf0\x9f\x8e\xb5"]' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ]
	[ "$(sql "SELECT s FROM e")" = "$(printf '\xf0\x9f\x98\x80')" ]
}

@test "rejects: no messageId, no time, an unknown type, a track without a usable event name" {
	cat > "$T/in" <<'EOF'
{"type":"track","event":"E","timestamp":"2020-01-01T00:00:00Z"}
{"type":"track","event":"E","messageId":"m"}
{"type":"track","event":"E","messageId":"m","timestamp":"yesterday"}
{"type":"bogus","messageId":"m","timestamp":"2020-01-01T00:00:00Z"}
{"type":"track","messageId":"m","timestamp":"2020-01-01T00:00:00Z"}
{"type":"track","event":"¿?","messageId":"m","timestamp":"2020-01-01T00:00:00Z"}
{"type":"track","event":"E","messageId":"ok","timestamp":"2020-01-01T00:00:00Z"}
EOF
	run seg-flatten -q --layout warehouse -r "$T/rej" --stats "$T/st" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -r .reason "$T/rej" | tr '\n' ' ')" = "missing_message_id missing_timestamp bad_timestamp bad_type missing_event bad_event " ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(._row) | ._row.id' | tr '\n' ' ')" = "ok ok " ]
	[ "$(jq -c '[.in, .out, .rejected, .rows]' "$T/st")" = '[7,1,6,2]' ]
}

@test "identities: every (anonymous id, user id) pair and every alias, with first and last seen, in any load order" {
	printf '%s\n' \
		'{"type":"page","messageId":"p1","timestamp":"2020-01-01T10:00:00Z","anonymousId":"anon1","userId":"u1","name":"Home"}' \
		'{"type":"alias","messageId":"al1","timestamp":"2020-01-01T11:00:00Z","previousId":"anon2","userId":"u1"}' \
		'{"type":"track","event":"E","messageId":"t0","timestamp":"2020-01-01T09:00:00Z","anonymousId":"anon9"}' > "$T/day1"
	printf '%s\n' \
		'{"type":"identify","messageId":"i1","timestamp":"2020-01-02T10:00:00Z","anonymousId":"anon1","userId":"u1"}' \
		'{"type":"track","event":"E","messageId":"t1","timestamp":"2020-01-02T12:00:00Z","anonymousId":"anon3","userId":7}' \
		'{"type":"alias","messageId":"al2","timestamp":"2020-01-02T13:00:00Z","anonymousId":"anon4","previousId":"u1","userId":"u1-new"}' > "$T/day2"
	wload "$T/day2"
	wload "$T/day1"
	rows_are identities 'anonymous_id, user_id, first_seen, last_seen' \
"anon1	u1	2020-01-01 10:00:00.000000	2020-01-02 10:00:00.000000
anon2	u1	2020-01-01 11:00:00.000000	2020-01-01 11:00:00.000000
anon3	7	2020-01-02 12:00:00.000000	2020-01-02 12:00:00.000000
anon4	u1-new	2020-01-02 13:00:00.000000	2020-01-02 13:00:00.000000
u1	u1-new	2020-01-02 13:00:00.000000	2020-01-02 13:00:00.000000"
	# anonymous sessions join to the users they became
	[ "$(sql "SELECT GROUP_CONCAT(DISTINCT p.id ORDER BY p.id) FROM pages p JOIN identities i ON i.anonymous_id = p.anonymous_id WHERE i.user_id = 'u1'")" = p1 ]
}

@test "--layout audiences: Engage audience changes into the log and the current state, newest wins; the rest untouched" {
	cat > "$T/day2" <<'EOF2'
{"type":"identify","messageId":"e3","timestamp":"2020-01-02T00:00:00Z","userId":"u1","anonymousId":"a1","traits":{"email":"ann@x","high_value":false},"context":{"personas":{"computation_class":"audience","computation_id":"aud_1","computation_key":"high_value","space_id":"spa_1"}}}
{"type":"track","messageId":"e4","timestamp":"2020-01-02T01:00:00Z","userId":"u2","event":"Audience Entered","properties":{"audience_key":"churn_risk","churn_risk":true,"email":"bob@x"},"context":{"personas":{"computation_class":"audience","computation_id":"aud_2","space_id":"spa_1"}}}
{"type":"track","messageId":"x1","timestamp":"2020-01-02T02:00:00Z","userId":"u2","event":"Order Completed",  "properties":{"total":1}}
{"type":"identify","messageId":"x2","timestamp":"2020-01-02T03:00:00Z","userId":"u2","traits":{"score":3},"context":{"personas":{"computation_class":"trait"}}}
{"type":"identify","messageId":"bad","timestamp":"2020-01-02T04:00:00Z","userId":"u3","traits":{},"context":{"personas":{"computation_class":"audience","computation_key":"k"}}}
EOF2
	cat > "$T/day1" <<'EOF2'
{"type":"identify","messageId":"e1","timestamp":"2020-01-01T00:00:00Z","userId":"u1","anonymousId":"a1","traits":{"email":"ann@x","high_value":true},"context":{"personas":{"computation_class":"audience","computation_id":"aud_1","computation_key":"high_value","space_id":"spa_1"}}}
{"type":"track","messageId":"e2","timestamp":"2020-01-01T01:00:00Z","anonymousId":"a9","event":"Audience Exited","properties":{"audience_key":"churn_risk"},"context":{"traits":{"email":"anon@x"}}}
EOF2
	for day in day2 day1; do
		run seg-flatten -q --layout audiences --rest "$T/rest.$day" -r "$T/rej.$day" --stats "$T/st.$day" "$T/$day"
		[ "$status" -eq "$([ $day = day2 ] && echo 1 || echo 0)" ]
		printf '%s\n' "$output" | seg-batch -q > "$T/b"
		s2-load -q --url "$S2_URL" -d "$S2_DATABASE" "$T/b"
		assert_accounted "$T/st.$day" out rest rejected
	done
	rows_are audience_membership_log 'message_id, user_id, anonymous_id, email, audience_key, computation_id, space_id, action, timestamp' \
"e1	u1	a1	ann@x	high_value	aud_1	spa_1	entered	2020-01-01 00:00:00.000000
e2	NULL	a9	anon@x	churn_risk	NULL	NULL	exited	2020-01-01 01:00:00.000000
e3	u1	a1	ann@x	high_value	aud_1	spa_1	exited	2020-01-02 00:00:00.000000
e4	u2	NULL	bob@x	churn_risk	aud_2	spa_1	entered	2020-01-02 01:00:00.000000"
	rows_are audience_membership 'audience_key, user_id, anonymous_id, in_audience, message_id, timestamp' \
"churn_risk		a9	0	e2	2020-01-01 01:00:00.000000
churn_risk	u2		1	e4	2020-01-02 01:00:00.000000
high_value	u1	a1	0	e3	2020-01-02 00:00:00.000000"
	# the other messages, byte for byte; the malformed change rejected
	[ "$(cat "$T/rest.day2")" = "$(sed -n 3,4p "$T/day2")" ]
	[ ! -s "$T/rest.day1" ]
	[ "$(jq -r '.reason + " " + .raw' "$T/rej.day2")" = "bad_audience $(sed -n 5p "$T/day2")" ]
	run seg-flatten -q --layout audiences "$T/day1"
	[ "$status" -eq 64 ]
}

@test "segment_data and raw --with received_at,sent_at,source_id; surrogate pairs reach JSON columns as raw UTF-8" {
	printf '%s\n' '{"type":"track","event":"E","messageId":"m1","timestamp":"2020-01-01T00:00:00Z","receivedAt":"2020-01-01T01:00:00.5+01:00","sentAt":"2020-01-01T00:00:01Z","properties":{"s":"\ud83d\ude00"}}' \
		'{"type":"track","event":"E","messageId":"m2","timestamp":"2020-01-01T00:00:00Z"}' > "$T/in"
	for layout in segment_data raw; do
		seg-flatten -q --layout "$layout" --with source_id,received_at,sent_at --source-id src_1 "$T/in" | seg-batch -q > "$T/b"
		s2-load -q --url "$S2_URL" -d "$S2_DATABASE" "$T/b"
	done
	rows_are segment_data 'messageId, source_id, received_at, sent_at, HEX(JSON_VALUE(properties, "$.s")), properties LIKE "%ud83d%"' \
"m1	src_1	2020-01-01 00:00:00.500000	2020-01-01 00:00:01.000000	F09F9880	0
m2	src_1	NULL	NULL	NULL	NULL"
	rows_are segment_raw_data 'messageId, source_id, received_at, sent_at, INSTR(message, UNHEX("F09F9880")) > 0, message LIKE "%ud83d%"' \
"m1	src_1	2020-01-01 00:00:00.500000	2020-01-01 00:00:01.000000	1	0
m2	src_1	NULL	NULL	0	0"
	run seg-flatten --with source_id,bogus "$T/in"
	[ "$status" -eq 64 ]
	run seg-flatten --source-id x "$T/in"
	[ "$status" -eq 64 ]
}

@test "share/sql holds the DDL --print-ddl prints for warehouse and audiences" {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	for l in warehouse audiences; do
		[ "$(seg-flatten --layout $l --print-ddl)" = "$(grep -v '^--' "$top/share/sql/$l.sql")" ]
	done
	[ "$(seg-flatten --layout warehouse --print-ddl | grep -c '^CREATE TABLE')" -eq 10 ]
	[ "$(seg-flatten --layout warehouse --print-ddl --schema ios | grep -c '^CREATE TABLE IF NOT EXISTS `ios_')" -eq 10 ]
}

@test "a table stops at 1000 columns: later new properties go to discards (column_limit)" {
	jq -cn '{type:"track",event:"Wide",messageId:"w1",timestamp:"2020-01-01T00:00:00Z",properties:([range(1000)] | map({key:"p\(.)", value:.}) | from_entries)}' > "$T/in"
	run seg-flatten -q --layout warehouse -o "$T/out" --stats "$T/st" "$T/in"
	[ "$status" -eq 0 ]
	row=$(jq -c 'select(._table == "wide" and ._row) | ._row' "$T/out")
	[ "$(jq 'length' <<< "$row")" -eq 999 ]     # 1000 columns, uuid_ts is the database's
	[ "$(jq -r .p989 <<< "$row")" = 989 ]
	[ "$(jq -r '.p990 // "none"' <<< "$row")" = none ]
	[ "$(jq -r 'select(._table == "discards" and ._row) | ._row | [.column_name, .value, .reason] | @tsv' "$T/out" | head -n 2)" = "p990	990	column_limit
p991	991	column_limit" ]
	[ "$(jq -c '[.rows, .discarded]' "$T/st")" = '[2,10]' ]
}
