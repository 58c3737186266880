//! `token`: arbitrary bytes → (lossy UTF-8) token → `verify_session_token` under several key
//! sets and rule sets, at a fixed `now`.
//!
//! Input: the token text. (Claims behind a valid signature: the `claims` target.)
//!
//! Invariants (see README.md):
//! 1. never a panic;
//! 2. `Ok(claims)` ⇒ `sub` is a string, `exp` a number not expired, `nbf`/`iat` absent or
//!    numbers not in the future (with the 5 s skew and 1 s truncation slack);
//! 3. no token verifies under both the demo key and the other key;
//! 4. two-key PEM (no kids) accepts exactly what one of the single keys accepts, same claims;
//! 5. two-key JWKS (kids): `Ok` only for `kid` = `ins_test`/`other`, agreeing with that key;
//! 6. stricter rules never accept what the default rules refuse (same claims when both accept);
//! 7. an accepted payload is one of the table's (no forgery; not in `claims`);
//! 8. errors have a reason code and never contain the token.

#![no_main]

use clerk_edge_fuzz::token_oracle::check_token;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_token(&String::from_utf8_lossy(data), false);
});
