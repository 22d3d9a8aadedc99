//! The `sim` binary's checks of what it is given (issue 17): tokens that
//! do not fit the scenario, trace files, report files, flags.

use crate::cli::{sim, stderr, stdout};

/// A token of the right form that does not fit the scenario is an error
/// (non-zero exit, a message saying so) for every command that runs one.
#[test]
fn replay_dot_and_timeline_reject_a_token_that_does_not_fit() {
    let cases: [&[&str]; 3] = [
        // Too many choices for lock_order.
        &["lock_order", "s1:AAAAAAAAAAAAAQEBAAA"],
        // Choices out of range (127, 127, 127).
        &["condition", "s1:fwfwfw", "--timing", "adversarial"],
        // Too few choices: a token of another program (the library's tests'
        // lock_order has one scheduling point fewer).
        &["lock_order", "s1:AAE"],
    ];
    for command in ["replay", "dot", "timeline"] {
        for case in cases {
            let args: Vec<&str> = [command].iter().chain(case).copied().collect();
            let o = sim(&args);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{args:?}: {}{}",
                stdout(&o),
                stderr(&o)
            );
            assert!(
                stderr(&o).contains("does not fit this program"),
                "{args:?}: {}",
                stderr(&o)
            );
        }
    }
    // Not a token at all: an error too.
    let o = sim(&[
        "replay",
        "condition",
        "s1:zzzzzzzzzzzzzzzz",
        "--timing",
        "adversarial",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("malformed replay token"),
        "{}",
        stderr(&o)
    );
    // The token that does fit still replays.
    let o = sim(&["replay", "lock_order", "s1:AAAB"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("Deadlock"), "{}", stdout(&o));
}
