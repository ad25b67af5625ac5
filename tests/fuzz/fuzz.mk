# Builds the libFuzzer targets into build-fuzz/ with clang:
#     make -f tests/fuzz/fuzz.mk -j2        (from the top of the tree; run.sh does it)
# Everything (libkb, the server's handlers, the targets) is compiled with
# -fsanitize=fuzzer-no-link,address,undefined; the targets link with
# -fsanitize=fuzzer. Warnings in the code under test are shown, not fatal
# (the main build's gcc -Werror guards those); the targets' own are fatal.
PKGS       := sqlite3 libmicrohttpd libxml-2.0 icu-uc icu-i18n xapian-core jansson libcmark-gfm libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lcmark-gfm-extensions -lpthread -lm \
              $(shell pkg-config --libs libcurl 2>/dev/null)

FUZZ_CC  ?= clang
FUZZ_CXX ?= clang++
FB       := build-fuzz
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS   := -std=c11 -O1 -g -Wall -Wextra -D_GNU_SOURCE -MMD -MP -I. $(PKG_CFLAGS) \
            -fsanitize=fuzzer-no-link $(SAN)
CXXFLAGS := -std=c++17 -O1 -g -Wall -Wextra -MMD -MP -I. $(PKG_CFLAGS) -fsanitize=fuzzer-no-link $(SAN)
LDFLAGS  := -fsanitize=fuzzer $(SAN)

KB_OBJ   := $(patsubst %.c,$(FB)/%.o,$(wildcard kb/*/*.c)) \
            $(patsubst %.cc,$(FB)/%.o,$(wildcard kb/index/*.cc)) $(FB)/gen/stopwords_data.o
STOPWORDS_DIR ?= /usr/share/perl5/Lingua/StopWords
# The handlers, dispatch and helpers; http_mhd.c, sync_thread.c and ctx.c
# only in fuzz_http (srv_harness.c stands in for them elsewhere), main.c
# nowhere.
SRV_ALL  := $(wildcard server/*.c server/*/*.c)
SRV_CORE := $(patsubst %.c,$(FB)/%.o,$(filter-out server/main.c server/http_mhd.c server/sync_thread.c server/ctx.c,$(SRV_ALL)))
SRV_NET  := $(FB)/server/http_mhd.o $(FB)/server/sync_thread.o $(FB)/server/ctx.o
COMMON   := $(FB)/tests/fuzz/fuzz_common.o
HARNESS  := $(FB)/tests/fuzz/srv_harness.o

# Ingest and text targets need libkb only.
KB_TARGETS  := fuzz_html fuzz_markdown fuzz_docbook fuzz_mallard fuzz_articles_json \
               fuzz_tickets fuzz_text fuzz_query
SRV_TARGETS := fuzz_api_body fuzz_api_request
NET_TARGETS := fuzz_http
TARGETS     := $(KB_TARGETS) $(SRV_TARGETS) $(NET_TARGETS)

.PHONY: all list
all: $(TARGETS:%=$(FB)/%)
list:
	@echo $(TARGETS)

$(FB)/libkb.a: $(KB_OBJ)
	@rm -f $@ && ar rcs $@ $^

$(FB)/gen/stopwords_data.c: scripts/gen-stopwords.pl $(wildcard $(STOPWORDS_DIR)/*.pm)
	@mkdir -p $(dir $@)
	@perl scripts/gen-stopwords.pl $(STOPWORDS_DIR) $@

$(FB)/gen/stopwords_data.o: $(FB)/gen/stopwords_data.c
	@$(FUZZ_CC) $(CFLAGS) -c $< -o $@

$(FB)/kb/%.o: kb/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (fuzz)"
	@$(FUZZ_CC) $(CFLAGS) -c $< -o $@

$(FB)/kb/index/%.o: kb/index/%.cc
	@mkdir -p $(dir $@)
	@echo "  CXX $< (fuzz)"
	@$(FUZZ_CXX) $(CXXFLAGS) -c $< -o $@

$(FB)/server/%.o: server/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (fuzz)"
	@$(FUZZ_CC) $(CFLAGS) -c $< -o $@

$(FB)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(FUZZ_CC) $(CFLAGS) -Werror -Wstrict-prototypes -c $< -o $@

$(KB_TARGETS:%=$(FB)/%): $(FB)/%: $(FB)/tests/fuzz/%.o $(COMMON) $(FB)/libkb.a
	@echo "  LD  $@"
	@$(FUZZ_CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(SRV_TARGETS:%=$(FB)/%): $(FB)/%: $(FB)/tests/fuzz/%.o $(HARNESS) $(COMMON) $(SRV_CORE) $(FB)/libkb.a
	@echo "  LD  $@"
	@$(FUZZ_CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(NET_TARGETS:%=$(FB)/%): $(FB)/%: $(FB)/tests/fuzz/%.o $(COMMON) $(SRV_NET) $(SRV_CORE) $(FB)/libkb.a
	@echo "  LD  $@"
	@$(FUZZ_CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(shell find $(FB) -name '*.d' 2>/dev/null)
