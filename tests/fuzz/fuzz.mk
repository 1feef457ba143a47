# Fuzz targets (tests/fuzz/fuzz_*.c). Include at the END of the Makefile
# (it uses obj_rules, link, WARN, PKG_CFLAGS, PKG_LIBS, LDLIBS, Q):
#     include tests/fuzz/fuzz.mk
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_NAMES="ctl uri"]
#       clang + libFuzzer + ASan/UBSan into build-fuzz/, then runs each target
#       for FUZZ_SECONDS on its committed seeds (tests/fuzz/corpus/NAME/, read
#       only) and a scratch corpus (build-fuzz/corpus/NAME/, grows). A crash
#       or a broken round trip stops with the input in build-fuzz/crash-NAME-*.
#   make BUILD=build-san SAN=1 fuzz-replay
#       gcc builds of each target with tests/fuzz/main_replay.c (no libFuzzer),
#       replaying the committed corpus: what `make check` runs.

FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
# >1: libFuzzer -jobs/-workers (each job logs to ./fuzz-N.log).
FUZZ_JOBS ?= 1
# A target is built once the code it fuzzes exists in the tree.
FUZZ_NAMES ?= ctl $(if $(wildcard ctlsign/core/cluster.c),cluster) \
	$(if $(wildcard pkcs11/uri.c),uri)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 $(CTL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link

# The same compile recipe as the main build, with clang and libFuzzer's flags.
$(eval $(call obj_rules,$(FUZZ_BUILD),$$(FUZZ_CC),$$(FUZZ_CFLAGS), (fuzz)))

$(FUZZ_BUILD)/fuzz-%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libctlsign.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) $(LDLIBS)

fuzz-build: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz-%)

fuzz: fuzz-build
	$(Q)for t in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
			$(if $(filter-out 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS)) \
			$$(test -f tests/fuzz/$$t.dict && echo -dict=tests/fuzz/$$t.dict) \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# Plain replayers: the same targets, built with $(CC) and the current
# CFLAGS (ASan/UBSan with SAN=1), driven by main_replay.c.
$(BUILD)/fuzz-replay-%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/main_replay.o $(BUILD)/libctlsign.a
	@$(if $(Q),echo "  LD      $@")
	$(call link,$^)

fuzz-replay: $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay-%)
	$(Q)rc=0; for t in $(FUZZ_NAMES); do \
		test -d tests/fuzz/corpus/$$t || continue; \
		$(BUILD)/fuzz-replay-$$t tests/fuzz/corpus/$$t || rc=1; \
	done; exit $$rc

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

.PHONY: fuzz fuzz-build fuzz-replay
.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o) \
	$(FUZZ_NAMES:%=$(BUILD)/obj/tests/fuzz/fuzz_%.o) $(BUILD)/obj/tests/fuzz/main_replay.o
