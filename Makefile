# simba: build, test and benchmark on Debian. `make test` and `make setup` install the Debian
# packages they need first (as root, or through sudo).

DEBS := libopenblas-dev libfftw3-dev libpng-dev libturbojpeg0-dev libopenmpi-dev openmpi-bin pkg-config binutils python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SIMBA := .build/release/simba

# One binary for every x86-64 CPU: the kernels are compiled three times (x86-64, x86-64-v3 with AVX2
# and FMA, x86-64-v4 with AVX-512) and simba runs the best level the CPU has (SIMBA_CPU=baseline|avx2|
# avx512 forces a lower one; `simba info` prints the level and why). Compiling the rest for this CPU
# too (the former host-flags build) was not measurably faster: docs/performance.md, "One binary".

.PHONY: deps setup build check-levels run test lint format fuzz bench bench-kernels bench-mpi forecast-table fashion-mnist train-fashion-mnist real-world-check clean

# Installs the Debian packages that are missing (nothing when all are there).
deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

setup: deps build

build: deps
	swift build -c release --product simba

# Checks the release binary keeps each level's instructions inside that level's kernels (no AVX in
# code that every CPU runs, no libm fmaf calls): scripts/tools/check_kernel_levels.py.
check-levels: build
	python3 scripts/tools/check_kernel_levels.py $(SIMBA)

# The tests run the kernel tests once per CPU level this machine has (SimbaKernels<Level>Tests), each
# against the level's own compilation of the kernels. `make test SANITIZE=address` (or thread,
# undefined) runs them under that sanitizer, built apart in .build-<sanitizer>; leaks in the
# toolchain's own libraries are suppressed (Tests/lsan-suppressions.txt).
SANITIZE_FLAGS := $(if $(SANITIZE),--sanitize=$(SANITIZE) --scratch-path .build-$(SANITIZE))
test: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt swift test $(SANITIZE_FLAGS)

# The sources as swift-format lays them out (.swift-format: 4-space indents, lines of at most 120
# columns, the rules this code follows); `make format` rewrites them so, `make lint` (in CI) fails on
# any difference. The folders of each CPU level link to the shared kernel sources and tests, read once.
LEVEL_LINKS := $(foreach level,Baseline AVX2 AVX512,Sources/SimbaKernels$(level)/ Tests/SimbaKernels$(level)Tests/)
SWIFT_SOURCES := Package.swift $(filter-out $(LEVEL_LINKS),$(wildcard Sources/*/ Tests/*/)) Fuzz/Package.swift Fuzz/Sources

lint:
	swift format lint --strict --parallel --recursive $(SWIFT_SOURCES)
	@long=$$(grep -rn --include='*.swift' '.\{121,\}' $(SWIFT_SOURCES)); \
	if [ -n "$$long" ]; then echo "$$long"; echo "lines over 120 columns (above): wrap them"; exit 1; fi

format:
	swift format format --in-place --parallel --recursive $(SWIFT_SOURCES)

# libFuzzer over the readers of outside input (the package in Fuzz/, built with AddressSanitizer
# into .build-fuzz), FUZZ_SECONDS each, one after another; stops at the first finding, whose input
# is left in .build-fuzz/findings/<target>/. The committed seeds (Fuzz/Seeds) and dictionaries
# (Fuzz/Dictionaries) are only read: what the fuzzer adds goes to .build-fuzz/corpus. See
# docs/robustness.md.
FUZZ_SECONDS ?= 60
# SwiftPM 6.3 compiles `--sanitize=fuzzer --sanitize=address` without the coverage instrumentation
# (only the last sanitizer reaches the compiler), so both go to the compiler in one flag.
FUZZ_SANITIZE := -Xswiftc -sanitize=fuzzer,address
FUZZ_TARGETS ?= FuzzCSV FuzzConfig FuzzSafetensors FuzzPNG FuzzJPEG
fuzz: deps
	swift build --package-path Fuzz --scratch-path .build-fuzz/build --sanitize=fuzzer $(FUZZ_SANITIZE)
	@for target in $(FUZZ_TARGETS); do \
		name=$$(echo $${target#Fuzz} | tr A-Z a-z); \
		dict=$$([ -f Fuzz/Dictionaries/$$name.dict ] && echo -dict=Fuzz/Dictionaries/$$name.dict); \
		mkdir -p .build-fuzz/corpus/$$target .build-fuzz/findings/$$target; \
		echo "== $$target, $(FUZZ_SECONDS) s, seeds from Fuzz/Seeds/$$name"; \
		SWIFT_BACKTRACE=enable=no .build-fuzz/build/debug/$$target .build-fuzz/corpus/$$target Fuzz/Seeds/$$name \
			$$dict -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 \
			-artifact_prefix=.build-fuzz/findings/$$target/ || exit 1; \
	done

# The main job: train SiMBA-TS on ETTh1 (96 → 96, shipped in data/ETT), score the test split and
# forecast the 96 hours after the file ends. Each call writes a new folder under runs/.
RUN_DIR := runs/etth1-96-$(shell date +%Y%m%d-%H%M%S)
run: build
	$(SIMBA) train --config configs/etth1-96.yaml --out $(RUN_DIR)
	$(SIMBA) forecast --checkpoint $(RUN_DIR) --inverse --future
	@echo "plots, future.csv and metrics.json: $(RUN_DIR)/forecast/"

# ETTh1 and ETTh2 at horizons 96/192/336/720 beside the paper's numbers (runs/table/table.md).
forecast-table: build
	scripts/tools/forecast_table.sh

# simba against the PyTorch reference model (scripts/reference/simba_reference.py) on this
# machine, case by case, in one table with ratios and targets (scripts/tools/bench.py). Uses the
# python3 on PATH when it has torch and mambapy; otherwise installs them from PyPI into .venv-bench
# (Debian's python3-venv first). `make bench BENCH_ARGS=--quick` is the 13-minute version (see
# scripts/README.md).
BENCH_PYTHON = $(shell python3 -c "import torch, mambapy" 2>/dev/null && echo python3 || echo .venv-bench/bin/python)
bench: build
	@if [ "$(BENCH_PYTHON)" != python3 ] && [ ! -x .venv-bench/bin/python ]; then \
		dpkg -s python3-venv >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; }; \
		python3 -m venv .venv-bench && .venv-bench/bin/pip install -q torch mambapy; \
	fi
	$(BENCH_PYTHON) scripts/tools/bench.py $(BENCH_ARGS)

# Kernel throughput at SiMBA-S stage-1 sizes, and sgemm called straight from C for comparison.
# Data-parallel scaling of an ETTh1 run here: 1 process × 2 threads against 2 processes × 1 thread
# under mpirun, over shared memory and TCP; the allreduce's time per step and share.
bench-mpi: build
	bash scripts/tools/bench_mpi.sh $(SIMBA)

bench-kernels: build
	cc -O2 -o .build/sgemm_direct scripts/microbenchmarks/sgemm_direct.c $$(pkg-config --cflags --libs openblas)
	@echo "== sgemm called directly from C (OpenBLAS's own kernel choice, then simba's)"
	.build/sgemm_direct
	OPENBLAS_CORETYPE=$$($(SIMBA) info | sed -n 's/^OpenBLAS kernels: \([A-Za-z0-9]*\).*/\1/p') .build/sgemm_direct
	@echo "== simba kernels"
	$(SIMBA) bench kernels

# Fashion-MNIST from Debian (dataset-fashion-mnist) as an ImageNet-style PNG folder in data/fashion-mnist.
FMNIST := data/fashion-mnist
fashion-mnist: build
	@dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq dataset-fashion-mnist; }
	@[ -d $(FMNIST)/train ] || $(SIMBA) prepare fashion-mnist --out $(FMNIST)

# Trains the shipped small SiMBA on Fashion-MNIST, then scores its best checkpoint on the 10,000
# test images. Each call writes a new folder under runs/.
FMNIST_RUN := runs/fashion-mnist-$(shell date +%Y%m%d-%H%M%S)
train-fashion-mnist: fashion-mnist
	$(SIMBA) train --config configs/fashion-mnist.yaml --out $(FMNIST_RUN)
	$(SIMBA) eval --checkpoint $(FMNIST_RUN) --data $(FMNIST) --split val --json $(FMNIST_RUN)/eval.json

# A folder of Fashion-MNIST images upscaled to mixed sizes and re-encoded as RGB, grayscale and
# CMYK JPEGs (and PNGs), scored through the full decode/resize/crop path: `make real-world-check
# CHECKPOINT=runs/…`.
real-world-check: fashion-mnist
	@[ -n "$(CHECKPOINT)" ] || { echo "give CHECKPOINT=runs/<a fashion-mnist run>"; exit 2; }
	@[ -d data/real-world ] || $(SIMBA) prepare real-world --from $(FMNIST)/val --out data/real-world --per-class 50
	$(SIMBA) eval --checkpoint $(CHECKPOINT) --data data/real-world --crop-pct 0.875

clean:
	rm -rf .build
