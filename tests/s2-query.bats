#!/usr/bin/env bats
# s2-query against a real target: a private MariaDB behind s2-gateway (started
# once for the file by helpers/target). Rows come back exactly as the Data API
# types them; paging and resuming are checked against the unpaged result.

load 'helpers/target'

setup_file() {
	target_start || return 1
	sql "CREATE TABLE v (id INT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(10,2), score DOUBLE,
	     doc JSON, seen DATETIME(6), note TEXT)"
	sql "INSERT INTO v VALUES
	     (1, 'ann', 12.50, 0.5, '{\"tier\":\"gold\",\"n\":[1,2]}', '2024-01-02 03:04:05.123456', NULL),
	     (2, 'bo \"b\" \\\\', 0.00, -3, NULL, '2024-02-29 00:00:00', 'é ☃ 😀'),
	     (3, 'cy', 99999999.99, 1e300, '[]', '1999-12-31 23:59:59', '')"
	# 100,000 rows: ten digits joined five times
	sql "CREATE TABLE d (x INT)"
	sql "INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)"
	sql "CREATE TABLE big (id INT PRIMARY KEY, grp INT, label VARCHAR(20))"
	sql "INSERT INTO big SELECT a.x + 10*b.x + 100*c.x + 1000*e.x + 10000*f.x + 1,
	       (a.x + 10*b.x) % 7, CONCAT('row ', a.x + 10*b.x + 100*c.x + 1000*e.x + 10000*f.x + 1)
	     FROM d a, d b, d c, d e, d f"
}

setup() {
	T=$BATS_TEST_TMPDIR
}

q() { s2-query -q --url "$S2_URL" -d "$S2_DATABASE" --retry-max 2 "$@"; }
# bg_q ARGS... &: the same, exec'd, so that $! is s2-query itself.
bg_q() { exec s2-query -q --url "$S2_URL" -d "$S2_DATABASE" "$@"; }

@test "one object per row, columns in order, values as the Data API types them" {
	run q "SELECT id, name, amount, score, doc, seen, note FROM v ORDER BY id"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = '{"id":1,"name":"ann","amount":"12.50","score":0.5,"doc":{"tier":"gold","n":[1,2]},"seen":"2024-01-02 03:04:05.123456","note":null}' ]
	[ "${lines[1]}" = '{"id":2,"name":"bo \"b\" \\","amount":"0.00","score":-3,"doc":null,"seen":"2024-02-29 00:00:00.000000","note":"é ☃ 😀"}' ]
	[ "${lines[2]}" = '{"id":3,"name":"cy","amount":"99999999.99","score":1e300,"doc":[],"seen":"1999-12-31 23:59:59.000000","note":""}' ]
	# every line is one JSON object with the columns in the order of the SELECT
	run sh -c "s2-query -q --url '$S2_URL' -d '$S2_DATABASE' 'SELECT note, id FROM v WHERE id = 1' | jq -c 'keys_unsorted'"
	[ "$output" = '["note","id"]' ]
}

@test "? placeholders: --arg strings, --args-json typed values, --file" {
	run q --arg ann --arg cy "SELECT id FROM v WHERE name IN (?, ?) ORDER BY id"
	[ "$status" -eq 0 ]
	[ "$output" = $'{"id":1}\n{"id":3}' ]
	run q --args-json '[2, "bo \"b\" \\"]' "SELECT id FROM v WHERE id >= ? AND name = ?"
	[ "$status" -eq 0 ]
	[ "$output" = '{"id":2}' ]
	printf 'SELECT COUNT(*) AS n\nFROM big WHERE grp = ?;\n' > "$T/q.sql"
	run q --file "$T/q.sql" --args-json '[3]'
	[ "$status" -eq 0 ]
	[ "$output" = "{\"n\":$(sql 'SELECT COUNT(*) FROM big WHERE grp = 3')}" ]
	run q --arg x --args-json '[1]' "SELECT ?"
	[ "$status" -eq 64 ]
	run q
	[ "$status" -eq 64 ]
	run q --file "$T/none.sql"
	[ "$status" -eq 66 ]
}

@test "paging over a 100,000-row result equals the unpaged result" {
	q "SELECT id, grp, label FROM big ORDER BY id" > "$T/all.ndjson"
	[ "$(wc -l < "$T/all.ndjson")" -eq 100000 ]
	run q --page-by id --page-size 7000 --stats "$T/stats.json" "SELECT id, grp, label FROM big" -o "$T/paged.ndjson"
	[ "$status" -eq 0 ]
	cmp "$T/all.ndjson" "$T/paged.ndjson"
	[ "$(jq .pages "$T/stats.json")" -eq 15 ]
	[ "$(jq .rows "$T/stats.json")" -eq 100000 ]
	# the query's own WHERE and args stay, the key arg comes after them
	q --page-by id --page-size 999 --arg 5 "SELECT id, label FROM big WHERE grp = ?" > "$T/g5.ndjson"
	[ "$(wc -l < "$T/g5.ndjson")" -eq "$(sql 'SELECT COUNT(*) FROM big WHERE grp = 5')" ]
	[ "$(jq -s 'map(.id) | . == (sort) and . == unique' "$T/g5.ndjson")" = true ]
	# a page size that divides the result: the last, empty page ends it
	run q --page-by id --page-size 50000 "SELECT id FROM big"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 100000 ]
}

@test "--page-by on a column that is not unique, or missing, is refused (65), not looped over" {
	run q --page-by grp --page-size 10 "SELECT grp FROM big"
	[ "$status" -eq 65 ]
	[[ "$output" == *"must be unique"* ]]
	run q --page-by nope --page-size 10 "SELECT id FROM big"
	[ "$status" -eq 65 ]
	# a value repeated only across a page boundary (keys 1 2 2 4 5 ...): seen
	# on the next page, which starts at the last key, not silently skipped
	run q --page-by k --page-size 2 "SELECT CASE WHEN id = 3 THEN 2 ELSE id END AS k FROM big WHERE id <= 10"
	[ "$status" -eq 65 ]
	[[ "$output" == *"the value 2 repeats"* ]]
}

@test "--checkpoint: a run killed with SIGKILL mid-way resumes; every row exactly once" {
	bg_q --page-by id --page-size 200 --checkpoint "$T/ckpt" -o "$T/out.ndjson" "SELECT id, label FROM big" &
	pid=$!
	while [ "$(wc -l < "$T/out.ndjson" 2>/dev/null || echo 0)" -lt 3000 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
	kill -9 $pid
	wait $pid || true
	n=$(wc -l < "$T/out.ndjson")
	echo "killed after $n lines"
	[ "$n" -lt 100000 ]
	run q --page-by id --page-size 200 --checkpoint "$T/ckpt" -o "$T/out.ndjson" "SELECT id, label FROM big"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$T/out.ndjson")" -eq 100000 ]
	[ "$(jq -s 'map(.id) == [range(1; 100001)]' "$T/out.ndjson")" = true ]
	[ "$(jq -r 'select(.label != "row \(.id)") | .id' "$T/out.ndjson" | wc -l)" -eq 0 ]
	# a finished run's checkpoint: nothing more to do
	run q --page-by id --page-size 200 --checkpoint "$T/ckpt" -o "$T/out.ndjson" "SELECT id, label FROM big"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$T/out.ndjson")" -eq 100000 ]
	# another query, or another target, with that checkpoint: 78
	run q --page-by id --checkpoint "$T/ckpt" "SELECT id FROM big"
	[ "$status" -eq 78 ]
	[[ "$output" == *"another query"* ]]
	run s2-query -q --url "$S2_URL" -d other --page-by id --checkpoint "$T/ckpt" "SELECT id, label FROM big"
	[ "$status" -eq 78 ]
}

@test "a page written after the last checkpoint line is cut from -o FILE and written again once" {
	q --page-by id --page-size 10 --checkpoint "$T/ckpt" -o "$T/out.ndjson" "SELECT id FROM big WHERE id <= 25"
	# simulate a kill between the rows and their checkpoint line: drop the
	# last two lines ("done" and the key 25) and leave the rows
	head -n -2 "$T/ckpt" > "$T/ckpt2" && mv "$T/ckpt2" "$T/ckpt"
	run q --page-by id --page-size 10 --checkpoint "$T/ckpt" -o "$T/out.ndjson" "SELECT id FROM big WHERE id <= 25"
	[ "$status" -eq 0 ]
	[ "$(jq -s -c 'map(.id)' "$T/out.ndjson")" = "$(seq -s, 1 25 | sed 's/.*/[&]/')" ]
}

@test "wrong password is 77, no password printed; an SQL error is 65; a wrong URL is 78" {
	run env S2_PASSWORD=wrong-Secret-42 s2-query -q --url "$S2_URL" -d "$S2_DATABASE" "SELECT 1"
	[ "$status" -eq 77 ]
	[[ "$output" != *wrong-Secret-42* ]]
	run q "SELECT * FROM no_such_table"
	[ "$status" -eq 65 ]
	[[ "$output" == *"doesn't exist"* ]]
	run q --url "$S2_URL/nothing/here" "SELECT 1"
	[ "$status" -eq 78 ]
	printf 'x\n' > "$T/pw"
	run s2-query --url "$S2_URL" --password-file "$T/pw" --token-file "$T/pw" "SELECT 1"
	[ "$status" -eq 64 ]
}

@test "a closed output pipe stops it quietly" {
	run bash -c "s2-query -q --url '$S2_URL' -d '$S2_DATABASE' --page-by id --page-size 1000 'SELECT id, label FROM big' | head -n 1; echo \${PIPESTATUS[0]}"
	[ "${lines[0]}" = '{"id":1,"label":"row 1"}' ]
	[ "${lines[1]}" = 0 ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "the answer over --max-response is refused (65), never cut" {
	run q --max-response 1000 "SELECT id FROM big"
	[ "$status" -eq 65 ]
	[[ "$output" == *"--page-by"* ]]
}

@test "credentials as s2-load takes them: --password-file, .netrc, never S2_PASSWORD on argv" {
	printf '%s\n' "$S2_PASSWORD" > "$T/pw"
	run env -u S2_PASSWORD s2-query -q --url "$S2_URL" -d "$S2_DATABASE" --password-file "$T/pw" "SELECT 1 AS one"
	[ "$status" -eq 0 ]
	[ "$output" = '{"one":1}' ]
	printf 'machine 127.0.0.1 login %s password %s\n' "$S2_USER" "$S2_PASSWORD" > "$T/netrc"
	run env -u S2_PASSWORD -u S2_USER s2-query -q --url "$S2_URL" -d "$S2_DATABASE" --netrc-file "$T/netrc" "SELECT 2 AS two"
	[ "$status" -eq 0 ]
	[ "$output" = '{"two":2}' ]
	run env -u S2_PASSWORD -u S2_USER s2-query -q --url "$S2_URL" -d "$S2_DATABASE" "SELECT 1"
	[ "$status" -eq 77 ]
	run s2-query --url "http://u:p@127.0.0.1:1" "SELECT 1"
	[ "$status" -eq 64 ]
}

@test "30% of requests answered 503 or dropped: retried, the paged result is still exactly the result" {
	gateway_start --fail-rate 0.3 --drop-rate 0.1 --seed 7
	run s2-query -q --url "$S2_URL" -d "$S2_DATABASE" --retry-delay 5ms --retry-cap 50ms --page-by id --page-size 2000 --stats "$T/stats.json" \
		-o "$T/paged.ndjson" "SELECT id, label FROM big WHERE id <= 20000"
	gateway_stop
	[ "$status" -eq 0 ]
	[ "$(jq .retries "$T/stats.json")" -gt 0 ]
	[ "$(jq -s 'map(.id) == [range(1; 20001)]' "$T/paged.ndjson")" = true ]
	# and with every request failing, it gives up: 69, or 75 with a checkpoint
	gateway_start --fail-rate 1
	run s2-query -q --url "$S2_URL" -d "$S2_DATABASE" --retry-max 1 --retry-delay 5ms "SELECT 1"
	[ "$status" -eq 69 ]
	run s2-query -q --url "$S2_URL" -d "$S2_DATABASE" --retry-max 1 --retry-delay 5ms --checkpoint "$T/ck" "SELECT 1"
	gateway_stop
	[ "$status" -eq 75 ]
}
