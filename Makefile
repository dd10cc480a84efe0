# bridgelab: build, test, benchmark and run the lab.
#   make          build the programs into bin/
#   make demo     install what is missing, build, start the lab, the simulator, bridge run and the dashboard
#   make test     install what is missing, build (plain and sanitized), run every test
#   make unit     build the sanitized tree and run its unit suites
#   make bench    run the benchmarks (figures for README.md)
#   make lint     clang-format check and cppcheck
#   make SANITIZE=1 ...   AddressSanitizer + UBSan build into build/asan/

PKG_CONFIG ?= pkg-config
MYSQL_PKG := libmariadb

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD := build/asan
BIN := $(BUILD)/bin
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT := -O1
# ASan keeps its own allocator.
ALLOC :=
ALLOC_LIBS :=
else
BUILD := build/release
BIN := bin
SANFLAGS :=
OPT := -O2
# bin/bridge and the ceilings beside it allocate with jemalloc, with the
# settings of common/allocator.c (why: there).
ALLOC := $(BUILD)/common/allocator.o
ALLOC_LIBS := -ljemalloc
endif

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(SANFLAGS) $(CFLAGS) -MMD -MP -Icommon -Isim -Ibridge
MYSQL_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(MYSQL_PKG))
MYSQL_LIBS = $(shell $(PKG_CONFIG) --libs $(MYSQL_PKG))
# The bridge also talks to Kafka, serves HTTP and writes the lake (Azure Blob
# REST over libcurl, SharedKey signed with libcrypto; Avro files with libavro,
# Avro and Parquet blocks compressed with zlib, libsnappy or libzstd); the sim
# needs only MySQL.
BRIDGE_PKGS := $(MYSQL_PKG) rdkafka libmicrohttpd jansson libcurl libcrypto avro-c snappy libzstd zlib
BRIDGE_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(BRIDGE_PKGS) 2>/dev/null)
BRIDGE_LIBS = $(shell $(PKG_CONFIG) --libs $(BRIDGE_PKGS) 2>/dev/null)
# The dashboard serves HTTP, probes the stages (libcurl, MySQL) and keeps sqlite.
DASH_PKGS := $(BRIDGE_PKGS) sqlite3
DASH_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(DASH_PKGS) 2>/dev/null)
DASH_LIBS = $(shell $(PKG_CONFIG) --libs $(DASH_PKGS) 2>/dev/null)
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

COMMON_SRC := $(filter-out common/allocator.c,$(wildcard common/*.c))
SIM_LIB_SRC := $(filter-out sim/main.c,$(wildcard sim/*.c))
# bridge/ itself is the binary's face (main.c, cmd_*.c); one folder per stage
# (bridge/cdc/, ...). A stage includes its own headers plainly, the face
# includes them as "cdc/cdc.h" (-Ibridge).
BRIDGE_LIB_SRC := $(filter-out bridge/main.c,$(wildcard bridge/*.c bridge/*/*.c))
# dashboard/: every file but main.c is the library; the page and uPlot are
# embedded by a generated C file (dashboard/embed_assets.sh) under build/.
DASH_LIB_SRC := $(filter-out dashboard/main.c,$(wildcard dashboard/*.c))
DASH_ASSETS := $(wildcard dashboard/assets/*) deps/dashboard/node_modules/uplot/dist/uPlot.iife.min.js \
  deps/dashboard/node_modules/uplot/dist/uPlot.min.css
UNIT_SRC := $(wildcard tests/unit/test_*.c)

COMMON_LIB := $(BUILD)/libcommon.a
SIM_LIB := $(BUILD)/libsim.a
BRIDGE_LIB := $(BUILD)/libbridge.a
DASH_LIB := $(BUILD)/libdashboard.a
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
PROGRAMS := $(BIN)/sim $(BIN)/bridge $(BIN)/dashboard
BENCH_PROGRAMS := $(BIN)/sim-ceiling $(BIN)/kafka-ceiling $(BIN)/cdc-latency $(BIN)/replicate-ceiling \
  $(BIN)/replicate-load $(BIN)/sink-ceiling $(BIN)/dashboard-lake $(BIN)/dashboard-ceiling $(BIN)/parquet-rows

# Keep the objects of the test programs between builds.
.SECONDARY:

.PHONY: all deps demo test unit bench lint format clean
all: $(PROGRAMS) $(BENCH_PROGRAMS) $(UNIT_TESTS) $(BUILD)/tests/kafka_check $(BUILD)/tests/storage_tool \
  $(BUILD)/tests/dashboard_fake

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(MYSQL_CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/bridge/%.o: EXTRA_CFLAGS = $(BRIDGE_CFLAGS)

$(BUILD)/dashboard/%.o: EXTRA_CFLAGS = $(DASH_CFLAGS)

$(BUILD)/tests/unit/%.o: EXTRA_CFLAGS = $(CMOCKA_CFLAGS) -Idashboard

$(BUILD)/tests/integration/dashboard_fake.o: EXTRA_CFLAGS = $(DASH_CFLAGS) -Idashboard

# replicate-load reads /metrics with the dashboard's parser.
$(BUILD)/bench/replicate_load.o: EXTRA_CFLAGS = -Idashboard

$(COMMON_LIB): $(COMMON_SRC:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(SIM_LIB): $(SIM_LIB_SRC:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BRIDGE_LIB): $(BRIDGE_LIB_SRC:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/gen/dashboard_assets.c: $(DASH_ASSETS) dashboard/embed_assets.sh
	@mkdir -p $(dir $@)
	dashboard/embed_assets.sh $@ $(DASH_ASSETS)

$(BUILD)/gen/dashboard_assets.o: $(BUILD)/gen/dashboard_assets.c
	$(CC) $(ALL_CFLAGS) -Idashboard -c $< -o $@

$(DASH_LIB): $(DASH_LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/dashboard_assets.o
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BIN)/dashboard: $(BUILD)/dashboard/main.o $(DASH_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(DASH_LIBS) -lpthread -lm -o $@

# The serving side with fake views, for tests/integration/dashboard_*.sh.
$(BUILD)/tests/dashboard_fake: $(BUILD)/tests/integration/dashboard_fake.o $(DASH_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(DASH_LIBS) -lpthread -lm -o $@

$(BIN)/bridge: $(BUILD)/bridge/main.o $(ALLOC) $(BRIDGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) $(ALLOC_LIBS) -lpthread -lm -o $@

$(BIN)/sim: $(BUILD)/sim/main.o $(SIM_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(MYSQL_LIBS) -lpthread -lm -o $@

$(BIN)/sim-ceiling: $(BUILD)/bench/sim_ceiling.o $(SIM_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(MYSQL_LIBS) -lpthread -lm -o $@

$(BIN)/kafka-ceiling: $(BUILD)/bench/kafka_ceiling.o $(ALLOC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) $(ALLOC_LIBS) -lpthread -lm -o $@

$(BIN)/cdc-latency: $(BUILD)/bench/cdc_latency.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) -lpthread -lm -o $@

$(BIN)/replicate-ceiling: $(BUILD)/bench/replicate_ceiling.o $(ALLOC) $(BUILD)/bench/bench_kafka.o $(BRIDGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) $(ALLOC_LIBS) -lpthread -lm -o $@

$(BIN)/replicate-load: $(BUILD)/bench/replicate_load.o $(BUILD)/bench/bench_kafka.o $(DASH_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(DASH_LIBS) -lpthread -lm -o $@

# The lake's files rewritten by plain loops (libcurl; write, fsync, rename),
# for bench/sink.sh; common/ gives it the reading, the signature and the codecs.
$(BIN)/sink-ceiling: $(BUILD)/bench/sink_ceiling.o $(ALLOC) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) $(ALLOC_LIBS) -lpthread -lm -o $@

# The sink's Parquet writer alone, for bench/formats.sh.
$(BIN)/parquet-rows: $(BUILD)/bench/parquet_rows.o $(BRIDGE_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) -lpthread -lm -o $@

# The dashboard's fixture lake (sink's layout and metadata) and the plain
# sqlite3 inserts of its rows, for bench/dashboard.sh.
$(BUILD)/bench/dashboard_ceiling.o: EXTRA_CFLAGS = $(DASH_CFLAGS) -Idashboard

$(BIN)/dashboard-lake: $(BUILD)/bench/dashboard_lake.o $(BRIDGE_LIB) $(SIM_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) -lpthread -lm -o $@

$(BIN)/dashboard-ceiling: $(BUILD)/bench/dashboard_ceiling.o $(DASH_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(DASH_LIBS) -lpthread -lm -o $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(SIM_LIB) $(BRIDGE_LIB) $(DASH_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(DASH_LIBS) $(CMOCKA_LIBS) -lpthread -lm -o $@

# common/kafka.c against a real broker, for tests/integration/kafka.sh.
$(BUILD)/tests/kafka_check: $(BUILD)/tests/integration/kafka_check.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) -lpthread -lm -o $@

# common/storage.c against Azurite and a local folder, for tests/integration/storage.sh.
$(BUILD)/tests/storage_tool: $(BUILD)/tests/integration/storage_tool.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(BRIDGE_LIBS) -lpthread -lm -o $@

# The binlog decoder's capture tool, built by tests/integration/binlog.sh.
$(BUILD)/tests/binlog_capture: $(BUILD)/tests/integration/binlog_capture.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $^ $(MYSQL_LIBS) -lpthread -lm -o $@

deps:
	@deps/install

# The sanitized build is made by a nested make so that both trees coexist.
test: deps
	@$(MAKE) --no-print-directory -j2 all
	@$(MAKE) --no-print-directory -j2 SANITIZE=1 all
	@tests/run

# The unit suites run from the sanitized tree: build that one.
unit:
	@$(MAKE) --no-print-directory -j2 SANITIZE=1 all
	@tests/run unit

demo: deps
	@$(MAKE) --no-print-directory all
	@./lab up
	@./lab up sim pipeline
	@./lab up dashboard
	@./lab status
	@echo
	@echo "The simulator writes orders to MySQL (run/sim.properties): ./lab logs sim; query it: mariadb --defaults-file=run/mysql/sim.cnf orders"
	@echo "bridge run (the pipeline service) runs cdc (binlog -> onprem Kafka), replicate (onprem -> cloud Kafka) and sink (cloud -> Azurite's container 'lake', a file per topic every 10 s): ./lab logs pipeline"
	@echo "Read a topic: kcat -C -b 127.0.0.1:19092 -t dc01_sales_orders -X isolation.level=read_committed (its copy: -b 127.0.0.1:29092)"
	@echo "List the lake's files: .deps/venv/bin/python tests/integration/lake_check.py files --azure http://127.0.0.1:10000/devstoreaccount1/lake --key-file run/secrets/azurite.key dc01_sales_orders"
	@echo "Stop everything: ./lab down    Wipe the lab's data: ./lab reset"
	@echo
	@echo "The dashboard: http://127.0.0.1:$${LAB_DASHBOARD_PORT:-8080}/"
	@echo "Try next: ./lab status lists each stage of the pipeline with its pid; kill -9 the one of pipeline/replicate and watch the dashboard's pipeline panel go red, then green once bridge run has restarted it, with no order lost"

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run

FORMAT_FILES = $(wildcard common/*.[ch] sim/*.[ch] bridge/*.[ch] bridge/*/*.[ch] dashboard/*.[ch] bench/*.[ch] tests/unit/*.[ch] \
  tests/integration/*.c)
lint:
	clang-format --dry-run --Werror $(FORMAT_FILES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	  --suppress=missingIncludeSystem --inline-suppr -Icommon -Isim -Ibridge -Idashboard common sim bridge dashboard bench tests/unit

format:
	clang-format -i $(FORMAT_FILES)

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
