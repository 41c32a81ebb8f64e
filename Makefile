# winnow - GNU make build.  `make` builds build/winnow, build/libwinnow.a and
# build/libwinnow.so.  `make run` and `make check` first make sure the Debian
# packages are present (scripts/deps.sh).  See README.md.

PREFIX   ?= /usr/local
SHARED   ?= ../shared
CC       ?= cc
BUILD    ?= build
PKGS     := zlib libdeflate libzstd libxxhash libutf8proc libpcre2-8 inih libpsl icu-uc libdivsufsort
# `make GUMBO=1`: also link gumbo, the HTML5 reference parser
# (extract.parser=gumbo; the evaluation uses it).  Off by default: it has no
# memory or time bounds of its own (src/extract/html_gumbo.c).
GUMBO    ?= 0
ifeq ($(GUMBO),1)
PKGS     += gumbo
GUMBO_CFLAGS := -DWN_GUMBO
endif
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers
OPT      ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS   += $(CSTD) $(WARN) $(OPT) -fPIC -Iinclude $(PKG_CFLAGS) $(GUMBO_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lcld2 -lstdc++ -lpthread -lm
LDFLAGS  += $(EXTRA_LDFLAGS)

LIB_SRC  := $(sort $(wildcard src/core/*.c src/io/*.c src/clean/*.c \
              src/filter/*.c src/dedup/*.c src/pipeline/*.c src/extract/*.c \
              src/substr/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB_OBJ  += $(patsubst %.cc,$(BUILD)/obj/%.o,$(wildcard src/filter/*.cc))
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)


.PHONY: print-ldlibs python
.PHONY: all deps run check test test-asan fault fault-sweep fuzz fuzz-smoke \
        bench bench-large eval install clean format lint

all: $(BUILD)/winnow $(BUILD)/libwinnow.a $(BUILD)/libwinnow.so \
     $(BUILD)/test_unit

$(BUILD)/obj/%.o: %.c include/winnow.h $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# the CLD2 shim (src/filter/cld2_shim.cc): libcld2 has only a C++ API
$(BUILD)/obj/%.o: %.cc $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CXX) -std=c++11 -Wall -Wextra $(OPT) -fPIC -Iinclude $(EXTRA_CXXFLAGS) -c $< -o $@

# html_gumbo.o is rebuilt when GUMBO changes in the same build folder
$(BUILD)/.gumbo-$(GUMBO):
	@mkdir -p $(BUILD) && rm -f $(BUILD)/.gumbo-* && touch $@
$(BUILD)/obj/src/extract/html_gumbo.o: $(BUILD)/.gumbo-$(GUMBO)

$(BUILD)/libwinnow.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libwinnow.so: $(LIB_OBJ) src/libwinnow.map
	$(CC) -shared -Wl,-soname,libwinnow.so.0 -Wl,--version-script=src/libwinnow.map \
	  -o $@ $(LIB_OBJ) $(LDFLAGS) $(LDLIBS)

$(BUILD)/winnow: $(CLI_OBJ) $(BUILD)/libwinnow.a $(FAULT_OBJ)
	$(CC) -o $@ $(CLI_OBJ) $(FAULT_OBJ) $(BUILD)/libwinnow.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/test_unit: $(TEST_OBJ) $(BUILD)/libwinnow.a
	$(CC) -o $@ $(TEST_OBJ) $(BUILD)/libwinnow.a $(LDFLAGS) $(LDLIBS)

# `make MPI=1`: also the MPI runner (OpenMPI via pkg-config ompi-c); the
# library never links MPI.
ifeq ($(MPI),1)
all: $(BUILD)/winnow-mpi
endif
MPI_CLI_OBJ := $(filter-out $(BUILD)/obj/src/cli/main.o,$(CLI_OBJ))
$(BUILD)/obj/src/mpi/%.o: src/mpi/%.c include/winnow.h src/cli/cli.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags ompi-c) -c $< -o $@
$(BUILD)/winnow-mpi: $(BUILD)/obj/src/mpi/winnow_mpi.o $(MPI_CLI_OBJ) $(BUILD)/libwinnow.a
	$(CC) -o $@ $^ $(LDFLAGS) $(shell pkg-config --libs ompi-c) $(LDLIBS)

deps:
	@scripts/deps.sh

# `make python`: the CPython extension (python/, docs/python.md) for
# Debian's python3 (PYTHON), built in-tree into $(BUILD)/python, which
# goes on PYTHONPATH.  libwinnow.a is linked in and its symbols hidden, so
# the module needs only the Debian libraries of LDLIBS.  `pip install
# --no-build-isolation ./python` builds the same source with setuptools.
PYTHON  ?= /usr/bin/python3
PY_INC  := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)
PY_EXT  := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null)
PY_PKG  := $(wildcard python/winnow/*.py python/winnow/*.pyi python/winnow/py.typed)
PY_MOD  := $(BUILD)/python/winnow/_winnow$(PY_EXT)
python: $(PY_MOD)
PY_CSRC := $(sort $(wildcard python/src/*.c))
$(PY_MOD): $(PY_CSRC) python/src/winnow_py.h include/winnow.h \
           $(BUILD)/libwinnow.a $(PY_PKG)
	@test -n "$(PY_INC)" && test -f "$(PY_INC)/Python.h" || { \
	  echo "make python: no Python.h for $(PYTHON) (apt-get install python3-dev)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	cp $(PY_PKG) $(dir $@)
	$(CC) $(CFLAGS) -I$(PY_INC) -fvisibility=hidden -shared -o $@ \
	  $(PY_CSRC) $(BUILD)/libwinnow.a -Wl,--exclude-libs,ALL \
	  $(LDFLAGS) $(LDLIBS)


# What a program linking libwinnow.a needs (used by scripts/fuzz.sh).
print-ldlibs:
	@echo $(LDLIBS)

# The main job on the sample corpus the repository ships.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-sample.sh $(BUILD)

# Every test: normal build, then ASan+UBSan, then fuzz replay/smoke.
check: deps
	@$(MAKE) --no-print-directory all
	@SHARED=$(SHARED) scripts/check.sh

test: all
	@SHARED=$(SHARED) scripts/run-tests.sh $(BUILD)

ASAN_BUILD ?= build/asan
test-asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CC=$(CC) \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all
	@SHARED=$(SHARED) ASAN_OPTIONS=detect_leaks=1 scripts/run-tests.sh $(ASAN_BUILD)

# `make fault`: build/fault/winnow, ASan+UBSan, with winnow's own
# allocation and I/O calls wrapped (ld --wrap) by tests/fault/inject.c,
# which fails the Nth one on request (WN_FAULT_* environment variables).
# `make fault-sweep` runs scripts/fault-sweep.sh with it.
FAULT_BUILD ?= build/fault
FAULT_WRAP := malloc calloc realloc strdup strndup getline read pread write \
              fsync close open rename mkdir unlink fopen fread fwrite fgets \
              fflush fclose
fault:
	@$(MAKE) --no-print-directory BUILD=$(FAULT_BUILD) CC=$(CC) \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined $(FAULT_WRAP:%=-Wl,--wrap=%)" \
	  FAULT_OBJ=$(FAULT_BUILD)/obj/tests/fault/inject.o $(FAULT_BUILD)/winnow

fault-sweep: fault
	@scripts/fault-sweep.sh $(FAULT_BUILD)/winnow

fuzz:
	@scripts/fuzz.sh run $(FUZZ_SECONDS)

fuzz-smoke:
	@scripts/fuzz.sh smoke

bench: all
	@SHARED=$(SHARED) bench/run.sh $(BUILD)

# memory and disk at scale (not in `make bench`): SIZE bytes of text
# (default 10G), e.g. `make bench-large SIZE=1G`; see bench/large.sh
bench-large: $(BUILD)/winnow
	@WN_SHARED=$${WN_SHARED:-$(SHARED)} bench/large.sh $(BUILD)

eval: all
	@SHARED=$(SHARED) scripts/eval.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	  $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/winnow $(DESTDIR)$(PREFIX)/bin/winnow
	install -m 644 $(BUILD)/libwinnow.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libwinnow.so $(DESTDIR)$(PREFIX)/lib/libwinnow.so.0
	ln -sf libwinnow.so.0 $(DESTDIR)$(PREFIX)/lib/libwinnow.so
	install -m 644 include/winnow.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/.*WN_VERSION_STRING "\(.*\)"/\1/p' include/winnow.h)|' \
	  -e 's|@PKGS@|$(PKGS)|' winnow.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/winnow.pc
	install -m 644 docs/winnow.1 $(DESTDIR)$(PREFIX)/share/man/man1/winnow.1

format:
	clang-format -i include/*.h src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c bench/*.c

lint:
	@scripts/lint.sh $(BUILD)

clean:
	rm -rf build
