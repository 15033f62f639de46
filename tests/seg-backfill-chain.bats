#!/usr/bin/env bats
# seg-backfill's in-process chain (lib/chain: seg-fetch, seg-validate,
# seg-dedup, seg-flatten, seg-batch and s2-load in one process) against
# --separate-stages (one process per stage, joined by pipes): the same
# table, byte for byte, the same rejects, duplicates, quarantine, failed
# batches, results, logs and --stats for every stage, on an archive with bad
# lines, duplicates, deep, escaped and odd messages, damaged objects and
# batch envelopes, from a folder and from S3 (s3rver), and every table of
# the warehouse layout over two days (newest wins); and a stage that
# fails (s2-load too: refused, unreachable, killed) is named and coded as it
# is when it runs alone.

load 'helpers/target'

DAY0=1432684800000     # 2015-05-27

setup() {
	T=$BATS_TEST_TMPDIR
	sql "DROP TABLE IF EXISTS segment_data"
}

teardown() {
	[ ! -f "$T/s3/pid" ] || s3_down
}

# msg ID REST: a valid track message with more members (REST starts with ,)
msg() {
	printf '{"type":"track","event":"E","messageId":"%s","timestamp":"2015-05-27T04:08:31.905Z","userId":"u"%s}\n' "$1" "$2"
}

# nest N: a JSON value N objects deep
nest() {
	local i v=1
	for ((i = 0; i < $1; i++)); do v="{\"a\":$v}"; done
	printf '%s' "$v"
}

# odd_archive DIR: one day of one source: generated events with duplicates
# and invalid lines, hand-made odd messages, a damaged object
odd_archive() {
	local d=$1/segment-logs/src/$DAY0
	mkdir -p "$d"
	seg-gen --seed 5 --count 400 --dup-rate 0.1 --invalid-rate 0.05 --start-ms $DAY0 | gzip > "$d/1432684800-0.gz"
	{ msg deep30 ",\"properties\":$(nest 29)"          # depth 30: loaded
	  msg deep15 ",\"properties\":$(nest 14)"
	  msg deep32 ",\"properties\":$(nest 31)"          # depth 32: too_deep
	  msg 'a\u0062c' ',"properties":{"k\u00e9y":"\ud83d\ude00 caf\u00e9","n":[1,2.5e3,-0,true,null]}'
	  msg abc ',"properties":{"again":"the same id as a\\u0062c"}'   # a duplicate
	  printf '%s\r\n' "$(msg crlf '' | tr -d '\n')"
	  printf '%s \t\r\r\n' "$(msg trailing '' | tr -d '\n')"
	  printf '\n   \n'
	  msg big ",\"properties\":{\"s\":\"$(printf '%040000d' 0)\"}"   # too_large
	  printf '{"type":"track","messageId":"x1"}\n'                 # missing fields
	  printf '[1,2]\n{"a":}\n'
	  printf '{"type":"track","event":"\377","messageId":"u1","timestamp":"2015-05-27T04:08:31Z","userId":"u"}\n'
	  msg ctx ',"context":{"ip":"10.0.0.1","library":{"name":"x"}},"_9mega":1,"":2'
	  msg dupkey ',"event":"second wins","event":"third"'
	} | gzip > "$d/1432688400-1.gz"
	seg-gen --seed 6 --count 50 --start-ms $DAY0 | gzip > "$T/whole.gz"
	head -c $(( $(stat -c %s "$T/whole.gz") / 2 )) "$T/whole.gz" > "$d/1432692000-2.gz"
}

# run_mode NAME OPTS...: seg-backfill of $SRC (default $T/a, one unit) into
# a fresh table; the table, every unit file and the exit status and message
# kept under $T/NAME (DAMAGED=keep: without --skip-damaged)
run_mode() {
	local name=$1 skip=--skip-damaged; shift
	[ "${DAMAGED:-}" != keep ] || skip=
	sql "DROP TABLE IF EXISTS segment_data"
	[ -z "${PRE_SQL:-}" ] || sql "$PRE_SQL"
	run seg-backfill -q --state-dir "$T/$name.state" --url "$S2_URL" --database "$S2_DATABASE" \
		$skip --flatten-opt=--drop --flatten-opt=context.ip "$@" "${SRC:-$T/a}"
	mkdir -p "$T/$name"
	echo "$status" > "$T/$name/status"
	printf '%s\n' "$output" | sed "s|$T/$name.state|STATE|g" > "$T/$name/output"
	sql 'SELECT * FROM segment_data ORDER BY messageId' > "$T/$name/table"
	cp "$T/$name.state"/units/*/*.ndjson "$T/$name/"
	jq -c 'del(.ms)' "$T/$name/results.ndjson" | sort > "$T/$name/results" && rm "$T/$name/results.ndjson"
	for f in "$T/$name.state"/units/*/*.stats; do
		jq -S 'del(.ms, .seconds, .elapsed_ms)' "$f" > "$T/$name/${f##*/}"
	done
	for f in "$T/$name.state"/units/*/*.log; do
		[ "${f##*/}" = chain.log ] || sed "s|$T/$name.state|STATE|g" "$f" > "$T/$name/${f##*/}"
	done
}

# same_files [A B]: every file run_mode A kept (default sep) is the same in B
# (default chain)
same_files() {
	local a=${1:-sep} b=${2:-chain} f
	for f in "$T/$a"/*; do
		cmp "$f" "$T/$b/${f##*/}" || { diff "$f" "$T/$b/${f##*/}" | head -20; return 1; }
	done
	[ "$(ls "$T/$a" | wc -l)" -eq "$(ls "$T/$b" | wc -l)" ]
}

# envelopes FILE: /v1/batch envelopes (context and sentAt for the items
# that lack them), one naming "batch" twice, one with a non-object item
envelopes() {
	{ printf '{"batch":[%s,%s],"context":{"library":{"name":"env"}},"sentAt":"2015-05-27T05:00:00.000Z"}\n' \
		"$(msg env1 '' | tr -d '\n')" "$(msg env2 ',"context":{"own":1}' | tr -d '\n')"
	  printf '{"batch":[%s],"batch":[]}\n' "$(msg envdup '' | tr -d '\n')"
	  printf '{"batch":[%s,7]}\n' "$(msg env3 '' | tr -d '\n')"
	} | gzip > "$1"
}

# s3_up DIR: s3rver with bucket bkt holding DIR's files (keys relative to
# DIR); S3PORT its port
s3_up() {
	local top k
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	S3PORT=$(sh "$top/tests/helpers/servers.sh" start s3rver "$T/s3" bkt)
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_ENDPOINT_URL="http://127.0.0.1:$S3PORT"
	(cd "$1" && find . -type f | sed 's|^\./||') | while read -r k; do s3 PUT "$k" -T "$1/$k"; done
}

# s3 METHOD KEY CURL-ARGS...: a signed request to s3rver's bucket bkt
s3() {
	local m=$1 k=$2; shift 2
	curl -sSf -X "$m" --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@" "http://127.0.0.1:$S3PORT/bkt/$k" >/dev/null
}

s3_down() {
	sh "$(cd "$BATS_TEST_DIRNAME/.." && pwd)/tests/helpers/servers.sh" stop "$T/s3"
}

@test "the in-process chain and --separate-stages load the same table and keep the same files" {
	odd_archive "$T/a"
	run_mode sep --separate-stages
	[ "$(cat "$T/sep/status")" -eq 1 ] || { cat "$T/sep/output"; return 1; }
	run_mode chain
	[ "$(cat "$T/chain/status")" -eq 1 ] || { cat "$T/chain/output"; return 1; }
	# the chain ran: one process for the middle stages, which said nothing outside them
	[ -f "$T/chain.state/units/"*/chain.status ]
	[ ! -s "$T/chain.state/units/"*/chain.log ]
	[ "$(cat "$T/chain.state/units/"*/chain.status)" = "1 1 0 0 0 0" ]
	# everything else is the same, file by file
	same_files
	# and it is what the archive holds: exact rows and rejects
	[ "$(sql "SELECT messageId FROM segment_data WHERE messageId IN ('deep30','abc','crlf','trailing','ctx','dupkey') ORDER BY 1" | tr '\n' ' ')" = \
	  "abc crlf ctx deep30 dupkey trailing " ]
	[ "$(sql "SELECT COUNT(*) FROM segment_data WHERE messageId IN ('deep32','big','x1','u1')")" -eq 0 ]
	[ "$(sql "SELECT event FROM segment_data WHERE messageId = 'dupkey'")" = third ]
	sql "SELECT properties FROM segment_data WHERE messageId = 'abc'" > "$T/props"
	[ "$(cat "$T/props")" = '{"k\\u00e9y":"😀 caf\\u00e9","n":[1,2.5e3,-0,true,null]}' ] || { cat "$T/props"; return 1; }
	[ "$(sql "SELECT JSON_EXTRACT(context, '\$.ip') IS NULL FROM segment_data WHERE messageId = 'ctx'")" -eq 1 ]
	grep -q '"reason":"too_deep"' "$T/chain/rejects.ndjson"
	grep -q '"reason":"too_large"' "$T/chain/rejects.ndjson"
	grep -q '"reason":"bad_utf8"' "$T/chain/rejects.ndjson"
	[ "$(jq -r .damaged "$T/chain/fetch.stats")" -eq 1 ]
	[ -s "$T/chain/quarantine.ndjson" ]
	# every stage adds up: in = out + rejected (+ dups)
	for s in validate flatten; do
		[ "$(jq '.in - .out - .rejected' "$T/chain/$s.stats")" -eq 0 ]
	done
	[ "$(jq '.in - .out - .dups - .rejected' "$T/chain/dedup.stats")" -eq 0 ]
	[ "$(jq .dups "$T/chain/dedup.stats")" -gt 1 ]
	[ "$(jq .out "$T/chain/validate.stats")" -eq "$(jq .in "$T/chain/dedup.stats")" ]
	[ "$(jq .out "$T/chain/dedup.stats")" -eq "$(jq .in "$T/chain/flatten.stats")" ]
	[ "$(jq .rows "$T/chain/batch.stats")" -eq "$(sql 'SELECT COUNT(*) FROM segment_data')" ]
}

@test "stage options pass through to the chain as to the programs: --max-depth, --max-rows, --max-depth of a later stage" {
	odd_archive "$T/a"
	# seg-validate passes depth 20, seg-flatten rejects beyond 12 (its own
	# strict parse, not the proof of a stage less strict), seg-batch packs 7 rows
	local opts=(--validate-opt=--max-depth=20 --flatten-opt=--max-depth=12 --batch-opt=--max-rows=7)
	run_mode sep --separate-stages "${opts[@]}"
	run_mode chain "${opts[@]}"
	same_files
	[ "$(grep -c '"reason":"too_deep"' "$T/chain/rejects.ndjson")" -eq 2 ]
	[ "$(grep -c '"reason":"too_deep"' "$T/chain/flatten-rejects.ndjson")" -eq 1 ]
	grep -q deep15 "$T/chain/flatten-rejects.ndjson"
	[ "$(sql "SELECT COUNT(*) FROM segment_data WHERE messageId = 'deep30'")" -eq 0 ]
	[ "$(jq .batches "$T/chain/batch.stats")" -ge "$(( $(jq .rows "$T/chain/batch.stats") / 7 ))" ]
}

@test "a failing stage is named, with its exit status and its own log, as with separate stages" {
	odd_archive "$T/a"
	# seg-flatten cannot read its salt file: 78 while setting up
	for mode in --separate-stages ""; do
		run seg-backfill -q --state-dir "$T/s1$mode" --url "$S2_URL" --database "$S2_DATABASE" $mode \
			--skip-damaged --flatten-opt=--hash=userId --flatten-opt=--salt-file="$T/nosalt" "$T/a"
		[ "$status" -eq 78 ] || { echo "$mode: $output"; return 1; }
		[[ "$output" == *"seg-flatten exited 78: seg-flatten: $T/nosalt: cannot open salt file"*"/flatten.log)"* ]] ||
			{ echo "$mode: $output"; return 1; }
	done
	# seg-validate: a bad --types is a usage error, 64
	for mode in --separate-stages ""; do
		run seg-backfill -q --state-dir "$T/s2$mode" --url "$S2_URL" --database "$S2_DATABASE" $mode \
			--validate-opt=--types=bogus "$T/a"
		[ "$status" -eq 64 ] || { echo "$mode: $output"; return 1; }
		[[ "$output" == *"seg-validate exited 64: seg-validate: --types: 'bogus' is not a list"*"/validate.log)"* ]] ||
			{ echo "$mode: $output"; return 1; }
	done
	# in one process a middle stage can neither read files nor write -o
	run seg-backfill -q --state-dir "$T/s4" --url "$S2_URL" --database "$S2_DATABASE" --dedup-opt=-o --dedup-opt="$T/x" "$T/a"
	[ "$status" -eq 64 ] || { echo "$output"; return 1; }
	[[ "$output" == *"seg-dedup exited 64: seg-dedup: -o: an in-process stage writes to the stage after it"* ]] ||
		{ echo "$output"; return 1; }
	run seg-backfill -q --state-dir "$T/s5" --url "$S2_URL" --database "$S2_DATABASE" --flatten-opt="$T/x" "$T/a"
	[ "$status" -eq 64 ] || { echo "$output"; return 1; }
	[[ "$output" == *"seg-flatten exited 64: seg-flatten: '$T/x': an in-process stage reads the stage before it, not files"* ]] ||
		{ echo "$output"; return 1; }
	# seg-dedup: an unusable state file, 78, from the chain's own dedup
	mkdir -p "$T/s3"
	run seg-backfill -q --state-dir "$T/s3" --url "$S2_URL" --database "$S2_DATABASE" --skip-damaged "$T/a"
	[ "$status" -le 1 ]
	[ -s "$T/s3/ids" ]
	printf 'not an id set' > "$T/s3/ids"
	sql "DROP TABLE segment_data"
	rm -f "$T/s3/journal"
	run seg-backfill -q --state-dir "$T/s3" --url "$S2_URL" --database "$S2_DATABASE" --skip-damaged "$T/a"
	[ "$status" -eq 78 ] || { echo "$output"; return 1; }
	[[ "$output" == *"seg-dedup exited 78: seg-dedup: $T/s3/ids: refusing state file"*"/dedup.log)"* ]] ||
		{ echo "$output"; return 1; }
	[ "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'segment_data'")" -eq 0 ] || \
		[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 0 ]
}

@test "the in-process chain killed: the unit is temporary, the message names the chain, a re-run loads it exactly" {
	mkdir -p "$T/a/segment-logs/src/$DAY0"
	seg-gen --seed 7 --count 3000 --start-ms $DAY0 | gzip > "$T/a/segment-logs/src/$DAY0/1432684800-0.gz"
	gateway_start --delay-ms 100          # a slow target: the chain waits on its output
	seg-backfill -q --state-dir "$T/st" --url "$S2_URL" --database "$S2_DATABASE" --batch-opt=--max-rows=20 \
		"$T/a" 2>"$T/err" &
	pid=$!
	cp=
	for try in $(seq 1 300); do cp=$(pgrep -f -- "in-process-chain $T/st/") && break; sleep 0.1; done
	[ -n "$cp" ]
	kill -KILL $cp
	wait $pid && st=0 || st=$?
	[ "$st" -eq 75 ] || { cat "$T/err"; return 1; }
	grep -q "stopped: the in-process chain (seg-fetch to s2-load) stopped by signal 9" "$T/err" ||
		{ cat "$T/err"; return 1; }
	[ ! -s "$T/st/journal" ]
	port=$S2_PORT
	gateway_stop
	gateway_start --port="$port"          # the same target: the checkpoint is tied to it
	run seg-backfill -q --state-dir "$T/st" --url "$S2_URL" --database "$S2_DATABASE" --batch-opt=--max-rows=20 "$T/a"
	gateway_stop
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	seg-fetch -q "$T/a" | jq -r .messageId | sort -u > "$T/want"
	sql 'SELECT messageId FROM segment_data' | sort > "$T/got"
	[ "$(wc -l < "$T/want")" -eq 3000 ]
	cmp "$T/want" "$T/got"
}

@test "-j 1: the next unit starts reading while the last batches of the one before are in flight, in both modes" {
	local d mode
	for d in $DAY0 $((DAY0 + 86400000)); do
		mkdir -p "$T/a/segment-logs/src/$d"
		seg-gen --seed $((d / 86400000)) --count 30 --start-ms $d | gzip > "$T/a/segment-logs/src/$d/$((d / 1000))-0.gz"
	done
	gateway_start --delay-ms 1500         # each request, the DDL too, takes 1.5 s
	for mode in chain sep; do
		sql 'DROP TABLE IF EXISTS segment_data'
		run seg-backfill -q -j 1 --state-dir "$T/$mode.st" --url "$S2_URL" --database "$S2_DATABASE" \
			$([ $mode = sep ] && echo --separate-stages) "$T/a"
		[ "$status" -eq 0 ] || { echo "$output"; gateway_stop; return 1; }
		# the second unit's processes started before the first unit's s2-load ended
		local u1 u2
		u1=$(ls -d "$T/$mode.st"/units/*-2015-05-27-*) u2=$(ls -d "$T/$mode.st"/units/*-2015-05-28-*)
		[ "$(stat -c %.3Y "$u2/load.log")" \< "$(stat -c %.3Y "$u1/load.stats")" ] ||
			{ stat -c '%n %.3Y' "$u1"/* "$u2"/*; gateway_stop; return 1; }
		[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 60 ]
	done
	gateway_stop
}

@test "from S3 with envelopes and damage: the chain and --separate-stages keep the same table, rejects, quarantine and stats" {
	odd_archive "$T/a"
	envelopes "$T/a/segment-logs/src/$DAY0/1432695600-3.gz"
	s3_up "$T/a"
	SRC=s3://bkt/segment-logs/
	run_mode sep --separate-stages
	run_mode chain
	# without --skip-damaged the unit fails on the damaged object, named alike
	DAMAGED=keep run_mode sep65 --separate-stages
	DAMAGED=keep run_mode chain65
	s3_down
	[ "$(cat "$T/chain/status")" -eq 1 ] || { cat "$T/chain/output"; return 1; }
	[ "$(cat "$T/chain.state/units/"*/chain.status)" = "1 1 0 0 0 0" ]
	same_files sep chain
	same_files sep65 chain65
	[ "$(cat "$T/chain65/status")" -eq 65 ] || { cat "$T/chain65/output"; return 1; }
	grep -q "1 damaged object: s3://bkt/segment-logs/src/$DAY0/1432692000-2.gz" "$T/chain65/output" ||
		{ cat "$T/chain65/output"; return 1; }
	[ "$(jq -r .object "$T/chain/quarantine.ndjson")" = "s3://bkt/segment-logs/src/$DAY0/1432692000-2.gz" ]
	[ "$(jq -r .damaged "$T/chain/fetch.stats")" -eq 1 ]
	# the envelopes' items, with the envelope's context where they had none
	[ "$(sql "SELECT messageId FROM segment_data WHERE messageId LIKE 'env%' ORDER BY 1" | tr '\n' ' ')" = "env1 env2 env3 " ]
	[ "$(sql "SELECT JSON_EXTRACT(context, '\$.library.name') FROM segment_data WHERE messageId = 'env1'")" = '"env"' ]
	[ "$(sql "SELECT JSON_EXTRACT(context, '\$.own') FROM segment_data WHERE messageId = 'env2'")" -eq 1 ]
	[ "$(grep -c '"reason":"duplicate_key"' "$T/chain/fetch-rejects.ndjson")" -eq 1 ]
	grep -q '"reason":"not_object","detail":"item 2 of a batch envelope is not an object"' "$T/chain/fetch-rejects.ndjson"
	[ "$(sql "SELECT COUNT(*) FROM segment_data WHERE messageId = 'envdup'")" -eq 0 ]
	[ "$(jq .envelopes "$T/chain/fetch.stats")" -eq 2 ]
	[ "$(jq '.in - .out - .rejected' "$T/chain/fetch.stats")" -eq 0 ]
	[ "$(jq .out "$T/chain/fetch.stats")" -eq "$(jq .in "$T/chain/validate.stats")" ]
	# exactly what seg-fetch reads from the folder, valid and new, is loaded
	[ "$(jq .rows "$T/chain/batch.stats")" -eq "$(sql 'SELECT COUNT(*) FROM segment_data')" ]
	seg-fetch -q -k "$T/a" 2>/dev/null | seg-validate -q 2>/dev/null | jq -r .messageId | sort -u > "$T/want"
	sql 'SELECT messageId FROM segment_data' | sort > "$T/got"
	[ "$(wc -l < "$T/want")" -gt 300 ]
	cmp "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; return 1; }
}

# held ST ACTION SOURCE ARGS...: seg-backfill -j 1 of SOURCE (its first unit
# 1.gz), then ARGS (more options and sources), behind a slow target; while
# the first unit's seg-fetch reads, it is held stopped (the next unit cannot
# start) and ACTION runs; the exit status in $code, the messages in $T/out
held() {
	local st=$1 action=$2 src=$3 fp= pid try; shift 3
	seg-backfill -q -j 1 --state-dir "$st" --url "$S2_URL" --database "$S2_DATABASE" \
		--batch-opt=--max-rows=20 "$src" "$@" >"$T/out" 2>&1 &
	pid=$!
	for try in $(seq 1 600); do fp=$(pgrep -f -- "$st/units/1.gz-[^ ]*/fetch.stats") && break; sleep 0.05; done
	[ -n "$fp" ] || { wait $pid; cat "$T/out"; return 1; }
	kill -STOP $fp
	$action
	kill -CONT $fp
	wait $pid && code=0 || code=$?
}

@test "a fetch failure in the chain is named and coded as with separate stages: a missing object, S3 unreachable; a re-run loads exactly" {
	mkdir -p "$T/o/x"
	seg-gen --seed 8 --count 3000 --start-ms $DAY0 | gzip > "$T/o/x/1.gz"
	seg-gen --seed 9 --count 30 --start-ms $DAY0 | gzip > "$T/o/x/2.gz"
	cp -r "$T/o" "$T/keep"
	s3_up "$T/o"
	gateway_start --delay-ms 100          # a slow target: the first unit reads for a while
	gone() { rm "$T/o/x/2.gz"; }
	for mode in --separate-stages ""; do
		# the second object is gone after the listing: 66, named
		sql "DROP TABLE IF EXISTS segment_data"
		cp "$T/keep/x/2.gz" "$T/o/x/2.gz"
		st=$T/st$mode
		held "$st" gone "$T/o/x" $mode
		[ "$code" -eq 66 ] || { echo "$mode: $code"; cat "$T/out"; return 1; }
		grep -q "$T/o/x/2.gz: failed: seg-fetch exited 66: seg-fetch: $T/o/x/2.gz: cannot open: No such file or directory (log $st/units/2.gz-[^/]*/fetch.log)" "$T/out" ||
			{ echo "$mode"; cat "$T/out"; return 1; }
		[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 3000 ]
		# it is back: the re-run loads it, and nothing twice
		cp "$T/keep/x/2.gz" "$T/o/x/2.gz"
		run seg-backfill -q -j 1 --state-dir "$st" --url "$S2_URL" --database "$S2_DATABASE" $mode "$T/o/x"
		[ "$status" -eq 0 ] || { echo "$mode: $output"; return 1; }
		seg-fetch -q "$T/o" | jq -r .messageId | sort > "$T/want"
		sql 'SELECT messageId FROM segment_data' | sort > "$T/got"
		[ "$(wc -l < "$T/want")" -eq 3030 ]
		cmp "$T/want" "$T/got"
	done
	# S3 stops answering after the listing (while a local object's unit
	# reads): 69, the listing named
	s3_down
	mkdir -p "$T/s3src/y"
	mv "$T/keep/x/2.gz" "$T/s3src/y/2.gz"
	for mode in --separate-stages ""; do
		sql "DROP TABLE IF EXISTS segment_data"
		s3_up "$T/s3src"
		st=$T/s3st$mode
		held "$st" s3_down "$T/keep/x/1.gz" $mode --fetch-opt=--retry=0 s3://bkt/y/
		[ "$code" -eq 69 ] || { echo "$mode: $code"; cat "$T/out"; return 1; }
		grep -q "s3://bkt/y/2.gz: failed: seg-fetch exited 69: seg-fetch: s3://bkt/y/2.gz: listing failed: .*(log $st/units/2.gz-[^/]*/fetch.log)" "$T/out" ||
			{ echo "$mode"; cat "$T/out"; return 1; }
		[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 3000 ]
	done
	gateway_stop
}

@test "seg-fetch in the chain: the first stage only; its messages to the next stage are what it writes alone" {
	odd_archive "$T/a"
	envelopes "$T/a/segment-logs/src/$DAY0/1432695600-3.gz"
	# seg-fetch | seg-validate, as one process and as two
	seg-fetch -q -k -r "$T/r1" "$T/a" 2>/dev/null | seg-validate -q -r "$T/v1" > "$T/two" && st=0 || st=$?
	[ "$st" -eq 1 ]
	run seg-backfill --in-process-chain "$T/status" "$T/f.log" 6 seg-fetch -q -k -r "$T/r2" "$T/a" \
		"$T/v.log" 4 seg-validate -q -r "$T/v2"
	[ "$status" -eq 1 ]
	[ "$(cat "$T/status")" = "1 1" ]
	printf '%s\n' "$output" > "$T/one"
	cmp "$T/two" "$T/one"
	cmp "$T/r1" "$T/r2"
	cmp "$T/v1" "$T/v2"
	[ "$(wc -l < "$T/one")" -gt 300 ]
	grep -q '"messageId":"env1"' "$T/one"
	grep -q "1432692000-2.gz" "$T/f.log"
	[ ! -s "$T/v.log" ]
	# anywhere but first it is a usage error, named
	run seg-backfill --in-process-chain "$T/status2" "$T/v2.log" 2 seg-validate -q "$T/f2.log" 3 seg-fetch -q "$T/a"
	[ "$status" -eq 64 ]
	grep -q "seg-fetch: a source runs in-process only as the first stage" "$T/f2.log"
}

# bad_rows DIR: one more object in the archive, with two messages whose
# userId the table's CHECK refuses (see PRE_SQL below) among good ones
bad_rows() {
	local d=$1/segment-logs/src/$DAY0 i
	{ for i in 1 2 3 4 5 6; do
		printf '{"type":"track","event":"E","messageId":"b%s","timestamp":"2015-05-27T05:00:0%s.000Z","userId":"%s"}\n' \
			"$i" "$i" "$([ "$i" = 2 ] || [ "$i" = 5 ] && echo bad || echo good)"
	  done; } | gzip > "$d/1432695600-3.gz"
}

@test "failed batches: the chain and --separate-stages fail the same rows into the same failed file, named s2-load" {
	odd_archive "$T/a"
	bad_rows "$T/a"
	PRE_SQL="CREATE TABLE segment_data (messageId VARBINARY(1020) NOT NULL, timestamp DATETIME(6) NOT NULL,
		type TEXT NOT NULL, event TEXT, name TEXT, properties JSON, userId TEXT, anonymousId TEXT, groupId TEXT,
		traits JSON, context JSON, UNIQUE KEY (messageId), CONSTRAINT no_bad CHECK (userId IS NULL OR userId <> 'bad'))"
	local opts=(--load-opt=--max-failures=100 --load-opt=-j1)   # -j 1: the failed file in input order
	run_mode sep --separate-stages "${opts[@]}"
	run_mode chain "${opts[@]}"
	[ "$(cat "$T/chain/status")" -eq 1 ] || { cat "$T/chain/output"; return 1; }
	[ "$(cat "$T/chain.state/units/"*/chain.status)" = "1 1 0 0 0 1" ]
	grep -q "s2-load: 1 batches failed; they are in STATE/units/.*/failed.ndjson" "$T/chain/output" ||
		{ cat "$T/chain/output"; return 1; }
	for f in "$T"/sep/*; do
		cmp "$f" "$T/chain/${f##*/}" || { diff "$f" "$T/chain/${f##*/}" | head -20; return 1; }
	done
	[ "$(ls "$T/sep" | wc -l)" -eq "$(ls "$T/chain" | wc -l)" ]
	# exactly the two bad rows failed, each alone, with the database's reason
	[ "$(jq -r '.body.args[0]' "$T/chain/failed.ndjson" | tr '\n' ' ')" = "b2 b5 " ]
	[ "$(jq -r '.rows' "$T/chain/failed.ndjson" | tr '\n' ' ')" = "1 1 " ]
	[ "$(jq -r .error "$T/chain/failed.ndjson" | grep -c 'CONSTRAINT `no_bad` failed')" -eq 2 ] ||
		{ cat "$T/chain/failed.ndjson"; return 1; }
	[ "$(sql "SELECT messageId FROM segment_data WHERE messageId LIKE 'b_' ORDER BY 1" | tr '\n' ' ')" = "b1 b3 b4 b6 " ]
	# (a split batch's good rows count in rowsAffected, "rows" counts whole batches)
	[ "$(jq .rowsAffected "$T/chain/load.stats")" -eq "$(sql 'SELECT COUNT(*) FROM segment_data')" ]
	[ "$(jq .rows "$T/chain/batch.stats")" -eq "$(( $(jq .rowsAffected "$T/chain/load.stats") + 2 ))" ]
}

@test "s2-load failing in the chain: refused 77, unreachable 75, named with its log as with separate stages; a re-run loads exactly" {
	odd_archive "$T/a"
	local out=()
	for mode in --separate-stages ""; do
		S2_PASSWORD=wrong run seg-backfill -q --state-dir "$T/s1$mode" --url "$S2_URL" --database "$S2_DATABASE" \
			$mode --skip-damaged "$T/a"
		[ "$status" -eq 77 ] || { echo "$mode: $output"; return 1; }
		[[ "$output" == *"s2-load exited 77: s2-load: authentication or permission refused: HTTP 401"*"/load.log)"* ]] ||
			{ echo "$mode: $output"; return 1; }
		[[ "$output" != *wrong* ]]
		out+=("${output//$T\/s1$mode/STATE}")
	done
	[ "${out[0]}" = "${out[1]}" ] || { printf "%s\n" "${out[@]}"; return 1; }
	[ "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'segment_data'")" -eq 0 ] ||
		[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 0 ]
	# a stopped gateway: unavailable after the retries, 75 (a checkpoint is kept), not journaled
	gateway_start
	port=$S2_PORT
	gateway_stop
	out=()
	for mode in --separate-stages ""; do
		run seg-backfill -q --state-dir "$T/s2$mode" --url "$S2_URL" --database "$S2_DATABASE" $mode --skip-damaged \
			--load-opt=--retry=2 --load-opt=--retry-delay=10ms "$T/a"
		[ "$status" -eq 75 ] || { echo "$mode: $output"; return 1; }
		[[ "$output" == *"s2-load exited 75: s2-load: target unavailable after all retries"*"/load.log)"* ]] ||
			{ echo "$mode: $output"; return 1; }
		[ ! -s "$T/s2$mode/journal" ]
		out+=("${output//$T\/s2$mode/STATE}")
	done
	[ "${out[0]}" = "${out[1]}" ] || { printf "%s\n" "${out[@]}"; return 1; }
	# the gateway back on that port: the chain's re-run loads everything, once
	gateway_start --port="$port"
	run seg-backfill -q --state-dir "$T/s2" --url "$S2_URL" --database "$S2_DATABASE" --skip-damaged "$T/a"
	gateway_stop
	[ "$status" -eq 1 ] || { echo "$output"; return 1; }    # 1: the archive's rejects
	[ "$(jq .rows "$T/s2/units/"*/load.stats)" -eq "$(sql 'SELECT COUNT(*) FROM segment_data')" ]
	[ "$(jq .rows "$T/s2/units/"*/batch.stats)" -eq "$(sql 'SELECT COUNT(*) FROM segment_data')" ]
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq "$(sql 'SELECT COUNT(DISTINCT messageId) FROM segment_data')" ]
	[ "$(sql "SELECT COUNT(*) FROM segment_data WHERE messageId IN ('deep30','abc','crlf','trailing','ctx','dupkey')")" -eq 6 ]
}

# chain ARGS...: the in-process chain, as seg-backfill runs it (lib/chain)
chain() {
	seg-backfill --in-process-chain "$@"
}

# feed_stall_term FILE: write FILE into the FIFO $T/in that the chain
# started in the background ($cp, results in $T/res) reads, and keep it open:
# the DDL and four batches of 5 must be loaded meanwhile (the engine turns
# while the input stalls); then a first SIGTERM, and st = the chain's status.
feed_stall_term() {
	local w try
	exec {w}> "$T/in"
	cat "$1" >&$w
	for try in $(seq 1 100); do [ "$(wc -l < "$T/res")" -ge 5 ] && break; sleep 0.1; done
	[ "$(jq -r .status "$T/res" | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')" = "5 loaded " ] ||
		{ cat "$T/res"; exec {w}>&-; return 1; }
	[ "$(sql 'SELECT COUNT(*) FROM segment_data')" -eq 20 ] || { exec {w}>&-; return 1; }
	kill -TERM $cp
	for try in $(seq 1 100); do kill -0 $cp 2>/dev/null || break; sleep 0.1; done
	! kill -0 $cp 2>/dev/null || { exec {w}>&-; return 1; }
	wait $cp && st=0 || st=$?
	exec {w}>&-
}

@test "in-process s2-load: last only; its engine turns while the input stalls; the first SIGTERM stops it cleanly (75), a re-run loads exactly" {
	seg-gen --seed 3 --count 20 --start-ms $DAY0 | seg-flatten -q --layout segment_data > "$T/rows"
	[ "$(wc -l < "$T/rows")" -eq 21 ]                        # the DDL and 20 rows
	# not last: a usage error, said before anything runs
	run chain "$T/status" "$T/l1" 6 s2-load -q --url "$S2_URL" -d "$S2_DATABASE" "$T/l2" 1 seg-batch < "$T/rows"
	[ "$status" -eq 64 ]
	[[ "$output" == *"s2-load: in-process, it can only be the last stage"* ]] || { echo "$output"; return 1; }
	[ "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'segment_data'")" -eq 0 ]
	# last: batches of 5 go out while the input, still open, says nothing more
	mkfifo "$T/in"
	local load=(s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --checkpoint "$T/ck")
	seg-backfill --in-process-chain "$T/status" "$T/batch.log" 4 seg-batch -q --max-rows 5 \
		"$T/load.log" ${#load[@]} "${load[@]}" < "$T/in" > "$T/res" 2> "$T/err" &
	cp=$!
	# a first SIGTERM while it waits for input: it stops reading and ends, 75
	feed_stall_term "$T/rows"
	[ "$st" -eq 75 ] || { echo "st=$st"; cat "$T/err" "$T/load.log" "$T/status"; return 1; }
	[ "$(cat "$T/status")" = "0 75" ]
	grep -q "s2-load: interrupted by signal 15; re-run to continue" "$T/load.log"
	# the rest (nothing new) and a re-run: every id once, the committed skipped
	seg-gen --seed 4 --count 7 --start-ms $DAY0 | seg-flatten -q --layout segment_data >> "$T/rows"
	run chain "$T/status" "$T/batch.log" 4 seg-batch -q --max-rows 5 "$T/load.log" ${#load[@]} "${load[@]}" < "$T/rows"
	[ "$status" -eq 0 ] || { cat "$T/load.log"; return 1; }
	[ "$(cat "$T/status")" = "0 0" ]
	[ "$(printf '%s\n' "$output" | jq -r .status | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')" = "2 loaded 6 skipped " ] ||
		{ echo "$output"; return 1; }
	jq -r '._row.messageId // empty' "$T/rows" | sort > "$T/want"
	sql 'SELECT messageId FROM segment_data' | sort > "$T/got"
	[ "$(wc -l < "$T/want")" -eq 27 ]
	cmp "$T/want" "$T/got"
}

@test "seg-fetch first, s2-load last: the engine turns while a local input stalls; the first SIGTERM stops the reading (75), a re-run loads exactly" {
	seg-gen --seed 5 --count 20 --start-ms $DAY0 > "$T/msgs"
	mkfifo "$T/in"
	local load=(s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --checkpoint "$T/ck")
	local stages=("$T/fetch.log" 3 seg-fetch -q "$T/in" "$T/validate.log" 2 seg-validate -q
		"$T/dedup.log" 2 seg-dedup -q "$T/flatten.log" 2 seg-flatten -q "$T/batch.log" 4 seg-batch -q --max-rows 5
		"$T/load.log" ${#load[@]} "${load[@]}")
	seg-backfill --in-process-chain "$T/status" "${stages[@]}" > "$T/res" 2> "$T/err" &
	cp=$!
	feed_stall_term "$T/msgs"
	[ "$st" -eq 75 ] || { echo "st=$st"; cat "$T/err" "$T"/*.log "$T/status"; return 1; }
	# seg-fetch stopped (75); the others ended their input, all of it loaded
	[ "$(cat "$T/status")" = "75 0 0 0 0 0" ] || { cat "$T/status" "$T"/*.log; return 1; }
	grep -q "seg-fetch: $T/in: stopped by a signal; re-run to read it" "$T/fetch.log" || { cat "$T/fetch.log"; return 1; }
	# a re-run over the whole input and 7 more: every id once, the committed skipped
	seg-gen --seed 6 --count 7 --start-ms $DAY0 >> "$T/msgs"
	stages[4]=$T/msgs
	run seg-backfill --in-process-chain "$T/status" "${stages[@]}"
	[ "$status" -eq 0 ] || { cat "$T"/*.log; return 1; }
	[ "$(cat "$T/status")" = "0 0 0 0 0 0" ]
	[ "$(printf '%s\n' "$output" | jq -r .status | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')" = "2 loaded 5 skipped " ] ||
		{ echo "$output"; return 1; }
	jq -r .messageId "$T/msgs" | sort > "$T/want"
	sql 'SELECT messageId FROM segment_data' | sort > "$T/got"
	[ "$(wc -l < "$T/want")" -eq 27 ]
	cmp "$T/want" "$T/got"
}

@test "in-process s2-load parses strictly what seg-batch's proof does not cover: a batch too deep is refused as s2-load alone refuses it" {
	# flat rows (no "_row"): a value 513 objects deep makes a row 514 deep,
	# which seg-batch takes, and a batch record 516 deep, one more than s2-load takes
	{ printf '{"_table":"deep","_ddl":"CREATE TABLE IF NOT EXISTS deep (k INT, v TEXT)"}\n'
	  printf '{"_table":"deep","k":1,"v":"x"}\n'
	  printf '{"_table":"deep","k":2,"v":%s}\n' "$(nest 513)"
	  printf '{"_table":"deep","k":3,"v":"y"}\n'; } > "$T/rows"
	local load=(s2-load -q --url "$S2_URL" -d "$S2_DATABASE" --max-failures 5)
	for mode in sep chain; do
		sql "DROP TABLE IF EXISTS deep"
		if [ $mode = sep ]; then
			seg-batch -q --max-rows 1 < "$T/rows" | "${load[@]}" --failed "$T/failed.$mode" > "$T/res.$mode" && st=0 || st=$?
		else
			chain "$T/status" "$T/batch.log" 4 seg-batch -q --max-rows 1 "$T/load.log" $(( ${#load[@]} + 2 )) \
				"${load[@]}" --failed "$T/failed.$mode" < "$T/rows" > "$T/res.$mode" && st=0 || st=$?
			[ "$(cat "$T/status")" = "0 1" ]
		fi
		[ "$st" -eq 1 ]
		[ "$(sql 'SELECT k, v FROM deep ORDER BY k' | tr '\t\n' ': ')" = "1:x 3:y " ]
		jq -c 'del(.ms)' "$T/res.$mode" | sort > "$T/r.$mode"    # -j 4: in the order they end
	done
	cmp "$T/failed.sep" "$T/failed.chain"
	diff "$T/r.sep" "$T/r.chain"
	jq -e '.reason == "bad_record" and .line == 3 and
	       (.detail | startswith("not JSON: at byte 2746: nesting deeper than the limit"))' "$T/failed.chain" > /dev/null
}

@test "the warehouse layout in the chain: a newest-wins table keeps the newest row, as with separate stages" {
	# seg-batch learns "newest wins" from the DDL record it hands on to
	# s2-load, which takes that record's index: the learning must not read
	# the index after it was handed on. The older day is loaded first: only
	# the newest-wins update clause lets the newer day's row replace it
	# (the default keeps the row first loaded).
	local mode opt day
	for day in 1 2; do
		mkdir -p "$T/w$day/segment-logs/src/$((DAY0 + (day - 1) * 86400000))"
	done
	printf '%s\n' '{"type":"identify","messageId":"i1","timestamp":"2015-05-27T09:00:00Z","userId":"u1","traits":{"plan":"free"}}' |
		gzip > "$T/w1/segment-logs/src/$DAY0/1432684800-0.gz"
	printf '%s\n' '{"type":"identify","messageId":"i2","timestamp":"2015-05-28T10:00:00Z","userId":"u1","traits":{"plan":"pro"}}' |
		gzip > "$T/w2/segment-logs/src/$((DAY0 + 86400000))/1432771200-0.gz"
	for mode in sep chain; do
		sql "DROP TABLE IF EXISTS users, identifies"
		opt=
		[ "$mode" = chain ] || opt=--separate-stages
		for day in 1 2; do
			run seg-backfill -q --state-dir "$T/$mode.w$day" --url "$S2_URL" --database "$S2_DATABASE" \
				--layout warehouse $opt "$T/w$day"
			[ "$status" -eq 0 ] || { echo "$mode, day $day: $output"; return 1; }
		done
		[ "$(sql "SELECT id, plan, timestamp FROM users")" = "u1	pro	2015-05-28 10:00:00.000000" ] ||
			{ echo "$mode: $(sql 'SELECT * FROM users')"; return 1; }
		[ "$(sql "SELECT id, plan FROM identifies ORDER BY id" | tr '\t\n' ': ')" = "i1:free i2:pro " ]
	done
}

# dump_tables FILE: every table of the database, every row, in a stable
# order, without the column the database fills at insert time (uuid_ts)
dump_tables() {
	local t cols
	: > "$1"
	for t in $(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"); do
		cols=$(sql "SELECT GROUP_CONCAT(CONCAT('\`', column_name, '\`') ORDER BY ordinal_position) FROM information_schema.columns
		            WHERE table_schema = DATABASE() AND table_name = '$t' AND column_name <> 'uuid_ts'")
		{ echo "== $t"; sql "SELECT $cols FROM \`$t\` ORDER BY $cols"; } >> "$1"
	done
}

@test "the warehouse layout: the chain and --separate-stages load the same tables, day after day" {
	# every table of the layout (tracks, pages, identifies, users, accounts,
	# one per event name...), rich events with escapes and non-ASCII text,
	# duplicates, and users and groups seen again on a later day
	local day d mode opt
	for day in 0 1; do
		d=$T/w/segment-logs/src/$((DAY0 + day * 86400000))
		mkdir -p "$d"
		{ seg-gen --seed $((7 + day)) --count 300 --rich-rate 0.3 --dup-rate 0.05 --start-ms $((DAY0 + day * 86400000))
		  printf '{"type":"identify","messageId":"id%d","timestamp":"2015-05-2%dT09:00:00Z","userId":"again","traits":{"plan":"p%d","n":%d}}\n' \
			"$day" $((7 + day)) "$day" "$day"
		  printf '{"type":"group","messageId":"gr%d","timestamp":"2015-05-2%dT09:00:00Z","userId":"again","groupId":"g","traits":{"size":%d}}\n' \
			"$day" $((7 + day)) "$day"
		} | gzip > "$d/$((DAY0 / 1000 + day * 86400))-0.gz"
	done
	for mode in sep chain; do
		for t in $(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"); do
			sql "DROP TABLE \`$t\`"
		done
		opt=
		[ "$mode" = chain ] || opt=--separate-stages
		for day in 2015-05-27 2015-05-28; do
			run seg-backfill -q --state-dir "$T/$mode.w" --url "$S2_URL" --database "$S2_DATABASE" \
				--layout warehouse --day "$day" $opt "$T/w"
			[ "$status" -eq 0 ] || { echo "$mode, $day: $output"; return 1; }
		done
		dump_tables "$T/$mode.tables"
	done
	cmp "$T/sep.tables" "$T/chain.tables" || { diff "$T/sep.tables" "$T/chain.tables" | head -20; return 1; }
	# what it holds: the later day's user and group won, every identify kept
	[ "$(sql "SELECT plan, n FROM users WHERE id = 'again'")" = "p1	1" ]
	[ "$(sql "SELECT size FROM accounts WHERE id = 'g'")" = 1 ]
	[ "$(sql "SELECT COUNT(*) FROM identifies WHERE user_id = 'again'")" -eq 2 ]
	[ "$(grep -c '^== ' "$T/chain.tables")" -gt 5 ]
}
