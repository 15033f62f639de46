# Makefile for segpipe. Run ./configure first; it writes config.mk.
# Programs are src/<name>.c -> bin/<name>; shared code lib/*.c -> lib/libseg.a.
# Quiet by default; make V=1 shows full command lines.

-include config.mk

FUZZ_TIME ?= 20

ifeq ($(V),1)
Q =
say = @:
else
Q = @
say = @printf '  %-6s %s\n'
endif

ALL_CFLAGS = $(CFLAGS) -Ilib $(ZLIB_CFLAGS) $(ARCHIVE_CFLAGS) $(CURL_CFLAGS) \
	$(EXPAT_CFLAGS) $(CRYPTO_CFLAGS) $(MHD_CFLAGS) $(MARIADB_CFLAGS) $(ISAL_CFLAGS) \
	$(INIH_CFLAGS)

LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:.c=.o)
LIB_HDR = $(wildcard lib/*.h)
PROG_SRC = $(sort $(wildcard src/*.c))
PROGS = $(patsubst src/%.c,bin/%,$(PROG_SRC))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:.c=)
MANS = $(wildcard share/man/man1/*.1)
MANS7 = $(wildcard share/man/man7/*.7)

# Libraries each program links besides libseg; the default is the common set.
COMMON_LIBS = $(CRYPTO_LIBS) $(ZLIB_LIBS) $(ISAL_LIBS)
LIBS_seg-fetch = $(ARCHIVE_LIBS) $(CURL_LIBS) $(EXPAT_LIBS) $(COMMON_LIBS)
LIBS_s2-load = $(CURL_LIBS) $(COMMON_LIBS)
LIBS_s2-query = $(CURL_LIBS) $(COMMON_LIBS)
LIBS_seg-backfill = $(INIH_LIBS) $(ARCHIVE_LIBS) $(CURL_LIBS) $(EXPAT_LIBS) $(COMMON_LIBS)
LIBS_seg-receive = $(MHD_LIBS) $(COMMON_LIBS) -lpthread
LIBS_seg-send = $(CURL_LIBS) $(COMMON_LIBS)
LIBS_s2-gateway = $(MHD_LIBS) $(MARIADB_LIBS) $(COMMON_LIBS) -lpthread
ALL_LIBS = $(INIH_LIBS) $(ARCHIVE_LIBS) $(CURL_LIBS) $(EXPAT_LIBS) $(MHD_LIBS) $(MARIADB_LIBS) $(COMMON_LIBS) -lpthread -lm

.PHONY: all deps check bench bench-quick fuzz demo install uninstall clean distclean

all: config.mk $(PROGS)

# Without config.mk, configure runs first; for "make check" and "make demo"
# install-deps installs what the machine lacks before that. "make clean"
# needs neither.
ifeq ($(filter clean distclean uninstall,$(MAKECMDGOALS)),)
config.mk:
	$(if $(filter check demo,$(MAKECMDGOALS)),$(Q)sh ./install-deps -q)
	$(Q)./configure
endif

# Debian packages and npm test servers, when missing (see install-deps).
deps:
	$(Q)sh ./install-deps -q

lib/%.o: lib/%.c $(LIB_HDR) config.mk
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

lib/libseg.a: $(LIB_OBJ)
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $(LIB_OBJ)

bin/%: src/%.c lib/libseg.a $(LIB_HDR)
	$(say) CCLD $@
	$(Q)mkdir -p bin
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< lib/libseg.a $(if $(LIBS_$*),$(LIBS_$*),$(COMMON_LIBS)) -lm

bin/s2-gateway: src/s2-gateway-openapi.h

tests/unit/%: tests/unit/%.c tests/unit/unit.h lib/libseg.a
	$(say) CCLD $@
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< lib/libseg.a $(ALL_LIBS)

# the scanner variants run test_json.c over lib/json.c built their way
tests/unit/test_json_bytes tests/unit/test_json_swar: tests/unit/test_json.c

# make check: C unit tests and bats tests, one "N passed, N failed" line.
check: deps all $(UNIT_BIN)
	$(Q)sh tests/run.sh

# make bench: every benchmark (BENCH_MB=200 sample); make bench-quick: the
# ratios that matter most on a 50 MB sample, in under 2 minutes
bench: deps all
	$(Q)bash tests/bench/run.sh

bench-quick: all
	$(Q)bash tests/bench/run.sh --quick

FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:.c=)
tests/fuzz/%: tests/fuzz/%.c tests/fuzz/feed.h $(LIB_SRC) $(LIB_HDR)
	$(say) FUZZ $@
	$(Q)clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -DINFLATE_CSP_KEEP=700 \
		-fsanitize=fuzzer,address,undefined -Ilib $(CURL_CFLAGS) $(MHD_CFLAGS) $(MARIADB_CFLAGS) \
		-o $@ $< $(LIB_SRC) $(ALL_LIBS)

fuzz: $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do \
		echo "fuzz: $$f for $(FUZZ_TIME)s"; \
		mkdir -p $$f.corpus; \
		if ./$$f -max_total_time=$(FUZZ_TIME) -max_len=65536 -print_final_stats=0 \
			$$f.corpus tests/fuzz/seeds > $$f.log 2>&1; then tail -n 1 $$f.log; \
		else tail -n 40 $$f.log; echo "fuzz: $$f FAILED (log $$f.log)"; exit 1; fi; \
	done

demo: deps all
	$(Q)sh share/examples/demo.sh

# GNU directory variables; PREFIX (from configure) is the default prefix.
prefix ?= $(if $(PREFIX),$(PREFIX),/usr/local)
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
datarootdir ?= $(prefix)/share
datadir ?= $(datarootdir)
mandir ?= $(datarootdir)/man
INSTALL ?= install

# Everything under bin/ is installed, the test tools (seg-gen, s2-gateway)
# too: their man pages say they are for tests and demos.
install: all
	$(say) INSTALL $(DESTDIR)$(prefix)
	$(Q)$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man7 $(DESTDIR)$(datadir)/segpipe/sql
	$(Q)$(INSTALL) -m 755 $(PROGS) $(DESTDIR)$(bindir)/
	$(Q)$(INSTALL) -m 644 $(MANS) $(DESTDIR)$(mandir)/man1/
	$(Q)$(INSTALL) -m 644 $(MANS7) $(DESTDIR)$(mandir)/man7/
	$(Q)$(INSTALL) -m 644 $(wildcard share/sql/*.sql) $(DESTDIR)$(datadir)/segpipe/sql/

uninstall:
	$(Q)for p in $(PROGS); do rm -f $(DESTDIR)$(bindir)/$${p#bin/}; done
	$(Q)for m in $(MANS); do rm -f $(DESTDIR)$(mandir)/man1/$${m##*/}; done
	$(Q)for m in $(MANS7); do rm -f $(DESTDIR)$(mandir)/man7/$${m##*/}; done
	$(Q)rm -rf $(DESTDIR)$(datadir)/segpipe

clean:
	$(Q)rm -f $(LIB_OBJ) lib/libseg.a $(PROGS) $(UNIT_BIN) $(FUZZ_BIN)

distclean: clean
	$(Q)rm -f config.mk
