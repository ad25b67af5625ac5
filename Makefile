# kb: knowledge-base search. `make` builds bin/kb-indexer and bin/kb-server;
# `make test` runs every test; `make run` loads the sample KB and starts the server.
PKGS     := sqlite3 libmicrohttpd libxml-2.0 icu-uc icu-i18n xapian-core jansson libcmark-gfm libsodium libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions

CC       ?= cc
CXX      ?= c++
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror
CFLAGS   += -std=c11 $(OPT) $(WARN) -Wstrict-prototypes -D_GNU_SOURCE -MMD -MP -I. $(PKG_CFLAGS) $(SAN)
CXXFLAGS += -std=c++17 $(OPT) $(WARN) -MMD -MP -I. $(PKG_CFLAGS) $(SAN)
LDFLAGS  += $(SAN)
LDLIBS   := $(PKG_LIBS) -lpthread -lm
# libcurl is in PKGS: kb/net/http.c is the one HTTP client of both programs.
SRV_LIBS :=

BUILD    ?= build
BIN      ?= bin
DATA     ?= data
PORT     ?= 8080

ifeq ($(V),1)
Q :=
else
Q := @
endif

KB_C     := $(wildcard kb/*/*.c)
KB_CC    := $(wildcard kb/index/*.cc)
# Stop-word lists, generated from Debian's liblingua-stopwords-perl (make deps).
STOPWORDS_DIR ?= /usr/share/perl5/Lingua/StopWords
GEN_OBJ  := $(BUILD)/gen/stopwords_data.o
KB_OBJ   := $(KB_C:%.c=$(BUILD)/%.o) $(KB_CC:%.cc=$(BUILD)/%.o) $(GEN_OBJ)
IDX_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard indexer/*.c))
SRV_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(wildcard server/*.c server/*/*.c))
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIBKB    := $(BUILD)/libkb.a

PROGS := $(BIN)/kb-indexer $(BIN)/kb-server

.PHONY: all deps test unit run demo sanitize clean eval bench fuzz
all: $(PROGS) $(TEST_BIN)

deps:
	@./scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  CC  $<" || true
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/kb/index/%.o: kb/index/%.cc
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  CXX $<" || true
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/gen/stopwords_data.c: scripts/gen-stopwords.pl $(wildcard $(STOPWORDS_DIR)/*.pm)
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  GEN $@" || true
	$(Q)perl scripts/gen-stopwords.pl $(STOPWORDS_DIR) $@

$(GEN_OBJ): $(BUILD)/gen/stopwords_data.c
	@[ -n "$(Q)" ] && echo "  CC  $<" || true
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIBKB): $(KB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/kb-indexer: $(IDX_OBJ) $(LIBKB)
	@mkdir -p $(BIN)
	@[ -n "$(Q)" ] && echo "  LD  $@" || true
	$(Q)$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/kb-server: $(SRV_OBJ) $(LIBKB)
	@mkdir -p $(BIN)
	@[ -n "$(Q)" ] && echo "  LD  $@" || true
	$(Q)$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(SRV_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBKB)
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  CC  $<" || true
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIBKB) $(LDLIBS) -lstdc++

# The server's dispatch, tested without a daemon: every server object but
# main's.
SRV_LIB_OBJ := $(filter-out $(BUILD)/server/main.o,$(SRV_OBJ))
$(BUILD)/tests/test_dispatch $(BUILD)/tests/test_brand: $(BUILD)/tests/%: tests/unit/%.c $(SRV_LIB_OBJ) $(LIBKB)
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  CC  $<" || true
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(SRV_LIB_OBJ) $(LIBKB) $(LDLIBS) $(SRV_LIBS) -lstdc++

# Every test: C unit tests, then pytest end-to-end suites; one summary line last.
test: deps
	$(Q)./scripts/deps-test.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) ./tests/run.sh

unit: all
	$(Q)BUILD=$(BUILD) KB_ONLY_UNIT=1 ./tests/run.sh

# The demo: sample knowledge base plus the installed GNOME help.
demo: all
	$(Q)./scripts/load-sample.sh $(DATA)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)./scripts/load-sample.sh $(DATA)
	$(Q)if [ -x bin/kb-server ]; then exec bin/kb-server --data $(DATA) --listen 127.0.0.1:$(PORT); \
	    else bin/kb-indexer --data $(DATA) query "change my desktop background"; fi

# AddressSanitizer + UndefinedBehaviorSanitizer build in build-san/ and bin-san/;
# any UBSan report aborts (no recovery). A change of flags rebuilds from clean.
# CI runs the unit tests and the e2e suite against it (.ci/run, tests/sanitize/).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
sanitize: deps
	$(Q)mkdir -p build-san && echo '$(SAN_FLAGS)' | cmp -s - build-san/.flags || \
	    { rm -rf build-san bin-san && mkdir -p build-san && echo '$(SAN_FLAGS)' > build-san/.flags; }
	$(Q)$(MAKE) --no-print-directory BUILD=build-san BIN=bin-san SAN="$(SAN_FLAGS)" OPT="-O1 -g" all

# Ranking quality on ../shared/eval (issue: ranking); see tests/eval/.
# EVAL_ARGS: ranking options and --ablation, e.g. make eval EVAL_ARGS="--k1 1.5 --ablation".
eval: all $(BUILD)/tests/eval/kb_eval $(BUILD)/tests/eval/xapian_ml
	$(Q)BUILD=$(BUILD) ./tests/eval/run.sh $(EVAL_ARGS)

# The plain-Xapian peer of the GNOME help blocks: built for make eval only.
$(BUILD)/tests/eval/xapian_ml: tests/eval/xapian_ml.cc
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  CXX $<" || true
	$(Q)$(CXX) $(CXXFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/eval/kb_eval: tests/eval/kb_eval.c $(LIBKB)
	@mkdir -p $(dir $@)
	@[ -n "$(Q)" ] && echo "  CC  $<" || true
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIBKB) $(LDLIBS) -lstdc++

# Speed against peers (FTS5, plain Xapian, a fixed-body HTTP server); see tests/bench/.
# The peers' programs are built here only, not by `make all`; `make test` and CI never
# run it. BENCH_ARGS go to bench.py, e.g. make bench BENCH_ARGS="--docs 30000".
BENCH_PROGS := $(BUILD)/bench/xapian_bench $(BUILD)/bench/fts5_bench $(BUILD)/bench/mhd_fixed \
               $(BUILD)/bench/kb_micro
bench: all $(BENCH_PROGS)
	$(Q)BUILD=$(BUILD) BIN=$(BIN) ./tests/bench/run.sh $(BENCH_ARGS)

$(BUILD)/bench/xapian_bench: tests/bench/xapian_bench.cc
	@mkdir -p $(dir $@)
	$(Q)$(CXX) $(CXXFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/bench/kb_micro: tests/bench/kb_micro.c $(LIBKB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIBKB) $(LDLIBS) -lstdc++

$(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# libFuzzer targets (clang, into build-fuzz/): FUZZ_SECONDS per target
# (default 60), FUZZ_JOBS at a time (default 2); FUZZ_TARGETS picks some.
# Replays tests/fuzz/regress/ first. See tests/fuzz/README.md.
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
fuzz: deps
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) ./tests/fuzz/run.sh

clean:
	rm -rf build build-san bin bin-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
