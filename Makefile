# clerk-edge — build, demo and test entry points (see README).
CARGO ?= cargo
DIST  := dist
WASM  := target/wasm32-wasip2/release/clerk_edge_component.wasm

.PHONY: components demo serve test conformance-reference clean

## Build both components into dist/ (verifier and http-verifier worlds).
components:
	rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
	mkdir -p $(DIST)
	$(CARGO) build -p clerk-edge-component --target wasm32-wasip2 --release
	cp $(WASM) $(DIST)/clerk_edge_verifier.wasm
	$(CARGO) build -p clerk-edge-component --target wasm32-wasip2 --release --features http
	cp $(WASM) $(DIST)/clerk_edge_http.wasm
	$(CARGO) build -p clerk-edge-noop --target wasm32-wasip2 --release
	cp target/wasm32-wasip2/release/clerk_edge_noop.wasm $(DIST)/noop.wasm
	@ls -l $(DIST)/*.wasm

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
	$(CARGO) test --workspace --exclude clerk-edge-component --exclude clerk-edge-noop

clean:
	rm -rf $(DIST)
