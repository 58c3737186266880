//! `URLSearchParams` operations on WHATWG URLs: every change re-serialises the whole query as
//! `application/x-www-form-urlencoded`, and an empty query disappears — exactly what Clerk's
//! `searchParams.delete/append/set` do, so `Location` strings match byte for byte.

use crate::weburl::Url;

/// The decoded query pairs.
pub(crate) fn pairs(url: &Url) -> Vec<(String, String)> {
    url.query_pairs().collect()
}

/// Replaces the query with `pairs`.
pub(crate) fn set_pairs(url: &mut Url, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        url.set_query(None);
        return;
    }
    let serialized = crate::weburl::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    url.set_query(Some(&serialized));
}

/// `searchParams.delete(name)` for each name.
pub(crate) fn remove_params(url: &mut Url, names: &[&str]) {
    let mut kept = pairs(url);
    kept.retain(|(k, _)| !names.contains(&k.as_str()));
    set_pairs(url, &kept);
}

/// `searchParams.append(name, value)`.
pub(crate) fn append_param(url: &mut Url, name: &str, value: &str) {
    let mut all = pairs(url);
    all.push((name.to_owned(), value.to_owned()));
    set_pairs(url, &all);
}

/// `searchParams.set(name, value)`: replaces the first in place, drops the rest, else appends.
pub(crate) fn set_param(url: &mut Url, name: &str, value: &str) {
    let mut all = pairs(url);
    let mut seen = false;
    all.retain_mut(|(k, v)| {
        if k != name {
            return true;
        }
        if seen {
            return false;
        }
        seen = true;
        value.clone_into(v);
        true
    });
    if !seen {
        all.push((name.to_owned(), value.to_owned()));
    }
    set_pairs(url, &all);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserialises_like_url_search_params() {
        let mut u = Url::parse("https://a.example/p?x=a%20b&__clerk_db_jwt=1&y=~").unwrap();
        remove_params(&mut u, &["__clerk_db_jwt"]);
        assert_eq!(u.as_str(), "https://a.example/p?x=a+b&y=%7E");
        let mut u = Url::parse("https://a.example/p?__clerk_db_jwt=1#frag").unwrap();
        remove_params(&mut u, &["__clerk_db_jwt"]);
        assert_eq!(u.as_str(), "https://a.example/p#frag");
    }

    #[test]
    fn set_replaces_in_place() {
        let mut u =
            Url::parse("https://a.example/d?__clerk_synced=false&a=1&__clerk_synced=x").unwrap();
        set_param(&mut u, "__clerk_synced", "true");
        assert_eq!(u.as_str(), "https://a.example/d?__clerk_synced=true&a=1");
        append_param(&mut u, "k", "a/b c");
        assert_eq!(
            u.as_str(),
            "https://a.example/d?__clerk_synced=true&a=1&k=a%2Fb+c"
        );
    }
}
