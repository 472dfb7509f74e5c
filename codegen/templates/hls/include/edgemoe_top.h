// edgemoe_top: the whole M3ViT frame on the accelerator, in the op order of Edge-MoE's ViT_compute.
// Spec: edge-moe.md §3; golden: golden/src/model/forward.rs.
#ifndef EDGEMOE_TOP_H
#define EDGEMOE_TOP_H

#include "attention.h"

namespace edgemoe {

#ifndef __SYNTHESIS__
// C simulation only: called after every step with the tensor just produced, [rows][cols] in beats
// (cols / BEAT per row). `layer` is -1 for patch_embed; `name` is golden's tap name within the block.
typedef void (*tap_hook_t)(int layer, const char *name, const fm_block_t *values, int rows, int cols);
void set_tap_hook(tap_hook_t hook);
#endif

} // namespace edgemoe

// The kernel, in the global namespace so it can be the HLS top. Every argument is a DDR region
// behind an m_axi port. Weight layouts (row-major):
//   attn_weight [DEPTH][4][EMBED_DIM][EMBED_DIM]   (Q, K, V, proj; PyTorch [out][in])
//   attn_bias   [DEPTH][4][EMBED_DIM]
//   norm_weight, norm_bias [DEPTH][2][EMBED_DIM]   (LN1, LN2)
//   mlp_fc1_weight [DENSE_BLOCKS][MLP_HIDDEN][EMBED_DIM], mlp_fc1_bias [DENSE_BLOCKS][MLP_HIDDEN]
//   mlp_fc2_weight [DENSE_BLOCKS][EMBED_DIM][MLP_HIDDEN], mlp_fc2_bias [DENSE_BLOCKS][EMBED_DIM]
//   moe_w_gate [MOE_BLOCKS][EXPERTS][EMBED_DIM] (the running task's gate)
//   moe_fc1_weight [MOE_BLOCKS][EXPERTS][EXPERT_HIDDEN][EMBED_DIM], moe_fc1_bias [..][EXPERT_HIDDEN]
//   moe_fc2_weight [MOE_BLOCKS][EXPERTS][EMBED_DIM][EXPERT_HIDDEN], moe_fc2_bias [..][EMBED_DIM]
//   pos_embed [TOKENS][BEATS_PER_TOKEN] beats
// Activations, in beats of BEAT fm_t: x, tmp1..tmp3 [TOKENS][BEATS_PER_TOKEN]; hidden
// [TOKENS][LINEAR_MAX_DIM / BEAT]; then attn [ATTN_ENTRIES]; attn_info [TOKENS]. x holds the residual
// stream after the call.
void edgemoe_top(
    const edgemoe::pixel_t *image,
    const edgemoe::wt_patch_embed_t *patch_weight,
    const edgemoe::wt_bias_t *patch_bias,
    const edgemoe::fm_block_t *pos_embed,
    const edgemoe::wt_linear_t *attn_weight,
    const edgemoe::wt_attn_bias_t *attn_bias,
    const edgemoe::wt_norm_t *norm_weight,
    const edgemoe::wt_bias_t *norm_bias,
    const edgemoe::wt_linear_t *mlp_fc1_weight,
    const edgemoe::wt_bias_t *mlp_fc1_bias,
    const edgemoe::wt_linear_t *mlp_fc2_weight,
    const edgemoe::wt_bias_t *mlp_fc2_bias,
    const edgemoe::wt_linear_t *moe_w_gate,
    const edgemoe::wt_linear_t *moe_fc1_weight,
    const edgemoe::wt_bias_t *moe_fc1_bias,
    const edgemoe::wt_linear_t *moe_fc2_weight,
    const edgemoe::wt_bias_t *moe_fc2_bias,
    edgemoe::fm_block_t *x,
    edgemoe::fm_block_t *tmp1,
    edgemoe::fm_block_t *tmp2,
    edgemoe::fm_block_t *tmp3,
    edgemoe::fm_block_t *hidden,
    edgemoe::heads_t *attn,
    edgemoe::softmax_info_row_t *attn_info);

#endif
