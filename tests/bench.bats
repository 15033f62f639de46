#!/usr/bin/env bats
# bench: the benchmarks of make bench and make bench-quick run on a tiny
# sample (BENCH_MB=1, one round) and print every line they should, with no
# WRONG, failed or n/a, so they cannot rot; and the timing helper of
# tests/bench/common.sh says WRONG or failed instead of a speed when a run's
# check or command fails. No timing is asserted.

setup() {
	T=$BATS_TEST_TMPDIR
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export BENCH_DIR=$T/data BENCH_MB=1 BENCH_ROUNDS=1
}

# has PATTERN...: each fixed string is in $output; nothing went wrong
has() {
	for p; do
		grep -qF -- "$p" <<< "$output" || { echo "missing: $p"; echo "$output"; return 1; }
	done
	! grep -E 'WRONG|failed|n/a|no numbers' <<< "$output" || { echo "$output"; return 1; }
}

needs_sink() {
	s2-gateway --help 2>&1 | grep -q -- --sink || skip "s2-gateway has no --sink yet (branch sink)"
}

@test "the timing helper prints medians, ratios, and WRONG or failed instead of a speed" {
	mkdir -p "$T/x/tests/bench"
	cat > "$T/x/tests/bench/t.sh" <<-EOS
	. "$top/tests/bench/common.sh"
	bench_reset MB
	bench_add "good" 1000000 "head -c 1000000 /dev/zero > /dev/null"
	bench_add "slow" 1000000 "sleep 0.05"
	BENCH_CHECK='echo "3 rows, not 4"'
	bench_add "checked" 1000000 "true"
	bench_add "broken" 1000000 "echo oops >&2; exit 3"
	bench_run
	bench_show
	bench_ratio good slow "good / slow"
	bench_ratio good broken "good / broken"
	EOS
	BENCH_ROUNDS=3 run bash "$T/x/tests/bench/t.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -E '^  good +[0-9]+ MB/s \[[0-9]+-[0-9]+\] +[0-9.]+ CPU-s/GB' <<< "$output"
	grep -E '^  slow +[0-9]+ MB/s' <<< "$output"
	grep -E '^  checked +WRONG: 3 rows, not 4' <<< "$output"
	grep -E '^  broken +failed: exit 3: oops' <<< "$output"
	grep -E '^  good / slow: +[0-9.]+x' <<< "$output"
	grep -E '^  good / broken: +n/a' <<< "$output"
}

@test "bench-quick: the chain and s2-load into the sink, seg-validate beside jq; a build of before beside" {
	needs_sink
	# this tree stands in for a build of before
	BENCH_BEFORE=$top run bash "$top/tests/bench/run.sh" --quick
	has "before: seg-backfill -j 2 " "before: hand-written pipe" "seg-backfill -j 2: now / before:" \
		"before: s2-load -j 1 " "s2-load -j 1: now / before:" "before: seg-validate " "seg-validate: now / before:"
	has "seg-backfill -j 2 " "hand-written pipe: seg-fetch | ... | s2-load" \
		"the chain (seg-backfill -j 2): " "CPU-s/GB (goal <= 4: " "MB/s (goal >= 500: " \
		"s2-load -j 1 " "s2-load -j 4 " "-j 4 vs -j 1 (goal >= 1.00x):" "rows/s per core (goal >= 1000000: " \
		"seg-validate " "jq -c . (slice)" "seg-validate / jq" "(all of it took"
}

@test "bench-chain and bench-load: every line of make bench" {
	needs_sink
	run bash "$top/tests/bench/run.sh" chain load
	has "seg-backfill -j 2 " "seg-backfill -j 1 " "seg-backfill -j 2 --separate-stages" \
		"stages without s2-load" "hand-written pipe" "seg-backfill -j 2 / --separate-stages:" \
		"the chain (seg-backfill -j 2): " "the stand-in on the same " "so they carry at most " \
		"s2-load -j 1 " "s2-load -j 2 " "s2-load -j 4 " "s2-load -j 8 " \
		"-j 2 vs -j 1" "-j 4 vs -j 1" "-j 8 vs -j 1" "rows/s per core"
}

@test "bench-e2e and bench-duckdb: every contender, counted in MariaDB or in the file" {
	[ -d "$top/node_modules/@duckdb/node-api" ] || { echo "no @duckdb/node-api: run npm ci"; return 1; }
	LOOP_BATCHES=2 run bash "$top/tests/bench/run.sh" e2e duckdb
	has "segpipe: seg-backfill -j 2, archive to table" "segpipe: s2-load of the batches" \
		"mariadb client: the INSERTs" "LOAD DATA LOCAL INFILE" "jq+curl script" \
		"s2-load / mariadb INSERTs:" "s2-load / LOAD DATA LOCAL INFILE:" "s2-load / jq+curl script:" \
		"segpipe: seg-fetch | validate | dedup | flatten > file" "DuckDB: read_ndjson(*.gz)" "segpipe / DuckDB:"
}

@test "the per-program benches print their lines" {
	STATE_IDS=10000 SEND_MESSAGES=300 LOOP_BATCHES=2 GW_REQUESTS=4 GW_PARALLEL=2 \
		run bash "$top/tests/bench/run.sh" validate dedup flatten batch fetch fetch-s3 send gateway
	has "== bench-validate" "cat " "seg-validate (1 CPU, taskset)" \
		"seg-dedup " "awk '!seen" "load the state" "load and save it" \
		"seg-flatten --layout segment_data" "jq -c -f segment_data.jq (slice)" "seg-flatten / jq" \
		"seg-batch " "seg-batch / jq" \
		"gzip -dc" "seg-fetch --strict" "seg-fetch / gzip -dc" \
		"seg-fetch -j 1 (200 objects)" "seg-fetch -j 8 (200 objects)" "-j 8 vs -j 1" \
		"seg-send -j 1" "seg-send -j 4" "curl loop, 100 a request" \
		"s2-gateway (curl, HTTP)" "reference: mariadb client, direct" "s2-gateway / direct"
}
