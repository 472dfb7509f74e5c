// softmax: the single-pass ("online") softmax statistics of Edge-MoE: finalize_attn for attention rows,
// update_softmax_info for the gate. Spec: edge-moe.md §5; golden: golden/src/units/softmax.rs.
#ifndef EDGEMOE_SOFTMAX_H
#define EDGEMOE_SOFTMAX_H

#include "edgemoe_types.h"

namespace edgemoe {

// The running statistics of one row: the sum of exp(x - max) so far (rescaled when the maximum moves)
// and the largest score so far.
struct softmax_state {
    fm_t sum;
    fm_t max;
};

// What AV needs of a finished row.
struct softmax_info {
    fm_t recip_sum;
    fm_t max;
};

// s = 0, m = the fm_t minimum.
softmax_state softmax_reset();

// Folds one score in: a strictly larger score rescales the sum (s = s * exp(m - x) + 1), any other adds
// exp(x - m). m - x is formed one bit wider than fm_t so the branch is exact.
void softmax_update(softmax_state &state, fm_t x);

// recip(sum) and the maximum.
softmax_info softmax_finish(const softmax_state &state);

// A score's probability in a finished row: exp(fm_t(x - max)) * recip_sum (in AV).
fm_t softmax_probability(fm_t x, const softmax_info &info);

// A gate value: exp(fm_t(logit - max)) / sum as a division, not renormalised (0 for a zero sum).
fm_t softmax_gate_value(fm_t logit, const softmax_state &state);

} // namespace edgemoe

#endif
