//! Bounded streams between processes (`hls::stream` with a declared depth).
//!
//! ```text
//!   producer ──try_push──► [ depth entries of width bits ] ──try_pop──► consumer
//! ```
//! A FIFO holds timing tokens only: the values are computed per invocation by the golden kernels, so the
//! simulator needs how many entries a stream holds, not what they are. Pushes and pops take effect at
//! the end of the cycle (`commit`), as in a registered FIFO: what a process sees does not depend on the
//! order in which processes are ticked, and a depth-1 FIFO passes one entry every two cycles.

/// Which FIFO of a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FifoId(pub u16);

/// The write end, held by exactly one process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tx(pub(crate) FifoId);

/// The read end, held by exactly one process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rx(pub(crate) FifoId);

impl Tx {
    /// The FIFO written.
    pub fn id(self) -> FifoId {
        self.0
    }
}

impl Rx {
    /// The FIFO read.
    pub fn id(self) -> FifoId {
        self.0
    }
}

/// `try_push` found no room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

/// `try_pop` found nothing committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

/// A bounded stream.
#[derive(Clone, Debug)]
pub struct Fifo {
    name: String,
    depth: u32,
    width_bits: u32,
    len: u32,
    pushed: u32,
    popped: u32,
    total: u64,
    peak: u32,
}

impl Fifo {
    /// A FIFO of `depth ≥ 1` entries (the config validator rejects 0).
    pub fn new(name: impl Into<String>, depth: u32, width_bits: u32) -> Self {
        assert!(depth >= 1, "a FIFO of depth 0 reached the engine");
        Fifo {
            name: name.into(),
            depth,
            width_bits,
            len: 0,
            pushed: 0,
            popped: 0,
            total: 0,
            peak: 0,
        }
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Entries it can hold.
    pub fn depth(&self) -> u32 {
        self.depth
    }
    /// Bits per entry.
    pub fn width_bits(&self) -> u32 {
        self.width_bits
    }
    /// Committed entries.
    pub fn len(&self) -> u32 {
        self.len
    }
    /// True when nothing is committed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Entries pushed over the run.
    pub fn total(&self) -> u64 {
        self.total
    }
    /// The most entries it ever held.
    pub fn peak(&self) -> u32 {
        self.peak
    }

    /// Room for `n` more this cycle: pops of this cycle free their slots only next cycle.
    #[inline]
    pub fn can_push(&self, n: u32) -> bool {
        self.len + self.pushed + n <= self.depth
    }

    /// `n` entries committed before this cycle and not yet taken.
    #[inline]
    pub fn can_pop(&self, n: u32) -> bool {
        self.len - self.popped >= n
    }

    /// Pushes `n` entries, visible next cycle.
    #[inline]
    pub fn try_push(&mut self, n: u32) -> Result<(), Full> {
        if self.can_push(n) {
            self.pushed += n;
            Ok(())
        } else {
            Err(Full)
        }
    }

    /// Takes `n` committed entries.
    #[inline]
    pub fn try_pop(&mut self, n: u32) -> Result<(), Empty> {
        if self.can_pop(n) {
            self.popped += n;
            Ok(())
        } else {
            Err(Empty)
        }
    }

    /// Ends the cycle; true if anything moved.
    #[inline]
    pub fn commit(&mut self) -> bool {
        if self.pushed == 0 && self.popped == 0 {
            return false;
        }
        self.len = self.len + self.pushed - self.popped;
        self.total += self.pushed as u64;
        self.peak = self.peak.max(self.len);
        self.pushed = 0;
        self.popped = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_is_visible_only_after_the_cycle_ends() {
        let mut f = Fifo::new("s", 2, 32);
        f.try_push(1).unwrap();
        assert_eq!(f.try_pop(1), Err(Empty));
        assert!(f.commit());
        assert_eq!(f.try_pop(1), Ok(()));
    }

    #[test]
    fn a_pop_frees_its_slot_only_next_cycle() {
        let mut f = Fifo::new("s", 1, 32);
        f.try_push(1).unwrap();
        f.commit();
        f.try_pop(1).unwrap();
        assert_eq!(f.try_push(1), Err(Full));
        f.commit();
        assert_eq!(f.try_push(1), Ok(()));
    }

    #[test]
    fn random_backpressure_loses_and_invents_nothing() {
        // A million entries through a depth-3 FIFO with producer and consumer firing at random.
        let mut f = Fifo::new("s", 3, 32);
        let mut rng = golden::rng::SplitMix64::new(11);
        let (mut sent, mut got) = (0u64, 0u64);
        while got < 1_000_000 {
            if sent < 1_000_000 && rng.next_u64() % 3 != 0 && f.try_push(1).is_ok() {
                sent += 1;
            }
            if rng.next_u64() % 2 == 0 && f.try_pop(1).is_ok() {
                got += 1;
            }
            f.commit();
            assert!(f.len() <= 3);
        }
        assert_eq!((sent, got, f.len()), (1_000_000, 1_000_000, 0));
        assert_eq!(f.total(), 1_000_000);
    }
}
