#!/usr/bin/env python3
"""Size breakdown of a component's core module by crate: code bytes per function (from the
`name` section, so build with `CARGO_PROFILE_RELEASE_STRIP=false`) grouped by the crate in the
demangled symbol, plus data segments.  Usage: bench/wasm-size.py file.wasm [TOP]

With --frames: the largest stack frames instead (the N of each function's prologue
`global.get $sp; i32.const N; i32.sub`). A big frame on the request path moves every deeper
frame down and costs a page fault per stack page in a fresh instance (BENCHMARKS.md, session
5).  Usage: bench/wasm-size.py --frames file.wasm [TOP]"""
import re, sys

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return r, i

def sections(b, start, end):
    i = start
    while i < end:
        sid = b[i]; size, i = leb(b, i + 1)
        yield sid, i, i + size
        i += size

def core_modules(b):
    # component: magic + version(layer 1); core module sections have id 1
    if b[4:8] == b'\x0d\x00\x01\x00':
        for sid, s, e in sections(b, 8, len(b)):
            if sid == 1:
                yield from core_modules(b[s:e])
            elif sid == 4:  # nested component
                yield from core_modules(b[s:e])
    else:
        yield b

def analyse(m):
    funcs, names, data, imports = [], {}, 0, 0
    for sid, s, e in sections(m, 8, len(m)):
        if sid == 2:
            n, i = leb(m, s)
            for _ in range(n):
                l, i = leb(m, i); i += l
                l, i = leb(m, i); i += l
                kind = m[i]; i += 1
                if kind == 0:
                    _, i = leb(m, i); imports += 1
                elif kind == 1:
                    i += 1; f, i = leb(m, i); _, i = leb(m, i); i = i if not (f & 1) else leb(m, i)[1]
                elif kind == 2:
                    f, i = leb(m, i); _, i = leb(m, i); i = i if not (f & 1) else leb(m, i)[1]
                elif kind == 3:
                    i += 2
        elif sid == 10:
            n, i = leb(m, s)
            for _ in range(n):
                size, j = leb(m, i); funcs.append(j + size - i); i = j + size
        elif sid == 11:
            data += e - s
        elif sid == 0:
            l, i = leb(m, s); name = m[i:i + l].decode(); i += l
            if name == 'name':
                while i < e:
                    sub = m[i]; size, j = leb(m, i + 1)
                    if sub == 1:
                        n, k = leb(m, j)
                        for _ in range(n):
                            idx, k = leb(m, k); l, k = leb(m, k)
                            names[idx] = m[k:k + l].decode('utf-8', 'replace'); k += l
                    i = j + size
    return funcs, names, data, imports

def crate_of(sym):
    s = sym
    m = re.match(r'_ZN(\d+)', s)
    if m:  # legacy mangling: first path component
        n = int(m.group(1)); return s[len(m.group(0)):len(m.group(0)) + n]
    m = re.search(r'<?([a-z_][a-z0-9_]*)::', s)
    return m.group(1) if m else s.split('(')[0][:40]

def sleb(b, i):
    r = s = 0
    while i < len(b):
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80:
            return (r - (1 << s) if x & 0x40 else r), i
    return 0, len(b)

def frame_size(body):
    """N of a `global.get; i32.const N; i32.sub` prologue in the first bytes after the locals."""
    n, i = leb(body, 0)
    for _ in range(n):
        _, i = leb(body, i); i += 1
    head = body[i:i + 60]
    for p in range(len(head) - 3):
        if head[p] != 0x23:  # global.get
            continue
        try:
            _, q = leb(head, p + 1)
            if head[q] != 0x41:  # i32.const
                continue
            v, r = sleb(head, q + 1)
            if r < len(head) and head[r] == 0x6b:  # i32.sub
                return v
        except IndexError:
            return None
    return None

def frames(path, top):
    b = open(path, 'rb').read()
    for m in core_modules(b):
        _, names, _, imports = analyse(m)
        rows = []
        for sid, s, e in sections(m, 8, len(m)):
            if sid != 10:
                continue
            n, i = leb(m, s)
            for k in range(n):
                size, j = leb(m, i)
                v = frame_size(m[j:j + size])
                if v:
                    rows.append((v, names.get(imports + k, f'function[{imports + k}]')))
                i = j + size
        for v, name in sorted(rows, reverse=True)[:top]:
            print(f'{v:>8,}  {name[:140]}')

def main():
    if sys.argv[1] == '--frames':
        frames(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 25)
        return
    b = open(sys.argv[1], 'rb').read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    print(f'{sys.argv[1]}: {len(b):,} bytes')
    for m in core_modules(b):
        funcs, names, data, imports = analyse(m)
        by = {}
        for k, size in enumerate(funcs):
            sym = names.get(imports + k, '?')
            c = crate_of(sym)
            by[c] = by.get(c, 0) + size
        print(f'  core module {len(m):,} bytes: code {sum(funcs):,}, data {data:,}, {len(funcs)} functions')
        for c, size in sorted(by.items(), key=lambda x: -x[1])[:top]:
            print(f'    {size:>9,}  {c}')

if __name__ == "__main__":
    main()
