// gating: the MoE gate: expert logits, the online softmax over them, top-2 by insertion and the gate
// values. Spec: edge-moe.md §9; golden: golden/src/units/gating.rs.
#ifndef EDGEMOE_GATING_H
#define EDGEMOE_GATING_H

#include "edgemoe_config.h"

namespace edgemoe {

// One token's routing: the two experts (top-1 first) and their gate values.
struct gate_choice_t {
    ap_uint<32> expert[TOP_K];
    fm_t score[TOP_K];
};

// Routes tokens x[tokens][BEATS_PER_TOKEN] (beats) with the task's gate w_gate[EXPERTS][EMBED_DIM] (no bias).
void gating(const fm_block_t *x, const wt_linear_t *w_gate, gate_choice_t *choices, int tokens);

} // namespace edgemoe

#endif
