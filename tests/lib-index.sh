#!/bin/sh
# tests/lib-index.sh: refill the "used by" and "tested by" columns of
# lib/README.md from the code: which programs (src/*.c) and modules
# (lib/*.[ch]) include each module's header, and which unit tests and fuzz
# harnesses do. The module and job columns are written by hand.
#   tests/lib-index.sh        print the refilled index on stdout
#   tests/lib-index.sh -w     rewrite lib/README.md in place
# tests/build.bats checks that the index is up to date.
set -u
cd "$(dirname "$0")/.." || exit 1

includers() {   # includers HEADER FILES...: the base names of files that include it
	h=$1; shift
	for f; do
		[ -f "$f" ] || continue
		grep -q "#include \"$h\"" "$f" && basename "$f" | sed 's/\.[ch]$//'
	done | sort -u
}

refill() {
	while IFS= read -r line; do
		case $line in
		'| `'*'` |'*)
			m=$(printf '%s\n' "$line" | sed 's/^| `\([a-z0-9_]*\)` |.*/\1/')
			job=$(printf '%s\n' "$line" | awk -F' \\| ' '{ print $2 }')
			progs=$(includers "$m.h" src/*.c)
			mods=$(includers "$m.h" lib/*.c lib/*.h | grep -vx "$m")
			users=$(printf '%s\n%s\n' "$progs" "$mods" | grep . | paste -sd, - | sed 's/,/, /g')
			tests=$(for f in tests/unit/test_*.c tests/fuzz/fuzz_*.c; do
				grep -q "#include \"$m.h\"" "$f" && echo "${f#tests/}" | sed 's/\.c$//'
			done | paste -sd, - | sed 's/,/, /g')
			printf '| `%s` | %s | %s | %s |\n' "$m" "$job" "${users:--}" "${tests:-through the programs' bats tests}"
			;;
		*) printf '%s\n' "$line" ;;
		esac
	done < lib/README.md
}

if [ "${1:-}" = -w ]; then
	refill > lib/README.md.new && mv lib/README.md.new lib/README.md
else
	refill
fi
