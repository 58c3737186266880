//! The session auth object built from verified claims, and its `has()` check (spec §4.2–4.4).
//!
//! Parity: this mirrors `__experimental_JWTPayloadToAuthObjectProperties`
//! (`@clerk/shared/jwtPayloadParser`), `signedInAuthObject` / `signedOutAuthObject`
//! (`@clerk/backend` `tokens/authObjects.ts`) and `createCheckAuthorization`
//! (`@clerk/shared/authorization`) as published in `@clerk/backend` 3.25.0 / `@clerk/shared`
//! 4.41.0. Values copied from claims keep their JSON type, whatever it is; JavaScript
//! `undefined` becomes [`Value::Null`]. JavaScript truthiness and `String()` conversion are
//! reproduced where the reference relies on them.

use std::fmt;

use serde_json::{Map, Value};

use crate::util::js_number_to_string;

/// Session auth object (§4.3) in its serialisable form.
///
/// JS-faithful: values copied from claims keep their JSON type; absent (`undefined`) is
/// [`Value::Null`].
#[derive(Debug, Clone, PartialEq)]
pub struct SessionAuth {
    /// `userId` (the `sub` claim).
    pub user_id: Value,
    /// `sessionId` (the `sid` claim).
    pub session_id: Value,
    /// `sessionStatus` (`sts ?? null`; `"pending"` on the pending signed-out object).
    pub session_status: Value,
    /// `orgId` (v1 `org_id`, v2 `o.id`).
    pub org_id: Value,
    /// `orgRole` (v1 `org_role`, v2 `"org:" + o.rol` when `o.rol` is truthy).
    pub org_role: Value,
    /// `orgSlug` (v1 `org_slug`, v2 `o.slg`).
    pub org_slug: Value,
    /// `orgPermissions` (v1 `org_permissions`, v2 decoded from `fea` / `o.per` / `o.fpm`).
    pub org_permissions: Value,
    /// `factorVerificationAge` (`fva ?? null`).
    pub factor_verification_age: Value,
    /// `actor` (the `act` claim).
    pub actor: Value,
    /// `sessionClaims`: the whole payload when signed in, [`Value::Null`] when signed out.
    pub session_claims: Value,
    /// `isAuthenticated`.
    pub is_authenticated: bool,
    /// `claims.fea || ""` when that is a non-empty string (what `has()` can use); `None`
    /// otherwise, which makes every feature check fail as in the reference.
    features: Option<String>,
    /// Same as `features`, for `claims.pla`.
    plans: Option<String>,
}

/// Parameters of [`SessionAuth::has`], as the JavaScript `has(params)` object.
///
/// `None` means the key is absent (`undefined`); `Some(v)` with a non-string `v` makes that
/// dimension fail, exactly as in the reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HasParams {
    /// `role`, e.g. `"org:admin"` or `"admin"`.
    pub role: Option<Value>,
    /// `permission`, e.g. `"org:invoices:read"` or `"invoices:read"`.
    pub permission: Option<Value>,
    /// `feature`, optionally scoped (`o:`, `org:`, `organization:`, `u:`, `user:`).
    pub feature: Option<Value>,
    /// `plan`, optionally scoped like `feature`.
    pub plan: Option<Value>,
    /// `reverification`: a preset name or `{level, afterMinutes}`.
    pub reverification: Option<Value>,
}

/// Why an auth object could not be built: the places where the reference throws.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// A v2 `fea` element without a colon. Display is the reference's exact
    /// `Invalid claim element (missing colon): <entry>` (entry trimmed).
    InvalidClaimElement(String),
    /// A v2 claim the reference calls `.split(",")` on (`fea`, `o.per`, `o.fpm`) is truthy but
    /// not a string, so the reference throws a `TypeError`. The value is the claim's local name
    /// in the reference (`fea`, `per` or `fpm`); Display is V8's message,
    /// e.g. `fea.split is not a function`.
    InvalidClaimType(&'static str),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidClaimElement(entry) => {
                write!(f, "Invalid claim element (missing colon): {entry}")
            }
            Self::InvalidClaimType(name) => write!(f, "{name}.split is not a function"),
        }
    }
}

impl std::error::Error for AuthError {}

impl SessionAuth {
    /// Signed-in object from verified claims (`signedInAuthObject`).
    ///
    /// Errors where the reference throws: a v2 (`v == 2`) token with a truthy `o` whose `fea`
    /// has an element without a colon ([`AuthError::InvalidClaimElement`]), or whose `fea`,
    /// `o.per` or `o.fpm` is truthy but not a string ([`AuthError::InvalidClaimType`]).
    pub fn signed_in(claims: &Map<String, Value>) -> Result<SessionAuth, AuthError> {
        let claim = |name: &str| claims.get(name).cloned().unwrap_or(Value::Null);
        let org = if claims.get("v").and_then(Value::as_f64) == Some(2.0) {
            v2_org(claims)?
        } else {
            OrgFields {
                id: claim("org_id"),
                role: claim("org_role"),
                slug: claim("org_slug"),
                permissions: claim("org_permissions"),
            }
        };
        Ok(SessionAuth {
            user_id: claim("sub"),
            session_id: claim("sid"),
            // `sts ?? null` / `fva ?? null`: a JSON null and an absent claim both give null.
            session_status: claim("sts"),
            org_id: org.id,
            org_role: org.role,
            org_slug: org.slug,
            org_permissions: org.permissions,
            factor_verification_age: claim("fva"),
            actor: claim("act"),
            session_claims: Value::Object(claims.clone()),
            is_authenticated: true,
            features: non_empty_string(claims.get("fea")),
            plans: non_empty_string(claims.get("pla")),
        })
    }

    /// Signed-out object (`signedOutAuthObject`); `session_status` as given (`Null`, or
    /// `"pending"` for a pending session treated as signed out).
    pub fn signed_out(session_status: Value) -> SessionAuth {
        SessionAuth {
            user_id: Value::Null,
            session_id: Value::Null,
            session_status,
            org_id: Value::Null,
            org_role: Value::Null,
            org_slug: Value::Null,
            org_permissions: Value::Null,
            factor_verification_age: Value::Null,
            actor: Value::Null,
            session_claims: Value::Null,
            is_authenticated: false,
            features: None,
            plans: None,
        }
    }

    /// `state.toAuth({treatPendingAsSignedOut})` for a signed-in state: the signed-in object,
    /// or — when `treat_pending_as_signed_out` and `sts` is exactly `"pending"` — the signed-out
    /// object with `sessionStatus: "pending"`.
    ///
    /// Parity §4.3: like the reference, the signed-in object is built first, so its errors
    /// surface even for a pending session.
    pub fn to_auth(
        claims: &Map<String, Value>,
        treat_pending_as_signed_out: bool,
    ) -> Result<SessionAuth, AuthError> {
        let auth = Self::signed_in(claims)?;
        if treat_pending_as_signed_out && auth.session_status.as_str() == Some("pending") {
            return Ok(Self::signed_out(auth.session_status));
        }
        Ok(auth)
    }

    /// JSON object with exactly the 12 keys of the conformance format: `userId`, `sessionId`,
    /// `sessionStatus`, `orgId`, `orgRole`, `orgSlug`, `orgPermissions`,
    /// `factorVerificationAge`, `actor`, `tokenType` (`"session_token"`), `isAuthenticated`,
    /// `sessionClaims`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("userId".into(), self.user_id.clone());
        out.insert("sessionId".into(), self.session_id.clone());
        out.insert("sessionStatus".into(), self.session_status.clone());
        out.insert("orgId".into(), self.org_id.clone());
        out.insert("orgRole".into(), self.org_role.clone());
        out.insert("orgSlug".into(), self.org_slug.clone());
        out.insert("orgPermissions".into(), self.org_permissions.clone());
        out.insert(
            "factorVerificationAge".into(),
            self.factor_verification_age.clone(),
        );
        out.insert("actor".into(), self.actor.clone());
        out.insert("tokenType".into(), Value::String("session_token".into()));
        out.insert("isAuthenticated".into(), Value::Bool(self.is_authenticated));
        out.insert("sessionClaims".into(), self.session_claims.clone());
        Value::Object(out)
    }

    /// `userId` when it is a string.
    pub fn user_id_str(&self) -> Option<&str> {
        self.user_id.as_str()
    }

    /// `sessionId` when it is a string.
    pub fn session_id_str(&self) -> Option<&str> {
        self.session_id.as_str()
    }

    /// `orgId` when it is a string.
    pub fn org_id_str(&self) -> Option<&str> {
        self.org_id.as_str()
    }

    /// `orgRole` when it is a string.
    pub fn org_role_str(&self) -> Option<&str> {
        self.org_role.as_str()
    }

    /// `orgSlug` when it is a string.
    pub fn org_slug_str(&self) -> Option<&str> {
        self.org_slug.as_str()
    }

    /// `has(params)` (§4.4, `createCheckAuthorization`): false when signed out or when
    /// `userId` is falsy; otherwise every asked dimension (org, billing, reverification) must
    /// pass and at least one must be asked.
    pub fn has(&self, params: &HasParams) -> bool {
        if !self.is_authenticated || !truthy(Some(&self.user_id)) {
            return false;
        }
        let results = [
            self.check_org(params),
            self.check_billing(params),
            self.check_reverification(params),
        ];
        results.contains(&Check::Pass) && !results.contains(&Check::Fail)
    }

    /// `checkOrgAuthorization`.
    fn check_org(&self, params: &HasParams) -> Check {
        let (role, permission) = (params.role.as_ref(), params.permission.as_ref());
        if role.is_none() && permission.is_none() {
            return Check::Skip;
        }
        let role = match role.map(Value::as_str) {
            Some(None) => return Check::Fail,
            other => other.flatten(),
        };
        let permission = match permission.map(Value::as_str) {
            Some(None) => return Check::Fail,
            other => other.flatten(),
        };
        if !truthy(Some(&self.org_id)) {
            return Check::Fail;
        }
        if let Some(role) = role {
            match self.org_role.as_str() {
                Some(own) if !own.is_empty() && prefix_with_org(own) == prefix_with_org(role) => {}
                _ => return Check::Fail,
            }
        }
        if let Some(permission) = permission {
            let wanted = prefix_with_org(permission);
            let Some(list) = self.org_permissions.as_array() else {
                return Check::Fail;
            };
            if !list.iter().any(|p| p.as_str() == Some(wanted.as_str())) {
                return Check::Fail;
            }
        }
        Check::Pass
    }

    /// `checkBillingAuthorization`.
    fn check_billing(&self, params: &HasParams) -> Check {
        let (feature, plan) = (params.feature.as_ref(), params.plan.as_ref());
        if feature.is_none() && plan.is_none() {
            return Check::Skip;
        }
        let feature = match feature.map(Value::as_str) {
            Some(None) => return Check::Fail,
            other => other.flatten(),
        };
        let plan = match plan.map(Value::as_str) {
            Some(None) => return Check::Fail,
            other => other.flatten(),
        };
        for (asked, claim) in [(feature, &self.features), (plan, &self.plans)] {
            if let Some(asked) = asked {
                let Some(claim) = claim else {
                    return Check::Fail;
                };
                if check_for_feature_or_plan(claim, asked) != Some(true) {
                    return Check::Fail;
                }
            }
        }
        Check::Pass
    }

    /// `checkReverificationAuthorization`.
    fn check_reverification(&self, params: &HasParams) -> Check {
        let Some(config) = params.reverification.as_ref() else {
            return Check::Skip;
        };
        if !truthy(Some(&self.factor_verification_age)) {
            return Check::Fail;
        }
        let Some((f1, f2)) = factor_ages(&self.factor_verification_age) else {
            return Check::Fail;
        };
        let Some((level, after_minutes)) = reverification_config(config) else {
            return Check::Fail;
        };
        if f1 == -1.0 && f2 == -1.0 {
            return Check::Fail;
        }
        let fresh = |age: f64| age != -1.0 && after_minutes > age;
        let pass = match level {
            Level::First => fresh(f1),
            Level::Second if f2 == -1.0 => fresh(f1),
            Level::Second => fresh(f2),
            Level::Multi if f2 == -1.0 => fresh(f1),
            Level::Multi if f1 == -1.0 => false,
            Level::Multi => fresh(f1) && fresh(f2),
        };
        if pass {
            Check::Pass
        } else {
            Check::Fail
        }
    }
}

impl HasParams {
    /// Parameters from a JS-like params object: each present key is taken as is (a JSON `null`
    /// counts as asked, like a JS `null`); a non-object gives all `None` (so `has` is false).
    pub fn from_json(v: &Value) -> HasParams {
        let Some(map) = v.as_object() else {
            return HasParams::default();
        };
        let take = |k: &str| map.get(k).cloned();
        HasParams {
            role: take("role"),
            permission: take("permission"),
            feature: take("feature"),
            plan: take("plan"),
            reverification: take("reverification"),
        }
    }
}

/// Outcome of one `has()` dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Fail,
    Pass,
    Skip,
}

/// Reverification level (`ALLOWED_LEVELS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    First,
    Multi,
    Second,
}

/// The org fields of the auth object.
struct OrgFields {
    id: Value,
    role: Value,
    slug: Value,
    permissions: Value,
}

/// Org fields of a v2 (`v == 2`) payload.
fn v2_org(claims: &Map<String, Value>) -> Result<OrgFields, AuthError> {
    let o = claims.get("o");
    if !truthy(o) {
        return Ok(OrgFields {
            id: Value::Null,
            role: Value::Null,
            slug: Value::Null,
            permissions: Value::Null,
        });
    }
    // A truthy non-object `o` (string, number, array, `true`) has none of these properties.
    let field = |k: &str| o.and_then(Value::as_object).and_then(|m| m.get(k));
    let role = field("rol");
    let role = if truthy(role) {
        Value::String(format!(
            "org:{}",
            role.map(js_to_string).unwrap_or_default()
        ))
    } else {
        Value::Null
    };
    let (org_features, _) = split_by_scope_claim(claims.get("fea"))?;
    let permissions = parse_permissions(field("per"), field("fpm"))?;
    Ok(OrgFields {
        id: field("id").cloned().unwrap_or(Value::Null),
        role,
        slug: field("slg").cloned().unwrap_or(Value::Null),
        permissions: Value::Array(
            build_org_permissions(&org_features, &permissions)
                .into_iter()
                .map(Value::String)
                .collect(),
        ),
    })
}

/// `splitByScope(claims.fea)` on an arbitrary JSON value: falsy ⇒ empty, string ⇒ parsed,
/// anything else ⇒ the reference's `TypeError`.
fn split_by_scope_claim(fea: Option<&Value>) -> Result<(Vec<String>, Vec<String>), AuthError> {
    if !truthy(fea) {
        return Ok((Vec::new(), Vec::new()));
    }
    match fea {
        Some(Value::String(s)) => split_by_scope(s),
        _ => Err(AuthError::InvalidClaimType("fea")),
    }
}

/// `splitByScope`: comma list of `<scope>:<name>`; `o` ⇒ org, `u` ⇒ user, `ou`/`uo` ⇒ both,
/// other scopes ignored; an entry without a colon is an error.
fn split_by_scope(fea: &str) -> Result<(Vec<String>, Vec<String>), AuthError> {
    let (mut org, mut user) = (Vec::new(), Vec::new());
    if fea.is_empty() {
        return Ok((org, user));
    }
    for part in fea.split(',') {
        let part = js_trim(part);
        let Some((scope, value)) = part.split_once(':') else {
            return Err(AuthError::InvalidClaimElement(part.to_owned()));
        };
        match scope {
            "o" => org.push(value.to_owned()),
            "u" => user.push(value.to_owned()),
            "ou" | "uo" => {
                org.push(value.to_owned());
                user.push(value.to_owned());
            }
            _ => {}
        }
    }
    Ok((org, user))
}

/// Permission names and per-feature masks (`parsePermissions`).
struct Permissions {
    names: Vec<String>,
    /// One entry per `fpm` item; `None` for a malformed mask (no bits).
    masks: Vec<Option<BigMask>>,
}

/// `parsePermissions({per, fpm})`: empty unless both are truthy; a truthy non-string is the
/// reference's `TypeError` (`per` is split first).
fn parse_permissions(per: Option<&Value>, fpm: Option<&Value>) -> Result<Permissions, AuthError> {
    if !truthy(per) || !truthy(fpm) {
        return Ok(Permissions {
            names: Vec::new(),
            masks: Vec::new(),
        });
    }
    let Some(Value::String(per)) = per else {
        return Err(AuthError::InvalidClaimType("per"));
    };
    let Some(Value::String(fpm)) = fpm else {
        return Err(AuthError::InvalidClaimType("fpm"));
    };
    let names: Vec<String> = per.split(',').map(|p| js_trim(p).to_owned()).collect();
    let masks = fpm
        .split(',')
        .map(|m| BigMask::parse(js_trim(m), names.len()))
        .collect();
    Ok(Permissions { names, masks })
}

/// `buildOrgPermissions`: `org:<feature_i>:<permission_k>` for every set bit `k` of mask `i`.
fn build_org_permissions(features: &[String], permissions: &Permissions) -> Vec<String> {
    let mut out = Vec::new();
    for (feature, mask) in features.iter().zip(permissions.masks.iter()) {
        let Some(mask) = mask else { continue };
        for (k, name) in permissions.names.iter().enumerate() {
            if mask.bit(k) {
                out.push(format!("org:{feature}:{name}"));
            }
        }
    }
    out
}

/// The low bits of a non-negative decimal integer of any size, as little-endian 32-bit limbs.
///
/// Parity §4.2: the reference decodes masks with string long division, so masks above 2^53
/// stay exact; so do we. Only bits below the number of permission names can ever be used, so
/// the value is kept modulo `2^(32 * limbs)`: the work is linear in the mask's length.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BigMask(Vec<u32>);

impl BigMask {
    /// Parses `^\d+$` (ASCII digits only) keeping at least the low `bits` bits; anything else
    /// is `None` ("treated as empty").
    fn parse(decimal: &str, bits: usize) -> Option<BigMask> {
        if decimal.is_empty() || !decimal.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let max_limbs = bits / 32 + 1;
        let mut limbs: Vec<u32> = Vec::new();
        for chunk in decimal.as_bytes().chunks(9) {
            let mut chunk_value: u64 = 0;
            let mut scale: u64 = 1;
            for &b in chunk {
                chunk_value = chunk_value * 10 + u64::from(b - b'0');
                scale *= 10;
            }
            // limbs = (limbs * scale + chunk_value) mod 2^(32 * max_limbs); scale ≤ 10^9, so
            // no u64 overflow.
            let mut carry = chunk_value;
            for limb in limbs.iter_mut() {
                let v = u64::from(*limb) * scale + carry;
                *limb = (v & 0xFFFF_FFFF) as u32;
                carry = v >> 32;
            }
            while carry > 0 && limbs.len() < max_limbs {
                limbs.push((carry & 0xFFFF_FFFF) as u32);
                carry >>= 32;
            }
        }
        Some(BigMask(limbs))
    }

    /// Bit `k` (least significant = 0).
    fn bit(&self, k: usize) -> bool {
        self.0
            .get(k / 32)
            .is_some_and(|limb| (limb >> (k % 32)) & 1 == 1)
    }
}

/// `checkForFeatureOrPlan`: `Some(found)`, or `None` where the reference throws (malformed
/// claim, unknown explicit scope) — which `has()` turns into a failure.
fn check_for_feature_or_plan(claim: &str, asked: &str) -> Option<bool> {
    let (org, user) = split_by_scope(claim).ok()?;
    let mut pieces = asked.split(':');
    let raw_scope = pieces.next().unwrap_or_default();
    let raw_id = pieces.next();
    // `const id = rawId || rawScope`: an empty id after the colon falls back to the scope.
    let id = match raw_id {
        Some(id) if !id.is_empty() => id,
        _ => raw_scope,
    };
    let contains = |list: &[String]| list.iter().any(|f| f == id);
    match raw_id {
        None => Some(contains(&org) || contains(&user)),
        Some(_) => match raw_scope {
            "o" | "org" | "organization" => Some(contains(&org)),
            "u" | "user" => Some(contains(&user)),
            _ => None,
        },
    }
}

/// `fva` as `[f1, f2]` when it is a 2-array of finite numbers each `-1` or `≥ 0`.
fn factor_ages(fva: &Value) -> Option<(f64, f64)> {
    let [a, b] = fva.as_array()?.as_slice() else {
        return None;
    };
    let valid = |v: &Value| {
        v.as_f64()
            .filter(|x| x.is_finite() && (*x == -1.0 || *x >= 0.0))
    };
    Some((valid(a)?, valid(b)?))
}

/// `validateReverificationConfig`: a preset name or `{level, afterMinutes > 0}`.
fn reverification_config(config: &Value) -> Option<(Level, f64)> {
    if !truthy(Some(config)) {
        return None;
    }
    match config {
        Value::String(preset) => match preset.as_str() {
            "strict_mfa" => Some((Level::Multi, 10.0)),
            "strict" => Some((Level::Second, 10.0)),
            "moderate" => Some((Level::Second, 60.0)),
            "lax" => Some((Level::Second, 1440.0)),
            _ => None,
        },
        // `typeof config === "object"`: arrays qualify but have no `level`.
        Value::Object(map) => {
            let level = match map.get("level").and_then(Value::as_str)? {
                "first_factor" => Level::First,
                "second_factor" => Level::Second,
                "multi_factor" => Level::Multi,
                _ => return None,
            };
            let after = map
                .get("afterMinutes")
                .and_then(Value::as_f64)
                .filter(|m| *m > 0.0)?;
            Some((level, after))
        }
        _ => None,
    }
}

/// `value.replace(/^(org:)*/, "org:")`.
fn prefix_with_org(value: &str) -> String {
    let mut rest = value;
    while let Some(stripped) = rest.strip_prefix("org:") {
        rest = stripped;
    }
    format!("org:{rest}")
}

/// `claims.x || ""` as `has()` sees it: only a non-empty string is usable.
fn non_empty_string(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// JavaScript truthiness of a JSON value (`None` = `undefined`).
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// JavaScript `String(value)` of a JSON value (as used by template-literal concatenation).
fn js_to_string(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => js_number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        // `Array.prototype.join`: null/undefined elements become empty strings.
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Null => String::new(),
                other => js_to_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

/// `String.prototype.trim()`: strips ECMAScript WhiteSpace and LineTerminator code points
/// (which differ from Rust's `char::is_whitespace`: U+FEFF is trimmed, U+0085 is not).
fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// ECMAScript WhiteSpace ∪ LineTerminator.
fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

#[cfg(test)]
mod tests;
