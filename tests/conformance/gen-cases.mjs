#!/usr/bin/env node
// Generates the conformance corpus (JSON Lines, format: /work/shared/spec/conformance-format.md).
//
// Writes to STDOUT. Regenerate with (from tests/conformance/):
//
//   node gen-cases.mjs > ../vectors/conformance.jsonl
//   node run.mjs < ../vectors/conformance.jsonl > ../vectors/conformance.expected.jsonl
//   node coverage.mjs
//
// The shape of the corpus (ids, order, options, claims, clocks) is fixed; the RSA keys are freshly
// generated on every run, so tokens and the `jwtKey` PEM differ between runs. Always regenerate the
// expected file after regenerating the cases. Every key and instance here is throwaway/fictitious.
//
// Cases where clerk-edge deliberately differs from @clerk/backend carry `"decision": "D<n>"`
// (the product-decision table at the top of the behaviour spec), or `"hardening"` (a
// difference the Hardening issue asked for, README deviations table), and a `desc` saying how.

import crypto from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Keys and token minting
// ---------------------------------------------------------------------------------------------

const K2048 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
const KOTHER = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
const K3072 = crypto.generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 65537 });
const PEM = K2048.publicKey.export({ type: 'spki', format: 'pem' });
const PEM_NO_NEWLINE = PEM.trimEnd();

const b64u = (x) => Buffer.from(x).toString('base64url');
const enc = (value) => b64u(JSON.stringify(value)); // JSON-encode any value, then base64url

/**
 * Mint a JWT.
 *  header/payload: objects (or any JSON value); rawHeader/rawPayload: exact segment text instead.
 *  alg: how to sign: RS256 (default) | RS384 | RS512 | HS256 (HMAC keyed with the public PEM) | none
 *  key: private KeyObject used for RS*
 */
function mint({ header, payload, rawHeader, rawPayload, sign = 'RS256', key = K2048.privateKey, sig }) {
  const h = rawHeader ?? enc(header);
  const p = rawPayload ?? enc(payload);
  const input = `${h}.${p}`;
  let s;
  if (sig !== undefined) s = sig;
  else if (sign === 'none') s = '';
  else if (sign === 'HS256') s = b64u(crypto.createHmac('sha256', PEM).update(input).digest());
  else {
    const hash = { RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' }[sign];
    s = b64u(crypto.sign(hash, Buffer.from(input), key));
  }
  return `${input}.${s}`;
}

// ---------------------------------------------------------------------------------------------
// Instances (fictitious)
// ---------------------------------------------------------------------------------------------

const NOW = 1767225600000; // 2026-01-01T00:00:00Z
const S = NOW / 1000;

const pkFor = (prefix, fapi, pad = false) => {
  const b = Buffer.from(`${fapi}$`).toString('base64');
  return prefix + (pad ? b : b.replace(/=+$/, ''));
};
const suffixOf = (pk) => crypto.createHash('sha1').update(pk).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').slice(0, 8);

const PROD = {
  fapi: 'clerk.app.example.test',
  pk: pkFor('pk_live_', 'clerk.app.example.test'),
  sk: 'sk_live_conformance',
  app: 'https://app.example.test',
  iss: 'https://clerk.app.example.test',
};
PROD.sfx = suffixOf(PROD.pk);
const DEV = {
  fapi: 'clerk.example-instance.lcl.dev',
  pk: pkFor('pk_test_', 'clerk.example-instance.lcl.dev'),
  sk: 'sk_test_conformance',
  app: 'http://localhost:3000',
  iss: 'https://clerk.example-instance.lcl.dev',
};
DEV.sfx = suffixOf(DEV.pk);
const DEV_ACCOUNTS = {
  fapi: 'brave-otter-42.clerk.accounts.dev',
  pk: pkFor('pk_test_', 'brave-otter-42.clerk.accounts.dev'),
  sk: 'sk_test_conformance',
  app: 'http://localhost:3000',
  iss: 'https://brave-otter-42.clerk.accounts.dev',
};
DEV_ACCOUNTS.sfx = suffixOf(DEV_ACCOUNTS.pk);
const PROD_PADDED_PK = pkFor('pk_live_', 'clerk.pad.example.test', true); // base64 with '=' padding
const DBJWT = 'dvb_conformanceDevBrowser01';

const HDR = { alg: 'RS256', kid: 'ins_conformance01', typ: 'JWT' };
const CAT = {
  session: 'cl_B7d4PD111AAA',
  template: 'cl_B7d4PD222AAA',
  m2m: 'cl_B7d4PD333AAA',
  ignore: 'cl_I7d4PD111III',
};

function claims(inst, extra = {}) {
  return {
    azp: inst.app,
    exp: S + 60,
    iat: S - 10,
    iss: inst.iss,
    nbf: S - 20,
    sid: 'sess_conformance01',
    sub: 'user_conformance01',
    ...extra,
  };
}
// session token for an instance; `extra` overrides claims (value undefined deletes the claim)
function sess(inst = PROD, extra = {}, opts = {}) {
  const payload = claims(inst, extra);
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  const header = { ...HDR, ...(opts.header || {}) };
  for (const k of Object.keys(header)) if (header[k] === undefined) delete header[k];
  return mint({ header, payload, sign: opts.sign, key: opts.key });
}

const T = {
  prod: sess(PROD),
  dev: sess(DEV),
  devAcc: sess(DEV_ACCOUNTS),
};

// ---------------------------------------------------------------------------------------------
// Case builders
// ---------------------------------------------------------------------------------------------

const cases = [];
const ids = new Set();
function push(c) {
  if (ids.has(c.id)) throw new Error(`duplicate id ${c.id}`);
  ids.add(c.id);
  cases.push(c);
}

function V(id, token, options = {}, extra = {}) {
  const c = { id: `verify/${id}`, kind: 'verify', token, options: { jwtKey: PEM, ...options }, now: extra.now ?? NOW };
  if (extra.decision) c.decision = extra.decision;
  c.desc = extra.desc ?? id;
  push(c);
}

const DOC = { 'sec-fetch-dest': 'document', accept: 'text/html,application/xhtml+xml' };
const FETCH = { 'sec-fetch-dest': 'empty', accept: '*/*' };

/**
 * Authenticate case.
 *  inst: PROD | DEV | ... (publishable/secret key defaults)
 *  url: request URL (default inst.app + '/dashboard')
 *  headers: object (lower-case names) or array of pairs; `nav` headers (DOC by default) are merged first
 *  cookies: array of [name, value] pairs or a raw cookie string
 */
function A(id, o = {}) {
  const inst = o.inst ?? PROD;
  const url = o.url ?? `${inst.app}${o.path ?? '/dashboard'}`;
  let headers;
  if (Array.isArray(o.headers)) {
    headers = o.headers.slice();
    if (o.cookies !== undefined) headers.push(['cookie', cookieStr(o.cookies)]);
  } else {
    headers = { ...(o.nav === null ? {} : (o.nav ?? DOC)), ...(o.headers || {}) };
    if (o.cookies !== undefined) headers.cookie = cookieStr(o.cookies);
    for (const k of Object.keys(headers)) if (headers[k] === undefined) delete headers[k];
  }
  const options = {
    jwtKey: PEM,
    publishableKey: inst.pk,
    secretKey: inst.sk,
    ...(o.options || {}),
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  const c = {
    id: `auth/${id}`,
    kind: 'authenticate',
    request: { url, method: o.method ?? 'GET', headers },
    options,
  };
  if (o.toAuthOptions) c.toAuthOptions = o.toAuthOptions;
  c.now = o.now ?? NOW;
  if (o.decision) c.decision = o.decision;
  c.desc = o.desc ?? id;
  push(c);
}
function cookieStr(cookies) {
  if (typeof cookies === 'string') return cookies;
  return cookies.map(([k, v]) => `${k}=${v}`).join('; ');
}
const UAT = String(S - 100); // a client_uat older than every default token's iat
const signedIn = (tok = T.prod, uat = UAT) => [
  ['__client_uat', uat],
  ['__session', tok],
];
const devSignedIn = (tok = T.dev, uat = UAT) => [
  ['__clerk_db_jwt', DBJWT],
  ['__client_uat', uat],
  ['__session', tok],
];

// ---------------------------------------------------------------------------------------------
// verify/… — verifyToken(token, options)
// ---------------------------------------------------------------------------------------------

V('valid-rs256', T.prod, {}, { desc: 'plain valid RS256 session token' });
V('valid-no-kid', sess(PROD, {}, { header: { kid: undefined } }), {}, { desc: 'kid absent: PEM mode ignores kid' });
V('valid-other-kid', sess(PROD, {}, { header: { kid: 'ins_someone_else' } }), {}, { desc: 'kid of another instance: not used to select the key' });
V('valid-no-typ', sess(PROD, {}, { header: { typ: undefined } }), {}, { desc: 'typ absent, no headerType configured' });
V('valid-cat-session', sess(PROD, {}, { header: { cat: CAT.session } }));
V('valid-cat-template', sess(PROD, {}, { header: { cat: CAT.template } }), {}, { desc: 'verifyToken itself only rejects the M2M category' });
V('cat-m2m', sess(PROD, {}, { header: { cat: CAT.m2m } }), {}, { desc: 'M2M category rejected before key work' });
V('valid-minimal-claims', mint({ header: HDR, payload: { sub: 'user_min', exp: S + 60 } }), {}, { desc: 'only sub and exp' });
V('valid-sub-empty', sess(PROD, { sub: '' }), {}, { desc: 'empty string sub passes' });
V('sub-missing', sess(PROD, { sub: undefined }));
V('sub-number', sess(PROD, { sub: 42 }));
V('sub-null', sess(PROD, { sub: null }));
V('payload-array', mint({ header: HDR, payload: [1, 2, 3] }), {}, { desc: 'JSON array payload: sub undefined' });
V('payload-string', mint({ header: HDR, payload: 'user' }), {}, { desc: 'JSON string payload' });
V('payload-null', mint({ header: HDR, payload: null }), {}, { decision: 'D13', desc: 'payload JSON null: SDK throws a TypeError from verifyToken; clerk-edge returns token-invalid' });
V('header-null', mint({ header: null, payload: claims(PROD) }), {}, { decision: 'D13', desc: 'header JSON null: SDK throws a TypeError from verifyToken; clerk-edge returns token-invalid' });
V('header-array', mint({ header: ['RS256'], payload: claims(PROD) }), {}, { desc: 'header is a JSON array: alg undefined' });
// expiry / skew
V('exp-now-minus-4s', sess(PROD, { exp: S - 4 }), {}, { desc: 'expired 4 s ago, default skew 5 s: valid' });
V('exp-now-minus-5s', sess(PROD, { exp: S - 5 }), {}, { desc: 'exp == now - skew: expired (<=)' });
V('exp-now-minus-6s', sess(PROD, { exp: S - 6 }));
V('exp-now-skew0', sess(PROD, { exp: S }), { clockSkewInMs: 0 }, { desc: 'exp == now with skew 0: expired' });
V('exp-now-plus1-skew0', sess(PROD, { exp: S + 1 }), { clockSkewInMs: 0 });
V('exp-now-minus1-skew1000', sess(PROD, { exp: S - 1 }), { clockSkewInMs: 1000 }, { desc: 'exp == now - skew (1000): expired' });
V('exp-now-skew1000', sess(PROD, { exp: S }), { clockSkewInMs: 1000 });
V('exp-skew-negative', sess(PROD, { exp: S + 1 }), { clockSkewInMs: -2000 }, { desc: 'negative skew is a finite number and used as is' });
V('exp-skew-string', sess(PROD, { exp: S - 4 }), { clockSkewInMs: '0' }, { desc: 'non-number skew falls back to 5000' });
V('exp-skew-null', sess(PROD, { exp: S - 4 }), { clockSkewInMs: null }, { desc: 'null skew falls back to 5000' });
V('exp-fraction', sess(PROD, { exp: S - 5 + 0.9 }), {}, { desc: 'fractional exp truncated toward zero: now-4.1 => now-5 => expired' });
V('exp-fraction-valid', sess(PROD, { exp: S - 4 + 0.5 }), {}, { desc: 'exp now-3.5 truncates to now-4 => valid with default skew' });
V('exp-string', sess(PROD, { exp: String(S + 60) }), {}, { desc: 'exp as a string: not a number' });
V('exp-null', sess(PROD, { exp: null }));
V('exp-missing', sess(PROD, { exp: undefined }));
V('exp-huge-1e20', sess(PROD, { exp: 1e20 }), {}, { desc: 'exp 1e20: JS Date is invalid (NaN) so never expired' });
V('exp-negative', sess(PROD, { exp: -1 }));
V('exp-minus-1e20', sess(PROD, { exp: -1e20 }), {}, { decision: 'D13', desc: 'exp -1e20: JS Date is invalid (NaN) so the SDK never treats it as expired; clerk-edge says token-expired' });
V('nbf-1e20', sess(PROD, { nbf: 1e20 }), {}, { decision: 'D13', desc: 'nbf 1e20: invalid JS Date, the SDK accepts; clerk-edge says token-not-active-yet' });
V('iat-1e20', sess(PROD, { iat: 1e20 }), {}, { decision: 'D13', desc: 'iat 1e20: invalid JS Date, the SDK accepts; clerk-edge says token-iat-in-the-future' });
V('exp-year-2100', sess(PROD, { exp: 4102444800 }), {}, { desc: 'exp after 2038 is fine' });
V('nbf-plus-skew', sess(PROD, { nbf: S + 5 }), {}, { desc: 'nbf == now + skew: ok' });
V('nbf-plus-skew-plus-1s', sess(PROD, { nbf: S + 6 }));
V('nbf-plus1-skew0', sess(PROD, { nbf: S + 1 }), { clockSkewInMs: 0 });
V('nbf-now-skew0', sess(PROD, { nbf: S }), { clockSkewInMs: 0 });
V('nbf-string', sess(PROD, { nbf: String(S) }));
V('nbf-null', sess(PROD, { nbf: null }), {}, { desc: 'nbf null: present but not a number' });
V('iat-plus-skew', sess(PROD, { iat: S + 5 }));
V('iat-plus-skew-plus-1s', sess(PROD, { iat: S + 6 }));
V('iat-plus1-skew1000', sess(PROD, { iat: S + 1 }), { clockSkewInMs: 1000 });
V('iat-plus2-skew1000', sess(PROD, { iat: S + 2 }), { clockSkewInMs: 1000 });
V('iat-string', sess(PROD, { iat: String(S) }));
V('expired-and-bad-signature', sess(PROD, { exp: S - 3600 }, { key: KOTHER.privateKey }), {}, { desc: 'signature is checked before claims' });
// audience
V('aud-string-match', sess(PROD, { aud: 'api://one' }), { audience: 'api://one' });
V('aud-string-mismatch', sess(PROD, { aud: 'api://one' }), { audience: 'api://two' });
V('aud-string-substring', sess(PROD, { aud: 'api://one' }), { audience: 'api://on' });
V('aud-array-match', sess(PROD, { aud: ['x', 'api://one'] }), { audience: 'api://one' });
V('aud-array-mismatch', sess(PROD, { aud: ['x', 'y'] }), { audience: ['api://one', 'api://two'] });
V('aud-array-intersect', sess(PROD, { aud: ['x', 'api://two'] }), { audience: ['api://one', 'api://two'] });
V('aud-array-nonstring', sess(PROD, { aud: [1, 2] }), { audience: 'api://one' }, { decision: 'hardening', desc: 'non-string array aud: the SDK skips the check and accepts; clerk-edge refuses it (audience bypass by type confusion)' });
V('aud-missing-audience-set', sess(PROD), { audience: 'api://one' }, { desc: 'missing aud: no check' });
V('aud-set-audience-empty', sess(PROD, { aud: 'api://one' }), { audience: ['', ''] }, { desc: 'falsy audience entries: no check' });
V('aud-number', sess(PROD, { aud: 7 }), { audience: 'api://one' }, { decision: 'hardening', desc: 'aud of another shape: the SDK skips the check and accepts; clerk-edge refuses it (audience bypass by type confusion)' });
// azp
V('azp-match', T.prod, { authorizedParties: ['https://other.example.test', PROD.app] });
V('azp-mismatch', T.prod, { authorizedParties: ['https://other.example.test', 'https://third.example.test'] });
V('azp-missing', sess(PROD, { azp: undefined }), { authorizedParties: [PROD.app] });
V('azp-empty', sess(PROD, { azp: '' }), { authorizedParties: [PROD.app] });
V('azp-list-empty', sess(PROD, { azp: 'https://anything.example' }), { authorizedParties: [] });
V('azp-list-empty-string', sess(PROD, { azp: '' }), { authorizedParties: [''] });
// issuer (3.x opt-in)
V('issuer-match', T.prod, { issuer: PROD.iss });
V('issuer-mismatch', T.prod, { issuer: 'https://clerk.other.example.test' });
V('issuer-list', T.prod, { issuer: ['https://x.example', PROD.iss] });
// typ / headerType
V('typ-lowercase', sess(PROD, {}, { header: { typ: 'jwt' } }));
V('typ-jose', sess(PROD, {}, { header: { typ: 'JOSE' } }));
V('typ-empty', sess(PROD, {}, { header: { typ: '' } }));
V('headertype-atjwt-vs-jwt', T.prod, { headerType: 'at+jwt' });
V('headertype-list-match', sess(PROD, {}, { header: { typ: 'application/at+jwt' } }), { headerType: ['at+jwt', 'application/at+jwt'] });
V('headertype-set-typ-missing', sess(PROD, {}, { header: { typ: undefined } }), { headerType: 'JWT' });
V('headertype-list-mismatch', T.prod, { headerType: ['at+jwt', 'application/at+jwt'] });
// alg
V('alg-none', sess(PROD, {}, { header: { alg: 'none' }, sign: 'none' }));
V('alg-none-with-sig', sess(PROD, {}, { header: { alg: 'none' } }), {}, { desc: 'alg none but a valid RS256 signature appended' });
V('alg-hs256-pubkey', sess(PROD, {}, { header: { alg: 'HS256' }, sign: 'HS256' }), {}, { desc: 'HS256 keyed with the public PEM (key confusion)' });
V('alg-es256', sess(PROD, {}, { header: { alg: 'ES256' } }));
V('alg-ps256', sess(PROD, {}, { header: { alg: 'PS256' } }));
V('alg-empty', sess(PROD, {}, { header: { alg: '' } }));
V('alg-lowercase', sess(PROD, {}, { header: { alg: 'rs256' } }));
V('alg-missing', sess(PROD, {}, { header: { alg: undefined } }));
V('alg-rs384', sess(PROD, {}, { header: { alg: 'RS384' }, sign: 'RS384' }), {}, { desc: 'PEM-derived JWK is pinned to RS256' });
V('alg-rs512', sess(PROD, {}, { header: { alg: 'RS512' }, sign: 'RS512' }));
V('alg-rs384-label-rs256-sig', sess(PROD, {}, { header: { alg: 'RS384' } }), {}, { desc: 'header says RS384, signed with SHA-256' });
// signatures
V('sig-wrong-key-2048', sess(PROD, {}, { key: KOTHER.privateKey }));
V('sig-wrong-key-3072', sess(PROD, {}, { key: K3072.privateKey }));
V('sig-tampered-payload', (() => {
  const [h, , s] = T.prod.split('.');
  return `${h}.${enc(claims(PROD, { sub: 'user_attacker' }))}.${s}`;
})());
V('sig-empty', mint({ header: HDR, payload: claims(PROD), sig: '' }));
V('sig-truncated', T.prod.slice(0, -10));
V('sig-bitflip', (() => {
  const [h, p, s] = T.prod.split('.');
  const b = Buffer.from(s, 'base64url');
  b[10] ^= 1;
  return `${h}.${p}.${b64u(b)}`;
})());
V('sig-padded', `${T.prod}==`, {}, { desc: 'trailing = padding on the signature segment is tolerated' });
V('payload-padded-signed', (() => {
  let p = enc(claims(PROD));
  while (p.length % 4) p += '=';
  if (!p.endsWith('=')) p = enc(claims(PROD, { x: 'a' }));
  while (p.length % 4) p += '=';
  return mint({ rawHeader: enc(HDR), rawPayload: p });
})(), {}, { desc: 'padded payload segment, signature over the padded text' });
V('crit-unknown', sess(PROD, {}, { header: { crit: ['exp_ms'], exp_ms: 1 } }), {}, { decision: 'D12', desc: 'unknown crit entry: SDK ignores crit and accepts; clerk-edge says token-invalid' });
// malformed
V('malformed-empty', '');
V('malformed-one-segment', 'abcdef');
V('malformed-two-segments', 'abc.def');
V('malformed-four-segments', `${T.prod}.extra`);
V('malformed-dots-only', '..');
V('malformed-bad-char', `${enc(HDR)}.${enc(claims(PROD))}!.${T.prod.split('.')[2]}`);
V('malformed-plus-slash', (() => {
  const [h, p, s] = T.prod.split('.');
  return `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(s) ? '' : '+/'}`;
})(), {}, { desc: 'standard-alphabet + and / in a segment' });
V('malformed-invalid-json', mint({ rawHeader: enc(HDR), rawPayload: b64u('{"sub":') }));
V('malformed-header-not-json', mint({ rawHeader: b64u('RS256'), payload: claims(PROD) }));
V('malformed-dangling-char', `${enc(HDR)}.${enc(claims(PROD))}a.${T.prod.split('.')[2]}`, {}, { desc: 'payload segment with a dangling single base64 character' });
V('malformed-non-utf8', mint({ header: HDR, rawPayload: b64u(Buffer.concat([Buffer.from('{"sub":"user_'), Buffer.from([0xff, 0xfe]), Buffer.from(`","exp":${S + 60}}`)])) }), {}, { desc: 'invalid UTF-8 inside a JSON string is decoded lossily' });
V('malformed-whitespace', ` ${T.prod}`, {}, { desc: 'leading space in the token' });
V('v2-claims-valid', sess(PROD, { v: 2, fea: 'o:reservations', o: { id: 'org_1', rol: 'admin', slg: 'acme', per: 'read,manage', fpm: '3' } }));
V('unicode-claims', sess(PROD, { name: 'Zoë – 日本', act: { sub: 'user_admin' } }));
V('jwtkey-no-trailing-newline', T.prod, { jwtKey: PEM_NO_NEWLINE });
V('jwtkey-crlf', T.prod, { jwtKey: PEM.replace(/\n/g, '\r\n') });
V('jwtkey-body-only', T.prod, { jwtKey: PEM.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '') }, { desc: 'header-less base64 SPKI body' });

// ---------------------------------------------------------------------------------------------
// auth/header/… — Authorization header carrier (session_token)
// ---------------------------------------------------------------------------------------------

A('header/bearer-valid', { headers: { authorization: `Bearer ${T.prod}` } });
A('header/bearer-valid-fetch', { nav: FETCH, headers: { authorization: `Bearer ${T.prod}` } });
A('header/raw-token-no-scheme', { headers: { authorization: T.prod } });
A('header/bearer-only', { headers: { authorization: 'Bearer' } }, );
A('header/bearer-two-spaces', { headers: { authorization: `Bearer  ${T.prod}` } }, );
A('header/bearer-lowercase-scheme', { headers: { authorization: `bearer ${T.prod}` } });
A('header/basic-scheme', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
A('header/basic-scheme-with-cookies', { headers: { authorization: 'Basic dXNlcjpwYXNz' }, cookies: signedIn() });
A('header/bearer-extra-piece', { headers: { authorization: `Bearer ${T.prod} trailing` } });
A('header/bearer-tab', { headers: { authorization: `Bearer\t${T.prod}` } }, );
A('header/bearer-garbage', { headers: { authorization: 'Bearer test_header_token' } });
A('header/bearer-dev-no-devbrowser', { inst: DEV, headers: { authorization: `Bearer ${T.dev}` }, desc: 'header path skips dev-browser/client_uat checks' });
A('header/bearer-wins-over-cookies', { headers: { authorization: `Bearer ${sess(PROD, { sub: 'user_from_header' })}` }, cookies: signedIn() });
A('header/bearer-with-foreign-referer', { headers: { authorization: `Bearer ${T.prod}`, referer: 'https://satellite.example.test/x' } });
A('header/bearer-expired-doc', { headers: { authorization: `Bearer ${sess(PROD, { exp: S - 3600 })}` }, desc: 'expired Bearer on a GET document: handshake with __session' });
A('header/bearer-expired-fetch', { nav: FETCH, headers: { authorization: `Bearer ${sess(PROD, { exp: S - 3600 })}` } });
A('header/bearer-expired-post', { method: 'POST', headers: { authorization: `Bearer ${sess(PROD, { exp: S - 3600 })}` } });
A('header/bearer-nbf-future', { headers: { authorization: `Bearer ${sess(PROD, { nbf: S + 60 })}` } });
A('header/bearer-iat-future', { headers: { authorization: `Bearer ${sess(PROD, { iat: S + 60 })}` } });
A('header/bearer-iat-future-fetch', { nav: FETCH, headers: { authorization: `Bearer ${sess(PROD, { iat: S + 60 })}` } });
A('header/bearer-bad-signature', { headers: { authorization: `Bearer ${sess(PROD, {}, { key: KOTHER.privateKey })}` } });
A('header/bearer-alg-none', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { alg: 'none' }, sign: 'none' })}` } });
A('header/bearer-rs384', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { alg: 'RS384' }, sign: 'RS384' })}` } });
A('header/bearer-azp-mismatch', { headers: { authorization: `Bearer ${T.prod}` }, options: { authorizedParties: ['https://a.example.test'] } });
A('header/bearer-azp-missing', { headers: { authorization: `Bearer ${sess(PROD, { azp: undefined })}` }, options: { authorizedParties: ['https://a.example.test'] } });
A('header/bearer-azp-match', { headers: { authorization: `Bearer ${T.prod}` }, options: { authorizedParties: [PROD.app] } });
A('header/bearer-aud-mismatch', { headers: { authorization: `Bearer ${sess(PROD, { aud: 'x' })}` }, options: { audience: 'y' } });
A('header/bearer-typ-jose', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { typ: 'JOSE' } })}` } });
A('header/bearer-no-typ', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { typ: undefined } })}` } });
A('header/bearer-sub-missing', { headers: { authorization: `Bearer ${sess(PROD, { sub: undefined })}` } });
A('header/bearer-cat-session', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { cat: CAT.session } })}` } });
A('header/bearer-cat-ignore', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { cat: CAT.ignore } })}` } });
A('header/bearer-cat-template', { headers: { authorization: `Bearer ${sess(PROD, { sid: undefined }, { header: { cat: CAT.template } })}` } });
A('header/bearer-cat-m2m', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { cat: CAT.m2m } })}` } });
A('header/bearer-cat-unknown', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { cat: 'cl_some_future_cat' } })}` } });
A('header/bearer-crit-unknown', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { crit: ['exp_ms'], exp_ms: 1 } })}` }, decision: 'D12', desc: 'unknown crit entry: SDK signs in; clerk-edge says signed-out token-invalid' });
A('header/bearer-skew-exp-boundary', { nav: FETCH, headers: { authorization: `Bearer ${sess(PROD, { exp: S - 5 })}` }, desc: 'exp == now - 5 s with default skew: expired' });
A('header/bearer-skew-exp-inside', { nav: FETCH, headers: { authorization: `Bearer ${sess(PROD, { exp: S - 4 })}` } });
A('header/bearer-mch-sub', { headers: { authorization: `Bearer ${sess(PROD, { sub: 'mch_conformance01' })}` }, desc: 'M2M-looking JWT (sub mch_) on the session header path' });
A('header/bearer-oauth-typ', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { typ: 'at+jwt' } })}` } });
A('header/bearer-handshake-ignored', { headers: { authorization: `Bearer ${T.prod}` }, cookies: [['__clerk_handshake', 'garbage.handshake.token']], desc: 'header token present: the handshake cookie is not looked at' });
A('header/non-latin1-message', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { typ: 'JWTé日' } })}` }, desc: 'message holds a code point > U+00FF: x-clerk-auth-message is omitted, the other debug headers stay' });
A('header/latin1-message', { headers: { authorization: `Bearer ${sess(PROD, {}, { header: { typ: 'JWTé' } })}` }, desc: 'message holds U+00E9 (Latin-1): the header is kept' });
A('header/empty-value', { headers: { authorization: '' }, desc: 'empty Authorization header: cookie path' });

// ---------------------------------------------------------------------------------------------
// auth/cookie/… — cookie carrier (same-origin browser requests)
// ---------------------------------------------------------------------------------------------

A('cookie/prod-valid', { cookies: signedIn() });
A('cookie/prod-valid-fetch', { nav: FETCH, cookies: signedIn() });
A('cookie/prod-valid-post', { method: 'POST', cookies: signedIn() });
A('cookie/prod-no-cookies', {});
A('cookie/prod-no-cookies-fetch', { nav: FETCH });
A('cookie/uat-only', { cookies: [['__client_uat', UAT]] });
A('cookie/uat-only-fetch', { nav: FETCH, cookies: [['__client_uat', UAT]] });
A('cookie/uat-zero-only', { cookies: [['__client_uat', '0']] });
A('cookie/session-only', { cookies: [['__session', T.prod]] });
A('cookie/session-only-fetch', { nav: FETCH, cookies: [['__session', T.prod]] });
A('cookie/session-uat-zero', { cookies: [['__client_uat', '0'], ['__session', T.prod]] });
A('cookie/session-empty-uat', { cookies: [['__client_uat', UAT], ['__session', '']] });
A('cookie/iat-before-uat', { cookies: signedIn(T.prod, String(S)) });
A('cookie/iat-before-uat-post', { method: 'POST', cookies: signedIn(T.prod, String(S)) });
A('cookie/iat-equals-uat', { cookies: signedIn(T.prod, String(S - 10)) });
A('cookie/uat-12abc', { cookies: signedIn(T.prod, '12abc'), desc: 'parseInt semantics: 12' });
A('cookie/uat-abc', { cookies: signedIn(T.prod, 'abc'), desc: 'NaN => 0 => session-token-but-no-client-uat' });
A('cookie/uat-abc-only', { cookies: [['__client_uat', 'abc']] });
A('cookie/uat-hex', { cookies: signedIn(T.prod, '0x7fffffff'), desc: 'parseInt reads 0x as hex (2147483647 > iat)' });
A('cookie/uat-negative', { cookies: signedIn(T.prod, '-5'), desc: 'negative uat counts as present' });
A('cookie/uat-leading-space', { cookies: `__client_uat=%20${UAT}; __session=${T.prod}`, desc: 'percent-decoded leading space, then parseInt' });
A('cookie/uat-exponent', { cookies: signedIn(T.prod, '1e3'), desc: 'parseInt("1e3") == 1' });
A('cookie/uat-huge', { cookies: signedIn(T.prod, '99999999999') });
A('cookie/uat-fraction', { cookies: signedIn(T.prod, `${S - 10}.9`), desc: 'parseInt truncates the fraction: equal to iat' });
A('cookie/expired-doc', { cookies: signedIn(sess(PROD, { exp: S - 3600 })) });
A('cookie/expired-iframe', { nav: { 'sec-fetch-dest': 'iframe' }, cookies: signedIn(sess(PROD, { exp: S - 3600 })) });
A('cookie/expired-fetch', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S - 3600 })) });
A('cookie/expired-post', { method: 'POST', cookies: signedIn(sess(PROD, { exp: S - 3600 })) });
A('cookie/expired-accept-html', { nav: { accept: 'text/html,application/xhtml+xml' }, cookies: signedIn(sess(PROD, { exp: S - 3600 })) });
A('cookie/expired-unsuffixed-refresh', { cookies: [...signedIn(sess(PROD, { exp: S - 3600 })), ['__refresh', 'rt_conformance']], desc: 'un-suffixed __refresh is not the refresh cookie' });
A('cookie/expired-refresh-cookie', {
  cookies: [...signedIn(sess(PROD, { exp: S - 3600 })), [`__refresh_${PROD.sfx}`, 'rt_conformance']],
  decision: 'D7',
  desc: 'SDK (no API client) reports session-token-expired-refresh-missing-api-client; clerk-edge never refreshes: …-non-eligible-no-refresh-cookie',
});
A('cookie/expired-refresh-cookie-post', { method: 'POST', cookies: [...signedIn(sess(PROD, { exp: S - 3600 })), [`__refresh_${PROD.sfx}`, 'rt_conformance']], desc: 'non-GET: refresh not eligible anyway' });
A('cookie/nbf-future', { cookies: signedIn(sess(PROD, { nbf: S + 60 })) });
A('cookie/nbf-future-fetch', { nav: FETCH, cookies: signedIn(sess(PROD, { nbf: S + 60 })) });
A('cookie/iat-future', { cookies: signedIn(sess(PROD, { iat: S + 60 })) });
A('cookie/iat-plus4', { cookies: signedIn(sess(PROD, { iat: S + 4 })) });
A('cookie/bad-signature', { cookies: signedIn(sess(PROD, {}, { key: KOTHER.privateKey })) });
A('cookie/alg-none', { cookies: signedIn(sess(PROD, {}, { header: { alg: 'none' }, sign: 'none' })) });
A('cookie/hs256', { cookies: signedIn(sess(PROD, {}, { header: { alg: 'HS256' }, sign: 'HS256' })) });
A('cookie/rs512', { cookies: signedIn(sess(PROD, {}, { header: { alg: 'RS512' }, sign: 'RS512' })) });
A('cookie/garbage-session', { cookies: signedIn('not-a-jwt') });
A('cookie/azp-missing', { cookies: signedIn(sess(PROD, { azp: undefined })), desc: 'warns once, still signed in' });
A('cookie/azp-mismatch', { cookies: signedIn(), options: { authorizedParties: ['https://a.example.test'] } });
A('cookie/m2m-jwt', { cookies: signedIn(sess(PROD, { sub: 'mch_conformance01' }, { header: { cat: CAT.m2m } })) });
A('cookie/template-cat', { cookies: signedIn(sess(PROD, {}, { header: { cat: CAT.template } })) });
A('cookie/oauth-typ', { cookies: signedIn(sess(PROD, {}, { header: { typ: 'at+jwt' } })) });
A('cookie/typ-jose', { cookies: signedIn(sess(PROD, {}, { header: { typ: 'JOSE' } })) });
A('cookie/no-iat', { cookies: signedIn(sess(PROD, { iat: undefined })), desc: 'missing iat: the iat < client_uat check is false' });
A('cookie/user-agent-cloudfront', { headers: { 'user-agent': 'Amazon CloudFront', 'cloudfront-forwarded-proto': 'http' }, cookies: signedIn() });
A('cookie/crit-unknown', { cookies: signedIn(sess(PROD, {}, { header: { crit: ['exp_ms'], exp_ms: 1 } })), decision: 'D12', desc: 'unknown crit entry: SDK signs in; clerk-edge says signed-out token-invalid' });
// cookie header quirks
A('cookie/duplicate-first-wins', { cookies: [...signedIn(), ['__session', 'garbage']] });
A('cookie/duplicate-garbage-first', { cookies: [['__session', 'garbage'], ...signedIn()] });
A('cookie/duplicate-header-lines', { headers: [['sec-fetch-dest', 'document'], ['cookie', `__client_uat=${UAT}`], ['cookie', `__session=${T.prod}`]], desc: 'two Cookie header lines (joined with "; ")' });
A('cookie/percent-encoded-dots', { cookies: signedIn(T.prod.replace(/\./g, '%2E')) });
A('cookie/percent-encoded-uat', { cookies: signedIn(T.prod, encodeURIComponent(UAT).replace(/\d/g, (d) => `%3${d}`)) });
A('cookie/quoted-session', { cookies: signedIn(`"${T.prod}"`), desc: 'quotes are not stripped' });
A('cookie/malformed-percent-c0', { cookies: [['__client_uat', '%C0'], ['__session', T.prod]], desc: 'undecodable %C0 kept raw => uat 0' });
A('cookie/encoded-semicolon', { cookies: `__client_uat=${UAT}%3B__session%3D${T.prod}`, desc: 'encoded ; and = cannot forge a session cookie' });
A('cookie/spaces-and-empty-segments', { cookies: `  __client_uat = ${UAT} ;;  novalue ; __session=\t${T.prod}\t` });
A('cookie/non-latin1-azp', { cookies: signedIn(sess(PROD, { azp: 'https://日本.example.test' })), options: { authorizedParties: [PROD.app] }, desc: 'azp with non-Latin-1 text in the message: x-clerk-auth-message omitted' });
A('cookie/name-case', { cookies: [['__Session', T.prod], ['__client_uat', UAT]], desc: 'cookie names are case-sensitive' });

// ---------------------------------------------------------------------------------------------
// auth/dev/… — development instance specifics
// ---------------------------------------------------------------------------------------------

A('dev/valid', { inst: DEV, cookies: devSignedIn() });
A('dev/no-cookies', { inst: DEV });
A('dev/no-cookies-fetch', { inst: DEV, nav: FETCH });
A('dev/devbrowser-only', { inst: DEV, cookies: [['__clerk_db_jwt', DBJWT]] });
A('dev/session-without-devbrowser', { inst: DEV, cookies: [['__client_uat', UAT], ['__session', T.dev]] });
A('dev/session-no-uat', { inst: DEV, cookies: [['__clerk_db_jwt', DBJWT], ['__session', T.dev]] });
A('dev/uat-only', { inst: DEV, cookies: [['__clerk_db_jwt', DBJWT], ['__client_uat', UAT]] });
A('dev/iat-before-uat', { inst: DEV, cookies: devSignedIn(T.dev, String(S)) });
A('dev/expired', { inst: DEV, cookies: devSignedIn(sess(DEV, { exp: S - 3600 })) });
A('dev/sub-missing', { inst: DEV, cookies: devSignedIn(sess(DEV, { sub: undefined })) });
A('dev/db-jwt-query', { inst: DEV, path: `/p?__clerk_db_jwt=dvb_fromquery&__dev_session=z&k=v`, cookies: devSignedIn(), desc: 'dev-browser-sync; query beats cookie; __dev_session stripped from redirect_url' });
A('dev/db-jwt-query-post', { inst: DEV, method: 'POST', path: `/p?__clerk_db_jwt=dvb_fromquery`, cookies: devSignedIn() });
A('dev/db-jwt-query-empty', { inst: DEV, path: `/p?__clerk_db_jwt=`, cookies: devSignedIn(), desc: 'empty __clerk_db_jwt param still present => dev-browser-sync' });
A('dev/db-jwt-query-only', { inst: DEV, path: `/p?__clerk_db_jwt=dvb_fromquery`, desc: 'no cookies at all' });
A('dev/accounts-dev-valid', { inst: DEV_ACCOUNTS, cookies: devSignedIn(T.devAcc) });
A('dev/accounts-dev-missing', { inst: DEV_ACCOUNTS, cookies: [['__client_uat', UAT]] });

// ---------------------------------------------------------------------------------------------
// auth/suffix/… — suffixed vs un-suffixed cookie selection (§1.4 rules 1–8)
// ---------------------------------------------------------------------------------------------
{
  const P = PROD.sfx;
  const D = DEV.sfx;
  const older = sess(PROD, { iat: S - 50, sid: 'sess_older' });
  const newer = sess(PROD, { iat: S - 10, sid: 'sess_newer' });
  const foreign = sess(PROD, { iss: 'https://clerk.other-app.example.test', sid: 'sess_foreign' });
  A('suffix/rule1-undecodable-unsuffixed', { cookies: [['__session', 'garbage'], [`__client_uat_${P}`, UAT], [`__session_${P}`, newer]] });
  A('suffix/rule1-no-iss', { cookies: [['__session', sess(PROD, { iss: undefined, sid: 'sess_noiss' })], ['__client_uat', UAT], [`__client_uat_${P}`, UAT], [`__session_${P}`, newer]] });
  A('suffix/rule1-empty-iss', { cookies: [['__session', sess(PROD, { iss: '', sid: 'sess_emptyiss' })], ['__client_uat', UAT], [`__client_uat_${P}`, UAT], [`__session_${P}`, newer]] });
  A('suffix/rule2-foreign-iss', { cookies: [['__session', foreign], ['__client_uat', UAT], [`__client_uat_${P}`, UAT], [`__session_${P}`, newer]] });
  A('suffix/rule2-foreign-iss-no-suffixed', { cookies: [['__session', foreign], ['__client_uat', UAT]], desc: 'suffixed mode but no suffixed cookies' });
  A('suffix/rule2-numeric-iss', { cookies: [['__session', sess(PROD, { iss: 123 })], ['__client_uat', UAT], [`__client_uat_${P}`, UAT], [`__session_${P}`, newer]] });
  A('suffix/rule2-iss-uppercase-scheme', { cookies: [['__session', sess(PROD, { iss: `HTTPS://${PROD.fapi}` })], ['__client_uat', UAT]], desc: 'scheme stripped case-insensitively: belongs to the instance' });
  A('suffix/rule2-iss-bare-host', { cookies: [['__session', sess(PROD, { iss: PROD.fapi })], ['__client_uat', UAT]] });
  A('suffix/rule3-only-unsuffixed', { cookies: signedIn() });
  A('suffix/rule4-unsuffixed-newer', { cookies: [['__client_uat', UAT], ['__session', newer], [`__client_uat_${P}`, UAT], [`__session_${P}`, older]] });
  A('suffix/rule4-suffixed-newer', { cookies: [['__client_uat', UAT], ['__session', older], [`__client_uat_${P}`, UAT], [`__session_${P}`, newer]] });
  A('suffix/rule4-equal-iat', { cookies: [['__client_uat', UAT], ['__session', sess(PROD, { sid: 'sess_u' })], [`__client_uat_${P}`, UAT], [`__session_${P}`, sess(PROD, { sid: 'sess_s' })]], desc: 'equal iat => suffixed (rule 8)' });
  A('suffix/rule5-suffixed-uat-zero', { cookies: [['__client_uat', UAT], ['__session', older], [`__client_uat_${P}`, '0'], [`__session_${P}`, newer]] });
  A('suffix/rule-both-uat-zero', { cookies: [['__client_uat', '0'], ['__session', newer], [`__client_uat_${P}`, '0'], [`__session_${P}`, older]], desc: 'both uat 0 => suffixed session, uat 0' });
  A('suffix/rule6-dev-suffixed-expired', { inst: DEV, cookies: [['__clerk_db_jwt', DBJWT], ['__client_uat', '0'], ['__session', sess(DEV, { sid: 'sess_u' })], [`__client_uat_${D}`, UAT], [`__session_${D}`, sess(DEV, { exp: S - 100, iat: S - 5, sid: 'sess_s' })]] });
  A('suffix/rule6-prod-not-applied', { cookies: [['__client_uat', '0'], ['__session', sess(PROD, { sid: 'sess_u' })], [`__client_uat_${P}`, UAT], [`__session_${P}`, sess(PROD, { exp: S - 100, iat: S - 5, sid: 'sess_s' })]] });
  A('suffix/rule6-dev-after-2038', {
    inst: DEV,
    now: 2200000000000,
    cookies: [['__clerk_db_jwt', DBJWT], ['__client_uat', '0'], ['__session', sess(DEV, { iat: 2199999990, exp: 2200000060, nbf: 2199999980, sid: 'sess_u' })], [`__client_uat_${D}`, '2199999900'], [`__session_${D}`, sess(DEV, { iat: 2199999995, exp: 2199999000, nbf: 2199999000, sid: 'sess_s' })]],
    decision: 'D13',
    desc: 'now after 2038: SDK computes floor(now/1000) with a 32-bit shift, misjudges the suffixed session as unexpired and picks suffixed cookies (no suffixed dev browser => dev-browser-missing); clerk-edge picks un-suffixed (uat 0 => session-token-but-no-client-uat, as in suffix/rule6-dev-suffixed-expired)',
  });
  A('suffix/rule7-suffixed-session-no-suffixed-uat', { cookies: [['__client_uat', UAT], ['__session', older], [`__session_${P}`, newer]] });
  A('suffix/rule8-suffixed-only', { cookies: [[`__client_uat_${P}`, UAT], [`__session_${P}`, newer]] });
  A('suffix/suffixed-uat-only', { cookies: [[`__client_uat_${P}`, '5']], desc: 'handshake with suffixed_cookies=true' });
  A('suffix/suffixed-session-only', { cookies: [[`__session_${P}`, newer]], desc: 'rule 7 => un-suffixed => no cookies' });
  A('suffix/dev-devbrowser-suffixed', { inst: DEV, cookies: [[`__clerk_db_jwt_${D}`, 'dvb_suffixed'], ['__clerk_db_jwt', 'dvb_plain'], [`__client_uat_${D}`, UAT], [`__session_${D}`, T.dev]], desc: 'suffixed mode reads the suffixed dev browser' });
  A('suffix/dev-devbrowser-suffixed-handshake', { inst: DEV, cookies: [[`__clerk_db_jwt_${D}`, 'dvb_suffixed'], ['__clerk_db_jwt', 'dvb_plain'], [`__client_uat_${D}`, UAT]], desc: 'Location carries the suffixed dev browser' });
  A('suffix/other-instance-suffix', { cookies: [[`__client_uat_${DEV.sfx}`, UAT], [`__session_${DEV.sfx}`, T.dev]], desc: 'cookies suffixed for another instance are ignored' });
  A('suffix/padded-publishable-key', { options: { publishableKey: PROD_PADDED_PK }, cookies: [[`__client_uat_${suffixOf(PROD_PADDED_PK)}`, '7']], desc: 'publishable key with base64 padding; suffix over the full key text' });
}

// ---------------------------------------------------------------------------------------------
// auth/eligibility/… — handshake eligibility of the request (uat-only prod request)
// ---------------------------------------------------------------------------------------------
{
  const c = [['__client_uat', UAT]];
  A('eligibility/document', { nav: { 'sec-fetch-dest': 'document' }, cookies: c });
  A('eligibility/iframe', { nav: { 'sec-fetch-dest': 'iframe' }, cookies: c });
  A('eligibility/empty', { nav: { 'sec-fetch-dest': 'empty' }, cookies: c });
  A('eligibility/image-with-html-accept', { nav: { 'sec-fetch-dest': 'image', accept: 'text/html' }, cookies: c });
  A('eligibility/no-dest-accept-html', { nav: { accept: 'text/html' }, cookies: c });
  A('eligibility/no-dest-accept-html-q', { nav: { accept: 'text/html;q=0.9,*/*' }, cookies: c });
  A('eligibility/no-dest-accept-xhtml-first', { nav: { accept: 'application/xhtml+xml,text/html' }, cookies: c });
  A('eligibility/no-dest-no-accept', { nav: null, cookies: c });
  A('eligibility/dest-uppercase', { nav: { 'sec-fetch-dest': 'Document' }, cookies: c });
  A('eligibility/dest-empty-string', { nav: { 'sec-fetch-dest': '', accept: 'text/html' }, cookies: c, desc: 'empty sec-fetch-dest counts as absent' });
  A('eligibility/post-document', { method: 'POST', cookies: c });
  A('eligibility/put-document', { method: 'PUT', cookies: c });
  A('eligibility/head-document', { method: 'HEAD', cookies: c });
  A('eligibility/post-accept-html', { method: 'POST', nav: { accept: 'text/html' }, cookies: c });
}

// ---------------------------------------------------------------------------------------------
// auth/loop/… — __clerk_redirect_count
// ---------------------------------------------------------------------------------------------
for (const n of ['0', '1', '2', '3', '4']) {
  A(`loop/count-${n}`, { cookies: [['__client_uat', UAT], ['__clerk_redirect_count', n]] });
}
A('loop/count-nan', { cookies: [['__client_uat', UAT], ['__clerk_redirect_count', 'abc']] });
A('loop/count-3.0', { cookies: [['__client_uat', UAT], ['__clerk_redirect_count', '3.0']] });
A('loop/count-negative', { cookies: [['__client_uat', UAT], ['__clerk_redirect_count', '-1']] });
A('loop/count-hex', { cookies: [['__client_uat', UAT], ['__clerk_redirect_count', '0x3']], desc: 'Number("0x3") == 3' });
A('loop/count-3-expired', { cookies: [...signedIn(sess(PROD, { exp: S - 3600 })), ['__clerk_redirect_count', '3']] });
A('loop/count-3-dev-missing', { inst: DEV, cookies: [['__clerk_redirect_count', '3']] });
A('loop/count-3-fetch', { nav: FETCH, cookies: [['__client_uat', UAT], ['__clerk_redirect_count', '3']] });
A('loop/count-3-header-expired', { headers: { authorization: `Bearer ${sess(PROD, { exp: S - 3600 })}` }, cookies: [['__clerk_redirect_count', '3']] });

// ---------------------------------------------------------------------------------------------
// auth/skew/… — clock skew boundaries on the cookie path (non-document so no handshake noise)
// ---------------------------------------------------------------------------------------------
A('skew/exp-now-skew0', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S })), options: { clockSkewInMs: 0 } });
A('skew/exp-now-plus1-skew0', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S + 1 })), options: { clockSkewInMs: 0 } });
A('skew/exp-minus5-default', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S - 5 })) });
A('skew/exp-minus4-default', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S - 4 })) });
A('skew/exp-minus3-skew0', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S - 3 })), options: { clockSkewInMs: 0 } });
A('skew/exp-minus1-skew1000', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S - 1 })), options: { clockSkewInMs: 1000 } });
A('skew/exp-now-skew1000', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: S })), options: { clockSkewInMs: 1000 } });
A('skew/nbf-plus5-default', { nav: FETCH, cookies: signedIn(sess(PROD, { nbf: S + 5 })) });
A('skew/nbf-plus6-default', { nav: FETCH, cookies: signedIn(sess(PROD, { nbf: S + 6 })) });
A('skew/nbf-plus1-skew1000', { nav: FETCH, cookies: signedIn(sess(PROD, { nbf: S + 1 })), options: { clockSkewInMs: 1000 } });
A('skew/nbf-plus2-skew1000', { nav: FETCH, cookies: signedIn(sess(PROD, { nbf: S + 2 })), options: { clockSkewInMs: 1000 } });
A('skew/nbf-now-skew0', { nav: FETCH, cookies: signedIn(sess(PROD, { nbf: S })), options: { clockSkewInMs: 0 } });
A('skew/iat-plus5-default', { nav: FETCH, cookies: signedIn(sess(PROD, { iat: S + 5 })) });
A('skew/iat-plus6-default', { nav: FETCH, cookies: signedIn(sess(PROD, { iat: S + 6 })) });
A('skew/iat-plus1-skew0', { nav: FETCH, cookies: signedIn(sess(PROD, { iat: S + 1 })), options: { clockSkewInMs: 0 } });
A('skew/iat-plus1-skew1000', { nav: FETCH, cookies: signedIn(sess(PROD, { iat: S + 1 })), options: { clockSkewInMs: 1000 } });
A('skew/exp-huge-1e20', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: 1e20 })), desc: 'invalid JS date: never expires' });
A('skew/nbf-huge-1e20', { cookies: signedIn(sess(PROD, { nbf: 1e20 })), decision: 'D13', desc: 'nbf 1e20: invalid JS Date, SDK signs in; clerk-edge says session-token-nbf' });
A('skew/exp-minus-1e20', { nav: FETCH, headers: { authorization: `Bearer ${sess(PROD, { exp: -1e20 })}` }, decision: 'D13', desc: 'exp -1e20: invalid JS Date, SDK signs in; clerk-edge says expired' });
A('skew/exp-string', { nav: FETCH, cookies: signedIn(sess(PROD, { exp: String(S + 60) })) });
A('skew/iat-string', { nav: FETCH, cookies: signedIn(sess(PROD, { iat: String(S - 10) })), desc: 'iat string: "<" compares numerically, then verification rejects it' });
A('skew/nbf-string', { nav: FETCH, cookies: signedIn(sess(PROD, { nbf: String(S - 10) })) });
A('skew/now-ms-fraction', { nav: FETCH, now: NOW + 999, cookies: signedIn(sess(PROD, { exp: S - 4 })), desc: 'now has sub-second ms: 4.999 s past exp, skew 5 s: valid' });
A('skew/now-ms-fraction-expired', { nav: FETCH, now: NOW + 1, cookies: signedIn(sess(PROD, { exp: S - 5 })), desc: 'exp_ms == now - 5001 ms: expired' });

// ---------------------------------------------------------------------------------------------
// auth/malformed/… — malformed tokens on both carriers
// ---------------------------------------------------------------------------------------------
{
  const bad = {
    'empty-segments': '..',
    'one-segment': 'eyJhbGciOiJSUzI1NiJ9',
    'two-segments': 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0',
    'four-segments': `${T.prod}.x`,
    'bad-base64-char': `${T.prod.split('.')[0]}.e30*.${T.prod.split('.')[2]}`,
    'invalid-json': mint({ rawHeader: enc(HDR), rawPayload: b64u('{"sub":"x",') }),
    'payload-array': mint({ header: HDR, payload: ['x'] }),
  };
  for (const [name, tok] of Object.entries(bad)) {
    A(`malformed/header-${name}`, { headers: { authorization: `Bearer ${tok}` } });
    A(`malformed/cookie-${name}`, { cookies: signedIn(tok) });
  }
  A('malformed/header-plus-slash', { headers: { authorization: `Bearer ${T.prod.replace(/-/g, '+').replace(/_/g, '/')}` } });
  A('malformed/header-padded-signature', { headers: { authorization: `Bearer ${T.prod}==` }, desc: 'padding on the signature segment is tolerated' });
  A('malformed/cookie-padded-signature', { cookies: signedIn(`${T.prod}==`), desc: 'padding tolerated by the decoder, but "=" is not JWT format for the machine check' });
  A('malformed/header-payload-null', { headers: { authorization: `Bearer ${mint({ header: HDR, payload: null })}` }, decision: 'D13', desc: 'payload JSON null on the header path: SDK hits a TypeError inside verifyJwt, caught => signed-out unexpected-error; clerk-edge may give a more precise reason' });
  A('malformed/cookie-payload-null', { cookies: signedIn(mint({ header: HDR, payload: null })), decision: 'D13', desc: 'payload JSON null in __session: SDK throws a TypeError while choosing cookies; clerk-edge returns signed-out' });
  A('malformed/header-header-null', { headers: { authorization: `Bearer ${mint({ header: null, payload: claims(PROD) })}` }, decision: 'D13', desc: 'header JSON null: SDK hits a TypeError in verifyToken, caught => signed-out unexpected-error; clerk-edge may give a more precise reason' });
  A('malformed/cookie-header-null', { cookies: signedIn(mint({ header: null, payload: claims(PROD) })), decision: 'D13', desc: 'header JSON null: SDK hits a TypeError in verifyToken, caught => signed-out unexpected-error; clerk-edge may give a more precise reason' });
  A('malformed/header-payload-number', { headers: { authorization: `Bearer ${mint({ header: HDR, payload: 42 })}` } });
  A('malformed/header-exp-string', { headers: { authorization: `Bearer ${sess(PROD, { exp: String(S + 60) })}` } });
  A('malformed/header-iat-string', { headers: { authorization: `Bearer ${sess(PROD, { iat: String(S) })}` } });
  A('malformed/header-nbf-string', { headers: { authorization: `Bearer ${sess(PROD, { nbf: String(S) })}` } });
  A('malformed/header-exp-huge', { headers: { authorization: `Bearer ${sess(PROD, { exp: 1e20 })}` } });
  A('malformed/header-non-utf8', { headers: { authorization: `Bearer ${mint({ header: HDR, rawPayload: b64u(Buffer.concat([Buffer.from('{"sub":"user_'), Buffer.from([0xc0]), Buffer.from(`","exp":${S + 60}}`)])) })}` } });
}

// ---------------------------------------------------------------------------------------------
// auth/claims/… — claim → auth object mapping (v1 / v2, pending, actor, fva)
// ---------------------------------------------------------------------------------------------
{
  const v1org = { org_id: 'org_v1', org_role: 'org:admin', org_slug: 'acme', org_permissions: ['org:f1:read', 'org:f2:manage'] };
  A('claims/v1-org', { cookies: signedIn(sess(PROD, v1org)) });
  A('claims/v1-org-header', { headers: { authorization: `Bearer ${sess(PROD, v1org)}` } });
  A('claims/v2-no-org', { cookies: signedIn(sess(PROD, { v: 2, fea: 'u:dashboard', pla: 'u:pro' })) });
  A('claims/v2-org-full', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:reservations,u:dashboard,uo:support-chat,o:impersonation', pla: 'u:pro,o:business', o: { id: 'org_v2', rol: 'admin', slg: 'acme', per: 'read,manage', fpm: '2,3' } })) });
  A('claims/v2-org-no-rol', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:reservations', o: { id: 'org_v2', per: 'read', fpm: '1' } })) });
  A('claims/v2-rol-prefixed', { cookies: signedIn(sess(PROD, { v: 2, o: { id: 'org_v2', rol: 'org:admin' } })), desc: 'rol already prefixed => org:org:admin' });
  A('claims/v2-mask-big', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:big', o: { id: 'org_v2', rol: 'member', per: Array.from({ length: 60 }, (_, i) => `p${i}`).join(','), fpm: '9007199254740993' } })), desc: 'mask above 2^53 decoded exactly: bits 0 and 53' });
  A('claims/v2-mask-zero', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:a,o:b,o:c', o: { id: 'org_v2', per: 'read,manage', fpm: '0,3,1' } })) });
  A('claims/v2-mask-malformed', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:a,o:b,o:c,o:d', o: { id: 'org_v2', per: 'read,manage', fpm: '1invalid,-1,1.5,3' } })) });
  A('claims/v2-mask-spaces', { cookies: signedIn(sess(PROD, { v: 2, fea: ' o:a , o:b ', o: { id: 'org_v2', per: ' read , manage ', fpm: ' 1 , 2 ' } })) });
  A('claims/v2-mask-leading-zeros', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:a', o: { id: 'org_v2', per: 'read,manage', fpm: '0003' } })) });
  A('claims/v2-more-features-than-masks', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:a,o:b,o:c', o: { id: 'org_v2', per: 'read', fpm: '1' } })) });
  A('claims/v2-unknown-scope', { cookies: signedIn(sess(PROD, { v: 2, fea: 'x:a,o:b', o: { id: 'org_v2', per: 'read', fpm: '1' } })) });
  A('claims/v2-per-missing', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:a', o: { id: 'org_v2', fpm: '1' } })) });
  A('claims/v2-fea-no-colon-cookie', { cookies: signedIn(sess(PROD, { v: 2, fea: 'bad', o: { id: 'org_v2', rol: 'admin' } })), desc: 'toAuth throws inside the cookie flow => unexpected-error' });
  A('claims/v2-fea-no-colon-header', { headers: { authorization: `Bearer ${sess(PROD, { v: 2, fea: 'bad', o: { id: 'org_v2', rol: 'admin' } })}` }, decision: 'D13', desc: 'fea entry without colon on the header path: SDK state is signed-in but toAuth() throws; clerk-edge returns signed-out' });
  A('claims/v2-fea-no-colon-no-org', { cookies: signedIn(sess(PROD, { v: 2, fea: 'bad' })), desc: 'without o the features are not parsed' });
  A('claims/v2-fea-number', { cookies: signedIn(sess(PROD, { v: 2, fea: 5, o: { id: 'org_v2' } })), desc: 'fea not a string' });
  A('claims/v2-fpm-number', { cookies: signedIn(sess(PROD, { v: 2, fea: 'o:a', o: { id: 'org_v2', per: 'read', fpm: 1 } })), desc: 'fpm not a string' });
  A('claims/v-string-2', { cookies: signedIn(sess(PROD, { v: '2', o: { id: 'org_v2' }, org_id: 'org_v1' })), desc: 'v "2" is not 2 => v1 mapping' });
  A('claims/pending-default', { cookies: signedIn(sess(PROD, { sts: 'pending' })) });
  A('claims/pending-treat-true', { cookies: signedIn(sess(PROD, { sts: 'pending' })), toAuthOptions: { treatPendingAsSignedOut: true } });
  A('claims/pending-treat-false', { cookies: signedIn(sess(PROD, { sts: 'pending' })), toAuthOptions: { treatPendingAsSignedOut: false } });
  A('claims/pending-header', { headers: { authorization: `Bearer ${sess(PROD, { sts: 'pending' })}` } });
  A('claims/active', { cookies: signedIn(sess(PROD, { sts: 'active' })) });
  A('claims/actor', { cookies: signedIn(sess(PROD, { act: { sub: 'user_impersonator', type: 'impersonation', iss: 'https://dashboard.clerk.com' } })) });
  A('claims/fva', { cookies: signedIn(sess(PROD, { fva: [3, -1] })) });
  A('claims/aud-array-match', { cookies: signedIn(sess(PROD, { aud: ['a', 'b'] })), options: { audience: ['b', 'c'] } });
  A('claims/aud-string-mismatch', { cookies: signedIn(sess(PROD, { aud: 'a' })), options: { audience: 'b' } });
  A('claims/issuer-mismatch', { cookies: signedIn(), options: { issuer: 'https://clerk.elsewhere.example.test' } });
  A('claims/extra-claims', { cookies: signedIn(sess(PROD, { custom: { nested: [1, 'two', null] }, email: 'x@example.test' })) });
}

// ---------------------------------------------------------------------------------------------
// auth/accepts/… — acceptsToken variants and machine tokens
// ---------------------------------------------------------------------------------------------
{
  const m2mJwt = mint({ header: { ...HDR, cat: CAT.m2m }, payload: { iss: PROD.iss, sub: 'mch_conformance01', exp: S + 60, iat: S - 10, nbf: S - 20, jti: 'mt_jti01', scopes: 'mch_a mch_b', extra: 'claim' } });
  const m2mJwtNoCat = mint({ header: HDR, payload: { sub: 'mch_conformance02', exp: S + 60, iat: S - 10, jti: 'mt_jti02', aud: ['mch_x'] } });
  const m2mExpired = mint({ header: { ...HDR, cat: CAT.m2m }, payload: { sub: 'mch_conformance01', exp: S - 3600, iat: S - 7200, jti: 'mt_jti03' } });
  const m2mWrongCat = mint({ header: { ...HDR, cat: CAT.session }, payload: { sub: 'mch_conformance01', exp: S + 60, iat: S - 10 } });
  const oauthJwt = mint({ header: { ...HDR, typ: 'at+jwt' }, payload: { iss: PROD.iss, sub: 'user_conformance01', client_id: 'oauthapp_conf', scope: 'read write', exp: S + 60, iat: S - 10, jti: 'oat_jti01' } });
  const oauthJwtApp = mint({ header: { ...HDR, typ: 'application/at+jwt' }, payload: { sub: 'user_conformance01', client_id: 'oauthapp_conf', scp: ['email', 'profile'], exp: S + 60, iat: S - 10, jti: 'oat_jti02', aud: 'api://x' } });
  const bearer = (t) => ({ authorization: `Bearer ${t}` });

  A('accepts/session-explicit', { headers: bearer(T.prod), options: { acceptsToken: 'session_token' } });
  A('accepts/any-session-header', { headers: bearer(T.prod), options: { acceptsToken: 'any' } });
  A('accepts/any-session-cookie', { cookies: signedIn(), options: { acceptsToken: 'any' } });
  A('accepts/any-no-token', { options: { acceptsToken: 'any' } });
  A('accepts/any-template-cat', { headers: bearer(sess(PROD, {}, { header: { cat: CAT.template } })), options: { acceptsToken: 'any' } });
  A('accepts/any-expired-session', { headers: bearer(sess(PROD, { exp: S - 3600 })), options: { acceptsToken: 'any' } });
  A('accepts/any-m2m-jwt', { headers: bearer(m2mJwt), options: { acceptsToken: 'any' } });
  A('accepts/any-oauth-jwt', { headers: bearer(oauthJwt), options: { acceptsToken: 'any' } });
  A('accepts/m2m-jwt', { headers: bearer(m2mJwt), options: { acceptsToken: 'm2m_token' } });
  A('accepts/m2m-jwt-no-cat-aud-scopes', { headers: bearer(m2mJwtNoCat), options: { acceptsToken: 'm2m_token' } });
  A('accepts/m2m-jwt-expired', { headers: bearer(m2mExpired), options: { acceptsToken: 'm2m_token' } });
  A('accepts/m2m-jwt-wrong-cat', { headers: bearer(m2mWrongCat), options: { acceptsToken: 'm2m_token' } });
  A('accepts/m2m-jwt-bad-signature', { headers: bearer(mint({ header: { ...HDR, cat: CAT.m2m }, payload: { sub: 'mch_x', exp: S + 60, iat: S }, key: KOTHER.privateKey })), options: { acceptsToken: 'm2m_token' } });
  A('accepts/oauth-jwt', { headers: bearer(oauthJwt), options: { acceptsToken: 'oauth_token' } });
  A('accepts/oauth-jwt-app-typ-scp', { headers: bearer(oauthJwtApp), options: { acceptsToken: 'oauth_token' } });
  A('accepts/oauth-jwt-audience-mismatch', { headers: bearer(oauthJwtApp), options: { acceptsToken: 'oauth_token', audience: 'api://y' } });
  A('accepts/session-with-m2m-jwt', { headers: bearer(m2mJwt), options: { acceptsToken: 'session_token' } });
  A('accepts/session-jwt-as-m2m', { headers: bearer(T.prod), options: { acceptsToken: 'm2m_token' } });
  A('accepts/oauth-jwt-as-m2m', { headers: bearer(oauthJwt), options: { acceptsToken: 'm2m_token' } });
  A('accepts/m2m-no-header', { cookies: [['__session', m2mJwt]], options: { acceptsToken: 'm2m_token' } });
  A('accepts/oauth-no-header', { cookies: signedIn(), options: { acceptsToken: 'oauth_token' } });
  A('accepts/api-key-no-header', { options: { acceptsToken: 'api_key' } });
  A('accepts/api-key-no-header-bad-pk', { options: { acceptsToken: 'api_key', publishableKey: 'pk_live_invalid' }, desc: 'api_key/m2m_token only read headers: the publishable key is not parsed' });
  
  A('accepts/opaque-ak-as-oauth', { headers: bearer('ak_conformance0123456789'), options: { acceptsToken: 'oauth_token' } });
  A('accepts/opaque-oat-as-m2m', { headers: bearer('oat_conformance0123456789'), options: { acceptsToken: 'm2m_token' } });
  A('accepts/opaque-mt-as-api-key', { headers: bearer('mt_conformance0123456789'), options: { acceptsToken: 'api_key' } });
  A('accepts/opaque-mt-session', { headers: bearer('mt_conformance0123456789'), options: { acceptsToken: 'session_token' }, desc: 'opaque machine token on the session path: decoded as a JWT => token-invalid' });
  A('accepts/opaque-mt-any', { headers: bearer('mt_conformance0123456789'), options: { acceptsToken: 'any' }, decision: 'D11', desc: 'opaque mt_ with any: SDK calls the Backend API (blocked here => unexpected-error); clerk-edge does not support opaque tokens' });
  A('accepts/opaque-ak-api-key', { headers: bearer('ak_conformance0123456789'), options: { acceptsToken: 'api_key' }, decision: 'D11', desc: 'opaque ak_ accepted type: SDK calls the Backend API (blocked here); clerk-edge does not support opaque tokens' });
  A('accepts/array-session-api-key-header', { headers: bearer(T.prod), options: { acceptsToken: ['session_token', 'api_key'] } });
  A('accepts/array-session-api-key-cookie', { cookies: signedIn(), options: { acceptsToken: ['session_token', 'api_key'] } });
  A('accepts/array-machine-only-session-header', { headers: bearer(T.prod), options: { acceptsToken: ['api_key', 'oauth_token'] } });
  A('accepts/array-machine-only-no-header', { cookies: signedIn(), options: { acceptsToken: ['api_key', 'm2m_token'] } });
  A('accepts/array-mt-mismatch', { headers: bearer('mt_conformance0123456789'), options: { acceptsToken: ['api_key', 'oauth_token'] } });
  A('accepts/array-m2m-jwt', { headers: bearer(m2mJwt), options: { acceptsToken: ['session_token', 'm2m_token'] } });
  A('accepts/array-template-cat', { headers: bearer(sess(PROD, {}, { header: { cat: CAT.template } })), options: { acceptsToken: ['session_token'] } });
  A('accepts/array-empty', { headers: bearer(T.prod), options: { acceptsToken: [] } });
}

// ---------------------------------------------------------------------------------------------
// auth/satellite/… — multi-domain satellites
// ---------------------------------------------------------------------------------------------
{
  const SAT = 'https://sat.example.test';
  const satProd = { isSatellite: true, domain: 'sat.example.test' };
  const satDev = { isSatellite: true, domain: 'localhost:3001', signInUrl: 'http://localhost:3000/sign-in' };
  const DEVSAT = 'http://localhost:3001';
  // a production satellite's originalFrontendApi is clerk.<domain>: its session tokens carry that issuer
  const satTok = (extra = {}) => sess(PROD, { azp: SAT, iss: 'https://clerk.sat.example.test', ...extra });
  A('satellite/prod-no-cookies', { url: `${SAT}/p`, options: satProd });
  A('satellite/prod-no-cookies-autosync', { url: `${SAT}/p`, options: { ...satProd, satelliteAutoSync: true } });
  A('satellite/prod-uat-zero-autosync', { url: `${SAT}/p`, cookies: [['__client_uat', '0']], options: { ...satProd, satelliteAutoSync: true } });
  A('satellite/prod-autosync-string', { url: `${SAT}/p`, options: { ...satProd, satelliteAutoSync: 'true' }, desc: 'only literal true enables auto sync' });
  A('satellite/prod-needs-sync', { url: `${SAT}/p?__clerk_synced=false`, options: satProd });
  A('satellite/prod-needs-sync-with-cookies', { url: `${SAT}/p?__clerk_synced=false`, cookies: signedIn(satTok()), options: satProd });
  A('satellite/prod-synced', { url: `${SAT}/p?__clerk_synced=true`, options: satProd });
  A('satellite/prod-synced-other-value', { url: `${SAT}/p?__clerk_synced=1`, options: satProd });
  A('satellite/prod-with-cookies', { url: `${SAT}/p`, cookies: signedIn(satTok()), options: satProd });
  A('satellite/prod-with-cookies-primary-iss', { url: `${SAT}/p`, cookies: signedIn(sess(PROD, { azp: SAT })), options: satProd, desc: 'iss is the primary FAPI, not clerk.<domain>: the un-suffixed session is "foreign" => suffixed mode => no cookies' });
  A('satellite/prod-with-cookies-expired', { url: `${SAT}/p`, cookies: signedIn(satTok({ exp: S - 3600 })), options: satProd, desc: 'expired session on a satellite: FAPI handshake via clerk.<domain>' });
  A('satellite/prod-uat-only', { url: `${SAT}/p`, cookies: [['__client_uat', UAT]], options: satProd, desc: 'has cookies => normal flow => client-uat-but-no-session-token via clerk.<domain>' });
  A('satellite/prod-fetch', { url: `${SAT}/p?__clerk_synced=false`, nav: FETCH, options: satProd });
  A('satellite/prod-post', { url: `${SAT}/p?__clerk_synced=false`, method: 'POST', options: satProd });
  A('satellite/prod-loop-3', { url: `${SAT}/p?__clerk_synced=false`, cookies: [['__clerk_redirect_count', '3']], options: satProd });
  A('satellite/prod-proxy', { url: `${SAT}/p?__clerk_synced=false`, options: { isSatellite: true, proxyUrl: 'https://sat.example.test/__clerk' } });
  A('satellite/prod-iframe', { url: `${SAT}/p`, nav: { 'sec-fetch-dest': 'iframe' }, cookies: [['__client_uat', UAT]], options: satProd, desc: 'iframe is not eligible for multi-domain sync but is for handshake' });
  A('satellite/dev-no-cookies-autosync', { inst: DEV, url: `${DEVSAT}/p`, cookies: [['__client_uat', '0'], ['__clerk_db_jwt', DBJWT]], options: { ...satDev, satelliteAutoSync: true } });
  A('satellite/dev-no-cookies', { inst: DEV, url: `${DEVSAT}/p`, cookies: [['__client_uat', '0'], ['__clerk_db_jwt', DBJWT]], options: satDev });
  A('satellite/dev-needs-sync', { inst: DEV, url: `${DEVSAT}/p?__clerk_synced=false`, cookies: [['__clerk_db_jwt', DBJWT]], options: satDev });
  A('satellite/dev-signin-with-query', { inst: DEV, url: `${DEVSAT}/p?x=1&__clerk_synced=false`, options: { ...satDev, signInUrl: 'http://localhost:3000/sign-in?a=b' } });
  A('satellite/dev-synced-db-jwt', { inst: DEV, url: `${DEVSAT}/p?__clerk_synced=true&__clerk_db_jwt=dvb_from_primary`, options: satDev });
  A('satellite/dev-synced-cookie', { inst: DEV, url: `${DEVSAT}/p?__clerk_synced=true`, cookies: [['__clerk_db_jwt', DBJWT]], options: satDev });
  A('satellite/dev-with-cookies', { inst: DEV, url: `${DEVSAT}/p`, cookies: devSignedIn(sess(DEV, { azp: DEVSAT })), options: satDev });
  A('satellite/dev-fetch-referer', { inst: DEV, url: `${DEVSAT}/p`, nav: FETCH, headers: { referer: 'https://clerk.com' }, cookies: devSignedIn(), options: satDev });
  A('satellite/dev-loop-3', { inst: DEV, url: `${DEVSAT}/p?__clerk_synced=false`, cookies: [['__clerk_redirect_count', '3']], options: satDev });
  A('satellite/dev-origin-header-ok', { inst: DEV, url: `${DEVSAT}/p`, headers: { origin: DEVSAT }, cookies: devSignedIn(), options: satDev });
  A('satellite/prod-signin-relative-no-origin', { url: `${SAT}/p`, cookies: signedIn(), options: { ...satProd, signInUrl: '/sign-in' }, desc: 'relative signInUrl only matters when an Origin header is present' });
}

// ---------------------------------------------------------------------------------------------
// auth/primary/… — dev primary answering a satellite; cross-origin guard on the primary
// ---------------------------------------------------------------------------------------------
{
  const back = 'http://localhost:3001/dashboard';
  A('primary/responds-to-syncing', { inst: DEV, url: `${DEV.app}/sign-in?__clerk_redirect_url=${encodeURIComponent(back)}`, cookies: devSignedIn(), options: { authorizedParties: ['http://localhost:3001'] }, desc: 'redirect target is an authorized party (allowed by clerk-edge too)' });
  A('primary/responds-to-syncing-no-devbrowser', { inst: DEV, url: `${DEV.app}/sign-in?__clerk_redirect_url=${encodeURIComponent('http://localhost:3001')}`, cookies: [['__client_uat', UAT], ['__session', T.dev]], options: { authorizedParties: ['http://localhost:3001'] } });
  A('primary/responds-to-syncing-db-jwt-query', { inst: DEV, url: `${DEV.app}/sign-in?__clerk_redirect_url=${encodeURIComponent(back)}&__clerk_db_jwt=dvb_q`, options: { authorizedParties: ['http://localhost:3001'] }, desc: 'wins over dev-browser-sync' });
  A('primary/responds-to-syncing-replace-synced', { inst: DEV, url: `${DEV.app}/sign-in?__clerk_redirect_url=${encodeURIComponent(`${back}?__clerk_synced=false&x=1`)}`, cookies: devSignedIn(), options: { authorizedParties: ['http://localhost:3001'] } });
  A('primary/responds-to-syncing-fetch', { inst: DEV, nav: FETCH, url: `${DEV.app}/sign-in?__clerk_redirect_url=${encodeURIComponent(back)}`, cookies: devSignedIn(), options: { authorizedParties: ['http://localhost:3001'] } });
  A('primary/responds-to-syncing-same-origin', { inst: DEV, url: `${DEV.app}/sign-in?__clerk_redirect_url=${encodeURIComponent(`${DEV.app}/after`)}`, cookies: devSignedIn() });
  A('primary/responds-to-syncing-untrusted', { inst: DEV, url: `${DEV.app}/sign-in?__clerk_redirect_url=${encodeURIComponent('https://evil.example/steal')}`, cookies: devSignedIn(), decision: 'D9', desc: 'SDK redirects (with the dev browser token) to any __clerk_redirect_url; clerk-edge only to allow-listed origins' });
  A('primary/responds-to-syncing-invalid-url', { inst: DEV, url: `${DEV.app}/sign-in?__clerk_redirect_url=not-a-url`, cookies: devSignedIn(), decision: 'D9', desc: 'SDK throws TypeError (Invalid URL); clerk-edge refuses the redirect target' });
  A('primary/prod-ignores-redirect-url', { url: `${PROD.app}/p?__clerk_redirect_url=${encodeURIComponent('https://sat.example.test/')}`, cookies: signedIn(), desc: 'production primaries do not answer __clerk_redirect_url' });

  const xo = { cookies: signedIn(), path: '/dashboard' };
  A('crossorigin/foreign-referer', { ...xo, headers: { referer: 'https://satellite.example.test/signin' } });
  A('crossorigin/foreign-referer-sec-fetch-site', { ...xo, headers: { referer: 'https://satellite.example.test/signin', 'sec-fetch-site': 'cross-site' } });
  A('crossorigin/same-origin-referer', { ...xo, headers: { referer: `${PROD.app}/signin` } });
  A('crossorigin/no-referer', { ...xo });
  A('crossorigin/post', { ...xo, method: 'POST', headers: { referer: 'https://satellite.example.test/' } });
  A('crossorigin/fetch', { ...xo, nav: FETCH, headers: { referer: 'https://satellite.example.test/' } });
  A('crossorigin/iframe', { ...xo, nav: { 'sec-fetch-dest': 'iframe' }, headers: { referer: 'https://satellite.example.test/' }, desc: 'only document navigations' });
  A('crossorigin/invalid-referer', { ...xo, headers: { referer: 'invalid-url-format' } });
  A('crossorigin/fapi-referer', { ...xo, headers: { referer: `https://${PROD.fapi}/v1/client` } });
  A('crossorigin/accounts-portal-referer', { ...xo, headers: { referer: 'https://accounts.app.example.test/sign-in' } });
  A('crossorigin/generic-accounts-referer', { ...xo, headers: { referer: 'https://accounts.example.com/sign-in' } });
  A('crossorigin/prod-dev-portal-referer', { ...xo, headers: { referer: 'https://foo-bar-13.accounts.dev/sign-in' } });
  A('crossorigin/prod-legacy-dev-portal-referer', { ...xo, headers: { referer: 'https://accounts.foo-bar-13.lcl.dev/sign-in' } });
  A('crossorigin/dev-portal-referer', { inst: DEV, cookies: devSignedIn(), headers: { referer: 'https://foo-bar-13.accounts.dev/sign-in' } });
  A('crossorigin/dev-legacy-portal-referer', { inst: DEV, cookies: devSignedIn(), headers: { referer: 'https://accounts.foo-bar-13.lcl.dev/sign-in' } });
  A('crossorigin/dev-clerk-accounts-dev-referer', { inst: DEV, cookies: devSignedIn(), headers: { referer: 'https://foo-bar-13.clerk.accounts.dev/sign-in' }, desc: '.clerk.accounts.dev is FAPI-like, not the portal' });
  A('crossorigin/dev-foreign-referer', { inst: DEV, cookies: devSignedIn(), headers: { referer: 'http://localhost:3001/' } });
  A('crossorigin/loop-counter-1', { ...xo, cookies: [...signedIn(), ['__clerk_redirect_count', '1']], headers: { referer: 'https://satellite.example.test/' } });
  A('crossorigin/satellite-app', { url: 'https://sat.example.test/p', cookies: signedIn(sess(PROD, { azp: 'https://sat.example.test', iss: 'https://clerk.sat.example.test' })), headers: { referer: 'https://other.example.test/' }, options: { isSatellite: true, domain: 'sat.example.test' } });
  A('crossorigin/forwarded-host-same-origin', { url: 'http://localhost:8080/dashboard', cookies: signedIn(), headers: { 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': 'https', referer: `${PROD.app}/x` }, desc: 'referer compared to the derived clerkUrl origin' });
  A('crossorigin/referer-port-differs', { ...xo, headers: { referer: 'https://app.example.test:8443/' } });
  A('crossorigin/proxy-host-referer', { ...xo, headers: { referer: 'https://app.example.test/__clerk/v1/client' }, options: { proxyUrl: 'https://proxy.example.test/__clerk' } });
  A('crossorigin/proxy-host-referer-fapi', { ...xo, headers: { referer: 'https://proxy.example.test/x' }, options: { proxyUrl: 'https://proxy.example.test/__clerk' }, desc: 'proxy host counts as FAPI host' });
}

// ---------------------------------------------------------------------------------------------
// auth/orgsync/… — organizationSyncOptions
// ---------------------------------------------------------------------------------------------
{
  const orgTok = (o) => signedIn(sess(PROD, o));
  const inOrg = { org_id: 'org_a', org_slug: 'a', org_role: 'org:admin' };
  const slugOpt = { organizationSyncOptions: { organizationPatterns: ['/orgs/:slug', '/orgs/:slug/(.*)'] } };
  const idOpt = { organizationSyncOptions: { organizationPatterns: ['/orgs/:id', '/orgs/:id/(.*)'] } };
  A('orgsync/slug-mismatch', { path: '/orgs/b', cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/slug-match', { path: '/orgs/a', cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/slug-nested', { path: '/orgs/b/settings/members', cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/slug-trailing-slash', { path: '/orgs/b/', cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/slug-case-insensitive-path', { path: '/ORGS/b', cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/slug-encoded', { path: '/orgs/caf%C3%A9', cookies: orgTok(inOrg), options: slugOpt, desc: 'matched params are NOT URI-decoded: organization_id carries the raw path segment' });
  A('orgsync/slug-no-org', { path: '/orgs/b', cookies: orgTok({}), options: slugOpt });
  A('orgsync/id-mismatch', { path: '/orgs/org_b', cookies: orgTok(inOrg), options: idOpt });
  A('orgsync/id-match', { path: '/orgs/org_a', cookies: orgTok(inOrg), options: idOpt });
  A('orgsync/id-wins-over-slug', { path: '/orgs/a', cookies: orgTok(inOrg), options: { organizationSyncOptions: { organizationPatterns: ['/orgs/:id', '/orgs/:slug'] } }, desc: ':id pattern listed first matches; id "a" != org_a' });
  A('orgsync/slug-listed-first', { path: '/orgs/a', cookies: orgTok(inOrg), options: { organizationSyncOptions: { organizationPatterns: ['/orgs/:slug', '/orgs/:id'] } }, desc: 'the patterns form one alternation: the first listed pattern that matches decides (slug "a" == org slug => signed in)' });
  A('orgsync/unknown-param', { path: '/orgs/b', cookies: orgTok(inOrg), options: { organizationSyncOptions: { organizationPatterns: ['/orgs/:name'] } }, desc: 'neither id nor slug => no target' });
  A('orgsync/wildcard-prefix', { path: '/t/x/orgs/org_b', cookies: orgTok(inOrg), options: { organizationSyncOptions: { organizationPatterns: ['/t/:any/orgs/:id'] } } });
  A('orgsync/no-match', { path: '/elsewhere', cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/personal-with-org', { path: '/me', cookies: orgTok(inOrg), options: { organizationSyncOptions: { personalAccountPatterns: ['/me', '/me/(.*)'] } } });
  A('orgsync/personal-without-org', { path: '/me/settings', cookies: orgTok({}), options: { organizationSyncOptions: { personalAccountPatterns: ['/me', '/me/(.*)'] } } });
  A('orgsync/org-before-personal', { path: '/orgs/b', cookies: orgTok(inOrg), options: { organizationSyncOptions: { organizationPatterns: ['/orgs/:slug'], personalAccountPatterns: ['/', '/(.*)'] } } });
  A('orgsync/personal-catch-all', { path: '/anything', cookies: orgTok(inOrg), options: { organizationSyncOptions: { organizationPatterns: ['/orgs/:slug'], personalAccountPatterns: ['/', '/(.*)'] } } });
  A('orgsync/v2-claims-slug-match', { path: '/orgs/acme', cookies: orgTok({ v: 2, o: { id: 'org_v2', slg: 'acme', rol: 'admin' } }), options: slugOpt });
  A('orgsync/v2-claims-id-mismatch', { path: '/orgs/org_other', cookies: orgTok({ v: 2, o: { id: 'org_v2', slg: 'acme', rol: 'admin' } }), options: idOpt });
  A('orgsync/loop-2', { path: '/orgs/b', cookies: [...orgTok(inOrg), ['__clerk_redirect_count', '2']], options: slugOpt });
  A('orgsync/loop-3', { path: '/orgs/b', cookies: [...orgTok(inOrg), ['__clerk_redirect_count', '3']], options: slugOpt });
  A('orgsync/loop-4', { path: '/orgs/b', cookies: [...orgTok(inOrg), ['__clerk_redirect_count', '4']], options: slugOpt, desc: 'org sync refuses at >= 3 (unlike the generic == 3 loop check)' });
  A('orgsync/post', { path: '/orgs/b', method: 'POST', cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/fetch', { path: '/orgs/b', nav: FETCH, cookies: orgTok(inOrg), options: slugOpt });
  A('orgsync/pending-session', { path: '/orgs/b', cookies: orgTok({ ...inOrg, sts: 'pending' }), options: slugOpt, desc: 'pending => toAuth signed-out => userId null => no org sync' });
  A('orgsync/header-path-ignored', { path: '/orgs/b', headers: { authorization: `Bearer ${sess(PROD, inOrg)}` }, options: slugOpt });
  A('orgsync/dev-instance', { inst: DEV, path: '/orgs/b', cookies: devSignedIn(sess(DEV, inOrg)), options: slugOpt });
  A('orgsync/handshake-other-reason-carries-org', { path: '/orgs/b', cookies: [['__client_uat', UAT]], options: slugOpt, desc: 'any FAPI handshake on a matching path carries organization_id' });
  A('orgsync/empty-options', { path: '/orgs/b', cookies: orgTok(inOrg), options: { organizationSyncOptions: {} } });
}

// ---------------------------------------------------------------------------------------------
// auth/handshake/… — resolving a handshake JWT / nonce
// ---------------------------------------------------------------------------------------------
{
  const hsTok = (directives, opts = {}) =>
    mint({ header: { ...HDR, ...(opts.header || {}) }, payload: opts.payload ?? { handshake: directives }, key: opts.key, sign: opts.sign });
  const sessDir = (tok, name = '__session') => `${name}=${tok}; Path=/; Secure; SameSite=Lax`;
  const uatDir = (v = String(S - 10)) => `__client_uat=${v}; Path=/; Domain=example.test; Max-Age=315360000; Secure; SameSite=Lax`;
  const clearHs = '__clerk_handshake=; Path=/; Domain=example.test; Max-Age=0; Secure; SameSite=None';
  const good = [sessDir(T.prod), uatDir(), clearHs];
  const goodDev = [sessDir(T.dev), uatDir(), `__clerk_db_jwt=${DBJWT}; Path=/; SameSite=Lax`];

  A('handshake/prod-cookie-signed-in', { cookies: [['__clerk_handshake', hsTok(good)]] });
  A('handshake/prod-cookie-fetch', { nav: FETCH, cookies: [['__clerk_handshake', hsTok(good)]], desc: 'resolved regardless of sec-fetch-dest' });
  A('handshake/prod-cookie-post', { method: 'POST', cookies: [['__clerk_handshake', hsTok(good)]], desc: 'resolved regardless of method' });
  A('handshake/prod-query', { path: `/p?__clerk_handshake=${hsTok(good)}`, desc: 'query is read in production too' });
  A('handshake/prod-query-beats-cookie', { path: `/p?__clerk_handshake=${hsTok(good)}`, cookies: [['__clerk_handshake', hsTok([sessDir('', '__session')])]] });
  A('handshake/prod-clears-session', { cookies: [['__clerk_handshake', hsTok(['__session=; Path=/; Max-Age=0', uatDir('0'), clearHs])]] });
  A('handshake/prod-no-session-directive', { cookies: [['__clerk_handshake', hsTok([uatDir(), clearHs])]] });
  A('handshake/prod-empty-directives', { cookies: [['__clerk_handshake', hsTok([])]] });
  A('handshake/prod-handshake-not-array', { cookies: [['__clerk_handshake', hsTok(null, { payload: { handshake: 'x' } })]] });
  A('handshake/prod-last-session-wins', { cookies: [['__clerk_handshake', hsTok([sessDir('bogus'), sessDir(sess(PROD, { sid: 'sess_last' }))])]] });
  A('handshake/prod-suffixed-session-directive', { cookies: [['__clerk_handshake', hsTok([sessDir(sess(PROD, { sid: 'sess_sfx' }), `__session_${PROD.sfx}`), `__client_uat_${PROD.sfx}=${S - 10}; Path=/`])]] });
  A('handshake/prod-directive-value-with-equals', { cookies: [['__clerk_handshake', hsTok([`__session=${T.prod}=x; Path=/`])]], desc: 'value = text between first and second "="' });
  A('handshake/prod-bad-signature', { cookies: [['__clerk_handshake', hsTok(good, { key: KOTHER.privateKey })]], desc: 'logged, then the normal cookie flow (no cookies)' });
  A('handshake/prod-bad-signature-with-cookies', { cookies: [['__clerk_handshake', hsTok(good, { key: KOTHER.privateKey })], ...signedIn(sess(PROD, { sid: 'sess_existing' }))] });
  A('handshake/prod-template-cat', { cookies: [['__clerk_handshake', hsTok(good, { header: { cat: CAT.template } })]] });
  A('handshake/prod-m2m-cat', { cookies: [['__clerk_handshake', hsTok(good, { header: { cat: CAT.m2m } })]] });
  A('handshake/prod-unknown-cat', { cookies: [['__clerk_handshake', hsTok(good, { header: { cat: 'cl_some_future_unknown_cat' } })]] });
  A('handshake/prod-ignore-cat', { cookies: [['__clerk_handshake', hsTok(good, { header: { cat: CAT.ignore } })]] });
  A('handshake/prod-session-cat', { cookies: [['__clerk_handshake', hsTok(good, { header: { cat: CAT.session } })]] });
  A('handshake/prod-typ-jose', { cookies: [['__clerk_handshake', hsTok(good, { header: { typ: 'JOSE' } })]] });
  A('handshake/prod-no-typ', { cookies: [['__clerk_handshake', hsTok(good, { header: { typ: undefined } })]] });
  A('handshake/prod-rs384', { cookies: [['__clerk_handshake', hsTok(good, { header: { alg: 'RS384' }, sign: 'RS384' })]] });
  A('handshake/prod-alg-none', { cookies: [['__clerk_handshake', hsTok(good, { header: { alg: 'none' }, sign: 'none' })]] });
  A('handshake/prod-malformed', { cookies: [['__clerk_handshake', 'not.a.jwt']] });
  A('handshake/prod-expired-handshake-jwt', { cookies: [['__clerk_handshake', hsTok(null, { payload: { handshake: good, exp: S - 86400, iat: S - 90000 } })]], desc: 'no exp check on the handshake JWT itself' });
  A('handshake/prod-embedded-expired', { cookies: [['__clerk_handshake', hsTok([sessDir(sess(PROD, { exp: S - 3600 })), uatDir()])]], desc: 'embedded session fails => plain Error logged => cookie flow continues' });
  A('handshake/prod-embedded-expired-with-cookies', { cookies: [['__clerk_handshake', hsTok([sessDir(sess(PROD, { exp: S - 3600 })), uatDir()])], ['__client_uat', UAT]] });
  A('handshake/prod-embedded-bad-signature', { cookies: [['__clerk_handshake', hsTok([sessDir(sess(PROD, {}, { key: KOTHER.privateKey }))])]] });
  A('handshake/prod-embedded-template-cat', { cookies: [['__clerk_handshake', hsTok([sessDir(sess(PROD, {}, { header: { cat: CAT.template } }))])]], desc: 'the embedded session is only verifyToken-checked: template cat passes' });
  A('handshake/prod-embedded-m2m-cat', { cookies: [['__clerk_handshake', hsTok([sessDir(sess(PROD, {}, { header: { cat: CAT.m2m } }))])]] });
  A('handshake/prod-embedded-azp-mismatch', { cookies: [['__clerk_handshake', hsTok(good)]], options: { authorizedParties: ['https://a.example.test'] } });
  A('handshake/prod-embedded-pending', { cookies: [['__clerk_handshake', hsTok([sessDir(sess(PROD, { sts: 'pending' }))])]] });
  A('handshake/prod-nonce-cookie', { cookies: [['__clerk_handshake_nonce', 'nonce_conformance01']], desc: 'nonce without an API client: no directives => session-token-missing' });
  A('handshake/prod-nonce-query', { path: '/p?__clerk_handshake_nonce=nonce_conformance01' });
  A('handshake/prod-nonce-and-token', { cookies: [['__clerk_handshake_nonce', 'nonce_conformance01'], ['__clerk_handshake', hsTok(good)]], desc: 'nonce takes precedence over the token' });
  A('handshake/header-token-skips-handshake', { headers: { authorization: `Bearer ${T.prod}` }, cookies: [['__clerk_handshake', hsTok(['__session=; Max-Age=0'])]] });
  A('handshake/dev-query-signed-in', { inst: DEV, path: `/p?__clerk_handshake=${hsTok(goodDev)}&__clerk_db_jwt=${DBJWT}&__clerk_help=1&foo=1` });
  A('handshake/dev-query-only-params', { inst: DEV, path: `/p?__clerk_handshake=${hsTok(goodDev)}`, desc: 'clean URL without a query' });
  A('handshake/dev-query-params-and-nonce', { inst: DEV, path: `/p?a=1&__clerk_handshake=${hsTok(goodDev)}&b=%20x&__clerk_handshake_nonce=n`, desc: 'nonce wins over the token; clean Location re-serialises the remaining query (%20 => +)' });
  A('handshake/dev-clears-session', { inst: DEV, path: `/p?__clerk_handshake=${hsTok(['__session=; Path=/; Max-Age=0', uatDir('0')])}` });
  A('handshake/dev-nonce-query', { inst: DEV, path: '/p?__clerk_handshake_nonce=nonce_conformance01&x=2' });
  A('handshake/dev-embedded-expired-within-24h', { inst: DEV, path: `/p?__clerk_handshake=${hsTok([sessDir(sess(DEV, { exp: S - 3600 }))])}`, desc: 'dev retries with a 24 h skew' });
  A('handshake/dev-embedded-nbf-future-within-24h', { inst: DEV, path: `/p?__clerk_handshake=${hsTok([sessDir(sess(DEV, { nbf: S + 3600, iat: S + 3600 }))])}` });
  A('handshake/dev-embedded-expired-over-24h', { inst: DEV, path: `/p?__clerk_handshake=${hsTok([sessDir(sess(DEV, { exp: S - 90000 }))])}`, cookies: [['__clerk_db_jwt', DBJWT], ['__client_uat', UAT]], desc: 'retry fails with a plain Error => logged => cookie flow; redirect_url keeps the stale __clerk_handshake' });
  A('handshake/dev-embedded-bad-signature', { inst: DEV, path: `/p?__clerk_handshake=${hsTok([sessDir(sess(DEV, {}, { key: KOTHER.privateKey }))])}`, cookies: [['__clerk_db_jwt', DBJWT]], desc: 'embedded session failure is a plain Error even in dev: no throw' });
  A('handshake/dev-bad-signature', { inst: DEV, path: `/p?__clerk_handshake=${hsTok(goodDev, { key: KOTHER.privateKey })}`, decision: 'D8', desc: 'dev handshake JWT with a bad signature: SDK throws ("switched Clerk keys"); clerk-edge returns an explicit error outcome' });
  A('handshake/dev-template-cat', { inst: DEV, path: `/p?__clerk_handshake=${hsTok(goodDev, { header: { cat: CAT.template } })}`, decision: 'D8', desc: 'dev handshake JWT with template cat: SDK throws; clerk-edge returns an explicit error outcome' });
  A('handshake/dev-malformed', { inst: DEV, path: '/p?__clerk_handshake=garbage', decision: 'D8', desc: 'dev undecodable handshake: SDK throws; clerk-edge returns an explicit error outcome' });
  A('handshake/dev-rs384', { inst: DEV, path: `/p?__clerk_handshake=${hsTok(goodDev, { header: { alg: 'RS384' }, sign: 'RS384' })}`, decision: 'D8', desc: 'dev handshake JWT with RS384 (token-verification-failed): SDK throws; clerk-edge returns an explicit error outcome' });
  A('handshake/dev-cookie', { inst: DEV, cookies: [['__clerk_handshake', hsTok(goodDev)], ['__clerk_db_jwt', DBJWT]], desc: 'dev also reads the handshake cookie' });
}

// ---------------------------------------------------------------------------------------------
// auth/xfwd/… and auth/proxy/… — derived URL and Frontend API base
// ---------------------------------------------------------------------------------------------
{
  const uat = [['__client_uat', UAT]];
  const local = 'http://localhost:3000/p?q=1';
  A('xfwd/host-and-proto', { url: local, headers: { 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': 'https' }, cookies: uat });
  A('xfwd/multi-valued', { url: local, headers: { 'x-forwarded-host': 'app.example.test, other.example', 'x-forwarded-proto': 'https,http' }, cookies: uat });
  A('xfwd/host-only', { url: local, headers: { 'x-forwarded-host': 'app.example.test' }, cookies: uat });
  A('xfwd/proto-only', { url: local, headers: { 'x-forwarded-proto': 'https' }, cookies: uat, desc: 'no forwarded host and no Host header => request origin' });
  A('xfwd/host-header', { url: 'http://internal.local/p', headers: { host: 'app.example.test' }, cookies: uat });
  A('xfwd/forwarded-beats-host', { url: 'http://internal.local/p', headers: { host: 'internal2.local', 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': 'https' }, cookies: uat });
  A('xfwd/empty-forwarded-host', { url: local, headers: { 'x-forwarded-host': '', host: 'app.example.test' }, cookies: uat, desc: 'empty forwarded host counts as present => request origin' });
  A('xfwd/invalid-host', { url: local, headers: { 'x-forwarded-host': 'bad host<>', 'x-forwarded-proto': 'https' }, cookies: uat });
  A('xfwd/proto-with-space', { url: local, headers: { 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': 'https ,http' }, cookies: uat });
  A('xfwd/host-with-port', { url: local, headers: { 'x-forwarded-host': 'app.example.test:8443', 'x-forwarded-proto': 'https' }, cookies: uat });
  A('xfwd/cloudfront-proto-ignored', { url: local, headers: { 'x-forwarded-host': 'app.example.test', 'cloudfront-forwarded-proto': 'https' }, cookies: uat });
  A('xfwd/x-forwarded-port-ignored', { url: local, headers: { 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': 'https', 'x-forwarded-port': '8443' }, cookies: uat });
  A('xfwd/fragment-kept', { url: 'https://app.example.test/p?x=1#frag', cookies: uat, desc: 'derived origin == request origin: the request URL is used as is, fragment included' });
  A('xfwd/fragment-dropped-forwarded', { url: 'http://localhost:3000/p?x=1#frag', headers: { 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': 'https' }, cookies: uat, desc: 'URL rebuilt from path + query: fragment dropped' });
  A('xfwd/query-encoding', { url: 'https://app.example.test/p?a=1%202&b=x+y&c=%2F&d', cookies: uat, desc: 'the query inside redirect_url is re-serialised as form data (%20 => +, d => d=) before being form-encoded' });
  A('xfwd/path-double-slash', { url: 'https://app.example.test//p//q', cookies: uat });
  A('proxy/absolute', { cookies: uat, options: { proxyUrl: 'https://app.example.test/__clerk' } });
  A('proxy/absolute-trailing-slashes', { cookies: uat, options: { proxyUrl: 'https://proxy.example.test/clerk-proxy///' } });
  A('proxy/relative', { cookies: uat, options: { proxyUrl: '/__clerk' } });
  A('proxy/relative-forwarded', { url: local, headers: { 'x-forwarded-host': 'app.example.test', 'x-forwarded-proto': 'https' }, cookies: uat, options: { proxyUrl: '/__clerk' } });
  A('proxy/dev-relative', { inst: DEV, cookies: [['__clerk_db_jwt', DBJWT], ['__client_uat', UAT]], options: { proxyUrl: '/__clerk' } });
  A('proxy/signed-in-state-echo', { cookies: signedIn(), options: { proxyUrl: '/__clerk', signInUrl: '/sign-in', signUpUrl: '/sign-up', afterSignInUrl: '/a', afterSignUpUrl: '/b' } });
  A('proxy/bare-host', { cookies: uat, options: { proxyUrl: 'proxy.example.test/__clerk' }, desc: 'non-http, non-/ proxy value used as a host-ish string' });
  A('proxy/domain-not-satellite', { cookies: uat, options: { domain: 'sat.example.test' }, desc: 'domain only matters for satellites' });
  A('proxy/dev-satellite-domain', { inst: DEV, url: 'http://localhost:3001/p', cookies: devSignedIn(), options: { isSatellite: true, domain: 'localhost:3001', signInUrl: 'http://localhost:3000/sign-in' } });
}

// ---------------------------------------------------------------------------------------------
// auth/config/… — configuration errors (the SDK throws)
// ---------------------------------------------------------------------------------------------
{
  A('config/pk-missing', { options: { publishableKey: undefined } });
  A('config/pk-garbage', { options: { publishableKey: 'pk_live_xxx' } });
  A('config/pk-bad-prefix', { options: { publishableKey: PROD.pk.replace('pk_live_', 'pk_prod_') } });
  A('config/pk-extra-underscore', { options: { publishableKey: `${PROD.pk}_x` } });
  A('config/pk-no-dollar', { options: { publishableKey: `pk_live_${Buffer.from('clerk.app.example.test').toString('base64')}` } });
  A('config/pk-two-dollars', { options: { publishableKey: `pk_live_${Buffer.from('clerk.app$example.test$').toString('base64')}` } });
  A('config/pk-no-dot', { options: { publishableKey: `pk_live_${Buffer.from('localhost$').toString('base64')}` } });
  A('config/pk-text-after-dollar', { options: { publishableKey: `pk_live_${Buffer.from('clerk.app.example.test$x').toString('base64')}` } });
  A('config/pk-base64url-chars', { options: { publishableKey: `pk_live_${Buffer.from('clerk.a>?~.example.test$').toString('base64url')}` } });
  A('config/secret-key-missing', { options: { secretKey: undefined } });
  A('config/secret-key-empty', { options: { secretKey: '' } });
  A('config/satellite-no-domain', { options: { isSatellite: true } });
  A('config/dev-satellite-no-signin', { inst: DEV, options: { isSatellite: true, domain: 'localhost:3001' } });
  A('config/prod-satellite-no-signin-ok', { url: 'https://sat.example.test/p', options: { isSatellite: true, domain: 'sat.example.test' }, desc: 'production satellites need no signInUrl' });
  A('config/signin-same-origin', { inst: DEV, url: 'http://localhost:3001/p', headers: { origin: 'http://localhost:3001' }, options: { isSatellite: true, domain: 'localhost:3001', signInUrl: 'http://localhost:3001/sign-in' } });
  A('config/signin-relative-with-origin', { inst: DEV, url: 'http://localhost:3001/p', headers: { origin: 'http://localhost:3001' }, options: { isSatellite: true, domain: 'localhost:3001', signInUrl: '/sign-in' } });
  A('config/m2m-no-secret-key', { headers: { authorization: 'Bearer mt_conformance0123456789' }, options: { acceptsToken: 'm2m_token', secretKey: undefined }, desc: 'm2m_token with neither machineSecretKey nor secretKey' });
  A('config/invalid-org-pattern', { cookies: signedIn(), options: { organizationSyncOptions: { organizationPatterns: ['/orgs/(:slug'] } } });
}

// ---------------------------------------------------------------------------------------------

if (cases.length < 260) throw new Error(`only ${cases.length} cases`);
process.stdout.write(cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
process.stderr.write(`gen-cases: ${cases.length} cases\n`);
