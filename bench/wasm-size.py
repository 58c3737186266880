#!/usr/bin/env python3
"""Size breakdown of a component's core module by crate: code bytes per function (from the
`name` section, so build with `CARGO_PROFILE_RELEASE_STRIP=false`) grouped by the crate in the
demangled symbol, plus data segments.  Usage: bench/wasm-size.py file.wasm [TOP]"""
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

def main():
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
