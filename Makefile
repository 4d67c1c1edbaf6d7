# vxnet: eBPF VXLAN overlay. `make demo`, `make test`, `make bench`.
.DELETE_ON_ERROR:
.SUFFIXES:

V ?= 0
ifeq ($(V),0)
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
else
Q :=
msg =
endif

BUILD := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# Debian packages the build and the tests need; `make deps` installs missing ones.
DEB_PACKAGES := clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool iproute2 \
	libjansson-dev libnl-3-dev libnl-route-3-dev pkg-config make gcc \
	iperf3 tcpdump ethtool iputils-ping procps jq \
	libcurl4-openssl-dev etcd-server etcd-client \
	sockperf gnuplot-nox python3 libclang-rt-14-dev openssl \
	podman runc containernetworking-plugins busybox-static iptables util-linux \
	libmicrohttpd-dev curl docker.io prometheus python3-h2 \
	protobuf-c-compiler libprotobuf-c-dev strace libnghttp2-dev

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Ivmlinux -Iinclude -Ibpf
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Werror -Iinclude -I$(BUILD) -Iuser/lib \
	$(shell pkg-config --cflags libnl-route-3.0 2>/dev/null)
LDLIBS := -lbpf -lelf -lz -ljansson -lcurl -lmicrohttpd -lprotobuf-c $(shell pkg-config --libs libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/lib/*.h) $(wildcard include/*.h)
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
# user/lib: libvxnet.a, everything a program needs to run vxnet (model,
# validation, stores, IPAM, netlink, datapath, attach, sync, agent);
# user/cli: the vxnet command on top of it.
LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
# user/lib/*.proto: protoc-c writes their C code into build/ (never committed).
PROTOS := $(wildcard user/lib/*.proto)
PB_SRCS := $(patsubst user/lib/%.proto,$(BUILD)/%.pb-c.c,$(PROTOS))
LIB_OBJS += $(patsubst $(BUILD)/%.c,$(BUILD)/user/lib/%.o,$(PB_SRCS))
.SECONDARY: $(PB_SRCS) $(PB_SRCS:.c=.h)
LIB_HDRS := $(wildcard user/lib/*.h) $(wildcard include/*.h) $(PB_SRCS:.c=.h)
CLI_SRCS := $(wildcard user/cli/*.c)
CLI_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(CLI_SRCS))
# user/cni: the vxnet-cni plugin on top of it.
CNI_SRCS := $(wildcard user/cni/*.c)
CNI_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(CNI_SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps clean test demo demo-down bench install
all: $(BUILD)/vxnet $(BUILD)/vxnet-cni $(UNIT_BINS)

deps:
	$(Q)missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

$(BUILD) $(BUILD)/user/lib $(BUILD)/user/cli $(BUILD)/user/cni $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/%.pb-c.c $(BUILD)/%.pb-c.h: user/lib/%.proto | $(BUILD)
	$(call msg,PROTOC-C,$@)
	$(Q)protoc-c --proto_path=user/lib --c_out=$(BUILD) $<

$(BUILD)/user/lib/%.o: user/lib/%.c $(LIB_HDRS) $(SKELS) | $(BUILD)/user/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/user/lib/%.pb-c.o: $(BUILD)/%.pb-c.c $(BUILD)/%.pb-c.h | $(BUILD)/user/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/user/cli/%.o: user/cli/%.c $(wildcard user/cli/*.h) $(LIB_HDRS) | $(BUILD)/user/cli
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/cli -c $< -o $@

$(BUILD)/user/cni/%.o: user/cni/%.c $(wildcard user/cni/*.h) $(LIB_HDRS) | $(BUILD)/user/cni
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/cni -c $< -o $@

$(BUILD)/libvxnet.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/vxnet: $(CLI_OBJS) $(BUILD)/libvxnet.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/vxnet-cni: $(CNI_OBJS) $(BUILD)/libvxnet.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(SKELS) $(BUILD)/libvxnet.a | $(BUILD)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(BUILD)/libvxnet.a $(LDLIBS)

# bench/prog_cost: per-packet cost of the BPF programs and map write times.
$(BUILD)/bench/prog_cost: bench/prog_cost.c $(wildcard tests/unit/*.h) $(wildcard include/*.h) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# bench/etcd_watchers: watch-only gRPC streams for bench/etcd_convergence.sh.
$(BUILD)/bench/etcd_watchers: bench/etcd_watchers.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lnghttp2

# ---- fuzzing (tests/fuzz) ---------------------------------------------------
# `make fuzz` builds the fuzz programs into build/fuzz/ and runs each for
# FUZZ_SECONDS (tests/fuzz/test_fuzz.sh); `make fuzz-build` only builds them
# (make test does, for the short pass in tests/run.sh). The libFuzzer
# targets (tests/fuzz/fuzz_*.c) link a second copy of the library, compiled
# with -fsanitize=fuzzer-no-link,address,undefined into build/fuzz/user/;
# fuzz_packets drives the BPF programs through BPF_PROG_TEST_RUN.
FUZZ_SECONDS ?= 10
FUZZ_CC ?= clang
FUZZ := $(BUILD)/fuzz
FUZZ_TARGETS := state record addr etcd_codec etcd_gateway etcd_pb cli
FUZZ_BINS := $(patsubst %,$(FUZZ)/fuzz_%,$(FUZZ_TARGETS)) $(FUZZ)/fuzz_packets
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-fsanitize-ignorelist=tests/fuzz/ubsan.ignore
FUZZ_CFLAGS := -g -O1 $(FUZZ_SAN) -Wall -Werror -Iinclude -I$(BUILD) -Iuser/lib -Iuser/cli \
	$(shell pkg-config --cflags libnl-route-3.0 2>/dev/null)
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(FUZZ)/user/%.o,$(LIB_SRCS)) \
	$(patsubst $(BUILD)/%.c,$(FUZZ)/user/lib/%.o,$(PB_SRCS))
FUZZ_CLI_OBJS := $(patsubst user/%.c,$(FUZZ)/user/%.o,$(filter-out user/cli/main.c,$(CLI_SRCS)))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/test_fuzz.sh

$(FUZZ)/user/lib/%.o: user/lib/%.c $(LIB_HDRS) $(SKELS) tests/fuzz/ubsan.ignore
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ)/user/lib/%.pb-c.o: $(BUILD)/%.pb-c.c $(BUILD)/%.pb-c.h tests/fuzz/ubsan.ignore
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ)/user/cli/%.o: user/cli/%.c $(wildcard user/cli/*.h) $(LIB_HDRS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ)/libvxnet.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ)/fuzz_cli: $(FUZZ_CLI_OBJS)
$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ)/libvxnet.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(filter %.o,$^) $(FUZZ)/libvxnet.a \
		-o $@ $(LDLIBS) -lpthread

# Not libFuzzer: a seeded random driver of the loaded skeleton.
$(FUZZ)/fuzz_packets: tests/fuzz/fuzz_packets.c $(wildcard tests/unit/*.h) $(wildcard include/*.h) $(SKELS)
	$(call msg,FUZZ-LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/unit $< -o $@ $(LDLIBS)
# ---- end of fuzzing ------------------------------------------------------------

test: deps
	$(Q)$(MAKE) --no-print-directory all fuzz-build
	$(Q)tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/demo.sh up

demo-down:
	$(Q)tests/demo.sh down

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/bench/prog_cost $(BUILD)/bench/etcd_watchers
	$(Q)bench/run.sh
	$(Q)bench/etcd_bench.sh

PREFIX ?= /usr/local
# The binary (it embeds the BPF objects), the agent's systemd unit and the
# CNI plugin where runtimes look for it (Debian's CNI_PATH and the usual one).
install: $(BUILD)/vxnet $(BUILD)/vxnet-cni
	install -D -m 0755 $(BUILD)/vxnet $(DESTDIR)$(PREFIX)/bin/vxnet
	install -D -m 0755 $(BUILD)/vxnet-cni $(DESTDIR)/usr/lib/cni/vxnet-cni
	install -D -m 0755 $(BUILD)/vxnet-cni $(DESTDIR)/opt/cni/bin/vxnet-cni
	install -D -m 0644 systemd/vxnet-agent.service $(DESTDIR)/etc/systemd/system/vxnet-agent.service
	install -D -m 0644 systemd/vxnet-docker-plugin.service $(DESTDIR)/etc/systemd/system/vxnet-docker-plugin.service

clean:
	$(Q)rm -rf $(BUILD)
