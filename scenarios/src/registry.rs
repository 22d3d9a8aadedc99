//! The registry: every scenario with its description, source cell and
//! expected verdicts.

use sim::FailureKind;

use crate::verdict::{Expected, KillVerdict};

/// One of the notebook's programs.
///
/// ```
/// for s in scenarios::all() {
///     assert!(!s.description.is_empty());
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Its name on the command line (`sim run <name>`).
    pub name: &'static str,
    /// One line saying what it does.
    pub description: &'static str,
    /// The notebook cell it ports (`In [17]`), or `variant of In [n]`.
    pub cell: &'static str,
    /// The program: `MainThread`'s body.
    pub body: fn(),
    /// Expected verdict under `Timing::Exact`, with the scenario's own
    /// [`Scenario::kills`].
    pub exact: Expected,
    /// Expected verdict under `Timing::Adversarial` (own kills), when stated.
    pub adversarial: Option<Expected>,
    /// Expected verdicts under other kill counts (see
    /// [`Scenario::expected_with`]); empty when kills change nothing (a
    /// scenario without processes has nothing to kill).
    pub other_kills: &'static [KillVerdict],
    /// Random executions that establish the verdict where it is not
    /// proved exhaustively (see [`Scenario::proof`]), and the default
    /// count for other strategies.
    pub executions: u64,
    /// What the notebook printed for it (timestamps stripped, lines printed
    /// by other cells' threads left out), when it shows output.
    pub notebook_output: Option<&'static str>,
    /// Processes the explorer may kill per execution (`Faults::Kill`),
    /// 0 for none.
    pub kills: u32,
    /// The strategy whose exploration establishes the verdicts.
    pub proof: Proof,
}

/// Which strategy establishes a scenario's verdict: exhaustive exploration
/// (the whole space, `Report::complete`) wherever the space is small
/// enough, else [`Scenario::executions`] random executions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// Exhaustive under both timing models.
    Exhaustive,
    /// Random under both: the space is too big (7 barrier runners, whose
    /// leaves and identical prints the reduction orders in every way;
    /// processes, whose operations exhaustive exploration covers without
    /// partial-order reduction).
    Random,
}

/// The execution budget of an exhaustive proof: far above what any
/// scenario marked [`Proof::Exhaustive`] needs (the largest, `my_thread`
/// under adversarial timing, explored without reduction, takes 256,508), so a proof
/// that hits it says `complete: false` instead of running for ever.
pub const EXHAUSTIVE_BUDGET: u64 = 1_000_000;

impl Scenario {
    /// The strategy that proves its verdict under `timing` (today the same
    /// under both timing models).
    ///
    /// ```
    /// use sim::{Strategy, Timing};
    /// let s = scenarios::find("event").unwrap();
    /// assert_eq!(s.strategy(Timing::Adversarial), Strategy::Exhaustive);
    /// let s = scenarios::find("barrier").unwrap();
    /// assert_eq!(s.strategy(Timing::Exact), Strategy::Random);
    /// ```
    pub fn strategy(&self, _timing: sim::Timing) -> sim::Strategy {
        match self.proof {
            Proof::Exhaustive => sim::Strategy::Exhaustive,
            Proof::Random => sim::Strategy::Random,
        }
    }

    /// The expected verdict under `timing` with the scenario's own
    /// [`Scenario::kills`] (unstated adversarial verdicts are the exact
    /// one: a program without sleeps does not depend on time).
    ///
    /// ```
    /// use sim::{FailureKind, Timing};
    /// use scenarios::Expected;
    /// let s = scenarios::find("condition").unwrap();
    /// assert_eq!(s.expected(Timing::Exact), Expected::NoFailure);
    /// assert_eq!(s.expected(Timing::Adversarial), Expected::Failure(FailureKind::Deadlock));
    /// ```
    pub fn expected(&self, timing: sim::Timing) -> Expected {
        match timing {
            sim::Timing::Adversarial => self.adversarial.unwrap_or(self.exact),
            _ => self.exact,
        }
    }

    /// The expected verdict under `timing` with `--kill kills`: that of the
    /// largest stated kill count at most `kills` (the scenario's own
    /// [`Scenario::kills`] or one of [`Scenario::other_kills`]), `None` if
    /// none is. A kill count is an upper bound (the explorer may kill up to
    /// that many processes, at any scheduling point), so a failure found
    /// with K kills is still found with more; the registry's test checks
    /// every scenario's verdicts with `--kill` 0, 1 and 2.
    ///
    /// ```
    /// use sim::{FailureKind, Timing};
    /// use scenarios::Expected;
    /// let s = scenarios::find("process_pool_sum").unwrap();
    /// assert_eq!(s.expected_with(Timing::Exact, 0), Some(Expected::NoFailure));
    /// let dead = Some(Expected::Failure(FailureKind::Deadlock));
    /// assert_eq!(s.expected_with(Timing::Exact, 1), dead);
    /// assert_eq!(s.expected_with(Timing::Adversarial, 5), dead);
    /// // A scenario without processes: kills change nothing.
    /// let lock = scenarios::find("lock").unwrap();
    /// assert_eq!(lock.expected_with(Timing::Exact, 3), Some(Expected::NoFailure));
    /// ```
    pub fn expected_with(&self, timing: sim::Timing, kills: u32) -> Option<Expected> {
        let own = (self.kills <= kills).then(|| (self.kills, self.expected(timing)));
        let other = self
            .other_kills
            .iter()
            .filter(|v| v.kills <= kills)
            .map(|v| {
                let want = match timing {
                    sim::Timing::Adversarial => v.adversarial,
                    _ => v.exact,
                };
                (v.kills, want)
            });
        own.into_iter()
            .chain(other)
            .max_by_key(|&(k, _)| k)
            .map(|(_, want)| want)
    }

    /// A builder that explores it as its verdict is proved under `timing`:
    /// its name, faults, the proving strategy and its executions (the
    /// scenario's random count, or [`EXHAUSTIVE_BUDGET`]).
    ///
    /// ```
    /// let s = scenarios::find("lock_order").unwrap();
    /// let report = s.builder(sim::Timing::Exact).explore(s.body);
    /// assert!(s.exact.matches(&report));
    /// let s = scenarios::find("lock").unwrap();
    /// assert!(s.builder(sim::Timing::Exact).explore(s.body).complete);
    /// ```
    pub fn builder(&self, timing: sim::Timing) -> sim::Builder {
        let strategy = self.strategy(timing);
        sim::Builder::new()
            .name(self.name)
            .timing(timing)
            .faults(self.faults())
            .strategy(strategy)
            .executions(self.executions_for(strategy))
    }

    /// The executions an exploration of it under `strategy` runs by
    /// default: [`EXHAUSTIVE_BUDGET`] at most for exhaustive exploration
    /// (it ends when the space is covered), else [`Scenario::executions`].
    ///
    /// ```
    /// let s = scenarios::find("barrier").unwrap();
    /// assert_eq!(s.executions_for(sim::Strategy::Random), s.executions);
    /// assert_eq!(s.executions_for(sim::Strategy::Exhaustive), scenarios::EXHAUSTIVE_BUDGET);
    /// ```
    pub fn executions_for(&self, strategy: sim::Strategy) -> u64 {
        match strategy {
            sim::Strategy::Exhaustive => EXHAUSTIVE_BUDGET,
            _ => self.executions,
        }
    }

    /// The faults its exploration injects (from [`Scenario::kills`]).
    ///
    /// ```
    /// let s = scenarios::find("process_kill_lock").unwrap();
    /// assert_eq!(s.faults(), sim::Faults::Kill { max: 1 });
    /// assert_eq!(scenarios::find("lock").unwrap().faults(), sim::Faults::None);
    /// ```
    pub fn faults(&self) -> sim::Faults {
        faults(self.kills)
    }
}

/// `Faults::Kill { max: kills }`, or no faults for 0.
///
/// ```
/// assert_eq!(scenarios::faults(0), sim::Faults::None);
/// assert_eq!(scenarios::faults(2), sim::Faults::Kill { max: 2 });
/// ```
pub fn faults(kills: u32) -> sim::Faults {
    if kills == 0 {
        sim::Faults::None
    } else {
        sim::Faults::Kill { max: kills }
    }
}

/// Every scenario, in notebook order.
///
/// ```
/// assert!(scenarios::all().iter().any(|s| s.name == "rlock"));
/// ```
pub fn all() -> &'static [Scenario] {
    SCENARIOS
}

/// The scenario called `name`.
///
/// ```
/// assert!(scenarios::find("lock").is_some());
/// assert!(scenarios::find("no-such-thing").is_none());
/// ```
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// Removes `ctime` timestamps (`Tue Sep  4 16:44:50 2018`) from `text`, so
/// that outputs compare without them.
///
/// ```
/// assert_eq!(scenarios::strip_ctime("Thread-1: Tue Sep  4 16:44:50 2018\n"), "Thread-1: \n");
/// ```
pub fn strip_ctime(text: &str) -> String {
    text.lines()
        .map(|line| match line.len().checked_sub(24) {
            Some(at) if line.is_char_boundary(at) && is_ctime(&line[at..]) => &line[..at],
            _ => line,
        })
        .fold(String::new(), |mut out, line| {
            out.push_str(line);
            out.push('\n');
            out
        })
}

/// Whether `s` has the shape `Www Mmm dd hh:mm:ss yyyy`.
fn is_ctime(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b[3] == b' '
        && b[7] == b' '
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b' '
        && b[..3].iter().all(u8::is_ascii_alphabetic)
        && b[4..7].iter().all(u8::is_ascii_alphabetic)
        && b[20..].iter().all(u8::is_ascii_digit)
}

use crate::{
    barrier, condition, event, gil, lock, lock_order, print_time, processes, rlock, semaphore,
    timer,
};

/// With a kill, a process that sends its result (a sum, a pong) may die
/// before it does: the parent waits for ever.
const KILLED_DEADLOCK: KillVerdict = KillVerdict {
    kills: 1,
    exact: Expected::Failure(FailureKind::Deadlock),
    adversarial: Expected::Failure(FailureKind::Deadlock),
};

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "print_time",
        description: "two threads print the time five times, delays 2 s and 4 s, no join",
        cell: "In [24]",
        body: print_time::print_time,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 2000,
        notebook_output: Some(print_time::NOTEBOOK_24),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "my_thread",
        description:
            "Thread subclass printing 5 times (delays 1 s and 2 s); the main thread exits first",
        cell: "In [16]",
        body: print_time::my_thread,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 2000,
        notebook_output: Some(print_time::NOTEBOOK_16),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "lock",
        description: "a class-level Lock taken with acquire/release around three timed prints",
        cell: "In [17]",
        body: lock::lock_acquire_release,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 2000,
        notebook_output: Some(lock::NOTEBOOK_17),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "lock_with",
        description: "the same with `with lock:` (a guard)",
        cell: "In [25]",
        body: lock::lock_with,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 2000,
        notebook_output: Some(lock::NOTEBOOK_25),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "rlock",
        description: "an RLock acquired again through recursion",
        cell: "RLock paragraph (after In [17])",
        body: rlock::rlock_recursion,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 2000,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "lock_reentry",
        description: "the same recursion with a plain Lock: the thread deadlocks on itself",
        cell: "variant of the RLock paragraph",
        body: rlock::lock_reentry,
        exact: Expected::Failure(FailureKind::Deadlock),
        adversarial: Some(Expected::Failure(FailureKind::Deadlock)),
        other_kills: &[],
        executions: 100,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "condition",
        description:
            "two consumers wait on a Condition, a producer notifies all; sleep(2) between starts",
        cell: "In [5]",
        body: condition::condition,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::Failure(FailureKind::Deadlock)),
        other_kills: &[],
        executions: 2000,
        notebook_output: Some(condition::NOTEBOOK_5),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "semaphore",
        description: "a writer and a reader hand words over a list with two Semaphores",
        cell: "In [6]",
        body: semaphore::semaphore,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 2000,
        notebook_output: Some(semaphore::NOTEBOOK_6),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "event",
        description: "foo sets an Event, bar polls it with wait(1): 3 or 4 'Waiting ...' lines",
        cell: "In [7]",
        body: event::event,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 2000,
        notebook_output: Some(event::NOTEBOOK_7),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "timer",
        description: "Timer(5, hello) started; prints 'hello, world' at 5 s",
        cell: "In [23]",
        body: timer::timer,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 200,
        notebook_output: Some(timer::NOTEBOOK_23),
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "timer_cancel",
        description: "Timer(5, hello) cancelled at 5 s: fires or not, both outcomes possible",
        cell: "variant of In [23]",
        body: timer::timer_cancel,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 500,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "barrier",
        description: "7 runners meet at a Barrier(7), a commentator prints n_waiting every second",
        cell: "In [22]",
        body: barrier::barrier,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 1000,
        notebook_output: Some(barrier::NOTEBOOK_22),
        kills: 0,
        proof: Proof::Random,
    },
    Scenario {
        name: "barrier_short",
        description: "Barrier(7) with only 6 runners: they wait forever",
        cell: "variant of In [22]",
        body: barrier::barrier_short,
        exact: Expected::Failure(FailureKind::Deadlock),
        adversarial: Some(Expected::Failure(FailureKind::Deadlock)),
        other_kills: &[],
        executions: 100,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "gil_counter",
        description: "threads doing `count += 1` (read, then write) on a shared global",
        cell: "GIL section",
        body: gil::gil_counter,
        exact: Expected::Failure(FailureKind::DataRace),
        adversarial: Some(Expected::Failure(FailureKind::DataRace)),
        other_kills: &[],
        executions: 100,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "gil_counter_locked",
        description: "the same increments under a Lock",
        cell: "GIL section",
        body: gil::gil_counter_locked,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[],
        executions: 5000,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "lock_order",
        description: "two threads take two Locks in opposite orders",
        cell: "Cons: 'manual use of synchronization primitives'",
        body: lock_order::lock_order,
        exact: Expected::Failure(FailureKind::Deadlock),
        adversarial: Some(Expected::Failure(FailureKind::Deadlock)),
        other_kills: &[],
        executions: 5000,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "process_pool_sum",
        description: "4 processes sum quarters of 0..1e6 and send them over a process Queue",
        cell: "Multiprocessing pros: 'a must for CPU-bound processing'",
        body: processes::process_pool_sum,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[KILLED_DEADLOCK],
        executions: 1000,
        notebook_output: None,
        kills: 0,
        proof: Proof::Random,
    },
    Scenario {
        name: "process_global_counter",
        description: "3 child processes increment a global; the parent still prints 0",
        cell: "Multiprocessing pros: 'separate memory space'",
        body: processes::process_global_counter,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[KillVerdict {
            // A killed child prints less; the parent's 0 stands.
            kills: 1,
            exact: Expected::NoFailure,
            adversarial: Expected::NoFailure,
        }],
        executions: 1000,
        notebook_output: None,
        kills: 0,
        proof: Proof::Random,
    },
    Scenario {
        name: "process_kill_lock",
        description: "a child killed while holding a process Lock: the parent blocks forever",
        cell: "Multiprocessing pros: 'child processes are interruptible/killable'",
        body: processes::process_kill_lock,
        exact: Expected::Failure(FailureKind::Deadlock),
        adversarial: Some(Expected::Failure(FailureKind::Deadlock)),
        other_kills: &[KillVerdict {
            // Not killed, the child releases the lock.
            kills: 0,
            exact: Expected::NoFailure,
            adversarial: Expected::NoFailure,
        }],
        executions: 1000,
        notebook_output: None,
        kills: 1,
        proof: Proof::Exhaustive,
    },
    Scenario {
        name: "pipe_ping_pong",
        description: "parent and child exchange ping/pong three times over a duplex Pipe",
        cell: "Multiprocessing cons: 'IPC a little more complicated'",
        body: processes::pipe_ping_pong,
        exact: Expected::NoFailure,
        adversarial: Some(Expected::NoFailure),
        other_kills: &[KILLED_DEADLOCK],
        executions: 500,
        notebook_output: None,
        kills: 0,
        proof: Proof::Exhaustive,
    },
];
