# simba: build, test and benchmark on Debian. `make test` and `make setup` install the Debian
# packages they need first (as root, or through sudo).

DEBS := libopenblas-dev libfftw3-dev libpng-dev libturbojpeg0-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SIMBA := .build/release/simba

.PHONY: deps setup build test bench-kernels clean

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

test: deps
	swift test

# Kernel throughput at SiMBA-S stage-1 sizes, and sgemm called straight from C for comparison.
bench-kernels: build
	cc -O2 -o .build/sgemm_direct scripts/sgemm_direct.c $$(pkg-config --cflags --libs openblas)
	@echo "== sgemm called directly from C (OpenBLAS's own kernel choice, then simba's)"
	.build/sgemm_direct
	OPENBLAS_CORETYPE=$$($(SIMBA) info | sed -n 's/^OpenBLAS kernels: \([A-Za-z0-9]*\).*/\1/p') .build/sgemm_direct
	@echo "== simba kernels"
	$(SIMBA) bench kernels

clean:
	rm -rf .build
