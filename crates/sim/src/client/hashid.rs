//! Pterodactyl shows client database ids as hashids (`"bEY4yAD5"`: 8 characters, salted per
//! installation) and accepts them, or plain digits, in paths. The sim's hashids are its own
//! reversible encoding with the same look: a letter, then seven base-62 digits.

const LETTERS: &[u8] = b"bEYyADLkmQvwZrTxGnHJKsWfUVcdeghijlopqtuzaBCFIMNOPRSX";
const DIGITS62: &[u8] = b"Lk9mQ2vDbEY4yA5Z7wqrTxGnHJKsWf3UVcde1ghij6opt8uzaBCFIMNOPRSX0l";
/// The ids' space: 2^47 (the encoding's capacity is a little more).
const MASK: u64 = (1 << 47) - 1;
const MULTIPLIER: u64 = 0x5DEE_CE66D;
const SALT: u64 = 0x1B_7F3A_92C4;

fn inverse(a: u64) -> u64 {
    // Newton's iteration for the inverse of an odd number modulo 2^64.
    let mut x = a;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
    }
    x
}

/// The hashid of a database id.
pub fn encode(id: u64) -> String {
    let mut x = (id.wrapping_mul(MULTIPLIER).wrapping_add(SALT)) & MASK;
    let letters = LETTERS.len() as u64;
    let mut out = vec![LETTERS[(x % letters) as usize]];
    x /= letters;
    let mut digits = Vec::with_capacity(7);
    for _ in 0..7 {
        digits.push(DIGITS62[(x % 62) as usize]);
        x /= 62;
    }
    out.extend(digits.iter().rev());
    String::from_utf8(out).unwrap_or_default()
}

/// The id a hashid stands for (None for anything [`encode`] cannot have produced).
pub fn decode(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let first = LETTERS.iter().position(|c| *c == b[0])? as u64;
    let mut rest: u64 = 0;
    for c in &b[1..] {
        rest = rest * 62 + DIGITS62.iter().position(|x| x == c)? as u64;
    }
    let x = rest.checked_mul(LETTERS.len() as u64)?.checked_add(first)?;
    if x > MASK {
        return None;
    }
    let id = (x.wrapping_sub(SALT) & MASK).wrapping_mul(inverse(MULTIPLIER)) & MASK;
    (encode(id) == s).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashids_round_trip_and_look_like_the_panels() {
        for id in [1u64, 2, 15, 999, 123_456, 1 << 40] {
            let h = encode(id);
            assert_eq!(h.len(), 8, "{h}");
            assert!(h.as_bytes()[0].is_ascii_alphabetic(), "{h}");
            assert!(h.bytes().all(|c| c.is_ascii_alphanumeric()), "{h}");
            assert_eq!(decode(&h), Some(id), "{h}");
        }
        assert_ne!(encode(1), encode(2));
        assert_eq!(decode("12345678"), None);
        assert_eq!(decode("short"), None);
    }
}
