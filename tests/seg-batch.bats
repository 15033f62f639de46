#!/usr/bin/env bats
# seg-batch: the batch record format, exact size limits checked with wc -c,
# escaping of every string edge case, --max-args, interleaved tables, DDL
# order, determinism, reject reasons and exit codes. The last tests execute
# the batches in a private MariaDB and read the values back.

load 'helpers/accounting'

setup() {
	T=$BATS_TEST_TMPDIR
}

# bodies FILE: the body of every batch record, one per line, cut out as text
# (not re-serialized) so that its bytes can be counted.
bodies() {
	grep '^{"_batch"' "$1" |
		sed -E 's/^\{"_batch":"[0-9a-f]{32}","table":"[a-zA-Z0-9_$]*","rows":[0-9]+,"bytes":[0-9]+,"body":(.*)\}$/\1/'
}

# sizes FILE: the byte length of every body (awk in the C locale counts
# bytes), and wc -c must agree on their sum.
sizes() {
	bodies "$1" > "$T/bodies"
	LC_ALL=C awk '{ print length($0) }' "$T/bodies"
	local sum
	sum=$(LC_ALL=C awk '{ n += length($0) + 1 } END { print n + 0 }' "$T/bodies")
	[ "$sum" -eq "$(wc -c < "$T/bodies")" ] || echo "wc -c disagrees with the sum of lengths"
}

# check_sizes FILE LIMIT: every body within LIMIT, "bytes" equal to wc -c,
# and every record valid JSON with placeholders matching args.
check_sizes() {
	sizes "$1" > "$T/wc"
	jq -r 'select(._batch) | .bytes' "$1" > "$T/bytes"
	[ -s "$T/wc" ] || { echo "no batches"; return 1; }
	cmp "$T/wc" "$T/bytes" || { echo "bytes field differs from wc -c"; paste "$T/wc" "$T/bytes" | head; return 1; }
	local over
	over=$(awk -v lim="$2" '$1 > lim' "$T/wc" | head -n 1)
	[ -z "$over" ] || { echo "body of $over bytes over $2"; return 1; }
	jq 'select(._batch) | (.body.sql | split("?") | length - 1) == (.body.args | length)' "$1" > "$T/ph"
	! grep -q false "$T/ph" || { echo "placeholder count differs from args"; return 1; }
}

@test "record format: DDL passed through, one batch per table, exact bytes" {
	cat > "$T/in" <<'EOF'
{"_table":"t","_ddl":"CREATE TABLE IF NOT EXISTS `t` (`id` INT, `s` TEXT)"}
{"_table":"t","id":1,"s":"a"}
{"_table":"u","x":true}
{"_table":"t","id":2,"s":null}
EOF
	run seg-batch -q "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"_table":"t","_ddl":"CREATE TABLE IF NOT EXISTS `t` (`id` INT, `s` TEXT)"}' ]
	body1='{"sql":"INSERT INTO `t` (`id`, `s`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `s` = `s`","args":[1,"a",2,null]}'
	id1=$(printf '%s' "$body1" | sha256sum | cut -c1-32)
	[ "${lines[1]}" = "{\"_batch\":\"$id1\",\"table\":\"t\",\"rows\":2,\"bytes\":${#body1},\"body\":$body1}" ]
	body2='{"sql":"INSERT INTO `u` (`x`) VALUES (?) ON DUPLICATE KEY UPDATE `x` = `x`","args":[true]}'
	id2=$(printf '%s' "$body2" | sha256sum | cut -c1-32)
	[ "${lines[2]}" = "{\"_batch\":\"$id2\",\"table\":\"u\",\"rows\":1,\"bytes\":${#body2},\"body\":$body2}" ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "a body exactly at the limit is produced; one byte less and the row is rejected" {
	v=$(head -c 700 /dev/zero | tr '\0' x)
	printf '{"_table":"t","c":"%s"}\n' "$v" > "$T/in"
	one=$(printf '{"sql":"INSERT INTO `t` (`c`) VALUES (?) ON DUPLICATE KEY UPDATE `c` = `c`","args":["%s"]}' "$v" | wc -c)
	run seg-batch -q --max-bytes $((one + 256)) "$T/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq .bytes)" -eq "$one" ]
	printf '%s\n' "$output" > "$T/out"
	check_sizes "$T/out" "$one"
	run seg-batch -q --max-bytes $((one + 255)) -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(jq -r .reason "$T/rej")" = row_too_large ]
	[ "$(jq -r .raw "$T/rej")" = "$(cat "$T/in")" ]
	# --reserve 0: the whole --max-bytes is the body
	run seg-batch -q --max-bytes "$one" --reserve 0 "$T/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq .bytes)" -eq "$one" ]
}

@test "two rows exactly at the limit share a batch; one byte less splits them" {
	v=$(head -c 300 /dev/zero | tr '\0' y)
	printf '{"_table":"t","c":"%s1"}\n{"_table":"t","c":"%s2"}\n' "$v" "$v" > "$T/in"
	two=$(printf '{"sql":"INSERT INTO `t` (`c`) VALUES (?), (?) ON DUPLICATE KEY UPDATE `c` = `c`","args":["%s1","%s2"]}' "$v" "$v" | wc -c)
	seg-batch -q --max-bytes $((two + 256)) "$T/in" > "$T/out"
	[ "$(jq -r '[.rows, .bytes] | @tsv' "$T/out")" = "$(printf '2\t%s' "$two")" ]
	check_sizes "$T/out" "$two"
	seg-batch -q --max-bytes $((two + 255)) "$T/in" > "$T/out"
	[ "$(jq -r .rows "$T/out" | tr '\n' ' ')" = "1 1 " ]
	check_sizes "$T/out" $((two - 1))
	[ "$(jq -c '.body.args[]' "$T/out" | tr '\n' ' ')" = "\"${v}1\" \"${v}2\" " ]
}

@test "every body within --max-bytes, checked with wc -c, on rows of many sizes" {
	awk 'BEGIN { srand(7); for (i = 0; i < 3000; i++) { n = int(rand() * rand() * 1500);
		s = ""; for (j = 0; j < n; j++) s = s substr("ab\"\\c é?\x27", int(rand() * 9) + 1, 1);
		gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s);
		printf "{\"_table\":\"t%d\",\"id\":%d,\"s\":\"%s\",\"o\":{\"k\":[%d]}}\n", i % 3, i, s, n } }' > "$T/in"
	for lim in 2000 5000 20000 1000000; do
		run seg-batch -q --max-bytes "$lim" -r "$T/rej" -o "$T/out" "$T/in"
		check_sizes "$T/out" $((lim - 256))
		rows=$(jq -s 'map(.rows) | add' "$T/out")
		rej=$(wc -l < "$T/rej")
		[ $((rows + rej)) -eq 3000 ] || { echo "limit $lim: $rows rows + $rej rejected"; return 1; }
		[ "$lim" -gt 2000 ] || [ "$rej" -gt 0 ]
	done
	# greedy: at 1 000 000 bytes the 1000-row cap is what closes batches
	[ "$(jq -r .rows "$T/out" | sort -u | tr '\n' ' ')" = "1000 " ]
}

@test "escaping: every string edge case reaches args byte for byte, never the SQL text" {
	cat > "$T/values" <<'EOF'
"plain"
""
"it's"
"''"
"a\"b"
"\"\""
"back\\slash"
"trailing\\"
"\\\\"
"\\'"
"\\\""
"?"
"??"
"'?'"
"\"?\""
"\\?"
"`"
"a`b`"
"--"
"/* x */"
"; DROP TABLE t; --"
"\u0000"
"a\u0000b"
"\u0001\u001f\u007f"
"\n\r\t\b\f"
"\/"
"é"
"\u00e9"
"☃ 𝄞 😀"
"\ud83d\ude00"
"\u2028\u2029"
"\uffff"
"%s%d"
"$1 $$"
"{}"
"[1]"
"NULL"
"null"
EOF
	awk '{ printf "{\"_table\":\"t\",\"id\":%d,\"s\":%s}\n", NR, $0 }' "$T/values" > "$T/in"
	seg-batch -q "$T/in" > "$T/out"
	[ "$(wc -l < "$T/out")" -eq 1 ]
	n=$(wc -l < "$T/values")
	[ "$(jq -r .body.sql "$T/out")" = "INSERT INTO \`t\` (\`id\`, \`s\`) VALUES $(yes '(?, ?)' | head -n "$n" | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $0 }') ON DUPLICATE KEY UPDATE \`s\` = \`s\`" ]
	# raw: the args text is the input values' text, in order
	args=$(awk '{ printf "%s%d,%s", (NR > 1 ? "," : ""), NR, $0 }' "$T/values")
	[ "$(bodies "$T/out")" = "{\"sql\":$(jq .body.sql "$T/out"),\"args\":[$args]}" ]
	# decoded: jq reads the same values from input and output
	[ "$(jq -c '.body.args' "$T/out")" = "$(jq -sc 'map(.id, .s)' "$T/in")" ]
	check_sizes "$T/out" 999744
}

@test "values: numbers keep their text, objects stay objects, arrays become JSON strings" {
	printf '%s\n' '{"_table":"t","n":1.50,"e":1E+2,"z":-0,"big":123456789012345678901234567890,"b":true,"f":false,"u":null,"o":{"a" : [1, "x"], "q":"'"'"'?"},"a":[1,"two",{"k":"v\"q"}],"ea":[]}' > "$T/in"
	seg-batch -q "$T/in" > "$T/out"
	[ "$(bodies "$T/out" | sed 's/.*"args"://')" = '[1.50,1E+2,-0,123456789012345678901234567890,true,false,null,{"a" : [1, "x"], "q":"'"'"'?"},"[1,\"two\",{\"k\":\"v\\\"q\"}]","[]"]}' ]
	[ "$(jq -r '.body.args[8]' "$T/out" | jq -c .)" = '[1,"two",{"k":"v\"q"}]' ]
	check_sizes "$T/out" 999744
}

@test "--max-args: wide rows share batches up to the placeholder limit" {
	awk 'BEGIN { for (r = 0; r < 10; r++) { printf "{\"_table\":\"wide\""; for (c = 0; c < 100; c++) printf ",\"c%d\":%d", c, r * 100 + c; print "}" } }' > "$T/in"
	seg-batch -q --max-args 250 "$T/in" > "$T/out"
	[ "$(jq -r .rows "$T/out" | tr '\n' ' ')" = "2 2 2 2 2 " ]
	[ "$(jq -r '.body.args | length' "$T/out" | sort -u)" = 200 ]
	[ "$(jq -c '.body.args[]' "$T/out" | paste -sd,)" = "$(seq 0 999 | paste -sd,)" ]
	seg-batch -q --max-args 300 "$T/in" > "$T/out"
	[ "$(jq -r .rows "$T/out" | tr '\n' ' ')" = "3 3 3 1 " ]
	run seg-batch -q --max-args 99 -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(jq -r .reason "$T/rej" | sort | uniq -c | tr -s ' ')" = " 10 row_too_large" ]
	# the default 65 535: 700 columns per row, 93 rows per batch
	awk 'BEGIN { for (r = 0; r < 200; r++) { printf "{\"_table\":\"w\""; for (c = 0; c < 700; c++) printf ",\"c%d\":%d", c, c; print "}" } }' > "$T/in"
	seg-batch -q "$T/in" > "$T/out"
	[ "$(jq -r .rows "$T/out" | tr '\n' ' ')" = "93 93 14 " ]
	check_sizes "$T/out" 999744
}

@test "--max-rows caps a batch" {
	seq 2500 | awk '{ printf "{\"_table\":\"t\",\"i\":%d}\n", $1 }' > "$T/in"
	seg-batch -q "$T/in" > "$T/out"
	[ "$(jq -r .rows "$T/out" | tr '\n' ' ')" = "1000 1000 500 " ]
	seg-batch -q --max-rows 1 "$T/in" > "$T/out"
	[ "$(wc -l < "$T/out")" -eq 2500 ]
	[ "$(jq -c '.body.args[]' "$T/out" | paste -sd,)" = "$(seq 2500 | paste -sd,)" ]
}

@test "many tables interleaved: rows keep their table and order, --max-open-tables bounds open batches" {
	awk 'BEGIN { srand(3); for (i = 0; i < 2000; i++) { t = int(rand() * 9);
		printf "{\"_table\":\"tab%d\",\"i\":%d,\"pad\":\"%*s\"}\n", t, i, int(rand() * 200), "" } }' > "$T/in"
	for open in 1 3 64; do
		seg-batch -q --max-bytes 4000 --max-open-tables "$open" "$T/in" > "$T/out"
		check_sizes "$T/out" 3744
		for t in 0 1 2 3 4 5 6 7 8; do
			want=$(jq -c "select(._table == \"tab$t\") | .i" "$T/in" | paste -sd,)
			got=$(jq -c "select(.table == \"tab$t\") | .body.args | to_entries[] | select(.key % 2 == 0) | .value" "$T/out" | paste -sd,)
			[ "$want" = "$got" ] || { echo "open $open, tab$t: rows differ"; return 1; }
			ok=$(jq -r "select(.table == \"tab$t\") | .body.sql | startswith(\"INSERT INTO \`tab$t\` (\`i\`, \`pad\`) VALUES \")" "$T/out" | sort -u)
			[ "$ok" = true ] || { echo "tab$t: statement"; return 1; }
		done
		[ "$(jq -s 'map(.rows) | add' "$T/out")" -eq 2000 ]
	done
	# with one open table, a batch ends whenever the table changes
	seg-batch -q --max-open-tables 1 "$T/in" > "$T/out"
	[ "$(wc -l < "$T/out")" -eq "$(jq -r ._table "$T/in" | uniq | wc -l)" ]
}

@test "DDL order: the table's open batch goes first, other tables' batches stay open" {
	cat > "$T/in" <<'EOF'
{"_table":"a","_ddl":"CREATE TABLE a (x INT)"}
{"_table":"a","x":1}
{"_table":"b","y":1}
{"_table":"a","x":2}
{"_table":"a","_ddl":"ALTER TABLE a ADD COLUMN z INT"}
{"_table":"a","x":3,"z":3}
{"_table":"b","y":2}
{"_table":"b","_ddl":"CREATE TABLE b (y INT)"}
{"_table":"a","x":4,"z":4}
EOF
	seg-batch -q "$T/in" > "$T/out"
	run jq -c 'if ._ddl then ._ddl else [.table, .body.args] end' "$T/out"
	[ "${lines[0]}" = '"CREATE TABLE a (x INT)"' ]
	[ "${lines[1]}" = '["a",[1,2]]' ]
	[ "${lines[2]}" = '"ALTER TABLE a ADD COLUMN z INT"' ]
	[ "${lines[3]}" = '["b",[1,2]]' ]
	[ "${lines[4]}" = '"CREATE TABLE b (y INT)"' ]
	[ "${lines[5]}" = '["a",[3,3,4,4]]' ]
	[ "${#lines[@]}" -eq 6 ]
	# DDL records come out byte for byte
	[ "$(grep _ddl "$T/out")" = "$(grep _ddl "$T/in")" ]
}

@test "a changed column list closes the batch; a bad row does not" {
	cat > "$T/in" <<'EOF'
{"_table":"t","a":1,"b":2}
{"_table":"t","a":3,"b":4}
{"_table":"t","a":5,"a":6}
{"_table":"t","a":7,"b":8}
{"_table":"t","b":9,"a":10}
{"_table":"t","a":11,"b":12,"_note":"ignored"}
{"_table":"t","\u0061":13,"b":14}
EOF
	run seg-batch -q -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -c '[.rows, .body.args]' | tr '\n' ' ')" = '[3,[1,2,3,4,7,8]] [1,[9,10]] [2,[11,12,13,14]] ' ]
	[ "$(jq -r .reason "$T/rej")" = duplicate_column ]
}

@test "determinism: two runs are byte-identical and every id is the SHA-256 of its body" {
	awk 'BEGIN { srand(11); for (i = 0; i < 3000; i++) printf "{\"_table\":\"t%d\",\"id\":\"m%d\",\"v\":%f}\n", i % 4, i, rand() }' > "$T/in"
	seg-batch -q --max-bytes 10000 "$T/in" > "$T/out1"
	seg-batch -q --max-bytes 10000 - < "$T/in" > "$T/out2"
	cmp "$T/out1" "$T/out2"
	[ "$(jq -r ._batch "$T/out1" | sort -u | wc -l)" -eq "$(wc -l < "$T/out1")" ]
	bodies "$T/out1" | head -n 40 | while IFS= read -r b; do printf '%s' "$b" | sha256sum | cut -c1-32; done > "$T/ids"
	[ "$(jq -r ._batch "$T/out1" | head -n 40)" = "$(cat "$T/ids")" ]
	# the same rows split over two files give the same batches
	head -n 1000 "$T/in" > "$T/a"
	tail -n +1001 "$T/in" > "$T/b"
	seg-batch -q --max-bytes 10000 "$T/a" "$T/b" > "$T/out3"
	cmp "$T/out1" "$T/out3"
}

@test "--on-duplicate, _upsert and --key choose the statement" {
	cat > "$T/in" <<'EOF'
{"_table":"t","_ddl":"CREATE TABLE t (`messageId` VARCHAR(100) NOT NULL, v TEXT, SHARD KEY (messageId), UNIQUE KEY (messageId) USING HASH)"}
{"_table":"t","messageId":"m","v":"x"}
EOF
	sql() { seg-batch -q "$@" "$T/in" | jq -r 'select(._batch) | .body.sql'; }
	[ "$(sql)" = 'INSERT INTO `t` (`messageId`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `v` = `v`' ]
	[ "$(sql --on-duplicate error)" = 'INSERT INTO `t` (`messageId`, `v`) VALUES (?, ?)' ]
	[ "$(sql --on-duplicate update)" = 'INSERT INTO `t` (`messageId`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)' ]
	[ "$(sql --on-duplicate update --key v)" = 'INSERT INTO `t` (`messageId`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `v` = `v`' ]
	sed -i '1s/}$/,"_upsert":true}/' "$T/in"
	[ "$(sql)" = 'INSERT INTO `t` (`messageId`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)' ]
	# no DDL: every column is updated unless --key names the keys
	printf '{"_table":"u","id":1,"v":2}\n' > "$T/in"
	[ "$(sql --on-duplicate update)" = 'INSERT INTO `u` (`id`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `id` = VALUES(`id`), `v` = VALUES(`v`)' ]
	[ "$(sql --on-duplicate update --key ID)" = 'INSERT INTO `u` (`id`, `v`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)' ]
}

@test "--on-duplicate update leaves a key alone after 1--1 in the DDL (not a comment)" {
	cat > "$T/in" <<'EOF'
{"_table":"t","_ddl":"CREATE TABLE t (a INT DEFAULT 1--1, b INT PRIMARY KEY)"}
{"_table":"t","a":1,"b":2}
EOF
	[ "$(seg-batch -q --on-duplicate update "$T/in" | jq -r 'select(._batch) | .body.sql')" = 'INSERT INTO `t` (`a`, `b`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `a` = VALUES(`a`)' ]
}

@test "table: one line per reject reason" {
	local fails=0
	while IFS='|' read -r want args line; do
		[ -n "$want" ] || continue
		printf '%s\n' "$line" > "$T/in"
		rm -f "$T/rej"
		rc=0
		seg-batch -q -r "$T/rej" $args "$T/in" > "$T/out" || rc=$?
		if [ "$want" = ok ]; then
			got=$([ "$rc" -eq 0 ] && [ -s "$T/out" ] && [ ! -s "$T/rej" ] && echo ok || echo "exit $rc")
		else
			got=$([ "$rc" -eq 1 ] && [ ! -s "$T/out" ] && jq -r .reason "$T/rej" || echo "exit $rc")
		fi
		if [ "$got" != "$want" ]; then
			echo "want $want, got $got: $args $line"
			fails=$((fails + 1))
		fi
	done <<'EOF'
ok||{"_table":"t","a":1}
ok||{"_table":"t","a":1,"_extra":{"x":1}}
ok||{"_table":"t","_ddl":"CREATE TABLE t (a INT)"}
ok||{"_table":"t","_ddl":"CREATE TABLE t (a INT)","_upsert":false}
ok||  {"_table":"t","a":1}  
ok||{"_t\u0061ble":"t","\u0061":1}
json_syntax||{"_table":"t","a":1
json_syntax||{"_table":"t","a":01}
json_syntax||{"_table":"t"} x
not_object||["_table","t"]
not_object||"t"
missing_table||{"a":1}
missing_table||{"_table":1,"a":1}
missing_table||{"_table":null,"a":1}
bad_identifier||{"_table":"t t","a":1}
bad_identifier||{"_table":"","a":1}
bad_identifier||{"_table":"t`; DROP TABLE x; --","a":1}
bad_identifier||{"_table":"t","a-b":1}
bad_identifier||{"_table":"t","":1}
bad_identifier||{"_table":"t","a`":1}
bad_identifier||{"_table":"t","\u00e9":1}
bad_identifier||{"_table":"x000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000a","a":1}
bad_identifier||{"_table":"t t","_ddl":"CREATE TABLE x (a INT)"}
duplicate_column||{"_table":"t","a":1,"b":2,"a":3}
duplicate_column||{"_table":"t","a":1,"\u0061":2}
duplicate_column||{"_table":"t","messageId":1,"MessageID":2}
no_columns||{"_table":"t"}
no_columns||{"_table":"t","_x":1}
bad_ddl||{"_table":"t","_ddl":1}
bad_ddl||{"_table":"t","_ddl":"CREATE TABLE t (a INT)","_upsert":"yes"}
row_too_large|--max-bytes 300|{"_table":"t","a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
row_too_large|--max-args 1|{"_table":"t","a":1,"b":2}
line_too_long|--max-line 20|{"_table":"t","a":"long enough"}
too_deep|--max-depth 3|{"_table":"t","a":[[[1]]]}
EOF
	[ "$fails" -eq 0 ]
}

@test "bad input: BOM, CRLF, blank lines, invalid UTF-8, NUL bytes, empty and truncated files" {
	printf '\xef\xbb\xbf{"_table":"t","a":1}\r\n\n\r\n{"_table":"t","a":"\xff"}\n{"_table":"t","a":"x\0y"}\n{"_table":"t","a":2}' > "$T/in"
	run seg-batch -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep '^{' | jq -c .body.args)" = '[1,2]' ]
	[ "$(jq -r .reason "$T/rej" | tr '\n' ' ')" = "bad_utf8 json_syntax " ]
	[ "$(jq -r 'has("raw_base64")' "$T/rej" | tr '\n' ' ')" = "true false " ]
	[[ "$output" == *"seg-batch: 4 in, 1 out, 2 rows, 1 batches, 0 ddl, 2 rejected, 2 blank (bad_utf8 1, json_syntax 1)"* ]]
	: > "$T/empty"
	run seg-batch -q "$T/empty"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "options and exit codes: usage 64, missing input 66, --stats" {
	run seg-batch --max-bytes 100 --reserve 100
	[ "$status" -eq 64 ]
	run seg-batch --max-rows 0
	[ "$status" -eq 64 ]
	run seg-batch --on-duplicate replace
	[ "$status" -eq 64 ]
	run seg-batch --key 'a b'
	[ "$status" -eq 64 ]
	run seg-batch --max-bytes lots
	[ "$status" -eq 64 ]
	run seg-batch -q "$T/nope"
	[ "$status" -eq 66 ]
	printf '{"_table":"t","a":1}\n{"_table":"t","a":2}\n{"_table":"t","_ddl":"X"}\n[]\n' > "$T/in"
	run seg-batch --stats "$T/stats.json" -o "$T/out" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.program, .in, .out, .rows, .batches, .ddl, .rejected, .reasons]' "$T/stats.json")" = '["seg-batch",4,2,2,1,1,1,{"not_object":1}]' ]
	[[ "$output" == *"seg-batch: 4 in, 2 out, 2 rows, 1 batches, 1 ddl, 1 rejected (not_object 1)"* ]]
}

@test "a closed pipe is a quiet stop" {
	seq 200000 | awk '{ printf "{\"_table\":\"t%d\",\"i\":%d}\n", $1 % 50, $1 }' > "$T/in"
	run sh -c "seg-batch -q --max-rows 10 '$T/in' | head -n 1"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "seg-flatten | seg-batch: the real records of both layouts and DDL kinds" {
	command -v seg-flatten > /dev/null || skip "seg-flatten not built"
	docs=$TESTDATA/segment-docs
	cols='`messageId`, `timestamp`, `type`, `event`, `name`, `properties`, `userId`, `anonymousId`, `groupId`, `traits`, `context`'
	seg-gen --seed 5 --size 2M > "$T/gen"
	seg-flatten -q "$docs/complete.ndjson" "$T/gen" > "$T/rows"
	n=$(grep -vc _ddl "$T/rows")
	seg-batch -q --on-duplicate update "$T/rows" > "$T/out"
	[ "$(head -n 1 "$T/out")" = "$(head -n 1 "$T/rows")" ]
	[ "$(jq -s 'map(select(._batch) | .rows) | add' "$T/out")" -eq "$n" ]
	[ "$(jq -r 'select(._batch) | (.body.args | length) == 11 * .rows' "$T/out" | sort -u)" = true ]
	# the recommended DDL's keys (messageId) are left alone by the update
	sql=$(jq -r 'select(._batch) | .body.sql' "$T/out" | head -n 1)
	[[ "$sql" == "INSERT INTO \`segment_data\` ($cols) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), "* ]]
	[[ "$sql" == *" ON DUPLICATE KEY UPDATE \`timestamp\` = VALUES(\`timestamp\`), "* ]]
	[[ "$sql" != *'`messageId` = VALUES'* ]]
	# args are the row values, in order
	[ "$(jq -c 'select(._batch) | .body.args[]' "$T/out")" = "$(jq -c 'select(._ddl | not) | ._row[]' "$T/rows")" ]
	# compat DDL (Segment's own table) and the raw layout
	seg-flatten -q --ddl compat "$docs/complete.ndjson" | seg-batch -q > "$T/out"
	[ "$(jq -r 'select(._batch) | .body.sql' "$T/out")" = "INSERT INTO \`segment_data\` ($cols) VALUES $(yes '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)' | head -n 5 | paste -sd '|' | sed 's/|/, /g') ON DUPLICATE KEY UPDATE \`context\` = \`context\`" ]
	seg-flatten -q --layout raw "$docs/complete.ndjson" | seg-batch -q --on-duplicate update > "$T/out"
	[ "$(jq -r 'select(._batch) | .body.sql' "$T/out" | sed 's/ VALUES .* ON / ON /')" = 'INSERT INTO `segment_raw_data` (`message`, `timestamp`, `event`, `messageId`, `type`) ON DUPLICATE KEY UPDATE `message` = VALUES(`message`), `timestamp` = VALUES(`timestamp`), `event` = VALUES(`event`), `type` = VALUES(`type`)' ]
	[ "$(jq -r 'select(._batch) | .body.args[0] | type' "$T/out" | sort -u)" = object ]
}

@test "accounting: in = rows + ddl + rejected (out counts batches), whitespace-only lines blank" {
	{ printf '%s\n' '{"_table":"t","_ddl":"CREATE TABLE IF NOT EXISTS `t` (`id` INT)"}' '{"_table":"t","id":1}'
	  bad_lines; printf '%s\n' '{"_table":"t","id":2}'; } > "$T/in"
	run seg-batch -q --max-line 200 -r "$T/rej" --stats "$T/st" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.in,.rows,.ddl,.rejected,.blank,.out]' "$T/st")" = "[7,2,1,4,3,2]" ]
	assert_accounted "$T/st" rows ddl rejected
}

@test "row envelope: every key inside _row is a column, _9mega and _table too; the flat form still reads" {
	cat > "$T/in" <<'EOT'
{"_table":"t","_row":{"id":1,"_9mega":2,"_table":"x"}}
{"_table":"t","_row":{"id":3,"_9mega":4,"_table":"y"}}
{"_table":"t","id":5}
{"_table":"t","_row":{"id":6},"x":7}
{"_table":"t","_row":[1]}
EOT
	run seg-batch -q -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r .body.sql | head -n 1)" = 'INSERT INTO `t` (`id`, `_9mega`, `_table`) VALUES (?, ?, ?), (?, ?, ?) ON DUPLICATE KEY UPDATE `_table` = `_table`' ]
	[ "$(printf '%s\n' "$output" | jq -c .body.args)" = '[1,2,"x",3,4,"y"]
[5]' ]
	[ "$(jq -r '.reason + ":" + (.line | tostring)' "$T/rej" | tr '\n' ' ')" = "bad_row:4 bad_row:5 " ]
}

@test "DDL records name newest-wins and first/last-seen columns: the update clause follows them" {
	cat > "$T/in" <<'EOT'
{"_table":"users","_ddl":"CREATE TABLE users (id VARBINARY(64) NOT NULL, ts DATETIME(6), plan TEXT, UNIQUE KEY (id))","_newest":"ts"}
{"_table":"users","_row":{"id":"u1","ts":"2020-01-01 00:00:00","plan":"pro"}}
{"_table":"ids","_ddl":"CREATE TABLE ids (a VARBINARY(64), u VARBINARY(64), f DATETIME(6), l DATETIME(6), UNIQUE KEY (a, u))","_least":"f","_greatest":"l"}
{"_table":"ids","_row":{"a":"x","u":"y","f":"2020-01-01 00:00:00","l":"2020-01-01 00:00:00"}}
{"_table":"bad","_ddl":"CREATE TABLE bad (a INT)","_newest":1}
EOT
	run seg-batch -q -r "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(._batch) | .body.sql')" = 'INSERT INTO `users` (`id`, `ts`, `plan`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `plan` = IF(VALUES(`ts`) >= `ts`, VALUES(`plan`), `plan`), `ts` = IF(VALUES(`ts`) >= `ts`, VALUES(`ts`), `ts`)
INSERT INTO `ids` (`a`, `u`, `f`, `l`) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `f` = LEAST(`f`, VALUES(`f`)), `l` = GREATEST(`l`, VALUES(`l`))' ]
	[ "$(jq -r .detail "$T/rej")" = "_newest must be a column name" ]
}
