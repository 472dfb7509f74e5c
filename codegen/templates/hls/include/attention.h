// attention.h: what the QK^T unit writes and the AV unit reads: the scores in their skewed DDR layout
// and the softmax statistics of every row. Spec: edge-moe.md §4.
#ifndef EDGEMOE_ATTENTION_H
#define EDGEMOE_ATTENTION_H

#include "edgemoe_config.h"

namespace edgemoe {

// The scores of one (query, key) pair, one per head.
struct heads_t {
    fm_t h[HEADS];
};

// What every lane produces in one (block, key) step.
struct attn_parallel_t {
    heads_t lane[ATTN_LANES];
};

// A finished row's softmax statistics, per head.
struct softmax_info_row_t {
    fm_t recip_sum[HEADS];
    fm_t max[HEADS];
};

// Scores are stored as attn[block][key][lane], in the order the QK^T unit produces them and the AV unit
// consumes them. Lane o of block b holds row b*P + o from key o on; for keys below o it still holds the
// previous block's row. This is where (row, key) lives.
inline int attn_index(int row, int key) {
    const int lane = row % ATTN_LANES;
    const int block = row / ATTN_LANES + (key < lane ? 1 : 0);
    return (block * TOKENS + key) * ATTN_LANES + lane;
}

// Entries of the score buffer.
const int ATTN_ENTRIES = QUERY_BLOCKS * TOKENS * ATTN_LANES;

} // namespace edgemoe

#endif
