// attn_av: softmax(S) V, normalising the raw scores on the fly with each row's statistics.
// Spec: edge-moe.md §4.4, §5 step 7; golden: golden/src/units/attn_av.rs.
#ifndef EDGEMOE_ATTN_AV_H
#define EDGEMOE_ATTN_AV_H

#include "attention.h"

namespace edgemoe {

// out[row][d] = sum over keys of floor(V[key][d] * p(row, key, head(d))), p = exp(fm_t(s - max)) * recip.
// v, out: [TOKENS][BEATS_PER_TOKEN] beats; attn and info as qk_scores writes them.
void attn_av(const fm_block_t *v, const heads_t *attn, const softmax_info_row_t *info, fm_block_t *out);

} // namespace edgemoe

#endif
