//! SSH public keys as the panels take them (`StoreSSHKeyRequest`, phpseclib): an OpenSSH
//! `type base64 [comment]` line is parsed, DSA keys and RSA keys under 2048 bits are refused,
//! the key is stored as a PKCS#8 PEM and identified by its `SHA256:` fingerprint. Other key
//! formats phpseclib also reads (PEM, PuTTY) are refused here as unreadable.

use super::digest::sha256;

/// A readable public key.
pub struct PublicKey {
    pub fingerprint: String,
    pub pem: String,
    pub kind: Kind,
}

#[derive(Debug, PartialEq)]
pub enum Kind {
    Rsa { bits: usize },
    Dsa,
    Ed25519,
    Ecdsa,
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        acc = (acc << 6) | A.iter().position(|x| *x == c)? as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Standard base64 with padding.
fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The length-prefixed strings of an SSH wire blob.
fn wire_fields(mut blob: &[u8]) -> Option<Vec<&[u8]>> {
    let mut fields = Vec::new();
    while !blob.is_empty() {
        let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
        fields.push(blob.get(4..4 + len)?);
        blob = &blob[4 + len..];
    }
    Some(fields)
}

/// A DER element.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 128 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn der_integer(mpint: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let mut m = mpint;
        while m.len() > 1 && m[0] == 0 && m[1] & 0x80 == 0 {
            m = &m[1..];
        }
        m
    };
    der(0x02, trimmed)
}

/// SubjectPublicKeyInfo of a key: algorithm identifier (DER) and the key bits.
fn spki(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(key);
    let mut body = der(0x30, algorithm);
    body.extend(der(0x03, &bits));
    der(0x30, &body)
}

fn pem(der_bytes: &[u8]) -> String {
    let b64 = base64(der_bytes);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\r\n{}\r\n-----END PUBLIC KEY-----",
        lines.join("\r\n")
    )
}

const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

fn curve_oid(name: &[u8]) -> Option<&'static [u8]> {
    match name {
        b"nistp256" => Some(&[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]),
        b"nistp384" => Some(&[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]),
        b"nistp521" => Some(&[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23]),
        _ => None,
    }
}

/// Reads an OpenSSH public key line; None when it is not one.
pub fn parse(text: &str) -> Option<PublicKey> {
    let mut parts = text.split_whitespace();
    let (kind, data) = (parts.next()?, parts.next()?);
    let blob = base64_decode(data)?;
    let fields = wire_fields(&blob)?;
    if fields.first()? != &kind.as_bytes() {
        return None;
    }
    let (kind, der_bytes) = match kind {
        "ssh-rsa" => {
            let (e, n) = (fields.get(1)?, fields.get(2)?);
            let significant = n.iter().skip_while(|b| **b == 0).count();
            let bits = significant * 8
                - n.iter()
                    .find(|b| **b != 0)
                    .map(|b| b.leading_zeros() as usize)
                    .unwrap_or(8);
            let mut rsa = der_integer(n);
            rsa.extend(der_integer(e));
            let mut alg = OID_RSA.to_vec();
            alg.extend([0x05, 0x00]);
            (Kind::Rsa { bits }, spki(&alg, &der(0x30, &rsa)))
        }
        "ssh-dss" => (Kind::Dsa, Vec::new()),
        "ssh-ed25519" => (Kind::Ed25519, spki(OID_ED25519, fields.get(1)?)),
        k if k.starts_with("ecdsa-sha2-") => {
            let mut alg = OID_EC.to_vec();
            alg.extend_from_slice(curve_oid(fields.get(1)?)?);
            (Kind::Ecdsa, spki(&alg, fields.get(2)?))
        }
        _ => return None,
    };
    let digest = base64(&sha256(&blob));
    Some(PublicKey {
        fingerprint: format!("SHA256:{}", digest.trim_end_matches('=')),
        pem: pem(&der_bytes),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ssh-keygen -t ed25519` output (a throwaway key) and its fingerprint as
    /// `ssh-keygen -lf` prints it.
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmB1NFe6QNAn2hm3M0jhUeXvfM5nDUuSWeRm5NbjjvT test@example";

    #[test]
    fn openssh_lines_are_read_and_fingerprinted() {
        let k = parse(ED25519).expect("an ed25519 key");
        assert_eq!(k.kind, Kind::Ed25519);
        assert!(k.fingerprint.starts_with("SHA256:") && k.fingerprint.len() == 50);
        assert!(
            k.pem
                .starts_with("-----BEGIN PUBLIC KEY-----\r\nMCowBQYDK2VwAyEA")
        );
        assert!(parse("ssh-ed25519 not-base64!").is_none());
        assert!(parse("hello").is_none());
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
    }
}
