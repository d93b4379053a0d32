# SPDX-License-Identifier: GPL-2.0-or-later
# jailpol - kernel-level network jail for sandboxed agents and containers.
#
#   make            build jailpolc under build/
#   make check      install build dependencies, build, run every test
#   make check-fresh  as root: the README's two commands on a fresh minbase
#                   Debian 12 root (tests/fresh/run.sh; CI runs it)
#   make bench      jailpol against no program, an allow-only BPF floor, a
#                   naive LPM program and nft: per-call cost, compile, size,
#                   attach, replace, kernel memory; one table (tests/bench.sh;
#                   as root; BENCH_QUICK=1 a smoke run, BENCH_ROUNDS=N)
#   make verify-long  as root: 10^7 kernel verdicts against the reference
#                   evaluator (build/tests/verify; make check runs 10^5)
#   make security-table  as root: rerun the bypass matrix and rewrite its
#                   table in docs/security.md
#   make V=1        show full commands
#   make install    PREFIX=/usr/local DESTDIR=

.DELETE_ON_ERROR:
# Keep every object make builds through a chain (the sanitizer objects of
# the unit tests among them): deleting them would rebuild them next run.
.SECONDARY:
.SUFFIXES:

OUTPUT  ?= build
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/jailpol
DESTDIR ?=

CC      ?= cc
CLANG   ?= clang
CLANG_FORMAT ?= clang-format
BPFTOOL ?= bpftool
FLEX    ?= flex
BISON   ?= bison
INSTALL ?= install

VERSION := 0.1.0

ifeq ($(V),1)
  Q :=
  msg =
else
  Q := @
  msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARNINGS := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	    -Wformat=2 -Wformat-security -Wundef -Wpointer-arith -Wvla \
	    -Wwrite-strings -Wcast-align -Wnull-dereference -Wimplicit-fallthrough
# CI builds with -Werror; locally a warning does not stop the build.
ifeq ($(CI),true)
  WERROR := -Werror
endif

CFLAGS   ?= -O2 -g
LDFLAGS  ?=
CPPFLAGS += -D_GNU_SOURCE -DJAILPOL_VERSION='"$(VERSION)"'
ALL_CFLAGS := -std=c11 $(CFLAGS) $(WARNINGS) $(WERROR) -MMD -MP
# flex/bison output trips -Wsign-compare and friends; compile it relaxed.
GEN_CFLAGS := -std=c11 $(CFLAGS) -Wall -Wno-unused-function -Wno-sign-compare $(WERROR) -MMD -MP
LDLIBS   := -lyaml -lz

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The layers: lib/ is what both halves share (build/libjailpol.a);
# compiler/ and runtime/ each stand on it, never on each other, and each
# sees only its own headers and lib/'s.  tests/lib/ holds the test oracle
# (the reference evaluator), linked only into tests.
LIB_SRCS      := $(wildcard lib/*.c)
COMPILER_SRCS := $(filter-out compiler/main.c,$(wildcard compiler/*.c))
GEN_SRCS      := $(OUTPUT)/compiler/parser.c $(OUTPUT)/compiler/scanner.c
ORACLE_SRCS   := tests/lib/refeval.c
# The kernel tests' helpers (tests/lib/ktest.c), also linked into
# bench-runtime.
KTEST_SRCS    := tests/lib/ktest.c
LIB_INC       := -iquote lib
COMPILER_INC  := $(LIB_INC) -iquote $(OUTPUT)/compiler -iquote compiler
RUNTIME_INC   := $(LIB_INC) -iquote $(OUTPUT)/bpf
TEST_INC      := $(COMPILER_INC) -iquote tests/lib

LIB_OBJS      := $(LIB_SRCS:%.c=$(OUTPUT)/%.o)
LIBJAILPOL    := $(OUTPUT)/libjailpol.a
COMPILER_OBJS := $(COMPILER_SRCS:%.c=$(OUTPUT)/%.o) $(GEN_SRCS:.c=.o)
ORACLE_OBJS   := $(ORACLE_SRCS:%.c=$(OUTPUT)/%.o)
KTEST_OBJS    := $(KTEST_SRCS:%.c=$(OUTPUT)/%.o)
# The unit tests: the whole compiler, lib/ and the oracle under sanitizers.
SAN_OBJS      := $(LIB_SRCS:%.c=$(OUTPUT)/san/%.o) $(COMPILER_SRCS:%.c=$(OUTPUT)/san/%.o) \
		 $(GEN_SRCS:$(OUTPUT)/%.c=$(OUTPUT)/san/%.o) $(ORACLE_SRCS:%.c=$(OUTPUT)/san/%.o)

# Which headers an object may include, by where its source lives.
$(OUTPUT)/lib/%.o $(OUTPUT)/san/lib/%.o: INC = $(LIB_INC)
$(OUTPUT)/compiler/%.o $(OUTPUT)/san/compiler/%.o: INC = $(COMPILER_INC)
$(OUTPUT)/runtime/%.o: INC = $(RUNTIME_INC)
$(OUTPUT)/tests/%.o $(OUTPUT)/san/tests/%.o $(OUTPUT)/tools/%.o: INC = $(TEST_INC)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(OUTPUT)/san/tests/%)
TOOL_BINS  := $(OUTPUT)/gen-policy $(OUTPUT)/bench-runtime $(OUTPUT)/bench-peer $(OUTPUT)/yaml2json \
	      $(OUTPUT)/memlat

JAILPOLC := $(OUTPUT)/jailpolc

# The runtime: BPF templates compiled by clang, embedded through a
# bpftool skeleton, loaded by runtime/*.c.
BPF_ARCH     ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# -target bpf has no system include directories of its own (asm/types.h
# is in the multiarch one): take those clang uses for the host, as
# libbpf-bootstrap does.  Evaluated once, at first use, so that
# `make deps all` asks the clang that deps has just installed.
BPF_SYS_INCLUDES = $(eval BPF_SYS_INCLUDES := $$(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }'))$(BPF_SYS_INCLUDES)
BPF_CFLAGS    = -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Wall $(WERROR) -MMD -MP \
		-I$(OUTPUT)/bpf $(BPF_SYS_INCLUDES)
BPF_OBJS     := $(OUTPUT)/bpf/jail.bpf.o $(OUTPUT)/bpf/revoke.bpf.o $(OUTPUT)/bpf/unix.bpf.o
BPF_SKELS    := $(BPF_OBJS:.bpf.o=.skel.h)
RUNTIME_SRCS := $(wildcard runtime/*.c)
RUNTIME_OBJS := $(RUNTIME_SRCS:%.c=$(OUTPUT)/%.o)
JAILAIBLOCK  := $(OUTPUT)/jail-ai-block
RUNTIME_LDLIBS := -lbpf -lelf -lz -lpthread

.PHONY: all deps deps-fresh demo check check-build check-fresh check-unit check-golden golden \
	bench bench-smoke install clean security-table format format-check fuzz fuzz-build
all: $(JAILPOLC) $(TOOL_BINS) $(JAILAIBLOCK)

# Debian packages needed to build, to run the demo and to run every test
# (a minbase Debian 12 has none of them); idempotent.  What a test runs is
# here or in Debian's required priority, which minbase installs:
# tests/fresh/run.sh checks that on a fresh root.
DEB_PACKAGES := make gcc clang clang-format flex bison libbpf-dev libelf-dev zlib1g-dev \
		libyaml-dev liburing-dev libclang-rt-14-dev bpftool iproute2 nftables bc curl jq strace valgrind \
		podman runc conmon busybox-static slirp4netns
# The fresh-machine check's own tools (make check-fresh).
FRESH_PACKAGES := debootstrap
deps: DEB_WANTED = $(DEB_PACKAGES)
deps-fresh: DEB_WANTED = $(FRESH_PACKAGES)
deps deps-fresh:
	$(Q)missing=$$(for p in $(DEB_WANTED); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
	fi

# The main job on the default policy: compile it, explain three verdicts,
# then jail commands and show one refused and one allowed connection.
demo: $(JAILPOLC) $(JAILAIBLOCK) $(OUTPUT)/tests/netprobe
	$(Q)tools/demo.sh $(OUTPUT)

# The kernel tests' socket programs (gnu11: Linux socket extensions): the
# probe of tests/kernel/run.sh, also used by the demo, and the bypass
# matrix, every vector we know tried from a jailed cgroup.
BYPASS := $(OUTPUT)/tests/bypass
$(OUTPUT)/tests/bypass.o $(OUTPUT)/tests/netprobe.o: $(OUTPUT)/tests/%.o: tests/kernel/%.c \
		| $(OUTPUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) -std=gnu11 $(CFLAGS) $(WARNINGS) $(WERROR) -MMD -MP -c -o $@ $<

$(OUTPUT)/tests/netprobe: $(OUTPUT)/tests/netprobe.o $(KTEST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^)

# The same probe linked statically, for the busybox root file system the
# podman tests run (it has no C library).
$(OUTPUT)/tests/netprobe-static: $(OUTPUT)/tests/netprobe.o $(KTEST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -static -o $@ $(filter %.o,$^)

# (Only the objects: a build/tests/bypass.d from before bypass had an
# object of its own names the source as a prerequisite of the binary.)
$(BYPASS): $(OUTPUT)/tests/bypass.o $(KTEST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) -lbpf -luring

# An LD_PRELOAD shim that makes bpf() refuse the cgroup Unix socket hooks
# as a kernel before Linux 6.7 does (tests/kernel/unix.sh).
OLDKERNEL := $(OUTPUT)/tests/oldkernel.so
$(OLDKERNEL): tests/kernel/oldkernel.c | $(OUTPUT)/tests/lib
	$(call msg,CC-SO,$@)
	$(Q)$(CC) $(CPPFLAGS) -std=gnu11 $(CFLAGS) $(WARNINGS) $(WERROR) -fPIC -shared -MMD -MP \
		$(LDFLAGS) -o $@ $< -ldl

# The forger of corrupt policy.bin files for the bad-input catalogue
# (tests/bad/run.sh).
FORGE := $(OUTPUT)/tests/forge
$(OUTPUT)/tests/forge.o: tests/bad/forge.c | $(OUTPUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(ALL_CFLAGS) -c -o $@ $<

$(FORGE): $(OUTPUT)/tests/forge.o $(LIBJAILPOL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lz

# Regenerate the bypass table in docs/security.md from a run of the matrix
# (as root; review the diff before committing it).
security-table: $(BYPASS) $(JAILPOLC) $(JAILAIBLOCK)
	$(Q)$(BYPASS) --markdown $(OUTPUT)/bypass.md $(OUTPUT) >/dev/null
	$(Q)tests/kernel/splice-table.sh docs/security.md $(OUTPUT)/bypass.md

$(OUTPUT) $(OUTPUT)/compiler $(OUTPUT)/lib $(OUTPUT)/tools $(OUTPUT)/san/compiler \
$(OUTPUT)/san/lib $(OUTPUT)/san/tests $(OUTPUT)/san/tests/lib $(OUTPUT)/tests/lib \
$(OUTPUT)/san/runtime \
$(OUTPUT)/bpf $(OUTPUT)/runtime:
	$(Q)mkdir -p $@

# Generated front end: one run of bison (flex) makes both files.
$(OUTPUT)/compiler/parser.c $(OUTPUT)/compiler/parser.h &: compiler/parser.y | $(OUTPUT)/compiler
	$(call msg,BISON,$<)
	$(Q)$(BISON) -Wall -Werror --defines=$(OUTPUT)/compiler/parser.h -o $(OUTPUT)/compiler/parser.c $<

$(OUTPUT)/compiler/scanner.c $(OUTPUT)/compiler/scanner.h &: compiler/scanner.l | $(OUTPUT)/compiler
	$(call msg,FLEX,$<)
	$(Q)$(FLEX) --header-file=$(OUTPUT)/compiler/scanner.h -o $(OUTPUT)/compiler/scanner.c $<

# Everything in compiler/ may include the generated headers.
$(COMPILER_SRCS:%.c=$(OUTPUT)/%.o) $(COMPILER_SRCS:%.c=$(OUTPUT)/san/%.o) \
$(OUTPUT)/compiler/main.o: | $(OUTPUT)/compiler/parser.h $(OUTPUT)/compiler/scanner.h

$(OUTPUT)/%.o: %.c | $(OUTPUT)/compiler $(OUTPUT)/lib $(OUTPUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(ALL_CFLAGS) -c -o $@ $<

$(OUTPUT)/compiler/%.o: $(OUTPUT)/compiler/%.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(GEN_CFLAGS) -c -o $@ $<

$(OUTPUT)/san/%.o: %.c | $(OUTPUT)/san/compiler $(OUTPUT)/san/lib $(OUTPUT)/san/tests/lib \
		      $(OUTPUT)/san/runtime
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(OUTPUT)/san/compiler/%.o: $(OUTPUT)/compiler/%.c | $(OUTPUT)/san/compiler
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(GEN_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(LIBJAILPOL): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(JAILPOLC): $(OUTPUT)/compiler/main.o $(COMPILER_OBJS) $(LIBJAILPOL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/tools/%.o: tools/%.c | $(OUTPUT)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(ALL_CFLAGS) -c -o $@ $<

$(OUTPUT)/gen-policy: $(OUTPUT)/tools/gen-policy.o $(LIBJAILPOL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(OUTPUT)/memlat: $(OUTPUT)/tools/memlat.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(OUTPUT)/bench-runtime: $(OUTPUT)/tools/bench-runtime.o $(KTEST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# The bench's BPF peers (tools/bench_peer.bpf.c: the allow-only floor and
# the naive one-trie-per-family design) and their loader, which links
# libbpf but nothing of the runtime.
$(OUTPUT)/tools/bench_peer.bpf.o: tools/bench_peer.bpf.c | $(OUTPUT)/tools
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -iquote tools -c -o $@ $<

$(OUTPUT)/tools/bench_peer.skel.h: $(OUTPUT)/tools/bench_peer.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_peer_bpf > $@

$(OUTPUT)/tools/bench-peer.o: INC = -iquote tools -iquote $(OUTPUT)/tools
$(OUTPUT)/tools/bench-peer.o: | $(OUTPUT)/tools/bench_peer.skel.h

$(OUTPUT)/bench-peer: $(OUTPUT)/tools/bench-peer.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lbpf -lelf -lz

# The docs suite reads the Kubernetes manifests through it (libyaml: no
# YAML module of a scripting language among the dependencies).
$(OUTPUT)/yaml2json: $(OUTPUT)/tools/yaml2json.o $(LIBJAILPOL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lyaml

# BPF templates and their skeletons (static pattern rules: explicit
# targets, so make neither deletes them as intermediates nor falls back to
# the generic %.o rule before the skeleton exists).
$(BPF_OBJS): $(OUTPUT)/bpf/%.bpf.o: bpf/templates/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(BPF_SKELS): $(OUTPUT)/bpf/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*)_bpf > $@

# The runtime includes the skeletons; a changed skeleton reaches the
# objects through their .d files.
$(RUNTIME_OBJS): $(OUTPUT)/runtime/%.o: runtime/%.c | $(OUTPUT)/runtime $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(ALL_CFLAGS) -c -o $@ $<

# A root tool links only what it runs: runtime/ and lib/, no parser.
$(JAILAIBLOCK): $(RUNTIME_OBJS) $(LIBJAILPOL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(RUNTIME_LDLIBS)

# The kernel-vs-reference differential test: random policies attached by
# the runtime, probed with real sockets, checked against refeval.c.  A
# normal build: it times real syscalls, not the core under sanitizers.
VERIFY := $(OUTPUT)/tests/verify

$(OUTPUT)/tests/verify.o: tests/kernel/verify.c | $(OUTPUT)/compiler/parser.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CPPFLAGS) $(INC) $(ALL_CFLAGS) -c -o $@ $<

$(VERIFY): $(OUTPUT)/tests/verify.o $(KTEST_OBJS) $(COMPILER_OBJS) $(ORACLE_OBJS) $(LIBJAILPOL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: verify-long
verify-long: $(VERIFY) $(JAILPOLC) $(JAILAIBLOCK)
	$(Q)$(VERIFY) --probes 10000000 $(OUTPUT)

# Unit tests: ASan + UBSan build of the whole core.
$(OUTPUT)/san/tests/%.o: tests/unit/%.c | $(OUTPUT)/san/tests $(OUTPUT)/compiler/parser.h
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CPPFLAGS) $(INC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests/unit -c -o $@ $<

# The runtime's pure steps have unit tests too (no libbpf in them).
$(OUTPUT)/san/runtime/%.o: INC = $(RUNTIME_INC)
$(OUTPUT)/san/tests/test_host: $(OUTPUT)/san/runtime/host.o
$(OUTPUT)/san/tests/test_host.o: INC = $(TEST_INC) -iquote runtime

$(OUTPUT)/san/tests/%: $(OUTPUT)/san/tests/%.o $(SAN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer targets (tests/fuzz/): always clang, whatever CC is, and
# objects of their own under build/fuzz/ (coverage-instrumented, ASan +
# UBSan), so the normal build neither waits for nor depends on them.
# `make fuzz FUZZ_SECONDS=N` runs each target N seconds on a seed corpus
# copied from the tree's policies into build/fuzz/corpus-<target>;
# make check runs a short smoke of each (tests/fuzz/run.sh).
FUZZ_TARGETS := parse yaml compile read expect
FUZZ_SECONDS ?= 60
FUZZ         := $(OUTPUT)/fuzz
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ)/fuzz_%)
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 -O1 -g $(WARNINGS) $(WERROR) $(FUZZ_SAN) -MMD -MP
FUZZ_GEN_CFLAGS := -std=c11 -O1 -g -Wall -Wno-unused-function -Wno-sign-compare \
		   -Wno-unused-but-set-variable $(WERROR) $(FUZZ_SAN) -MMD -MP
FUZZ_OBJS    := $(LIB_SRCS:%.c=$(FUZZ)/%.o) $(COMPILER_SRCS:%.c=$(FUZZ)/%.o) \
		$(GEN_SRCS:$(OUTPUT)/%.c=$(FUZZ)/%.o) $(ORACLE_SRCS:%.c=$(FUZZ)/%.o)

$(FUZZ)/lib/%.o: INC = $(LIB_INC)
$(FUZZ)/compiler/%.o: INC = $(COMPILER_INC)
$(FUZZ)/tests/%.o: INC = $(TEST_INC)

$(FUZZ)/%.o: %.c | $(OUTPUT)/compiler/parser.h $(OUTPUT)/compiler/scanner.h
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(CPPFLAGS) $(INC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-c -o $@ $<

$(FUZZ)/compiler/%.o: $(OUTPUT)/compiler/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(CPPFLAGS) $(INC) $(FUZZ_GEN_CFLAGS) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ)/fuzz_%.o: tests/fuzz/fuzz_%.c | $(OUTPUT)/compiler/parser.h
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(CPPFLAGS) $(TEST_INC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
		-c -o $@ $<

$(FUZZ)/fuzz_%: $(FUZZ)/fuzz_%.o $(FUZZ_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS) $(JAILPOLC)
	$(Q)tests/fuzz/run.sh $(OUTPUT) $(FUZZ_SECONDS)

# Everything make check runs, built (CI builds it with clang too).
check-build: all $(UNIT_BINS) $(VERIFY) $(BYPASS) $(FORGE) $(OLDKERNEL) $(OUTPUT)/tests/netprobe \
	$(OUTPUT)/tests/netprobe-static $(FUZZ_BINS)

check: deps
	$(Q)$(MAKE) --no-print-directory check-build
	$(Q)tests/run-tests.sh $(OUTPUT)

# The README's two commands on a fresh minbase Debian 12 root, as root
# (debootstrap tarball cached in /var/cache/jailpol/fresh).
check-fresh: deps-fresh
	$(Q)tests/fresh/run.sh

check-unit: $(UNIT_BINS)
	$(Q)tests/run-tests.sh $(OUTPUT) unit

check-golden: $(JAILPOLC)
	$(Q)tests/run-tests.sh $(OUTPUT) golden

# Rewrite the golden .dump/.err files from the current compiler; review the
# diff before committing it.
golden: $(JAILPOLC)
	$(Q)tests/golden.sh $(JAILPOLC) update

# The bench's peers (nft) are installed by deps, as root; BENCH_QUICK=1
# is a smoke run of a few seconds, BENCH_ROUNDS=N sets the rounds.
bench: $(if $(filter 0,$(shell id -u)),deps)
	$(Q)$(MAKE) --no-print-directory $(JAILPOLC) $(TOOL_BINS) $(JAILAIBLOCK)
	$(Q)tests/bench.sh $(OUTPUT)

# The bench's tools checked (make check runs this too), then the whole
# bench on two sizes, one round: a minute at most, as root.
bench-smoke: $(if $(filter 0,$(shell id -u)),deps)
	$(Q)$(MAKE) --no-print-directory $(JAILPOLC) $(TOOL_BINS) $(JAILAIBLOCK)
	$(Q)tests/run-tests.sh $(OUTPUT) bench
	$(Q)BENCH_QUICK=1 tests/bench.sh $(OUTPUT)

# The binaries, the man pages and the shipped policies they name under
# FILES.  The pages say /usr/local/share/jailpol, the default DATADIR; an
# install elsewhere gets pages that name its own.
MAN_PAGES := man/jailpolc.1 man/jailpol.5 man/jail-ai-block.8
POLICIES  := $(wildcard policies/*.jp policies/*.jpt)
install: $(JAILPOLC) $(JAILAIBLOCK)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0755 $(JAILPOLC) $(DESTDIR)$(BINDIR)/jailpolc
	$(INSTALL) -m 0755 $(JAILAIBLOCK) $(DESTDIR)$(BINDIR)/jail-ai-block
	$(INSTALL) -m 0644 $(POLICIES) $(DESTDIR)$(DATADIR)/
	for m in $(MAN_PAGES); do \
		sed 's|/usr/local/share/jailpol|$(DATADIR)|g' $$m >$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/} && \
		chmod 0644 $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/} || exit 1; \
	done

# The C sources as .clang-format says (Debian 12's clang-format 14; another
# version may place a few breaks differently).  CI runs format-check.
FORMAT_SRCS := $(wildcard bpf/templates/*.[ch] lib/*.[ch] compiler/*.[ch] runtime/*.[ch] \
		 tests/lib/*.[ch] tests/unit/*.[ch] tests/kernel/*.[ch] tests/fuzz/*.[ch] tests/bad/*.[ch] \
		 tools/*.[ch])
format:
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_SRCS)

format-check:
	$(Q)$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRCS) && \
		echo "format-check: $(words $(FORMAT_SRCS)) files as .clang-format says"

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
