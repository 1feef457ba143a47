# ctlsign: build, test and demo.  `make` builds build/ctlsign; `make check`
# builds with ASan+UBSan and runs every test; `make demo` runs the main job.
# Both install missing Debian packages first when run as root (`make deps`).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/ctlsign
LIBDIR ?= $(PREFIX)/lib
PKGLIBDIR ?= $(LIBDIR)/ctlsign
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=
BUILD ?= build
CC ?= cc
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

# Every Debian 12 package the build, the tests and the demo need.
DEB_PKGS = build-essential pkg-config python3 openssl libssl-dev libp11-dev \
	libp11-kit-dev p11-kit libpcsclite-dev pcscd pcsc-tools libcriterion-dev \
	softhsm2 opensc gnutls-bin vsmartcard-vpcd libbsd-dev libinih-dev \
	libjson-c-dev clang libclang-rt-14-dev valgrind cppcheck clang-tidy procps strace time \
	libcurl4-openssl-dev tftpd-hpa \
	debhelper dpkg-dev fakeroot lintian bash-completion man-db

PKGS = openssl libp11 p11-kit-1 libpcsclite json-c inih libbsd libcurl
TEST_PKGS = criterion

# Project flags live in their own variables: CPPFLAGS, CFLAGS, LDFLAGS and
# LDLIBS belong to whoever runs make (`make CFLAGS=-O0' keeps -std=c11,
# -Werror and the pkg-config flags). pkg-config runs once per make; a
# missing package stops the first compile or link with its name, never
# with an empty flags variable (`make deps' and `make clean' still run).
pkg_missing = $(shell for p in $(1); do pkg-config --exists $$p 2>/dev/null || echo $$p; done)
PKG_MISSING := $(call pkg_missing,$(PKGS))
PKG_CFLAGS := $(if $(PKG_MISSING),,$(shell pkg-config --cflags $(PKGS)))
PKG_LIBS := $(if $(PKG_MISSING),,$(shell pkg-config --libs $(PKGS)))
TEST_PKG_MISSING := $(call pkg_missing,$(TEST_PKGS))
TEST_PKG_LIBS := $(if $(TEST_PKG_MISSING),,$(shell pkg-config --libs $(TEST_PKGS)))
need_pkgs = $(if $(PKG_MISSING),$(error pkg-config finds no $(PKG_MISSING): run `make deps' as root, or install their -dev packages))
need_test_pkgs = $(if $(TEST_PKG_MISSING),$(error pkg-config finds no $(TEST_PKG_MISSING): run `make deps' as root))

WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
	-Wstrict-prototypes -Wmissing-prototypes
# OpenSSL 3 EVP only; the libp11 half of the token backend alone is exempt
# (libp11.h needs the deprecated declarations): a target-specific OSSL_API
# for its object files (obj_rules below).
NODEPR = -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
OSSL_API = $(NODEPR)
LIBP11_SRC = pkcs11/token_libp11.c
CTL_CPPFLAGS = -D_GNU_SOURCE -DCTLSIGN_DATADIR='"$(DATADIR)"' -Ictlsign/core -Ictlsign/cli -Ipkcs11
CTL_CFLAGS = -std=c11 $(WARN) -fstack-protector-strong -fno-strict-aliasing -fPIC $(PKG_CFLAGS)
CFLAGS ?= -O2 -g

# The version `ctlsign --version' reports: `git describe' in a tagged git
# checkout, else debian/changelog's (a copy of the tree, the package build);
# `make CTLSIGN_VERSION=...' overrides. Only version.o sees it, and it is
# rebuilt when any of these strings change ($(BUILD)/version.defs).
ifeq ($(origin CTLSIGN_VERSION),undefined)
CTLSIGN_VERSION := $(or $(shell test -e .git && git describe --tags --dirty 2>/dev/null | sed 's/^v//'),$(shell sed -n '1s/^[^ ]* [(]\([^ ]*\)[)] .*/\1/p' debian/changelog 2>/dev/null),unknown)
endif
LIBP11_VERSION := $(shell pkg-config --modversion libp11 2>/dev/null)
P11KIT_VERSION := $(shell pkg-config --modversion p11-kit-1 2>/dev/null)
VERSION_DEFS = -DCTLSIGN_VERSION='"$(CTLSIGN_VERSION)"' \
	-DCTLSIGN_LIBP11_VERSION='"$(LIBP11_VERSION)"' -DCTLSIGN_P11KIT_VERSION='"$(P11KIT_VERSION)"'

ifeq ($(SAN),1)
SAN_CFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
SAN_LDFLAGS = -fsanitize=address,undefined
endif

CORE_SRC := $(sort $(wildcard ctlsign/core/*.c))
P11_SRC := $(sort $(wildcard pkcs11/*.c))
CLI_SRC := $(sort $(wildcard ctlsign/cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
MOCK_SRC := $(sort $(wildcard pkcs11/mock/*.c))
LIB_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(P11_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)

# The binary maps libcrypto and json-c only. The token code (libp11,
# p11-kit, PC/SC) and the network code (libcurl, libssl) are two modules it
# loads for the commands that use them (ctlsign/modules/modload.h): the
# stubs in ctlsign/modules/ stand in for them. libctlsign.a keeps it all, for
# the unit tests, the mutation driver and the fuzz targets.
MOD_TOKEN_SRC = pkcs11/token_libp11.c pkcs11/token_sign.c pkcs11/uri.c pkcs11/registry.c \
	pkcs11/ckr.c pkcs11/pcsc.c
MOD_NET_SRC = ctlsign/core/fetch_curl.c ctlsign/core/peer.c
MOD_TOKEN_OBJ = $(MOD_TOKEN_SRC:%.c=$(BUILD)/obj/%.o)
MOD_NET_OBJ = $(MOD_NET_SRC:%.c=$(BUILD)/obj/%.o)
STUB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard ctlsign/modules/*.c)))
BIN_LIB_OBJ = $(filter-out $(MOD_TOKEN_OBJ) $(MOD_NET_OBJ),$(LIB_OBJ))
# inih and libbsd (readpassphrase) are a few kilobytes used by few commands:
# linked in, they cost nothing at start (each library mapped costs about as
# much as verifying a small list; docs/benchmarks.md).
BIN_LIBS := $(if $(PKG_MISSING),,$(shell pkg-config --libs libcrypto json-c) \
	-Wl,-Bstatic $(shell pkg-config --libs --static inih libbsd) -Wl,-Bdynamic)
MOD_TOKEN_LIBS := $(if $(PKG_MISSING),,$(shell pkg-config --libs libp11 p11-kit-1 libpcsclite openssl))
MOD_NET_LIBS := $(if $(PKG_MISSING),,$(shell pkg-config --libs libcurl openssl))
MODULES = $(BUILD)/ctlsign-token.so $(BUILD)/ctlsign-net.so

all: $(BUILD)/ctlsign $(MODULES) $(if $(MOCK_SRC),$(BUILD)/mock-pkcs11.so) $(BUILD)/bench-walk

# obj_rules DIR,COMPILER,FLAGS,LABEL: the one compile recipe (objects under
# DIR/obj, the libp11 exemption, DIR/libctlsign.a), used here for $(BUILD)
# and by tests/fuzz/fuzz.mk for the libFuzzer tree.
define obj_rules
$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	@$$(need_pkgs)$$(if $$(Q),echo "  CC      $$<$(4)")
	$$(Q)$(2) $$(CTL_CPPFLAGS) $$(CPPFLAGS) $$(OSSL_API) $(3) $$(TARGET_DEFS) -MMD -MP -c -o $$@ $$<

$(LIBP11_SRC:%.c=$(1)/obj/%.o): OSSL_API = -DOPENSSL_API_COMPAT=30000

$(1)/libctlsign.a: $(CORE_SRC:%.c=$(1)/obj/%.o) $(P11_SRC:%.c=$(1)/obj/%.o)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(eval $(call obj_rules,$(BUILD),$$(CC),$$(CTL_CFLAGS) $$(CFLAGS) $$(SAN_CFLAGS)))

$(BUILD)/obj/ctlsign/cli/version.o: TARGET_DEFS = $(VERSION_DEFS)
$(BUILD)/obj/ctlsign/cli/version.o: $(BUILD)/version.defs
$(BUILD)/version.defs: FORCE
	@mkdir -p $(dir $@)
	@v="$(CTLSIGN_VERSION) $(LIBP11_VERSION) $(P11KIT_VERSION)"; \
		echo "$$v" | cmp -s - $@ || echo "$$v" >$@
FORCE:

link = $(need_pkgs)$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) -o $@ $(1) $(PKG_LIBS) $(LDLIBS)
# The binary: only what every command needs (BIN_LIBS), its ctl_* functions
# exported for the modules. A module: -Bsymbolic keeps its calls to its own
# functions inside it, never to the binary's stubs.
link_bin = $(need_pkgs)$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) -Wl,--export-dynamic-symbol='ctl_*' \
	-o $@ $(1) $(BIN_LIBS) $(LDLIBS)
link_mod = $(need_pkgs)$(Q)$(CC) $(LDFLAGS) $(SAN_LDFLAGS) -shared -Wl,-Bsymbolic -o $@ $(1) $(2) $(LDLIBS)

$(BUILD)/libctlsign-bin.a: $(BIN_LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/obj/ctlsign/modules/modload.o: TARGET_DEFS = -DCTLSIGN_PKGLIBDIR='"$(PKGLIBDIR)"'

$(BUILD)/ctlsign: $(CLI_OBJ) $(STUB_OBJ) $(BUILD)/libctlsign-bin.a
	@$(if $(Q),echo "  LD      $@")
	$(call link_bin,$^)

$(BUILD)/ctlsign-token.so: $(MOD_TOKEN_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(call link_mod,$^,$(MOD_TOKEN_LIBS))

$(BUILD)/ctlsign-net.so: $(MOD_NET_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(call link_mod,$^,$(MOD_NET_LIBS))

# Criterion unit tests link the core library and the command layer (minus main).
$(BUILD)/unit-tests: $(UNIT_OBJ) $(filter-out $(BUILD)/obj/ctlsign/cli/main.o,$(CLI_OBJ)) $(BUILD)/libctlsign.a
	@$(need_test_pkgs)$(if $(Q),echo "  LD      $@")
	$(call link,$^ $(TEST_PKG_LIBS))

# The mutation suite's in-process driver (tests/e2e/mutate.sh), linked like
# the binary so that it can never drift from the library's dependencies.
$(BUILD)/mutate-driver: $(BUILD)/obj/tests/e2e/mutate_driver.o $(BUILD)/libctlsign.a
	@$(if $(Q),echo "  LD      $@")
	$(call link,$^)

P11KIT_CFLAGS := $(shell pkg-config --cflags p11-kit-1 2>/dev/null)

# The structure-only parse against SHA-1, for tests/bench.sh.
$(BUILD)/bench-walk: $(BUILD)/obj/tests/bench_walk.o $(BUILD)/libctlsign.a
	@$(if $(Q),echo "  LD      $@")
	$(call link,$^)

$(BUILD)/mock-pkcs11.so: $(MOCK_SRC)
	@mkdir -p $(dir $@)
	@$(need_pkgs)$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC -shared -g -O1 \
		$(P11KIT_CFLAGS) -o $@ $^ -ldl

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# tftpd-hpa and pcscd would start system daemons when installed; the tests
# run their own on free loopback ports and need none. Where the machine has
# no policy-rc.d (a Docker image has one), one that refuses every start is in
# place for the install only, then removed.
POLICY_RC = /usr/sbin/policy-rc.d
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			if [ ! -e $(POLICY_RC) ]; then \
				trap 'rm -f $(POLICY_RC)' EXIT; \
				printf '#!/bin/sh\n# ctlsign make deps: no service starts while installing\nexit 101\n' \
					>$(POLICY_RC) && chmod 755 $(POLICY_RC); \
			fi; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
		else \
			echo "missing Debian packages:$$missing" >&2; \
			echo "run as root, or: sudo apt-get install --no-install-recommends$$missing" >&2; exit 1; \
		fi; \
	fi

check: deps
	$(MAKE) BUILD=build-san SAN=1 all build-san/unit-tests build-san/mutate-driver
	$(MAKE) BUILD=build-san SAN=1 fuzz-replay
	tests/run-all.sh build-san

# The end-to-end tests under valgrind memcheck (no sanitizers in this build).
valgrind: deps
	CFLAGS="-O1 -g" $(MAKE) BUILD=build-valgrind all
	CTLSIGN_VALGRIND=1 tests/valgrind.sh build-valgrind

# Static analysis: cppcheck and clang-tidy (config in .clang-tidy).
LINT_SRC = $(CORE_SRC) $(P11_SRC) $(CLI_SRC) $(sort $(wildcard ctlsign/modules/*.c))
lint: deps
	@$(MAKE) --no-print-directory lint-run

lint-run:
	@$(need_pkgs)bad=$$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<libp11\.h>' $(filter-out $(LIBP11_SRC),$(LINT_SRC)) pkcs11/*.h ctlsign/*/*.h); \
	if [ -n "$$bad" ]; then echo "lint: only $(LIBP11_SRC) may include libp11.h: $$bad" >&2; exit 1; fi
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
		--inline-suppr --suppressions-list=tests/cppcheck.supp -D_GNU_SOURCE \
		-Ictlsign/core -Ictlsign/cli -Ipkcs11 $(LINT_SRC)
	clang-tidy --quiet $(LINT_SRC) -- $(CTL_CPPFLAGS) $(NODEPR) -std=c11 $(PKG_CFLAGS)

demo: deps
	$(MAKE) all
	tests/demo.sh $(BUILD)

bench: deps
	$(MAKE) all
	tests/bench.sh $(BUILD)

# Every row once, no bounds (tests/e2e/bench-smoke.sh runs it in `make check`).
bench-smoke: all
	tests/bench.sh --smoke $(BUILD)

install: $(BUILD)/ctlsign $(MODULES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/token-profiles \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(PKGLIBDIR)
	install -m 0755 $(BUILD)/ctlsign $(DESTDIR)$(BINDIR)/ctlsign
	install -m 0644 $(MODULES) $(DESTDIR)$(PKGLIBDIR)/
	install -m 0644 docs/ctlsign.1 $(DESTDIR)$(MANDIR)/man1/ctlsign.1
	install -m 0644 token-profiles/*.profile $(DESTDIR)$(DATADIR)/token-profiles/
	install -m 0644 contrib/bash-completion/ctlsign $(DESTDIR)$(BASHCOMPDIR)/ctlsign
	install -m 0755 softhsm-conf/ci-token.sh $(DESTDIR)$(DATADIR)/ci-token.sh

# Install into a scratch DESTDIR and use the installed copy.
installcheck: all
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	$(MAKE) --no-print-directory install DESTDIR="$$d" PREFIX=/usr >/dev/null && \
	test -x "$$d/usr/bin/ctlsign" && test -s "$$d/usr/share/man/man1/ctlsign.1" && \
	bash -n "$$d/usr/share/bash-completion/completions/ctlsign" && \
	test -x "$$d/usr/share/ctlsign/ci-token.sh" && \
	test -s "$$d/usr/lib/ctlsign/ctlsign-token.so" && test -s "$$d/usr/lib/ctlsign/ctlsign-net.so" && \
	ls "$$d"/usr/share/ctlsign/token-profiles/*.profile >/dev/null && \
	"$$d/usr/bin/ctlsign" --version && \
	"$$d/usr/bin/ctlsign" verify -q tests/golden/ctl-direct.tlv && \
	env -u CTLSIGN_PROFILES_DIR strace -f -e trace=openat -o "$$d/trace" \
		"$$d/usr/bin/ctlsign" tokens --module /nonexistent.so >/dev/null 2>&1; \
	grep -q "$$d/usr/bin/../share/ctlsign/token-profiles" "$$d/trace" && \
	strace -e trace=madvise -o "$$d/madv" "$$d/usr/bin/ctlsign" build --help >/dev/null && \
	test "$$(grep -c 'MADV_POPULATE_WRITE) = 0' "$$d/madv")" = 3 && \
	strace -e trace=madvise -o "$$d/madv" "$$d/usr/bin/ctlsign" verify -q tests/golden/ctl-direct.tlv && \
	! grep -q MADV_POPULATE "$$d/madv" && \
	echo "installcheck: 2 passed, 0 failed"

# The Debian package (debian/), built by dpkg-buildpackage from a copy of
# the tree in a temporary folder (it writes its results to the folder above
# the source), then moved to $(DEB_OUT)/ and checked with lintian. The inner
# build sees none of this make's variables. docs/packaging.md.
DEB_TMP ?= /tmp
DEB_OUT ?= build
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null && command -v lintian >/dev/null || \
		{ echo "make deb needs dpkg-dev, debhelper and lintian: run make deps as root" >&2; exit 1; }
	@set -e; t=$$(mktemp -d $(DEB_TMP)/ctlsign-deb.XXXXXX); trap 'rm -rf "$$t"' EXIT; \
	v=$$(dpkg-parsechangelog -S Version); src="$$t/ctlsign-$$v"; mkdir "$$src"; \
	tar -c --exclude-vcs --exclude=./build --exclude='./build-*' --exclude=__pycache__ . | tar -x -C "$$src"; \
	echo "  DEB     ctlsign $$v (in $$t)"; \
	unset MAKEFLAGS MFLAGS MAKELEVEL; \
	(cd "$$src" && dpkg-source -b . >"$$t/build.log" 2>&1) || \
		{ tail -20 "$$t/build.log" >&2; echo "make deb: dpkg-source failed" >&2; exit 1; }; \
	(cd "$$src" && dpkg-buildpackage -us -uc -b -Jauto >>"$$t/build.log" 2>&1) || \
		{ tail -40 "$$t/build.log" >&2; echo "make deb: dpkg-buildpackage failed" >&2; exit 1; }; \
	mkdir -p $(DEB_OUT); rm -f $(DEB_OUT)/ctlsign*_$$v*; \
	mv "$$t"/*.deb "$$t"/*.buildinfo "$$t"/*.changes "$$t"/*.dsc "$$t"/*.tar.* $(DEB_OUT)/; \
	echo "  LINTIAN $(DEB_OUT)/ctlsign_$${v}_*.changes, $(DEB_OUT)/ctlsign_$$v.dsc"; \
	lintian --fail-on error,warning $(DEB_OUT)/ctlsign_$${v}_*.changes $(DEB_OUT)/ctlsign_$$v.dsc; \
	ls $(DEB_OUT)/ctlsign*_$$v*

# Every build folder (the demo's output lives in BUILD/demo) and libFuzzer's
# per-job logs.
clean:
	rm -rf build build-san build-fuzz build-valgrind $(BUILD) $(FUZZ_BUILD) fuzz-[0-9]*.log

.PHONY: all deps check demo bench bench-smoke install installcheck clean valgrind lint lint-run deb FORCE

include tests/fuzz/fuzz.mk
