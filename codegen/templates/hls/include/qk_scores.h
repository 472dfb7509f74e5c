// qk_scores: the QK^T unit with P staggered query lanes and the online softmax (finalize_attn).
// Spec: edge-moe.md §4.1, §5; golden: golden/src/units/qk_scores.rs.
#ifndef EDGEMOE_QK_SCORES_H
#define EDGEMOE_QK_SCORES_H

#include "attention.h"

namespace edgemoe {

// q, k: [TOKENS][BEATS_PER_TOKEN] beats. Writes the raw scores (sum over beats of floor(beat_sum * attn_scale)) to
// attn[ATTN_ENTRIES] (see attn_index) and each row's recip(sum) and max to info[TOKENS].
void qk_scores(const fm_block_t *q, const fm_block_t *k, heads_t *attn, softmax_info_row_t *info);

} // namespace edgemoe

#endif
