//! Replay tokens: the one string a failure report gives to reproduce it.

use std::fmt;

use super::random::RandomScheduler;
use crate::rt::Scheduler;

/// A parsed replay token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    /// The seed of one `Strategy::Random` execution.
    Seed(u64),
}

impl Token {
    /// A fresh scheduler that makes the execution this token names.
    pub(crate) fn scheduler(self) -> Box<dyn Scheduler> {
        match self {
            Token::Seed(seed) => Box::new(RandomScheduler::new(seed)),
        }
    }

    /// Parses a token as printed in failure reports.
    pub(crate) fn parse(text: &str) -> Result<Token, TokenError> {
        let t = text.trim();
        let parsed = if let Some(hex) = t.strip_prefix("0x") {
            u64::from_str_radix(hex, 16).ok()
        } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse::<u64>().ok()
        } else {
            None
        };
        parsed.map(Token::Seed).ok_or_else(|| TokenError {
            token: text.to_string(),
        })
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Seed(seed) => write!(f, "{seed}"),
        }
    }
}

/// A replay token that could not be parsed.
///
/// ```
/// let err = sim::Builder::new().replay(|| {}, "banana").unwrap_err();
/// assert!(err.to_string().contains("expected a seed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    token: String,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed replay token {:?}: expected a seed printed by a failure report, \
             a decimal u64 such as 1234567890 (or hexadecimal with 0x)",
            self.token
        )
    }
}

impl std::error::Error for TokenError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_and_hex_seeds() {
        assert_eq!(Token::parse("42"), Ok(Token::Seed(42)));
        assert_eq!(Token::parse(" 0x2a\n"), Ok(Token::Seed(42)));
        assert_eq!(
            Token::parse(&u64::MAX.to_string()),
            Ok(Token::Seed(u64::MAX))
        );
    }

    #[test]
    fn rejects_garbage_with_a_clear_message() {
        for bad in ["", "-1", "12a", "18446744073709551616", "s9:zz", "0x"] {
            let err = Token::parse(bad).unwrap_err();
            assert!(err.to_string().contains("expected a seed"), "{bad}: {err}");
        }
    }
}
