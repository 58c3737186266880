//! A minimal, strict DER reader for RSA public keys: X.509 `SubjectPublicKeyInfo` and
//! PKCS#1 `RSAPublicKey`, and nothing else.
//!
//! ```text
//! SubjectPublicKeyInfo ::= SEQUENCE {
//!     algorithm  SEQUENCE { OID 1.2.840.113549.1.1.1 (rsaEncryption), NULL or absent },
//!     subjectPublicKey  BIT STRING (0 unused bits) containing RSAPublicKey }
//! RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
//! ```
//!
//! Security: this is a DER (not BER) reader. Definite lengths only, in minimal form; each
//! INTEGER positive and minimally encoded; no bytes after any structure. Every read is
//! bounds-checked through `get`/`split_at_checked`, so truncated or hostile input is an
//! `Err`, never a panic, and the total input is capped at [`MAX_DER_BYTES`].

use std::fmt;

/// Largest DER input accepted (an 8192-bit key's SPKI is about 1,100 bytes).
pub(crate) const MAX_DER_BYTES: usize = 16 * 1024;

/// `rsaEncryption`, 1.2.840.113549.1.1.1, as DER content octets.
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// Why a DER encoding was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DerError {
    /// The algorithm parameters of rsaEncryption are neither NULL nor absent.
    BadAlgorithmParameters,
    /// The BIT STRING holding the key is empty or has unused bits.
    BadBitString,
    /// A NULL has content octets.
    BadNull,
    /// An OBJECT IDENTIFIER is empty, too long or not minimally encoded.
    BadOid,
    /// An INTEGER has no content octets.
    EmptyInteger,
    /// The input is larger than [`MAX_DER_BYTES`].
    InputTooLarge,
    /// An indefinite length (`0x80`), which DER forbids.
    IndefiniteLength,
    /// A length field longer than this reader supports (or the reserved `0xFF`).
    LengthTooLarge,
    /// A negative INTEGER (high bit of the first content octet set).
    NegativeInteger,
    /// A long-form length that should have been shorter (leading zero, or below 128).
    NonMinimalLength,
    /// An INTEGER with a superfluous leading zero octet.
    NonMinimalInteger,
    /// Bytes follow the end of a structure.
    TrailingData,
    /// The input ends inside an element.
    Truncated,
    /// An element with another tag than the structure requires.
    UnexpectedTag {
        /// The tag the structure requires here.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// The key's algorithm is not rsaEncryption; the OID in dotted form.
    UnsupportedAlgorithm(String),
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadAlgorithmParameters => {
                f.write_str("rsaEncryption parameters must be NULL or absent")
            }
            Self::BadBitString => {
                f.write_str("the public key BIT STRING is empty or has unused bits")
            }
            Self::BadNull => f.write_str("NULL with content octets"),
            Self::BadOid => f.write_str("malformed OBJECT IDENTIFIER"),
            Self::EmptyInteger => f.write_str("INTEGER with no content octets"),
            Self::InputTooLarge => write!(f, "DER input larger than {MAX_DER_BYTES} bytes"),
            Self::IndefiniteLength => f.write_str("indefinite length (not DER)"),
            Self::LengthTooLarge => f.write_str("length field too large"),
            Self::NegativeInteger => f.write_str("negative INTEGER"),
            Self::NonMinimalLength => f.write_str("length not minimally encoded (not DER)"),
            Self::NonMinimalInteger => f.write_str("INTEGER not minimally encoded (not DER)"),
            Self::TrailingData => f.write_str("trailing bytes after the end of a structure"),
            Self::Truncated => f.write_str("truncated DER"),
            Self::UnexpectedTag { expected, found } => {
                write!(f, "expected tag 0x{expected:02x}, found 0x{found:02x}")
            }
            Self::UnsupportedAlgorithm(oid) => {
                write!(
                    f,
                    "key algorithm {oid} is not rsaEncryption (1.2.840.113549.1.1.1)"
                )
            }
        }
    }
}

impl std::error::Error for DerError {}

/// Reads an X.509 `SubjectPublicKeyInfo` holding an RSA key. Returns the modulus and the
/// public exponent as big-endian bytes without leading zeros (empty for zero).
pub(crate) fn rsa_public_key_from_spki(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), DerError> {
    let mut outer = Reader::top(der)?;
    let mut spki = Reader::new(outer.element(TAG_SEQUENCE)?);
    outer.finish()?;

    let mut algorithm = Reader::new(spki.element(TAG_SEQUENCE)?);
    let oid = algorithm.element(TAG_OID)?;
    if oid != RSA_ENCRYPTION_OID {
        return Err(DerError::UnsupportedAlgorithm(dotted_oid(oid)?));
    }
    // RFC 3279 §2.3.1: the parameters MUST be NULL; some encoders omit them, which we accept.
    if !algorithm.is_empty() {
        let null = algorithm.element(TAG_NULL).map_err(|e| match e {
            DerError::UnexpectedTag { .. } => DerError::BadAlgorithmParameters,
            other => other,
        })?;
        if !null.is_empty() {
            return Err(DerError::BadNull);
        }
    }
    algorithm.finish()?;

    let bits = spki.element(TAG_BIT_STRING)?;
    spki.finish()?;
    match bits.split_first() {
        Some((0, key)) => rsa_public_key_from_pkcs1(key),
        _ => Err(DerError::BadBitString),
    }
}

/// Reads a PKCS#1 `RSAPublicKey`. Returns the modulus and the public exponent as
/// big-endian bytes without leading zeros (empty for zero).
pub(crate) fn rsa_public_key_from_pkcs1(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), DerError> {
    let mut outer = Reader::top(der)?;
    let mut key = Reader::new(outer.element(TAG_SEQUENCE)?);
    outer.finish()?;
    let n = key.unsigned_integer()?;
    let e = key.unsigned_integer()?;
    key.finish()?;
    Ok((n.to_vec(), e.to_vec()))
}

/// A cursor over DER elements.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(rest: &'a [u8]) -> Self {
        Reader { rest }
    }

    /// The whole input, size-capped first.
    fn top(der: &'a [u8]) -> Result<Self, DerError> {
        if der.len() > MAX_DER_BYTES {
            return Err(DerError::InputTooLarge);
        }
        Ok(Reader::new(der))
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn finish(self) -> Result<(), DerError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DerError::TrailingData)
        }
    }

    /// One element with tag `tag`; returns its content octets.
    fn element(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        let (&found, rest) = self.rest.split_first().ok_or(DerError::Truncated)?;
        if found != tag {
            return Err(DerError::UnexpectedTag {
                expected: tag,
                found,
            });
        }
        let (len, rest) = read_length(rest)?;
        let (content, rest) = rest.split_at_checked(len).ok_or(DerError::Truncated)?;
        self.rest = rest;
        Ok(content)
    }

    /// A non-negative, minimally encoded INTEGER; its magnitude without leading zeros.
    fn unsigned_integer(&mut self) -> Result<&'a [u8], DerError> {
        let content = self.element(TAG_INTEGER)?;
        match content {
            [] => Err(DerError::EmptyInteger),
            [first, ..] if first & 0x80 != 0 => Err(DerError::NegativeInteger),
            [0] => Ok(&[]),
            [0, second, ..] if second & 0x80 == 0 => Err(DerError::NonMinimalInteger),
            [0, magnitude @ ..] => Ok(magnitude),
            magnitude => Ok(magnitude),
        }
    }
}

/// Reads a DER definite length; returns it and the bytes after the length field.
fn read_length(input: &[u8]) -> Result<(usize, &[u8]), DerError> {
    let (&first, rest) = input.split_first().ok_or(DerError::Truncated)?;
    if first < 0x80 {
        return Ok((usize::from(first), rest));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 {
        return Err(DerError::IndefiniteLength);
    }
    // Three length octets already exceed MAX_DER_BYTES; 0xFF (count 127) is reserved.
    if count > 3 {
        return Err(DerError::LengthTooLarge);
    }
    let (octets, rest) = rest.split_at_checked(count).ok_or(DerError::Truncated)?;
    if octets.first() == Some(&0) {
        return Err(DerError::NonMinimalLength);
    }
    let len = octets
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    if len < 0x80 {
        return Err(DerError::NonMinimalLength);
    }
    Ok((len, rest))
}

/// Dotted text of OID content octets, for error messages (at most 32 octets).
fn dotted_oid(content: &[u8]) -> Result<String, DerError> {
    if content.is_empty() || content.len() > 32 || content.last().is_some_and(|b| b & 0x80 != 0) {
        return Err(DerError::BadOid);
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    let mut fresh = true;
    for &b in content {
        if fresh && b == 0x80 {
            return Err(DerError::BadOid);
        }
        value = value
            .checked_mul(128)
            .and_then(|v| v.checked_add(u64::from(b & 0x7f)))
            .ok_or(DerError::BadOid)?;
        fresh = b & 0x80 == 0;
        if fresh {
            arcs.push(value);
            value = 0;
        }
    }
    let mut text = String::new();
    for (i, arc) in arcs.iter().enumerate() {
        let piece = match (i, *arc) {
            (0, v) if v < 40 => format!("0.{v}"),
            (0, v) if v < 80 => format!("1.{}", v - 40),
            (0, v) => format!("2.{}", v - 80),
            (_, v) => format!(".{v}"),
        };
        text.push_str(&piece);
    }
    Ok(text)
}

// The explicit path lets `benches/rsa.rs` compile this file in by `#[path]` as well.
#[cfg(test)]
#[path = "der/tests.rs"]
mod tests;
