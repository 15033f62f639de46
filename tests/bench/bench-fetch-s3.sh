#!/bin/bash
# bench-fetch-s3.sh: a day of Segment's layout as S3 holds it (200 small
# gzipped hourly objects of ~100 events) read from s3rver on 127.0.0.1 by
# seg-fetch at -j 1 and -j 8 (MB/s of NDJSON out). Loopback has almost no
# latency, so this is the floor of what -j saves against S3. Each run's
# output is compared with the objects' content.
. "$(dirname "$0")/common.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/benchs3.XXXXXX") || exit 1
cleanup() { sh "$top/tests/helpers/servers.sh" stop "$dir/s3"; rm -rf "$dir"; }
port=$(sh "$top/tests/helpers/servers.sh" start s3rver "$dir/s3" bkt) || exit 1
seg-gen --seed 3 --size 20M > "$dir/day.ndjson"
split -n l/200 -d -a 3 "$dir/day.ndjson" "$dir/obj."
i=0
for f in "$dir"/obj.*; do
	gzip -n "$f"
	curl -sSf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
		-T "$f.gz" "http://127.0.0.1:$port/bkt/segment-logs/src1/1700000000000/$(printf '%03d' $i).gz" > /dev/null || exit 1
	i=$((i + 1))
done
bytes=$(filesize "$dir/day.ndjson")
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
bench_reset MB
for j in 1 8; do
	BENCH_CHECK='cmp -s "$dir/out" "$dir/day.ndjson" || echo "the output differs from the objects"'
	bench_add "seg-fetch -j $j (200 objects)" "$bytes" \
		"seg-fetch -q -j $j --endpoint-url http://127.0.0.1:$port s3://bkt/segment-logs/ > '$dir/out'"
done
bench_run
bench_header
bench_show
bench_ratio "seg-fetch -j 8 (200 objects)" "seg-fetch -j 1 (200 objects)" "-j 8 vs -j 1"
