//! `patch_reorder`: the expert queues and metaqueue that group tokens by expert (§9,
//! `write_gate_results`).
//!
//! ```text
//!   (e1, g1), (e2, g2) per token ──► queue[e] += (token, g)  (top-1 then top-2, tokens ascending)
//!                                └─► metaqueue = experts with a non-empty queue, ascending
//! ```
//! Grouping is what lets each active expert's 295 KB of weights be fetched once per layer instead of
//! once per token that uses it; Σ queue lengths = 2 · tokens.

use super::gating::GateChoice;

/// One queued token: its index and the gate value that scales its expert output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueEntry {
    /// Token index (0 = class token).
    pub token: usize,
    /// Gate value in fm_t.
    pub score: i64,
}

/// Per-expert token queues and the order in which the experts run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpertQueues {
    /// `queues[e]`: tokens routed to expert e, ascending.
    pub queues: Vec<Vec<QueueEntry>>,
    /// Experts with a non-empty queue, ascending.
    pub metaqueue: Vec<usize>,
}

impl ExpertQueues {
    /// Σ queue lengths (258 for 129 tokens and top-2).
    pub fn total_len(&self) -> usize {
        self.queues.iter().map(Vec::len).sum()
    }
}

/// Builds the queues from every token's routing.
pub fn patch_reorder(choices: &[GateChoice], num_experts: usize) -> ExpertQueues {
    let mut queues = vec![Vec::new(); num_experts];
    for (token, c) in choices.iter().enumerate() {
        for (&e, &score) in c.experts.iter().zip(&c.scores) {
            queues[e].push(QueueEntry { token, score });
        }
    }
    let metaqueue = (0..num_experts)
        .filter(|&e| !queues[e].is_empty())
        .collect();
    ExpertQueues { queues, metaqueue }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_are_ascending_with_top1_before_top2_and_the_metaqueue_skips_idle_experts() {
        let choices = [
            GateChoice {
                experts: [3, 1],
                scores: [10, 5],
            },
            GateChoice {
                experts: [1, 3],
                scores: [9, 4],
            },
            GateChoice {
                experts: [3, 3],
                scores: [8, 8],
            },
        ];
        let q = patch_reorder(&choices, 4);
        assert_eq!(q.metaqueue, vec![1, 3]);
        assert_eq!(q.total_len(), 6);
        let tokens3: Vec<usize> = q.queues[3].iter().map(|e| e.token).collect();
        assert_eq!(tokens3, vec![0, 1, 2, 2]);
        assert_eq!(q.queues[1][0], QueueEntry { token: 0, score: 5 });
    }
}
