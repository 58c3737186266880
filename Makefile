# clerk-edge — build, demo and test entry points (see README).
CARGO ?= cargo
DIST  := dist
WASM_DIR := target/wasm32-wasip2/release
WASM  := $(WASM_DIR)/clerk_edge_component.wasm
# Binaryen's wasm-opt from npm (scripts/wasm-opt/package.json), run on the product components.
WASM_OPT := scripts/wasm-opt/node_modules/binaryen/bin/wasm-opt
# `make components WASM_OPT_FLAGS="-Oz -g"` keeps function names (profiling, wasm-size.py).
WASM_OPT_FLAGS ?= -Oz
OPTIMIZE := python3 scripts/wasm-opt.py --wasm-opt $(WASM_OPT)

.PHONY: components demo serve test conformance-reference clean

## Build the components into dist/: the verifier, http-verifier and gate worlds, the example
## Spin app, and the apps/baselines the tests compose and measure against. The product
## components (the three worlds and the WASI 0.3 middleware) then go through wasm-opt -Oz:
## ~13% smaller, no measured speed cost (BENCHMARKS.md, session 6).
components: $(WASM_OPT)
	rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
	mkdir -p $(DIST)
	$(CARGO) build -p clerk-edge-component --target wasm32-wasip2 --release
	cp $(WASM) $(DIST)/clerk_edge_verifier.wasm
	$(CARGO) build -p clerk-edge-component --target wasm32-wasip2 --release --features http
	cp $(WASM) $(DIST)/clerk_edge_http.wasm
	$(CARGO) build -p clerk-edge-component --target wasm32-wasip2 --release --features gate
	cp $(WASM) $(DIST)/clerk_edge_gate.wasm
	$(CARGO) build -p clerk-edge-spin-app -p clerk-edge-hello-p2 -p clerk-edge-noop --target wasm32-wasip2 --release
	cp $(WASM_DIR)/clerk_edge_spin_app.wasm $(DIST)/clerk_edge_spin_app.wasm
	cp $(WASM_DIR)/clerk_edge_hello_p2.wasm $(DIST)/hello_p2.wasm
	cp $(WASM_DIR)/clerk_edge_noop.wasm $(DIST)/noop.wasm
	@# WASI 0.3 (spin-sdk 7): one cargo invocation each, so that the middleware's
	@# `http-middleware` feature is never unified into another build.
	$(CARGO) build -p clerk-edge-middleware --target wasm32-wasip2 --release
	cp $(WASM_DIR)/clerk_edge_middleware.wasm $(DIST)/clerk_edge_middleware.wasm
	$(CARGO) build -p hello-p3 --target wasm32-wasip2 --release
	cp $(WASM_DIR)/hello_p3.wasm $(DIST)/hello_p3.wasm
	$(OPTIMIZE) $(DIST)/clerk_edge_verifier.wasm $(DIST)/clerk_edge_http.wasm \
		$(DIST)/clerk_edge_gate.wasm $(DIST)/clerk_edge_middleware.wasm -- $(WASM_OPT_FLAGS)
	@ls -l $(DIST)/*.wasm

# npm ci of the pinned binaryen (the machine's Node; no download outside the npm registry).
$(WASM_OPT): scripts/wasm-opt/package-lock.json
	@command -v npm >/dev/null || { echo "make components needs Node.js and npm (for wasm-opt)"; exit 1; }
	cd scripts/wasm-opt && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Build and serve the DEMO configuration on 127.0.0.1:3000, printing a curl line.
demo: components
	$(CARGO) build --release -p clerk-edge-host
	@TOKEN=$$(./target/release/clerk-edge-host mint --ttl 3600); \
	echo; echo "DEMO configuration (throwaway keys, fictitious instance). Try:"; \
	echo "  curl -i -H 'Authorization: Bearer $$TOKEN' http://127.0.0.1:3000/dashboard"; \
	echo "  curl -i http://127.0.0.1:3000/dashboard"; echo; \
	./target/release/clerk-edge-host serve --addr 127.0.0.1:3000

## All tests: unit, conformance (native and through the .wasm), component integration.
test: components
	$(CARGO) test -p clerk-edge -p clerk-edge-host

clean:
	rm -rf $(DIST)
