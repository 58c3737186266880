//! §6.4 sign-in / sign-up redirect URLs (Clerk's `createRedirect`): where a protected page
//! sends a signed-out visitor.

use crate::weburl::Url;

use crate::config::{Config, InstanceType};
use crate::request::accounts_base_url;
use crate::urls::set_param;

/// Sign-in or sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectTarget {
    /// `signInUrl`, else `<accounts portal>/sign-in`.
    SignIn,
    /// `signUpUrl`, else `<signInUrl>/create`, else `<accounts portal>/sign-up`.
    SignUp,
}

/// Builds the redirect URL. `base` is the app URL the request arrived at (its `clerkUrl`),
/// `return_back` the URL to come back to after signing in, `dev_browser_token` the request's
/// dev-browser token (development only), `pending` whether the session is pending (⇒ `/tasks`).
/// `None` only when neither a sign-in URL nor a publishable key is configured.
pub(crate) fn build(
    config: &Config,
    target: RedirectTarget,
    base: &Url,
    return_back: &str,
    dev_browser_token: Option<&str>,
    pending: bool,
) -> Option<String> {
    let fapi = config.pk.as_ref().map(|pk| pk.frontend_api()).unwrap_or("");
    let accounts = accounts_base_url(fapi);
    let target_url = match target {
        RedirectTarget::SignIn => {
            if !config.sign_in_url.is_empty() {
                config.sign_in_url.clone()
            } else if !accounts.is_empty() {
                format!("{accounts}/sign-in")
            } else {
                return None;
            }
        }
        RedirectTarget::SignUp => {
            if !config.sign_up_url.is_empty() {
                config.sign_up_url.clone()
            } else if !config.sign_in_url.is_empty() {
                let mut u = base.join(&config.sign_in_url).ok()?;
                let path = format!("{}/create", u.path());
                u.set_path(&path);
                u.to_string()
            } else if !accounts.is_empty() {
                format!("{accounts}/sign-up")
            } else {
                return None;
            }
        }
    };
    let target_url = if pending {
        format!("{target_url}/tasks")
    } else {
        target_url
    };
    let mut res = base.join(&target_url).ok()?;
    let mut back = base.join(return_back).ok()?;
    let cross_origin = (base.host_str(), base.port()) != (res.host_str(), res.port());
    if cross_origin && config.is_satellite {
        set_param(&mut back, "__clerk_synced", "false");
    }
    set_param(&mut res, "redirect_url", back.as_str());
    let dev = config.instance() == InstanceType::Development;
    if let (true, true, Some(token)) = (cross_origin, dev, dev_browser_token) {
        set_param(&mut res, "__clerk_db_jwt", token);
    }
    Some(res.to_string())
}
