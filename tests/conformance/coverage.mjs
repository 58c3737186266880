#!/usr/bin/env node
// Coverage check for the reference results.
//
//   node coverage.mjs [../vectors/conformance.jsonl] [../vectors/conformance.expected.jsonl]
//
// Prints the number of results per status/reason (authenticate), per error_reason (verify) and the
// exceptions, then checks that
//   - every required reason code appears at least once (verify error_reason or authenticate reason);
//   - cases and results line up one to one by id and order;
//   - exceptions only occur in auth/config/… cases or in cases marked with decision D8, D9 or D13.
// Exits 1 if a check fails.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const casesPath = process.argv[2] ?? join(here, '../vectors/conformance.jsonl');
const resultsPath = process.argv[3] ?? join(here, '../vectors/conformance.expected.jsonl');

const REQUIRED = [
  'session-token-and-uat-missing',
  'session-token-but-no-client-uat',
  'client-uat-but-no-session-token',
  'session-token-iat-before-client-uat',
  'dev-browser-missing',
  'dev-browser-sync',
  'satellite-needs-syncing',
  'primary-responds-to-syncing',
  'primary-domain-cross-origin-sync',
  'active-organization-mismatch',
  'session-token-expired-refresh-non-eligible-no-refresh-cookie',
  'session-token-expired-refresh-non-eligible-non-get',
  'session-token-nbf',
  'session-token-iat-in-the-future',
  'session-token-missing',
  'token-type-mismatch',
  'unexpected-error',
  'No token in header',
  'token-invalid',
  'token-invalid-algorithm',
  'token-invalid-signature',
  'token-invalid-authorized-parties',
  'token-verification-failed',
];
// decisions under which the SDK is expected to throw
const THROW_DECISIONS = new Set(['D8', 'D9', 'D13']);

const parse = (p) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('//'))
    .map((l) => JSON.parse(l));

const cases = parse(casesPath);
const results = parse(resultsPath);
let failed = false;
const fail = (msg) => {
  failed = true;
  console.log(`FAIL: ${msg}`);
};

if (cases.length !== results.length) fail(`${cases.length} cases but ${results.length} results`);
const caseById = new Map(cases.map((c) => [c.id, c]));
results.forEach((r, i) => {
  if (!cases[i] || cases[i].id !== r.id) fail(`result ${i} (${r.id}) does not line up with case ${cases[i]?.id}`);
});

// ---- shape checks (conformance-format.md) ----
const same = (obj, keys) => obj && typeof obj === 'object' && !Array.isArray(obj) && JSON.stringify(Object.keys(obj).sort()) === JSON.stringify([...keys].sort());
const SESSION_AUTH = ['userId', 'sessionId', 'sessionStatus', 'orgId', 'orgRole', 'orgSlug', 'orgPermissions', 'factorVerificationAge', 'actor', 'tokenType', 'isAuthenticated', 'sessionClaims'];
const MACHINE_AUTH = ['id', 'subject', 'isAuthenticated', 'tokenType', 'claims', 'scopes'];
const STATE = ['isSignedIn', 'isAuthenticated', 'tokenType', 'token', 'publishableKey', 'proxyUrl', 'domain', 'isSatellite', 'signInUrl', 'signUpUrl', 'afterSignInUrl', 'afterSignUpUrl'];
for (const c of cases) {
  if (typeof c.id !== 'string' || !['verify', 'authenticate'].includes(c.kind) || typeof c.now !== 'number') fail(`bad case shape: ${c.id}`);
  if (!c.options || typeof c.options.jwtKey !== 'string' || !c.options.jwtKey) fail(`case without jwtKey: ${c.id}`);
  if (c.kind === 'verify' && typeof c.token !== 'string') fail(`verify case without token: ${c.id}`);
  if (c.kind === 'authenticate' && (!c.request || typeof c.request.url !== 'string')) fail(`authenticate case without request: ${c.id}`);
  if (c.decision === 'D6') fail(`D6 must not be used per case: ${c.id}`);
}
for (const r of results) {
  let ok;
  if (r.kind === 'verify') {
    ok = r.exception
      ? same(r, ['id', 'kind', 'ok', 'exception']) && same(r.exception, ['name', 'message'])
      : r.ok
        ? same(r, ['id', 'kind', 'ok', 'claims'])
        : same(r, ['id', 'kind', 'ok', 'error_reason', 'error_message']);
  } else if (r.exception) {
    ok = same(r, ['id', 'kind', 'status', 'exception']) && r.status === null && same(r.exception, ['name', 'message']);
  } else {
    ok = same(r, ['id', 'kind', 'status', 'reason', 'message', 'headers', 'auth', 'state']) && same(r.state, STATE);
    const names = Object.keys(r.headers || {});
    ok &&= names.every((n) => n === n.toLowerCase()) && JSON.stringify(names) === JSON.stringify([...names].sort());
    ok &&= !('set-cookie' in r.headers) || Array.isArray(r.headers['set-cookie']);
    if (r.status === 'handshake') ok &&= r.auth === null;
    else {
      const t = r.auth?.tokenType;
      const machineKeys = t === 'm2m_token' ? [...MACHINE_AUTH, 'machineId'] : t === 'oauth_token' ? [...MACHINE_AUTH, 'clientId'] : MACHINE_AUTH;
      ok &&= ['m2m_token', 'oauth_token', 'api_key'].includes(t) ? same(r.auth, machineKeys) : same(r.auth, SESSION_AUTH);
    }
  }
  if (!ok) fail(`bad result shape: ${r.id}`);
}

const counts = new Map();
const bump = (k) => counts.set(k, (counts.get(k) ?? 0) + 1);
const seenReasons = new Set();
const exceptions = [];
for (const r of results) {
  if (r.exception) {
    bump(`${r.kind}  EXCEPTION`);
    exceptions.push(r);
    continue;
  }
  if (r.kind === 'verify') {
    if (r.ok) bump('verify  ok');
    else {
      bump(`verify  error  ${r.error_reason}`);
      seenReasons.add(r.error_reason);
    }
  } else {
    bump(`authenticate  ${r.status}  ${r.reason ?? '-'}`);
    if (r.reason) seenReasons.add(r.reason);
  }
}

const decisions = new Map();
for (const c of cases) if (c.decision) decisions.set(c.decision, (decisions.get(c.decision) ?? 0) + 1);

console.log(`cases: ${cases.length} (verify ${cases.filter((c) => c.kind === 'verify').length}, authenticate ${cases.filter((c) => c.kind === 'authenticate').length})`);
console.log('');
for (const [k, v] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`${String(v).padStart(5)}  ${k}`);
console.log('');
console.log('decisions: ' + [...decisions].sort().map(([d, n]) => `${d}=${n}`).join(' '));
console.log('');
console.log('exceptions:');
for (const r of exceptions) {
  const c = caseById.get(r.id);
  const expected = r.id.startsWith('auth/config/') || (c && THROW_DECISIONS.has(c.decision));
  console.log(`  ${expected ? ' ' : '!'} ${r.id}${c?.decision ? ` [${c.decision}]` : ''}: ${r.exception.name}: ${r.exception.message.split('\n')[0]}`);
  if (!expected) fail(`unexpected exception in ${r.id}`);
}
console.log('');
for (const reason of REQUIRED) {
  if (!seenReasons.has(reason)) fail(`required reason never produced: ${reason}`);
}
// config cases must throw (except those documented as accepted)
for (const c of cases) {
  if (c.id.startsWith('auth/config/') && !/-ok$/.test(c.id)) {
    const r = results.find((x) => x.id === c.id);
    if (r && !r.exception) fail(`config case did not throw: ${c.id}`);
  }
}
console.log(failed ? 'coverage: FAILED' : `coverage: OK (${REQUIRED.length} required reasons present)`);
process.exit(failed ? 1 : 0);
