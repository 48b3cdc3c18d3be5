//! Ids, codes and secrets. One ChaCha generator, seeded from the OS or, for
//! tests and simulated fleets, from a number, so the same seed gives the
//! same ids.

use parking_lot::Mutex;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

pub struct Ids {
    rng: Mutex<ChaCha20Rng>,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// The characters of AWS secret access keys.
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Ids {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => ChaCha20Rng::seed_from_u64(seed),
            None => ChaCha20Rng::from_os_rng(),
        };
        Self {
            rng: Mutex::new(rng),
        }
    }

    /// 32 random bytes, for keys that live only in this process.
    pub fn key(&self) -> [u8; 32] {
        let mut key = [0; 32];
        self.rng.lock().fill_bytes(&mut key);
        key
    }

    /// `mi-` and 17 lowercase hex characters.
    pub fn instance_id(&self) -> String {
        let mut rng = self.rng.lock();
        let n: u128 = rng.random::<u128>() & ((1u128 << 68) - 1);
        format!("mi-{n:017x}")
    }

    /// A lowercase random (version 4) UUID.
    pub fn uuid(&self) -> String {
        let mut bytes = [0; 16];
        self.rng.lock().fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    pub fn activation_code(&self) -> String {
        self.text(ALNUM, 20)
    }

    pub fn access_key_id(&self) -> String {
        format!("SNODE{}", self.text(UPPER_ALNUM, 15))
    }

    pub fn secret(&self) -> String {
        self.text(ALNUM, 40)
    }

    /// A user's access key id: `AKIA` and 16 upper-case characters, as AWS's.
    pub fn user_access_key_id(&self) -> String {
        format!("AKIA{}", self.text(UPPER_ALNUM, 16))
    }

    /// A user's unique id: `AIDA` and 17 upper-case characters, as IAM's.
    pub fn user_id(&self) -> String {
        format!("AIDA{}", self.text(UPPER_ALNUM, 17))
    }

    /// A user's secret access key: 40 characters of base64, as AWS's.
    pub fn secret_access_key(&self) -> String {
        self.text(SECRET_CHARS, 40)
    }

    fn text(&self, alphabet: &[u8], len: usize) -> String {
        let mut rng = self.rng.lock();
        (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;

    #[test]
    fn ids_have_the_wire_shapes_and_repeat_under_a_seed() {
        let a = Ids::new(Some(5));
        let b = Ids::new(Some(5));
        let id = a.instance_id();
        assert!(validate::is_managed_instance_id(&id), "{id}");
        assert_eq!(id, b.instance_id());
        let activation = a.uuid();
        assert!(validate::is_activation_id(&activation), "{activation}");
        assert_eq!(a.activation_code().len(), 20);
        let key = a.user_access_key_id();
        assert!(key.starts_with("AKIA") && key.len() == 20, "{key}");
        assert!(
            key.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(a.user_id().len(), 21);
        assert_eq!(a.secret_access_key().len(), 40);
    }
}
