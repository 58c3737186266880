// Mints DEMO session tokens in Node, exactly as `clerk-edge-host mint` does
// (crates/clerk-edge-host/src/main.rs): RS256, kid `ins_demo`, signed with the throwaway
// DEMO private key (demo/README.md: never use it for a real application).
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const demo = (name) => readFileSync(new URL(`../../demo/${name}`, import.meta.url), 'utf8');

export const DEMO_PRIVATE_PEM = demo('demo-private.pem');
export const DEMO_PUBLIC_PEM = demo('demo-public.pem');
export const DEMO_PUBLISHABLE_KEY = 'pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k';
export const DEMO_ISSUER = 'https://clerk.demo-app.example.com';

const b64url = (value) => Buffer.from(value).toString('base64url');

export const nowSecs = () => Math.floor(Date.now() / 1000);

/** Signs `claims` with RS256; `header` fields override the default JOSE header. */
export function mint(claims, { privateKey = DEMO_PRIVATE_PEM, header = {} } = {}) {
  const jose = { alg: 'RS256', typ: 'JWT', kid: 'ins_demo', ...header };
  const input = `${b64url(JSON.stringify(jose))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey);
  return `${input}.${b64url(signature)}`;
}

/** A DEMO session token valid for `ttl` seconds from now; `extra` adds or overrides claims. */
export function demoToken({ ttl = 600, ...extra } = {}) {
  const now = nowSecs();
  return mint({
    sub: 'user_demo123',
    sid: 'sess_demo456',
    iss: DEMO_ISSUER,
    iat: now - 5,
    nbf: now - 10,
    exp: now + ttl,
    ...extra,
  });
}
