//! Minting RS256 tokens from a private key — for the demo, tests and benchmarks only.
//! Verification never needs this module (it is behind the `mint` feature).

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use serde_json::Value;
use sha2::Sha256;

use crate::util::b64url_encode;

/// An RS256 signer.
#[derive(Clone)]
pub struct Minter {
    key: SigningKey<Sha256>,
}

impl std::fmt::Debug for Minter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Minter { .. }")
    }
}

impl Minter {
    /// Reads a PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &str) -> Result<Minter, String> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| format!("not an RSA private key: {e}"))?;
        Ok(Minter {
            key: SigningKey::<Sha256>::new(key),
        })
    }

    /// Signs `header.payload` (JSON values serialised compactly) and returns the token.
    pub fn mint(&self, header: &Value, payload: &Value) -> String {
        let signing_input = format!(
            "{}.{}",
            b64url_encode(crate::json::to_string(header).as_bytes()),
            b64url_encode(crate::json::to_string(payload).as_bytes())
        );
        let sig = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", b64url_encode(&sig.to_bytes()))
    }
}
