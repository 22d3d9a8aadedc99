//! Replay tokens: the one string a failure report gives to reproduce it.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use super::pct::{PctScheduler, MAX_PCT_DEPTH};
use super::pos::PosScheduler;
use super::random::RandomScheduler;
use super::round_robin::RoundRobinScheduler;
use super::urw::{Estimates, UrwScheduler};
use crate::rt::{self, Candidate, ExecConfig, Scheduler};

/// A parsed replay token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// The seed of one `Strategy::Random` execution (printed as a plain
    /// number).
    Seed(u64),
    /// One `Strategy::Pct` execution: bug depth, the estimated step count
    /// `k` the change points were drawn over, and the execution's seed.
    /// Printed `pct<depth>:<k>:<seed>`.
    Pct { depth: u32, steps: u64, seed: u64 },
    /// One `Strategy::Pos` execution. Printed `pos:<seed>`.
    Pos { seed: u64 },
    /// One `Strategy::Urw` execution: its seed and the estimated event
    /// counts. Printed `urw1:<seed>:<estimates>` (base64url varints).
    Urw { seed: u64, est: Arc<Estimates> },
    /// One `Strategy::Surw` execution: its seed, the interesting objects
    /// and the estimated interesting-event counts. Printed
    /// `surw1:<seed>:<estimates>` (base64url varints).
    Surw { seed: u64, est: Arc<Estimates> },
    /// The choices of one execution (found by exhaustive exploration): at
    /// each scheduling point with more than one candidate, the index of the
    /// one taken. Printed in the shorter of two versions of the format (see
    /// [`encode_choices`]): `s1:` + base64url of the indices as varints, or
    /// `s2:` + base64url of (index, repeats) pairs, run-length encoded, for
    /// long executions. Both parse.
    Schedule(Vec<u32>),
    /// The one `Strategy::RoundRobin` execution. Printed `rr`.
    RoundRobin,
}

thread_local! {
    /// Why the last schedule-token replay did not fit the program, if it did not.
    static MISFIT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Clears and returns the last schedule replay's misfit (see [`Token::Schedule`]).
pub(crate) fn take_misfit() -> Option<String> {
    MISFIT.with(|m| m.borrow_mut().take())
}

impl Token {
    /// Runs the execution this token names, its scheduler on the stack
    /// (nothing allocated per execution).
    ///
    /// The fairness rule (`rt/fairness.rs`) applies to schedule tokens only,
    /// as it did when the exhaustive search recorded them: whichever
    /// builder replays a token, its choices mean what they meant then.
    pub(crate) fn run(&self, main: &Arc<dyn Fn() + Send + Sync>, cfg: &ExecConfig) {
        let fair = matches!(self, Token::Schedule(_));
        let adjusted;
        let cfg = if cfg.yield_fairness == fair {
            cfg
        } else {
            adjusted = ExecConfig {
                yield_fairness: fair,
                ..cfg.clone()
            };
            &adjusted
        };
        rt::watchdog::set_next_token(match *self {
            Token::Seed(seed) => [rt::watchdog::TOKEN_SEED, seed, 0, 0],
            Token::Pct { depth, steps, seed } => {
                [rt::watchdog::TOKEN_PCT, u64::from(depth), steps, seed]
            }
            Token::Pos { seed } => [rt::watchdog::TOKEN_POS, seed, 0, 0],
            Token::RoundRobin => [rt::watchdog::TOKEN_RR, 0, 0, 0],
            // Too long for the watchdog's fixed slots.
            Token::Schedule(_) | Token::Urw { .. } | Token::Surw { .. } => [0; 4],
        });
        match self {
            Token::Seed(seed) => rt::run_execution(main, cfg, &mut RandomScheduler::new(*seed)),
            Token::Pct { depth, steps, seed } => {
                rt::run_execution(main, cfg, &mut PctScheduler::new(*seed, *depth, *steps))
            }
            Token::Pos { seed } => rt::run_execution(main, cfg, &mut PosScheduler::new(*seed)),
            Token::RoundRobin => rt::run_execution(main, cfg, &mut RoundRobinScheduler::default()),
            Token::Urw { seed, est } | Token::Surw { seed, est } => {
                rt::run_execution(main, cfg, &mut UrwScheduler::new(*seed, est))
            }
            Token::Schedule(choices) => {
                MISFIT.with(|m| *m.borrow_mut() = None);
                rt::run_execution(main, cfg, &mut ScheduleReplay { choices, pos: 0 })
            }
        }
    }

    /// Parses a token as printed in failure reports.
    pub(crate) fn parse(text: &str) -> Result<Token, TokenError> {
        let t = text.trim();
        let err = |reason: String| TokenError {
            token: text.to_string(),
            reason,
            misfit: false,
        };
        if t == "rr" {
            return Ok(Token::RoundRobin);
        }
        if let Some(body) = t.strip_prefix("s1:") {
            return decode_choices(body).map(Token::Schedule).map_err(err);
        }
        if let Some(body) = t.strip_prefix("s2:") {
            return decode_runs(body).map(Token::Schedule).map_err(err);
        }
        for (prefix, selective) in [("urw1:", false), ("surw1:", true)] {
            if let Some(body) = t.strip_prefix(prefix) {
                return parse_urw(body, selective).map_err(|reason| {
                    err(format!(
                        "a {} token is {prefix}<seed>:<estimates>: {reason}",
                        if selective { "SURW" } else { "URW" }
                    ))
                });
            }
        }
        if let Some(body) = t.strip_prefix("pos:") {
            return parse_u64(body)
                .map(|seed| Token::Pos { seed })
                .ok_or_else(|| err(format!("the seed after `pos:` is not a u64: {body:?}")));
        }
        if let Some(body) = t.strip_prefix("pct") {
            let parts: Vec<&str> = body.split(':').collect();
            let parsed = match parts.as_slice() {
                [d, k, seed] => match (d.parse::<u32>(), k.parse::<u64>(), parse_u64(seed)) {
                    (Ok(depth), Ok(steps), Some(seed)) if (1..=MAX_PCT_DEPTH).contains(&depth) => {
                        Some(Token::Pct { depth, steps, seed })
                    }
                    _ => None,
                },
                _ => None,
            };
            return parsed.ok_or_else(|| {
                err(format!(
                    "a PCT token is pct<depth>:<estimated steps>:<seed>, e.g. pct3:120:42 \
                         (depth 1 to {MAX_PCT_DEPTH})"
                ))
            });
        }
        parse_u64(t).map(Token::Seed).ok_or_else(|| {
            err(
                "expected a seed printed by a failure report, a decimal u64 such as \
                 1234567890 (or hexadecimal with 0x), or a token such as s1:..., pct3:120:42, \
                 pos:42, urw1:..., surw1:..."
                    .to_string(),
            )
        })
    }
}

/// The body of a `urw1:` or `surw1:` token.
fn parse_urw(body: &str, selective: bool) -> Result<Token, String> {
    let (seed, est) = body
        .split_once(':')
        .ok_or_else(|| "no `:` after the seed".to_string())?;
    let seed = parse_u64(seed).ok_or_else(|| format!("the seed is not a u64: {seed:?}"))?;
    let est = Arc::new(Estimates::decode(est, selective)?);
    Ok(if selective {
        Token::Surw { seed, est }
    } else {
        Token::Urw { seed, est }
    })
}

fn parse_u64(t: &str) -> Option<u64> {
    if let Some(hex) = t.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse::<u64>().ok()
    } else {
        None
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The most choices a schedule token may expand to (an `s2:` run can be
/// long): far more than any execution within a step limit makes, small
/// enough that no token text allocates gigabytes.
pub(crate) const MAX_CHOICES: usize = 1 << 24;

/// A schedule token's text: `s1:` + [`encode_varints`] of the choices, or,
/// when shorter, `s2:` + [`encode_varints`] of the runs of equal choices as
/// (choice, repeats - 1) pairs. A tie prints `s1:`, so short tokens keep
/// the first version's form.
pub(crate) fn encode_choices(choices: &[u32]) -> String {
    let s1 = encode_varints(choices.iter().copied());
    let mut runs = Vec::new();
    for &c in choices {
        match runs.last_mut() {
            Some((last, n)) if *last == c && *n < u32::MAX => *n += 1,
            _ => runs.push((c, 0u32)),
        }
    }
    let s2 = encode_varints(runs.into_iter().flat_map(|(c, n)| [c, n]));
    if s2.len() < s1.len() {
        format!("s2:{s2}")
    } else {
        format!("s1:{s1}")
    }
}

/// Each value as a LEB128 varint, the bytes in base64url without padding.
pub(crate) fn encode_varints(values: impl Iterator<Item = u32>) -> String {
    let mut bytes = Vec::new();
    for c in values {
        let mut v = c;
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                bytes.push(b);
                break;
            }
            bytes.push(b | 0x80);
        }
    }
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The `s1:` body: the choices.
fn decode_choices(body: &str) -> Result<Vec<u32>, String> {
    let choices = decode_varints(body)?;
    if choices.len() > MAX_CHOICES {
        return Err(format!(
            "the schedule token has more than {MAX_CHOICES} choices"
        ));
    }
    Ok(choices)
}

/// The `s2:` body: (choice, repeats - 1) pairs.
fn decode_runs(body: &str) -> Result<Vec<u32>, String> {
    let values = decode_varints(body)?;
    if values.len() % 2 != 0 {
        return Err(
            "an s2: schedule token is (choice, repeats) pairs; its last pair is incomplete \
             (truncated?)"
                .into(),
        );
    }
    let mut choices = Vec::new();
    for pair in values.chunks(2) {
        let n = pair[1] as usize + 1;
        if choices.len() + n > MAX_CHOICES {
            return Err(format!(
                "the schedule token expands to more than {MAX_CHOICES} choices"
            ));
        }
        choices.resize(choices.len() + n, pair[0]);
    }
    Ok(choices)
}

/// The varints of a base64url body.
pub(crate) fn decode_varints(body: &str) -> Result<Vec<u32>, String> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut bytes = Vec::with_capacity(body.len() * 3 / 4);
    for (i, ch) in body.bytes().enumerate() {
        let v = B64.iter().position(|&b| b == ch).ok_or_else(|| {
            format!(
                "a schedule token is s1: or s2: followed by base64url (A-Z a-z 0-9 - _); \
                 character {} ({:?}) is not",
                i + 1,
                ch as char
            )
        })? as u32;
        bits = bits << 6 | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if nbits >= 6 {
        return Err("the schedule token's length is impossible for base64url (truncated?)".into());
    }
    let mut values = Vec::new();
    let mut v: u64 = 0;
    let mut shift = 0;
    for (i, &b) in bytes.iter().enumerate() {
        v |= ((b & 0x7f) as u64) << shift;
        shift += 7;
        if v > u32::MAX as u64 || shift > 35 {
            return Err(format!(
                "value {} of the schedule token is out of range",
                values.len() + 1
            ));
        }
        if b & 0x80 == 0 {
            values.push(v as u32);
            v = 0;
            shift = 0;
        } else if i + 1 == bytes.len() {
            return Err("the schedule token ends in the middle of a choice (truncated?)".into());
        }
    }
    Ok(values)
}

/// Replays the choices of a [`Token::Schedule`]. A choice that does not fit
/// (an index out of range, or no choice left) is recorded as a misfit
/// (read with [`take_misfit`]) and the first candidate is taken instead;
/// so are choices left over at the end.
struct ScheduleReplay<'a> {
    choices: &'a [u32],
    pos: usize,
}

impl Scheduler for ScheduleReplay<'_> {
    fn choose(&mut self, enabled: &[Candidate]) -> usize {
        let at = self.pos;
        self.pos += 1;
        let misfit = match self.choices.get(at) {
            Some(&c) if (c as usize) < enabled.len() => return c as usize,
            Some(&c) => format!(
                "choice {} of the token is {c}, but that scheduling point has only {} \
                 candidates",
                at + 1,
                enabled.len()
            ),
            None => format!(
                "the token has {} choices, but the program reached a scheduling point \
                 needing choice {}",
                self.choices.len(),
                at + 1
            ),
        };
        MISFIT.with(|m| {
            m.borrow_mut().get_or_insert(misfit);
        });
        0
    }
}

impl Drop for ScheduleReplay<'_> {
    fn drop(&mut self) {
        if self.pos < self.choices.len() {
            let msg = format!(
                "the token has {} choices, but the program made only {}",
                self.choices.len(),
                self.pos
            );
            MISFIT.with(|m| {
                m.borrow_mut().get_or_insert(msg);
            });
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Seed(seed) => write!(f, "{seed}"),
            Token::Pct { depth, steps, seed } => write!(f, "pct{depth}:{steps}:{seed}"),
            Token::Pos { seed } => write!(f, "pos:{seed}"),
            Token::RoundRobin => f.write_str("rr"),
            Token::Urw { seed, est } => write!(f, "urw1:{seed}:{}", est.encode()),
            Token::Surw { seed, est } => write!(f, "surw1:{seed}:{}", est.encode()),
            Token::Schedule(choices) => f.write_str(&encode_choices(choices)),
        }
    }
}

/// A replay token that could not be parsed, or (from [`Builder::trace`]) a
/// schedule token that does not fit the program it was run with
/// ([`TokenError::is_misfit`]).
///
/// [`Builder::trace`]: crate::Builder::trace
///
/// ```
/// let err = sim::Builder::new().replay(|| {}, "banana").unwrap_err();
/// assert!(err.to_string().contains("expected a seed"));
/// let err = sim::Builder::new().replay(|| {}, "s1:&&").unwrap_err();
/// assert!(err.to_string().contains("base64url"));
/// assert!(!err.is_misfit());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    token: String,
    reason: String,
    misfit: bool,
}

impl TokenError {
    /// A well-formed schedule token that does not fit the program: `why`
    /// says where it stopped fitting.
    pub(crate) fn misfit(token: &str, why: String) -> TokenError {
        TokenError {
            token: token.trim().to_string(),
            reason: why,
            misfit: true,
        }
    }

    /// Whether the token was well formed but does not fit the program (a
    /// token of another program, another timing model or `--kill`, or of
    /// the program before it changed), rather than malformed.
    pub fn is_misfit(&self) -> bool {
        self.misfit
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.misfit {
            return write!(
                f,
                "the schedule token {} does not fit this program: {}.\n  Was it printed for \
                 another program, another timing model or --kill, or did the program change \
                 since?",
                self.token, self.reason
            );
        }
        write!(
            f,
            "malformed replay token {:?}: {}",
            self.token, self.reason
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
        for bad in [
            "s1:*",
            "s1:A",
            "s1:_w",
            "s1://///",
            "pct0:1:1",
            "pct3:x:1",
            "pct3",
            "pos:",
            "pos:x",
            "pct4294967295:14:1",
        ] {
            let err = Token::parse(bad).unwrap_err();
            assert!(
                err.to_string().contains("malformed replay token"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn schedule_tokens_round_trip() {
        for choices in [
            vec![],
            vec![0],
            vec![1, 0, 2],
            vec![300, 5, 0, 70000, u32::MAX],
        ] {
            let t = Token::Schedule(choices.clone());
            assert_eq!(Token::parse(&t.to_string()), Ok(t));
        }
        assert_eq!(
            Token::Schedule(vec![0, 1]).to_string(),
            "s1:AAE",
            "short: s1"
        );
    }

    #[test]
    fn long_schedules_are_run_length_encoded_and_parse() {
        let mut choices = vec![0; 100_000];
        choices.extend([1, 2, 1]);
        choices.extend(vec![1; 50_000]);
        let t = Token::Schedule(choices.clone());
        let text = t.to_string();
        assert!(text.starts_with("s2:"), "{text}");
        assert!(text.len() < 40, "{} characters: {text}", text.len());
        assert_eq!(Token::parse(&text), Ok(t));
        // The first version still parses the same choices.
        let s1 = format!("s1:{}", encode_varints(choices.iter().copied()));
        assert_eq!(Token::parse(&s1), Ok(Token::Schedule(choices)));
        // A run past the bound is an error, not an allocation.
        let huge = format!(
            "s2:{}",
            encode_varints([0, u32::MAX, 0, u32::MAX].into_iter())
        );
        let err = Token::parse(&huge).unwrap_err().to_string();
        assert!(err.contains("more than"), "{err}");
        let odd = format!("s2:{}", encode_varints([0].into_iter()));
        assert!(Token::parse(&odd)
            .unwrap_err()
            .to_string()
            .contains("pairs"));
        let t = Token::Pct {
            depth: 3,
            steps: 120,
            seed: 42,
        };
        assert_eq!(t.to_string(), "pct3:120:42");
        assert_eq!(Token::parse("pct3:120:42"), Ok(t));
        assert_eq!(Token::parse("pos:7"), Ok(Token::Pos { seed: 7 }));
        let est = Arc::new(Estimates::new(vec![9, 2, 2], Some(vec![1, 3])));
        for t in [
            Token::Surw {
                seed: 5,
                est: Arc::clone(&est),
            },
            Token::Urw {
                seed: u64::MAX,
                est: Arc::new(Estimates::new(vec![4, 3], None)),
            },
        ] {
            assert_eq!(Token::parse(&t.to_string()), Ok(t));
        }
        for bad in ["surw1:", "surw1:5", "surw1:x:AA", "urw1:5:*", "surw1:5:"] {
            let err = Token::parse(bad).unwrap_err();
            assert!(err.to_string().contains("token is"), "{bad}: {err}");
        }
    }
}
