// Runs the clerk-edge `verifier` component in Node. `npm run transpile` turns
// dist/clerk_edge_verifier.wasm into plain ESM under gen/ (jco), with WASI served by
// @bytecodealliance/preview2-shim: the real wall clock, and an environment that we choose.
//
//   node verify.mjs [token] [url]   verify a token (default: a fresh DEMO token) and decide a
//                                   request carrying it as `Authorization: Bearer`
import { pathToFileURL } from 'node:url';
import { _setEnv } from '@bytecodealliance/preview2-shim/cli';
import { verifySession } from './gen/verifier.js';

export { verifySession };
export const { Verifier } = verifySession;

/**
 * Sets the guest's `wasi:cli/environment`: `CLERK_*` variables there override the configuration
 * embedded at build time. The component reads them once, at its first call, so set them first.
 * By default the shim would hand the guest this whole process environment; we pass only
 * `CLERK_*`.
 */
export function setGuestEnv(env) {
  _setEnv(env);
}
setGuestEnv(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CLERK_'))));

/** A WIT `request`; `headers` is an object or a list of [name, value] pairs (names may repeat). */
export function request(method, url, headers = {}) {
  const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
  return { method, url, headers: pairs.map(([name, value]) => ({ name, value })) };
}

/**
 * A WIT `config` record: jco needs every list and bool field present, so this fills the
 * defaults (unset options stay undefined = none).
 */
export function config(fields = {}) {
  return {
    authorizedParties: [],
    audience: [],
    issuers: [],
    headerTypes: [],
    isSatellite: false,
    satelliteAutoSync: false,
    organizationPatterns: [],
    personalAccountPatterns: [],
    redirectOrigins: [],
    ...fields,
  };
}

/** Calls `f`; a WIT `result` error (jco throws a ComponentError) becomes `{ ok: false, error }`. */
export function attempt(f) {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e?.payload === undefined) throw e;
    return { ok: false, error: e.payload };
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { demoToken } = await import('./mint.mjs');
  const [token = demoToken(), url = 'https://app.example.com/dashboard'] = process.argv.slice(2);
  const verified = attempt(() => verifySession.verifyToken(token));
  const state = verifySession.authenticate(request('GET', url, { authorization: `Bearer ${token}` }));
  console.log(JSON.stringify({ verifyToken: verified, authenticate: state }, null, 2));
}
