# The two commands of the quick start, and a few more. Every target installs what is missing first.
.PHONY: deps build demo stop check unit integration fuzz bench clean

JOBS ?= 2

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j$(JOBS)

# Build, start a three-node repmgr cluster on 15432-15434 and pgsteer in front of it on 5432.
demo: build
	@scripts/demo.sh start

stop:
	@scripts/demo.sh stop

# Install, build with ASan+UBSan and -Werror, run every unit and integration test, fuzz the codec.
check: deps
	@scripts/check.sh

bench: build
	@bench/run.sh

clean:
	@scripts/demo.sh stop || true
	rm -rf build build-check
