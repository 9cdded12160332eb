# Two commands do everything on a fresh Debian machine: `make run` and `make test`.
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift
RESULTS ?= results

.PHONY: run test build release bootstrap bench clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

# The main job on the embedded backend; prints where its output went.
run: release
	.build/release/atlas run --results $(RESULTS)

# Installs, starts a throwaway PostgreSQL (primary + standby) on loopback, runs every test, stops it.
test: bootstrap
	scripts/with-pg $(SWIFT) test

bench: release
	.build/release/atlas bench write --store memory
	.build/release/atlas bench write --store sqlite

clean:
	rm -rf .build
