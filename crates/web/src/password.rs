//! The console password: an argon2 hash (a PHC string such as
//! `$argon2id$v=19$...`) from the configuration, checked at load, and a
//! password checked against it off the async runtime, since argon2 is slow
//! by design. Neither the password nor its hash is ever shown by `Debug`.

use std::fmt;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};

/// Passwords longer than this are refused without hashing them.
const MAX_PASSWORD_LEN: usize = 1024;

/// What is wrong with a password hash, or why none could be made.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The text is not an argon2 PHC string.
    #[error(
        "not an argon2 password hash ({0}): it is a PHC string such as \"$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH\""
    )]
    NotArgon2(String),
    /// An empty password was given to hash.
    #[error("the password is empty")]
    Empty,
    /// No randomness for a salt.
    #[error("no random bytes for a salt: {0}")]
    Random(String),
    /// The hash could not be computed.
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

/// The argon2 hash the console password is checked against. Its `Debug`
/// never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsolePassword(Arc<str>);

impl ConsolePassword {
    /// Checks that `phc` is an argon2 PHC string that can verify a password
    /// (a known variant and version, parameters in range, a salt and a hash).
    ///
    /// # Errors
    ///
    /// When it is not; the message says what is wrong, never the text.
    pub fn parse(phc: &str) -> Result<Self, PasswordError> {
        let phc = phc.trim();
        let hash =
            PasswordHash::new(phc).map_err(|error| PasswordError::NotArgon2(error.to_string()))?;
        argon2::Algorithm::try_from(hash.algorithm).map_err(|_| {
            PasswordError::NotArgon2(format!("the algorithm is {:?}", hash.algorithm.as_str()))
        })?;
        if let Some(version) = hash.version {
            argon2::Version::try_from(version)
                .map_err(|error| PasswordError::NotArgon2(error.to_string()))?;
        }
        argon2::Params::try_from(&hash)
            .map_err(|error| PasswordError::NotArgon2(error.to_string()))?;
        if hash.salt.is_none() || hash.hash.is_none() {
            return Err(PasswordError::NotArgon2(
                "it has no salt or no hash".to_owned(),
            ));
        }
        Ok(ConsolePassword(Arc::from(phc)))
    }

    /// Whether `password` is the one hashed, computed on a blocking thread.
    pub(crate) async fn verifies(&self, password: &str) -> bool {
        if password.is_empty() || password.len() > MAX_PASSWORD_LEN {
            return false;
        }
        let phc = Arc::clone(&self.0);
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || verify(&phc, &password))
            .await
            .unwrap_or(false)
    }
}

impl fmt::Debug for ConsolePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConsolePassword(…)")
    }
}

/// Whether `password` verifies against the PHC string `phc`.
fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Hashes `password` with argon2id, its default parameters and a random
/// salt; the PHC string to put in the configuration.
///
/// # Errors
///
/// When the password is empty or the system has no randomness to give.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.is_empty() {
        return Err(PasswordError::Empty);
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| PasswordError::Random(error.to_string()))?;
    let salt =
        SaltString::encode_b64(&bytes).map_err(|error| PasswordError::Hash(error.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordError::Hash(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_made_here_verifies_its_password_and_no_other() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        let password = ConsolePassword::parse(&phc).unwrap();
        assert!(password.verifies("correct horse").await);
        assert!(!password.verifies("correct horse ").await);
        assert!(!password.verifies("").await);
        assert!(!format!("{password:?}").contains("argon2"));
        assert!(matches!(hash_password(""), Err(PasswordError::Empty)));
    }

    #[test]
    fn what_is_not_an_argon2_hash_is_refused_without_echoing_it() {
        for bad in [
            "",
            "hunter2",
            "$2b$12$abcdefghijklmnopqrstuv",
            "$argon2id$v=19$m=8,t=1,p=1",
            "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$scrypt$ln=16,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            let error = ConsolePassword::parse(bad).unwrap_err().to_string();
            assert!(
                error.starts_with("not an argon2 password hash"),
                "{bad}: {error}"
            );
            assert!(bad.is_empty() || !error.contains(bad), "{error}");
        }
    }
}
