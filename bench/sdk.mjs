#!/usr/bin/env node
// Times Clerk's own SDK (@clerk/backend 3.25.0, installed by `npm ci` in tests/conformance) on
// the same token and request the component benchmark uses: authenticateRequest of a signed-in
// cookie request and verifyToken, networkless (jwtKey). Prints one JSON object (medians, µs).
//   node bench/sdk.mjs [iterations]
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(root + 'tests/conformance/package.json');
globalThis.fetch = async () => { throw new Error('network blocked'); };
const { verifyToken } = await import(require.resolve('@clerk/backend'));
const { createAuthenticateRequest } = await import(require.resolve('@clerk/backend/internal'));

const iterations = Number(process.argv[2] || 2000);
const publicPem = readFileSync(root + 'demo/demo-public.pem', 'utf8');
const privateKey = createPrivateKey(readFileSync(root + 'demo/demo-private.pem', 'utf8'));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'ins_demo' })}.${b64({
  sub: 'user_bench', sid: 'sess_bench', iss: 'https://clerk.demo-app.example.com',
  azp: 'http://localhost:3000', iat: now - 5, nbf: now - 10, exp: now + 3600,
})}`;
const token = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
const options = {
  jwtKey: publicPem,
  publishableKey: 'pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k',
  secretKey: 'sk_test_bench',
};
const { authenticateRequest } = createAuthenticateRequest({ options: {} });
const request = () => new Request('http://localhost:3000/dashboard', {
  headers: { cookie: `__session=${token}; __client_uat=1; __clerk_db_jwt=dvb_bench`, 'sec-fetch-dest': 'document' },
});

async function median(fn) {
  for (let i = 0; i < 100; i++) await fn();
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const auth = await median(async () => {
  const s = await authenticateRequest(request(), options);
  if (s.status !== 'signed-in') throw new Error(`not signed in: ${s.reason}`);
});
const verify = await median(async () => { await verifyToken(token, { jwtKey: publicPem }); });
console.log(JSON.stringify({ node: process.version, sdk: '@clerk/backend 3.25.0', iterations,
  sdk_authenticate_request_us: auth, sdk_verify_token_us: verify }));
