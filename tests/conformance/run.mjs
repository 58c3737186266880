#!/usr/bin/env node
// Reference runner: feeds conformance cases (JSON Lines on stdin, see
// /work/shared/spec/conformance-format.md) through Clerk's own SDK, @clerk/backend 3.25.0,
// networklessly, and writes one result line per case to stdout.
//
//   node run.mjs < ../vectors/conformance.jsonl > ../vectors/conformance.expected.jsonl
//
// How the SDK is driven
// - `verify` cases: `verifyToken(token, options)` from `@clerk/backend` (the public, throwing form).
// - `authenticate` cases: `createAuthenticateRequest({ options: {} }).authenticateRequest(request, options)`
//   from `@clerk/backend/internal`. This is exactly what `createClerkClient(...).authenticateRequest`
//   does, minus the Backend API client and the telemetry collector: without an API client the SDK
//   never calls the network (a handshake nonce resolves to no directives, a refresh attempt reports
//   `missing-api-client`). Then `state.toAuth(toAuthOptions)`.
// - The network is blocked: `globalThis.fetch` is replaced by a function that rejects *before*
//   @clerk/backend is imported (the SDK binds `fetch` at import time).
//
// The clock
// - @clerk/backend 3.25.0 reads the time only through `Date.now()` (verifyJwt assertions use
//   `new Date(Date.now())`; the dev suffixed-cookie expiry check uses `Date.now() / 1e3 >> 0`;
//   machine-token `expired` flags use `Date.now()`). We nevertheless replace the global `Date` for the
//   duration of each case by a Proxy whose `now()`, no-argument constructor and plain call report the
//   case's `now`; every other use (`new Date(0)`, `new Date(ms)`, `Date.UTC`, ...) behaves as usual.
//
// Console output of the SDK (warnings, "unable to resolve handshake", loop messages) goes to stderr,
// so stdout carries only JSON Lines.

import { format } from 'node:util';
import { readFileSync } from 'node:fs';

// ---- stdout hygiene: every console method writes to stderr ----
for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
  console[m] = (...args) => process.stderr.write(format(...args) + '\n');
}

// ---- environment: nothing from the host may change SDK behaviour ----
for (const k of Object.keys(process.env)) {
  if (k.startsWith('CLERK_') || k.startsWith('VERCEL') || k.startsWith('NETLIFY') || k === 'NODE_ENV' || k === 'URL') {
    delete process.env[k];
  }
}

// ---- network: blocked (installed before the SDK captures `fetch`) ----
globalThis.fetch = async (input) => {
  throw new Error(`conformance runner: network access blocked (${String(input && input.url ? input.url : input)})`);
};

// ---- clock ----
// A Proxy around the real Date: `Date.now()`, `new Date()` and `Date()` (no arguments) report the
// case's `now`; everything else (`new Date(ms)`, `Date.UTC`, `Date.parse`, the prototype, instanceof)
// is the real Date.
const RealDate = globalThis.Date;
let fakeNow = null;
const FakeDate = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    if (args.length === 0 && fakeNow !== null) return Reflect.construct(target, [fakeNow], newTarget);
    return Reflect.construct(target, args, newTarget);
  },
  apply(target, thisArg, args) {
    return fakeNow !== null ? new RealDate(fakeNow).toString() : Reflect.apply(target, thisArg, args);
  },
  get(target, prop, receiver) {
    if (prop === 'now') return () => (fakeNow !== null ? fakeNow : RealDate.now());
    return Reflect.get(target, prop, receiver);
  },
});
function withClock(now, fn) {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new Error('case.now must be a finite number (epoch ms)');
  }
  fakeNow = now;
  globalThis.Date = FakeDate;
  return Promise.resolve()
    .then(fn)
    .finally(() => {
      globalThis.Date = RealDate;
      fakeNow = null;
    });
}

const { verifyToken } = await import('@clerk/backend');
const { createAuthenticateRequest } = await import('@clerk/backend/internal');

const SESSION_AUTH_KEYS = [
  'userId',
  'sessionId',
  'sessionStatus',
  'orgId',
  'orgRole',
  'orgSlug',
  'orgPermissions',
  'factorVerificationAge',
  'actor',
  'tokenType',
  'isAuthenticated',
  'sessionClaims',
];
const MACHINE_AUTH_KEYS = ['id', 'subject', 'isAuthenticated', 'tokenType', 'claims', 'scopes'];
const STATE_KEYS = [
  'isSignedIn',
  'isAuthenticated',
  'tokenType',
  'token',
  'publishableKey',
  'proxyUrl',
  'domain',
  'isSatellite',
  'signInUrl',
  'signUpUrl',
  'afterSignInUrl',
  'afterSignUpUrl',
];

const nul = (v) => (v === undefined ? null : v);
// JSON round trip: drops functions, keeps the payload exactly as JSON would serialise it.
const plain = (v) => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

function pick(obj, keys) {
  const out = {};
  for (const k of keys) out[k] = plain(obj[k]);
  return out;
}

function serialiseAuth(auth) {
  if (auth === null || auth === undefined) return null;
  const t = auth.tokenType;
  if (t === 'm2m_token') return pick(auth, [...MACHINE_AUTH_KEYS, 'machineId']);
  if (t === 'oauth_token') return pick(auth, [...MACHINE_AUTH_KEYS, 'clientId']);
  if (t === 'api_key') return pick(auth, MACHINE_AUTH_KEYS);
  // session_token, and the invalid-token object (tokenType null)
  return pick(auth, SESSION_AUTH_KEYS);
}

function serialiseHeaders(headers) {
  const out = {};
  if (!headers) return out;
  const names = new Set();
  for (const [k] of headers) names.add(k.toLowerCase());
  for (const name of [...names].sort()) {
    if (name === 'set-cookie') out[name] = headers.getSetCookie();
    else out[name] = headers.get(name);
  }
  return out;
}

function exceptionResult(c, err) {
  return {
    id: c.id,
    kind: c.kind,
    status: null,
    exception: { name: nul(err && err.name) ?? 'Error', message: String(err && err.message !== undefined ? err.message : err) },
  };
}

async function runVerify(c) {
  try {
    const claims = await verifyToken(c.token, c.options || {});
    return { id: c.id, kind: 'verify', ok: true, claims: plain(claims) };
  } catch (err) {
    if (err && typeof err.reason === 'string') {
      return { id: c.id, kind: 'verify', ok: false, error_reason: err.reason, error_message: String(err.message) };
    }
    // Not a TokenVerificationError: the SDK crashed (e.g. a JSON `null` header/payload).
    return { id: c.id, kind: 'verify', ok: false, exception: { name: err?.name ?? 'Error', message: String(err?.message ?? err) } };
  }
}

async function runAuthenticate(c) {
  const req = c.request || {};
  const request = new Request(req.url, { method: req.method || 'GET', headers: req.headers || {} });
  const { authenticateRequest } = createAuthenticateRequest({ options: {} });
  let state;
  let auth;
  try {
    state = await authenticateRequest(request, c.options || {});
    auth = state.toAuth(c.toAuthOptions);
  } catch (err) {
    return exceptionResult(c, err);
  }
  return {
    id: c.id,
    kind: 'authenticate',
    status: state.status,
    reason: nul(state.reason),
    message: nul(state.message),
    headers: serialiseHeaders(state.headers),
    auth: state.status === 'handshake' ? null : serialiseAuth(auth),
    state: pick(state, STATE_KEYS),
  };
}

function readCases(text) {
  const cases = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('//')) return;
    let c;
    try {
      c = JSON.parse(t);
    } catch (e) {
      throw new Error(`line ${i + 1}: invalid JSON: ${e.message}`);
    }
    cases.push(c);
  });
  return cases;
}

const cases = readCases(readFileSync(0, 'utf8'));
const seen = new Set();
const out = [];
for (const c of cases) {
  if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
  seen.add(c.id);
  let result;
  if (c.kind === 'verify') result = await withClock(c.now, () => runVerify(c));
  else if (c.kind === 'authenticate') result = await withClock(c.now, () => runAuthenticate(c));
  else throw new Error(`case ${c.id}: unknown kind ${c.kind}`);
  out.push(JSON.stringify(result));
}
process.stdout.write(out.length ? out.join('\n') + '\n' : '');
