# tests/helpers/accounting.bash: design.md's accounting rule on a program's
# --stats FILE:
#
#   load 'helpers/accounting'
#   assert_accounted STATS [KEY...]
#
# passes when the "in" counter equals the sum of the KEY counters (default
# out rejected dups; a missing key counts 0) and the per-reason counts add
# up to "rejected"; else prints the numbers and fails. No counter may be
# absent from the file except the KEYs that are summed.

assert_accounted() {
	local f=$1 expr k
	shift
	[ $# -gt 0 ] || set -- out rejected dups
	expr=0
	for k in "$@"; do expr="$expr + (.\"$k\" // 0)"; done
	local got
	got=$(jq -r "[.in, ($expr), (.rejected // 0), ([.reasons[]?] | add // 0)] | @tsv" "$f") || {
		echo "accounting: $f is not a stats file" >&2; return 1; }
	local in sum rej reasons
	read -r in sum rej reasons <<< "$got"
	if [ "$in" = null ] || [ "$in" != "$sum" ] || [ "$rej" != "$reasons" ]; then
		echo "accounting: $f: in $in, $* add up to $sum; rejected $rej, reasons add up to $reasons" >&2
		cat "$f" >&2
		return 1
	fi
}

# bad_lines: lines every NDJSON program must refuse, one per reason
# (bad_utf8, json_syntax, line_too_long with --max-line 200, not_object),
# and three it must skip as blank (empty, spaces and a tab, a lone CR).
bad_lines() {
	printf '\n \t \n\r\n'
	printf '{"a":"\377"}\n'
	printf '{"a":1,}\n'
	printf '{"long":"%s"}\n' "$(printf '%0300d' 0)"
	printf '"just a string"\n'
}
