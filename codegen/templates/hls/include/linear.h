// linear: the unified linear unit shared by Q, K, V, proj, the dense MLP and every expert.
// Spec: edge-moe.md §8 (and §9 for the indirect, expert paths); golden: golden/src/units/linear.rs.
#ifndef EDGEMOE_LINEAR_H
#define EDGEMOE_LINEAR_H

#include "edgemoe_config.h"

namespace edgemoe {

// One on-chip weight buffer (ping or pong): LINEAR_TILE_OUT x LINEAR_TILE_IN blocks, block (g, c) holding
// W[g*TILE_OUT ..][c*TILE_IN ..], stored g-major.
typedef wt_linear_t linear_weights_t[LINEAR_WEIGHT_BLOCKS][LINEAR_TILE_OUT][LINEAR_TILE_IN];
// One on-chip bias buffer, wide enough for either bias type exactly.
typedef wt_wbias_t linear_bias_t[LINEAR_BIAS_ENTRIES];

// A call's runtime arguments, as the Edge-MoE unit takes them.
struct linear_args {
    int tokens;        // rows to process: N, or an expert's queue length
    int in_dim;        // a multiple of LINEAR_TILE_IN
    int out_dim;       // a multiple of LINEAR_TILE_OUT
    bool use_gelu;     // GELU on the outputs (fc1)
    bool use_expert;   // gather rows by token index from `queue`, scatter outputs to the same index
    bool use_score;    // dst = dst + floor(score * y) instead of dst = y (the MoE's fc2)
};

// Reads W[out_dim][in_dim] (PyTorch row-major, from DDR) into the tile-blocked buffer.
void load_linear_weights(const wt_linear_t *src, linear_weights_t buffer, int out_dim, int in_dim);

// Reads out_dim biases of the stored type into the bias buffer.
void load_linear_bias(const wt_attn_bias_t *src, linear_bias_t buffer, int out_dim);
void load_linear_bias(const wt_bias_t *src, linear_bias_t buffer, int out_dim);

// y = [GELU](x W^T + b) for every row: src[row][in_dim / BEAT] -> dst[row][out_dim / BEAT] (beats), rows
// 0..tokens-1, or the queue's token indices with use_expert (scores[i] scales entry i with use_score).
void linear(const fm_block_t *src, fm_block_t *dst, const linear_weights_t weights, const linear_bias_t bias,
            linear_args args, const ap_uint<32> *queue, const fm_t *scores);

} // namespace edgemoe

#endif
