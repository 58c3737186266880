#!/usr/bin/env python3
"""Run Binaryen's wasm-opt over the core modules inside a WebAssembly component, in place.

    scripts/wasm-opt.py [--wasm-opt PATH] COMPONENT.wasm... [-- WASM_OPT_ARGS...]

`jco opt` does the same; this is its splice without the rest of jco. A component's top level is a
sequence of sections (id, LEB128 size, payload) with no absolute offsets, so each core module
(section id 1, also inside nested components, id 4) can be replaced by its optimized bytes and
its size re-encoded. wasm-opt comes from the npm package `binaryen` pinned in
`scripts/wasm-opt/package.json` (`npm ci` there, done by `make components`).

Why: -Oz shrinks the http-verifier by ~13% (599 → 520 KB) at no measured speed cost (BENCHMARKS.md,
session 6). The result is checked: every core module must still start with the wasm magic, and
the component is re-read section by section; the tests then load each one into wasmtime."""
import os
import subprocess
import sys
import tempfile

MAGIC = b"\0asm"
# The features every wasm32-wasip2 build of the workspace uses (.cargo/config.toml adds simd128).
FEATURES = [
    "--enable-simd", "--enable-bulk-memory", "--enable-nontrapping-float-to-int",
    "--enable-sign-ext", "--enable-mutable-globals", "--enable-multivalue",
    "--enable-reference-types",
]
DEFAULT_ARGS = ["-Oz"]


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def enc(n):
    out = bytearray()
    while True:
        x = n & 0x7F
        n >>= 7
        if n:
            out.append(x | 0x80)
        else:
            out.append(x)
            return bytes(out)


def is_component(b):
    return b[:4] == MAGIC and b[4:8] == b"\x0d\x00\x01\x00"


def rewrite(b, opt):
    """The component `b` with every core module passed through `opt` (bytes -> bytes)."""
    if not is_component(b):
        raise ValueError("not a WebAssembly component (layer 1)")
    out = bytearray(b[:8])
    i = 8
    while i < len(b):
        sid = b[i]
        size, j = leb(b, i + 1)
        payload = b[j:j + size]
        if len(payload) != size:
            raise ValueError("truncated section")
        if sid == 1:
            payload = opt(payload)
            if payload[:4] != MAGIC:
                raise ValueError("wasm-opt returned something that is not a core module")
        elif sid == 4:
            payload = rewrite(payload, opt)
        out.append(sid)
        out += enc(len(payload))
        out += payload
        i = j + size
    return bytes(out)


def main(argv):
    wasm_opt = os.path.join(os.path.dirname(__file__), "wasm-opt", "node_modules", "binaryen", "bin", "wasm-opt")
    files, args = [], []
    it = iter(argv)
    for a in it:
        if a == "--wasm-opt":
            wasm_opt = next(it)
        elif a == "--":
            args = list(it)
        else:
            files.append(a)
    if not files:
        sys.exit(__doc__)
    args = args or DEFAULT_ARGS

    def opt(module):
        with tempfile.TemporaryDirectory() as d:
            src, dst = os.path.join(d, "in.wasm"), os.path.join(d, "out.wasm")
            with open(src, "wb") as f:
                f.write(module)
            subprocess.run([wasm_opt, src, "-o", dst, *FEATURES, *args], check=True)
            with open(dst, "rb") as f:
                return f.read()

    for path in files:
        with open(path, "rb") as f:
            before = f.read()
        after = rewrite(before, opt)
        rewrite(after, lambda m: m)  # re-read: every section and size must still add up
        with open(path, "wb") as f:
            f.write(after)
        print(f"wasm-opt {' '.join(args)}: {path} {len(before):,} -> {len(after):,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
