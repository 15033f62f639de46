# tests/bench/common.sh: sourced (by bash) by every tests/bench/*.sh script.
# Provides the sample data (made once by bin/seg-gen, reused by all benches),
# the stand-in Data API target (s2-gateway --sink), and the one timing
# helper every bench uses: contenders are run ROUNDS times, interleaved (the
# order rotates each round), each run checked, wall and CPU time (user+sys of
# the command and all its children) recorded; then median, range and ratios
# are printed. Nothing is asserted: a failed or wrong run prints WRONG.
#   BENCH_MB      size of the sample in MB (default 200)
#   BENCH_DIR     where data lives (default tests/bench/data)
#   BENCH_ROUNDS  runs of each contender (default 3)
#   BENCH_QUICK   set by bench-quick: scripts run only their headline lines
#   BENCH_BEFORE  the top of a build of the code before (main, built apart):
#                 the chain, s2-load and seg-validate benches add its
#                 programs as "before:" contenders in the same rounds

top=$(cd "$(dirname "$0")/../.." && pwd)
helpers=$top/tests/helpers
PATH="$top/bin:$PATH"
BENCH_MB=${BENCH_MB:-200}
BENCH_DIR=${BENCH_DIR:-$top/tests/bench/data}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_QUICK=${BENCH_QUICK:-}
mkdir -p "$BENCH_DIR"
# events with escapes, non-ASCII text and long strings, as real archives
# have, when seg-gen can make them (issue 18): BENCH_RICH_RATE of them
RICH= tag=
if seg-gen --help 2>&1 | grep -q -- --rich-rate; then
	RICH="--rich-rate ${BENCH_RICH_RATE:-0.3}" tag=-rich${BENCH_RICH_RATE:-0.3}
fi
SAMPLE="$BENCH_DIR/sample-${BENCH_MB}mb$tag.ndjson"   # events, ~1 KB each (1.9 KB with 30% rich)
SAMPLE_DUPS="$BENCH_DIR/sample-${BENCH_MB}mb-dup1.ndjson"  # 1% duplicate messageIds
STEM="$BENCH_DIR/${BENCH_MB}mb$tag"    # prefix of the files made from $SAMPLE

# rows: the sample's rows (seg-flatten's segment_data layout, its DDL record
# first) in $ROWS and seg-batch's batches of them in $BATCHES, made once
# (outside any timing); $NROWS rows.
rows() {
	ROWS="$STEM-rows.ndjson" BATCHES="$STEM-batches.ndjson"
	if [ ! -s "$ROWS" ]; then
		seg-flatten -q "$SAMPLE" > "$ROWS.tmp" && mv "$ROWS.tmp" "$ROWS" || exit 1
	fi
	if [ ! -s "$BATCHES" ]; then
		seg-batch -q "$ROWS" > "$BATCHES.tmp" && mv "$BATCHES.tmp" "$BATCHES" || exit 1
	fi
	NROWS=$(grep -vc '"_ddl"' "$ROWS")
}

# sample: make the seeded sample files if missing.
sample() {
	if [ ! -s "$SAMPLE" ]; then
		# shellcheck disable=SC2086
		seg-gen --seed 1 --size "${BENCH_MB}M" $RICH > "$SAMPLE.tmp" && mv "$SAMPLE.tmp" "$SAMPLE"
	fi
	[ -s "$SAMPLE_DUPS" ] || { seg-gen --seed 2 --size "${BENCH_MB}M" --dup-rate 0.01 > "$SAMPLE_DUPS.tmp" &&
		mv "$SAMPLE_DUPS.tmp" "$SAMPLE_DUPS"; }
}

# archive: the sample cut into 20 gzipped objects over 2 days in Segment's
# layout (segment-logs/SOURCE/DAY-MS/OBJECT.gz), in $ARCH, made once.
archive() {
	ARCH="$BENCH_DIR/archive-${BENCH_MB}mb$tag"
	[ -d "$ARCH" ] && return 0
	rm -rf "$ARCH.tmp"
	mkdir -p "$ARCH.tmp" && split -n l/20 -d "$SAMPLE" "$ARCH.tmp/part" || exit 1
	for i in $(seq 0 19); do
		day=$((1432684800000 + (i / 10) * 86400000))
		mkdir -p "$ARCH.tmp/segment-logs/bench/$day"
		gzip -1 -c "$ARCH.tmp/part$(printf %02d "$i")" \
			> "$ARCH.tmp/segment-logs/bench/$day/$((day / 1000 + i * 3600))-$i.gz" || exit 1
		rm "$ARCH.tmp/part$(printf %02d "$i")"
	done
	mv "$ARCH.tmp" "$ARCH"
}

filesize() { wc -c < "$1" | tr -d ' '; }

# before CMD: CMD run with the programs of $BENCH_BEFORE/bin
BEFORE=${BENCH_BEFORE:-}
before() { printf "PATH='%s/bin':\$PATH; %s" "$BEFORE" "$1"; }

# sink_start: start a stand-in Data API target that answers at once and
# counts rows (s2-gateway --sink, through tests/helpers/gateway.sh); its
# address and credentials in S2_URL etc. as gateway.sh exports them.
# sink_stop: stop it; SINK_ROWS = the rows it was sent (from --stats),
# SINK_CPU = the CPU seconds (user+sys) it used, read from /proc (empty
# where there is none).
sink_start() {
	SINK_STATS=$(mktemp "${TMPDIR:-/tmp}/benchsink.XXXXXX") || exit 1
	rm -f "$SINK_STATS"
	local env
	# this tree's s2-gateway (a build of before may have no --sink)
	env=$(S2_GATEWAY=${S2_GATEWAY:-$top/bin/s2-gateway} "$helpers/gateway.sh" start --sink --stats "$SINK_STATS") || return 1
	eval "$env"
	SINK_DIR=$S2_GATEWAY_DIR
}
sink_stop() {
	SINK_CPU=
	# utime and stime, fields 14 and 15 after the ")" that ends the name
	[ -r "/proc/$S2_GATEWAY_PID/stat" ] &&
		SINK_CPU=$(sed 's/.*) //' "/proc/$S2_GATEWAY_PID/stat" |
			awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($12 + $13) / hz }')
	"$helpers/gateway.sh" stop "$SINK_DIR"
	SINK_DIR=
	SINK_ROWS=$(jq -r '.rows // -1' "$SINK_STATS" 2>/dev/null)
	rm -f "$SINK_STATS"
	[ -n "$SINK_ROWS" ] || SINK_ROWS=-1
}

# ---- the timing helper --------------------------------------------------
# bench_reset UNIT             start a table; UNIT is MB (AMOUNT in bytes)
#                              or what AMOUNT counts (rows, messages)
# bench_add NAME AMOUNT CMD    a contender: CMD (run by bash -c) does AMOUNT
#                              of work (bytes when UNIT is MB). Set
#                              BENCH_PREP and BENCH_CHECK before the call
#                              for commands run untimed, in this shell,
#                              before and after each run: CHECK must print
#                              nothing and return 0, else the run is WRONG
#                              and what it printed is shown.
# bench_run                    BENCH_ROUNDS rounds; round r starts with
#                              contender r (mod n), so none always follows
#                              the same one
# bench_show [NAME...]         one line per contender (all by default):
#                              median throughput [min-max], CPU per unit,
#                              median wall seconds
# bench_ratio A B [TEXT]       median throughput of A over B, and the same
#                              per CPU-second (what a busy machine blurs least)
# bench_get NAME KEY           KEY: rate (per wall s), cpurate (per CPU s),
#                              cpu (median CPU s), wall (median s), ok (1/0)
BENCH_T=$(mktemp -d "${TMPDIR:-/tmp}/benchtimes.XXXXXX") || exit 1
# scripts with something to clean up define cleanup(); on exit it runs, then
# the helper's own files go
bench_exit() { if declare -F cleanup > /dev/null; then cleanup; fi; rm -rf "$BENCH_T"; }
trap bench_exit EXIT
trap 'exit 1' INT TERM

bench_reset() {
	BENCH_UNIT=$1
	BN=() BA=() BC=() BP=() BK=() BW=() BU=() BE=()
	BENCH_PREP= BENCH_CHECK=
}

bench_add() {
	local i=${#BN[@]}
	BN[i]=$1 BA[i]=$2 BC[i]=$3 BP[i]=$BENCH_PREP BK[i]=$BENCH_CHECK BW[i]= BU[i]= BE[i]=
	BENCH_PREP= BENCH_CHECK=
}

# _bench_once I: one timed run of contender I; appends to BW, BU or sets BE
_bench_once() {
	local _i=$1 _out _rc _e _cpu
	[ -n "${BE[_i]}" ] && return
	[ -z "${BP[_i]}" ] || eval "${BP[_i]}" || { BE[_i]="failed: preparing the run"; return; }
	(
		s=$EPOCHREALTIME
		bash -c "${BC[_i]}"
		rc=$?
		e=$EPOCHREALTIME
		# the second line of times: user and system time of the children
		# (times itself must run in this shell, not in a pipeline)
		times > "$BENCH_T/times"
		sed -n 2p "$BENCH_T/times" | awk -v s="$s" -v e="$e" -v rc="$rc" '{
			gsub(/s/, "", $1); gsub(/s/, "", $2); split($1, u, "m"); split($2, y, "m")
			printf "%s %.6f %.3f\n", rc, e - s, u[1] * 60 + u[2] + y[1] * 60 + y[2] }'
	) > "$BENCH_T/t" 2> "$BENCH_T/err"
	read -r _rc _e _cpu < "$BENCH_T/t"
	if [ "${_rc:-1}" != 0 ]; then
		BE[_i]="failed: exit ${_rc:-?}: $(head -c 200 "$BENCH_T/err" | tr '\n' ' ')"
		return
	fi
	if [ -n "${BK[_i]}" ]; then
		# in this shell (not in $(...)): the check may stop a server
		eval "${BK[_i]}" > "$BENCH_T/check" 2>&1 || echo "check failed" >> "$BENCH_T/check"
		_out=$(head -c 300 "$BENCH_T/check" | tr '\n' ' ')
		[ -z "$_out" ] || { BE[_i]="WRONG: $_out"; return; }
	fi
	BW[_i]="${BW[_i]} $_e" BU[_i]="${BU[_i]} $_cpu"
}

bench_run() {
	local _n=${#BN[@]} _r _k
	for ((_r = 0; _r < BENCH_ROUNDS; _r++)); do
		for ((_k = 0; _k < _n; _k++)); do
			_bench_once $(((_k + _r) % _n))
		done
	done
}

_bench_index() {
	local i
	for i in "${!BN[@]}"; do [ "${BN[i]}" = "$1" ] && { echo "$i"; return 0; }; done
	echo "bench: no contender $1" >&2
	return 1
}

# _bench_stats I: "ok rate min max cpurate cpu wall" (rate min max per wall s)
_bench_stats() {
	local i=$1
	[ -z "${BE[i]}" ] || { echo "0 0 0 0 0 0 0"; return; }
	echo "${BA[i]} | ${BW[i]} | ${BU[i]}" | awk '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		split($0, p, "|"); amt = p[1] + 0
		nw = split(p[2], w, " "); nu = split(p[3], u, " ")
		mn = mx = 0
		for (k = 1; k <= nw; k++) { if (w[k] <= 0) w[k] = 0.0005; r = amt / w[k]
			if (k == 1 || r < mn) mn = r; if (k == 1 || r > mx) mx = r }
		mw = med(w, nw); mu = med(u, nu); if (mu <= 0) mu = 0.0005
		printf "1 %.6g %.6g %.6g %.6g %.4f %.4f\n", amt / mw, mn, mx, amt / mu, mu, mw
	}'
}

bench_get() {
	local i ok rate mn mx cr cpu wall
	i=$(_bench_index "$1") || return 1
	read -r ok rate mn mx cr cpu wall <<< "$(_bench_stats "$i")"
	case $2 in
	rate) echo "$rate" ;; cpurate) echo "$cr" ;; cpu) echo "$cpu" ;; wall) echo "$wall" ;; ok) echo "$ok" ;;
	esac
}

bench_show() {
	local i ok rate mn mx cr cpu wall names=("$@")
	[ $# -gt 0 ] || names=("${BN[@]}")
	for name in "${names[@]}"; do
		i=$(_bench_index "$name") || continue
		if [ -n "${BE[i]}" ]; then
			printf '  %-50s %s\n' "${BN[i]}" "${BE[i]}"
			continue
		fi
		read -r ok rate mn mx cr cpu wall <<< "$(_bench_stats "$i")"
		if [ "$BENCH_UNIT" = MB ]; then
			awk -v n="${BN[i]}" -v r="$rate" -v a="$mn" -v b="$mx" -v c="$cpu" -v amt="${BA[i]}" -v w="$wall" 'BEGIN {
				printf "  %-50s %7.0f MB/s [%.0f-%.0f]  %6.2f CPU-s/GB  (%.2f s)\n",
					n, r / 1e6, a / 1e6, b / 1e6, c / (amt / 1e9), w }'
		else
			awk -v n="${BN[i]}" -v r="$rate" -v a="$mn" -v b="$mx" -v cr="$cr" -v w="$wall" -v u="$BENCH_UNIT" 'BEGIN {
				printf "  %-50s %9.0f %s/s [%.0f-%.0f]  %9.0f %s/CPU-s  (%.2f s)\n",
					n, r, u, a, b, cr, u, w }'
		fi
	done
}

bench_ratio() {
	local a b ca cb
	a=$(bench_get "$1" rate) b=$(bench_get "$2" rate) || return 1
	ca=$(bench_get "$1" cpurate) cb=$(bench_get "$2" cpurate)
	if [ "$(bench_get "$1" ok)" != 1 ] || [ "$(bench_get "$2" ok)" != 1 ]; then
		printf '  %-50s n/a (a run failed)\n' "${3:-$1 / $2}:"
		return
	fi
	awk -v t="${3:-$1 / $2}:" -v a="$a" -v b="$b" -v ca="$ca" -v cb="$cb" 'BEGIN {
		printf "  %-50s %7.2fx  (per CPU-second: %.2fx)\n", t, a / b, ca / cb }'
}

# bench_header: the line that says what the numbers are
bench_header() {
	echo "  (median of $BENCH_ROUNDS interleaved runs [min-max]; CPU = user+sys of the command and its children)"
}
