// layernorm: Edge-MoE's LayerNorm, a two-stage dataflow per token (accumulate, then output).
// Spec: edge-moe.md §7.1; golden: golden/src/units/layernorm.rs.
#ifndef EDGEMOE_LAYERNORM_H
#define EDGEMOE_LAYERNORM_H

#include "edgemoe_config.h"

namespace edgemoe {

// y = floor(floor((x - mean) * rstd) * gamma) + beta for every token of in[tokens][BEATS_PER_TOKEN], with
// rstd = 1 / sqrt(mean_sq - mean^2 + eps). A variance that floors to <= 0 gives rstd = 0 (output beta):
// the hardware has no guard, golden defines it this way.
void layernorm(const fm_block_t *in, fm_block_t *out, const wt_norm_t gamma[EMBED_DIM],
               const wt_bias_t beta[EMBED_DIM], int tokens);

} // namespace edgemoe

#endif
