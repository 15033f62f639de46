# tests/bench/common.sh: sourced by every tests/bench/*.sh script.
# Provides the sample data (made once by bin/seg-gen, reused by all benches)
# and timing helpers that print throughput next to a reference tool.
#   BENCH_MB   size of the sample in MB (default 200)
#   BENCH_DIR  where data lives (default tests/bench/data)

top=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$top/bin:$PATH"
BENCH_MB=${BENCH_MB:-200}
BENCH_DIR=${BENCH_DIR:-$top/tests/bench/data}
mkdir -p "$BENCH_DIR"
SAMPLE="$BENCH_DIR/sample-${BENCH_MB}mb.ndjson"       # clean events, ~1 KB each
SAMPLE_DUPS="$BENCH_DIR/sample-${BENCH_MB}mb-dup1.ndjson"  # 1% duplicate messageIds

# sample: make the seeded sample files if missing.
sample() {
	[ -s "$SAMPLE" ] || seg-gen --seed 1 --size "${BENCH_MB}M" > "$SAMPLE"
	[ -s "$SAMPLE_DUPS" ] || seg-gen --seed 2 --size "${BENCH_MB}M" --dup-rate 0.01 > "$SAMPLE_DUPS"
}

# secs CMD...: run CMD (a shell string) once, print elapsed seconds.
secs() {
	s=$(date +%s.%N)
	sh -c "$1" || echo "bench: command failed: $1" >&2
	e=$(date +%s.%N)
	echo "$s $e" | awk '{printf "%.3f", $2 - $1}'
}

# rate BYTES SECONDS: MB/s (10^6 bytes).
rate() { echo "$1 $2" | awk '{ if ($2 <= 0) $2 = 0.001; printf "%.0f", $1 / 1e6 / $2 }'; }

# bench NAME BYTES CMD: time CMD, print "NAME: N MB/s (T s)".
bench() {
	t=$(secs "$3")
	printf '  %-40s %6s MB/s  (%s s)\n' "$1" "$(rate "$2" "$t")" "$t"
}

filesize() { wc -c < "$1" | tr -d ' '; }
