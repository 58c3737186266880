// Calls the transpiled `verifier` component from Node and checks what it decides, the same
// checks as crates/clerk-edge-host/tests/component/verify_session.rs. Run: `npm test`.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { Verifier, config, request, setGuestEnv, verifySession } from './verify.mjs';
import {
  DEMO_ISSUER, DEMO_PUBLIC_PEM, DEMO_PUBLISHABLE_KEY, demoToken, mint, nowSecs,
} from './mint.mjs';

// Hermetic: the guest sees no run-time CLERK_* overrides, so the embedded DEMO configuration
// (dist/ built without CLERK_* at build time) applies. Set before the component's first call.
setGuestEnv({});

const APP = 'http://localhost:3000';
const FAPI = 'https://clerk.demo-app.example.com';
const header = (state, name) => state.headers.find((h) => h.name === name)?.value;

/** Asserts `f` throws jco's ComponentError for a WIT `result` error and returns its payload. */
function componentError(f) {
  try {
    f();
  } catch (e) {
    assert.equal(e.constructor.name, 'ComponentError');
    assert.ok(e.payload, 'ComponentError carries the WIT error as .payload');
    return e.payload;
  }
  assert.fail('expected a ComponentError');
}

function otherKeyPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

test('verifyToken: a DEMO token verifies with the embedded configuration', () => {
  const session = verifySession.verifyToken(demoToken());
  assert.equal(session.tokenType, 'session_token');
  assert.equal(session.userId, 'user_demo123');
  assert.equal(session.sessionId, 'sess_demo456');
  assert.equal(session.isAuthenticated, true);
  assert.equal(session.organization, undefined);
  assert.equal(session.actor, undefined);
  const claims = JSON.parse(session.claims);
  assert.equal(claims.iss, DEMO_ISSUER);
  assert.equal(claims.sub, 'user_demo123');
});

test('verifyToken: v2 organization claims and has()', () => {
  const token = demoToken({
    v: 2,
    fea: 'o:reservations,u:dashboard',
    o: { id: 'org_1', slg: 'acme', rol: 'admin', per: 'read,manage', fpm: '3' },
  });
  const session = verifySession.verifyToken(token);
  assert.deepEqual(session.organization, {
    id: 'org_1',
    slug: 'acme',
    role: 'org:admin',
    permissions: ['org:reservations:read', 'org:reservations:manage'],
  });
  assert.equal(verifySession.has(session, { role: 'admin' }), true);
  assert.equal(verifySession.has(session, { permission: 'org:reservations:manage' }), true);
  assert.equal(verifySession.has(session, { feature: 'user:dashboard' }), true);
  assert.equal(verifySession.has(session, { role: 'org:member' }), false);
  assert.equal(verifySession.has(session, {}), false);
});

test('verifyToken: expired, garbage and forged tokens throw with Clerk reasons', () => {
  const expired = componentError(() => verifySession.verifyToken(demoToken({ exp: nowSecs() - 60 })));
  assert.equal(expired.reason, 'token-expired');
  assert.match(expired.message, /^JWT is expired\. Expiry date: /);

  const garbage = componentError(() => verifySession.verifyToken('nope'));
  assert.equal(garbage.reason, 'token-invalid');
  assert.equal(garbage.message, 'Invalid JWT form. A JWT consists of three parts separated by dots.');

  const other = otherKeyPair();
  const forged = mint(JSON.parse(verifySession.verifyToken(demoToken()).claims), { privateKey: other.privateKey });
  assert.deepEqual(componentError(() => verifySession.verifyToken(forged)), {
    reason: 'token-invalid-signature',
    message: 'JWT signature is invalid.',
    action: undefined,
  });
});

test('authenticate: signed-in by Bearer header and by __session cookie', () => {
  const token = demoToken();
  const bearer = verifySession.authenticate(request('GET', `${APP}/`, { authorization: `Bearer ${token}` }));
  assert.equal(bearer.status, 'signed-in');
  assert.equal(bearer.reason, undefined);
  assert.equal(bearer.token, token);
  assert.equal(bearer.session.userId, 'user_demo123');
  assert.equal(bearer.session.sessionId, 'sess_demo456');

  // Development instance: the browser also has its dev-browser cookie; the session token was
  // issued after the client's last update (__client_uat), so it is current.
  const cookie = `__session=${token}; __client_uat=${nowSecs() - 60}; __clerk_db_jwt=dvb_1`;
  const browser = verifySession.authenticate(
    request('GET', `${APP}/dashboard`, { cookie, 'sec-fetch-dest': 'document' }),
  );
  assert.equal(browser.status, 'signed-in');
  assert.equal(browser.token, token);
  assert.equal(browser.session.userId, 'user_demo123');
  assert.equal(browser.session.isAuthenticated, true);
});

test('authenticate: signed-out with Clerk reasons and x-clerk-auth-* headers', () => {
  const none = verifySession.authenticate(request('GET', `${APP}/api/me`, { cookie: '__clerk_db_jwt=dvb_1' }));
  assert.equal(none.status, 'signed-out');
  assert.equal(none.reason, 'session-token-and-uat-missing');
  assert.equal(none.session, undefined);
  assert.deepEqual(none.headers, [
    { name: 'x-clerk-auth-reason', value: 'session-token-and-uat-missing' },
    { name: 'x-clerk-auth-status', value: 'signed-out' },
  ]);

  // Development instance and no dev-browser cookie, not a page navigation: signed out.
  const noDevBrowser = verifySession.authenticate(request('GET', `${APP}/api/me`));
  assert.equal(noDevBrowser.status, 'signed-out');
  assert.equal(noDevBrowser.reason, 'dev-browser-missing');

  const expired = demoToken({ exp: nowSecs() - 60 });
  const state = verifySession.authenticate(request('GET', `${APP}/api/me`, { authorization: `Bearer ${expired}` }));
  assert.equal(state.status, 'signed-out');
  assert.equal(state.reason, 'session-token-expired-refresh-non-eligible-no-refresh-cookie');
  assert.match(header(state, 'x-clerk-auth-message'), /^JWT is expired\..*\(reason=token-expired, token-carrier=header\)$/);
  assert.equal(header(state, 'location'), undefined);
});

test('authenticate: a browser page load with __client_uat but no __session gets a handshake', () => {
  const url = `${APP}/dashboard?tab=1`;
  const headers = {
    'sec-fetch-dest': 'document',
    accept: 'text/html',
    cookie: `__client_uat=${nowSecs() - 30}; __clerk_db_jwt=dvb_1`,
  };
  const state = verifySession.authenticate(request('GET', url, headers));
  assert.equal(state.status, 'handshake');
  assert.equal(state.reason, 'client-uat-but-no-session-token');
  assert.equal(state.session, undefined);
  const location = new URL(header(state, 'location'));
  assert.equal(`${location.origin}${location.pathname}`, `${FAPI}/v1/client/handshake`);
  assert.equal(location.searchParams.get('redirect_url'), url);
  assert.equal(location.searchParams.get('__clerk_hs_reason'), 'client-uat-but-no-session-token');
  assert.equal(location.searchParams.get('__clerk_db_jwt'), 'dvb_1');
  assert.equal(header(state, 'cache-control'), 'no-store');
  assert.match(header(state, 'set-cookie'), /^__clerk_redirect_count=1;/);
  assert.equal(header(state, 'x-clerk-auth-status'), 'handshake');

  // Without the dev-browser cookie the development instance handshakes to obtain one.
  const dev = verifySession.authenticate(request('GET', `${APP}/p`, { 'sec-fetch-dest': 'document' }));
  assert.equal(dev.status, 'handshake');
  assert.equal(dev.reason, 'dev-browser-missing');
  assert.equal(
    header(dev, 'location'),
    `${FAPI}/v1/client/handshake?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fp&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=dev-browser-missing`,
  );
});

test('authenticate: a malformed request is an error, signInUrl keeps the request URL', () => {
  const state = verifySession.authenticate(request('GET', 'not a url'));
  assert.equal(state.status, 'error');
  assert.equal(state.reason, 'invalid-request');
  assert.equal(
    verifySession.signInUrl(request('GET', `${APP}/dashboard?x=1`)),
    'https://accounts.demo-app.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%3Fx%3D1',
  );
});

test('Verifier.create: an explicit configuration', () => {
  const demo = Verifier.create(config({ jwtKey: DEMO_PUBLIC_PEM, publishableKey: DEMO_PUBLISHABLE_KEY }));
  const token = demoToken();
  assert.equal(demo.verifyToken(token).userId, 'user_demo123');
  const state = demo.authenticate(request('GET', `${APP}/`, { authorization: `Bearer ${token}` }));
  assert.equal(state.status, 'signed-in');
  assert.equal(state.session.sessionId, 'sess_demo456');
  const clerkState = JSON.parse(
    demo.authenticateClerkState(request('GET', `${APP}/`, { authorization: `Bearer ${token}` }), true),
  );
  assert.equal(clerkState.status, 'signed-in');
  assert.equal(clerkState.auth.userId, 'user_demo123');
  assert.equal(clerkState.state.publishableKey, DEMO_PUBLISHABLE_KEY);
  demo[Symbol.dispose]();

  // Another key, authorized parties and sign-in URL: DEMO tokens are now forged ones.
  const other = otherKeyPair();
  const v = Verifier.create(config({
    jwtKey: other.publicKey,
    publishableKey: DEMO_PUBLISHABLE_KEY,
    authorizedParties: [APP],
    signInUrl: 'https://accounts.example.com/sign-in',
  }));
  assert.equal(componentError(() => v.verifyToken(token)).reason, 'token-invalid-signature');
  const claims = JSON.parse(verifySession.verifyToken(token).claims);
  const ours = mint({ ...claims, azp: APP }, { privateKey: other.privateKey });
  assert.equal(v.verifyToken(ours).userId, 'user_demo123');
  const foreign = mint({ ...claims, azp: 'https://evil.example.com' }, { privateKey: other.privateKey });
  assert.equal(componentError(() => v.verifyToken(foreign)).reason, 'token-invalid-authorized-parties');
  assert.equal(
    v.signInUrl(request('GET', `${APP}/a`)),
    'https://accounts.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fa',
  );
  v[Symbol.dispose]();
});

test('Verifier.create: configuration errors throw with a message', () => {
  const base = { jwtKey: DEMO_PUBLIC_PEM, publishableKey: DEMO_PUBLISHABLE_KEY };
  assert.deepEqual(
    componentError(() => Verifier.create(config({ ...base, jwtKey: 'garbage' }))),
    { message: 'PEM key 1: invalid PEM framing or base64 body' },
  );
  assert.match(
    componentError(() => Verifier.create(config({ ...base, publishableKey: 'pk_live_xxx' }))).message,
    /^Publishable key not valid/,
  );
  assert.equal(
    componentError(() => Verifier.create(config({ ...base, acceptsToken: ['cookie', 'x'] }))).message,
    'accepts-token: unknown token type "cookie"',
  );
});
