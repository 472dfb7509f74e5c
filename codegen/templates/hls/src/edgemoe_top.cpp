// edgemoe_top: sequential over blocks (pipeline off), each step one call of a unit on DDR buffers, as
// Edge-MoE's ViT_compute. The linear unit alternates two weight buffers (ping, pong) as Edge-MoE does;
// the calls here run one after another (arch.weight_load = "serial"): whether HLS overlaps a load with
// the compute before it is left to its scheduler, as in the original (edge-moe.md §8, UNCONFIRMED).
#include "edgemoe_top.h"

#include "attn_av.h"
#include "gating.h"
#include "layernorm.h"
#include "linear.h"
#include "patch_embed.h"
#include "patch_reorder.h"
#include "qk_scores.h"

namespace edgemoe {

#ifndef __SYNTHESIS__
namespace {
tap_hook_t tap_hook = 0;
}
void set_tap_hook(tap_hook_t hook) { tap_hook = hook; }
#define EDGEMOE_TAP(layer, name, values, rows, cols) \
    do { if (tap_hook) tap_hook(layer, name, values, rows, cols); } while (0)
#else
#define EDGEMOE_TAP(layer, name, values, rows, cols) do { } while (0)
#endif

namespace {

// x = x + y over the residual stream (compute_add), a beat per iteration.
void compute_add(fm_block_t *x, const fm_block_t *y) {
    for (int i = 0; i < TOKENS * BEATS_PER_TOKEN; ++i) {
        HLS_PRAGMA(pipeline II=1)
        const fm_block_t a = x[i];
        const fm_block_t b = y[i];
        fm_block_t sum;
        for (int e = 0; e < BEAT; ++e) sum.v[e] = a.v[e] + b.v[e];
        x[i] = sum;
    }
}

linear_args direct(int in_dim, int out_dim, bool use_gelu) {
    linear_args a;
    a.tokens = TOKENS;
    a.in_dim = in_dim;
    a.out_dim = out_dim;
    a.use_gelu = use_gelu;
    a.use_expert = false;
    a.use_score = false;
    return a;
}

} // namespace

} // namespace edgemoe

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
    edgemoe::softmax_info_row_t *attn_info) {
    HLS_PRAGMA(interface m_axi port=image offset=slave bundle=inout1 depth={{depth_image}})
    HLS_PRAGMA(interface m_axi port=patch_weight offset=slave bundle=weights depth={{depth_patch_weight}})
    HLS_PRAGMA(interface m_axi port=patch_bias offset=slave bundle=weights depth={{depth_patch_bias}})
    HLS_PRAGMA(interface m_axi port=pos_embed offset=slave bundle=weights depth={{depth_pos_embed}})
    HLS_PRAGMA(interface m_axi port=attn_weight offset=slave bundle=weights depth={{depth_attn_weight}})
    HLS_PRAGMA(interface m_axi port=attn_bias offset=slave bundle=weights depth={{depth_attn_bias}})
    HLS_PRAGMA(interface m_axi port=norm_weight offset=slave bundle=weights depth={{depth_norm_weight}})
    HLS_PRAGMA(interface m_axi port=norm_bias offset=slave bundle=weights depth={{depth_norm_bias}})
    HLS_PRAGMA(interface m_axi port=mlp_fc1_weight offset=slave bundle=weights depth={{depth_mlp_fc1_weight}})
    HLS_PRAGMA(interface m_axi port=mlp_fc1_bias offset=slave bundle=weights depth={{depth_mlp_fc1_bias}})
    HLS_PRAGMA(interface m_axi port=mlp_fc2_weight offset=slave bundle=weights depth={{depth_mlp_fc2_weight}})
    HLS_PRAGMA(interface m_axi port=mlp_fc2_bias offset=slave bundle=weights depth={{depth_mlp_fc2_bias}})
    HLS_PRAGMA(interface m_axi port=moe_w_gate offset=slave bundle=weights depth={{depth_moe_w_gate}})
    HLS_PRAGMA(interface m_axi port=moe_fc1_weight offset=slave bundle=weights depth={{depth_moe_fc1_weight}})
    HLS_PRAGMA(interface m_axi port=moe_fc1_bias offset=slave bundle=weights depth={{depth_moe_fc1_bias}})
    HLS_PRAGMA(interface m_axi port=moe_fc2_weight offset=slave bundle=weights depth={{depth_moe_fc2_weight}})
    HLS_PRAGMA(interface m_axi port=moe_fc2_bias offset=slave bundle=weights depth={{depth_moe_fc2_bias}})
    HLS_PRAGMA(interface m_axi port=x offset=slave bundle=inout2 depth={{depth_x}})
    HLS_PRAGMA(interface m_axi port=tmp1 offset=slave bundle=inout1 depth={{depth_tmp1}})
    HLS_PRAGMA(interface m_axi port=tmp2 offset=slave bundle=inout2 depth={{depth_tmp2}})
    HLS_PRAGMA(interface m_axi port=tmp3 offset=slave bundle=inout3 depth={{depth_tmp3}})
    HLS_PRAGMA(interface m_axi port=hidden offset=slave bundle=inout4 depth={{depth_hidden}})
    HLS_PRAGMA(interface m_axi port=attn offset=slave bundle=inout1 depth={{depth_attn}})
    HLS_PRAGMA(interface m_axi port=attn_info offset=slave bundle=inout4 depth={{depth_attn_info}})
    HLS_PRAGMA(interface s_axilite port=return)
    using namespace edgemoe;

    static linear_weights_t linear_ping;
    static linear_weights_t linear_pong;
    HLS_PRAGMA(array_partition variable=linear_ping dim=2 complete)
    HLS_PRAGMA(array_partition variable=linear_ping dim=3 complete)
    HLS_PRAGMA(array_partition variable=linear_pong dim=2 complete)
    HLS_PRAGMA(array_partition variable=linear_pong dim=3 complete)
    static linear_bias_t bias_ping;
    static linear_bias_t bias_pong;
    HLS_PRAGMA(array_partition variable=bias_ping cyclic factor={{linear_tile_out}})  // arch.linear_tile_out
    HLS_PRAGMA(array_partition variable=bias_pong cyclic factor={{linear_tile_out}})  // arch.linear_tile_out
    static wt_norm_t gamma[EMBED_DIM];
    static wt_bias_t beta[EMBED_DIM];
    static gate_choice_t choices[TOKENS];
    static expert_queues_t queues;
    // The running expert's queue, copied out of `queues` so the linear unit reads plain arrays (the
    // dense layers pass them too, unread).
    static ap_uint<32> queue_tokens[QUEUE_CAPACITY];
    static fm_t queue_scores[QUEUE_CAPACITY];

    patch_embed(image, patch_weight, patch_bias, pos_embed, x);
    EDGEMOE_TAP(-1, "patch_embed", x, TOKENS, EMBED_DIM);

    const int D = EMBED_DIM;
    for (int l = 0; l < DEPTH; ++l) {
        HLS_PRAGMA(pipeline off)
        const wt_linear_t *w = attn_weight + l * 4 * D * D;
        const wt_attn_bias_t *b = attn_bias + l * 4 * D;

        // 1. LN1(x) -> tmp1
        for (int d = 0; d < D; ++d) {
            gamma[d] = norm_weight[(l * 2 + 0) * D + d];
            beta[d] = norm_bias[(l * 2 + 0) * D + d];
        }
        layernorm(x, tmp1, gamma, beta, TOKENS);
        EDGEMOE_TAP(l, "ln1", tmp1, TOKENS, D);

        // 2-3. Q -> tmp2 (ping), K -> tmp3 (pong)
        load_linear_weights(w + 0 * D * D, linear_ping, D, D);
        load_linear_bias(b + 0 * D, bias_ping, D);
        linear(tmp1, tmp2, linear_ping, bias_ping, direct(D, D, false), queue_tokens, queue_scores);
        EDGEMOE_TAP(l, "q", tmp2, TOKENS, D);
        load_linear_weights(w + 1 * D * D, linear_pong, D, D);
        load_linear_bias(b + 1 * D, bias_pong, D);
        linear(tmp1, tmp3, linear_pong, bias_pong, direct(D, D, false), queue_tokens, queue_scores);
        EDGEMOE_TAP(l, "k", tmp3, TOKENS, D);

        // 4. QK^T and the softmax statistics
        qk_scores(tmp2, tmp3, attn, attn_info);

        // 5. V -> tmp2 (ping; Q is no longer needed)
        load_linear_weights(w + 2 * D * D, linear_ping, D, D);
        load_linear_bias(b + 2 * D, bias_ping, D);
        linear(tmp1, tmp2, linear_ping, bias_ping, direct(D, D, false), queue_tokens, queue_scores);
        EDGEMOE_TAP(l, "v", tmp2, TOKENS, D);

        // 6. softmax(S) V -> tmp1
        attn_av(tmp2, attn, attn_info, tmp1);
        EDGEMOE_TAP(l, "attn_v", tmp1, TOKENS, D);

        // 7-8. proj -> tmp3 (pong); x += tmp3
        load_linear_weights(w + 3 * D * D, linear_pong, D, D);
        load_linear_bias(b + 3 * D, bias_pong, D);
        linear(tmp1, tmp3, linear_pong, bias_pong, direct(D, D, false), queue_tokens, queue_scores);
        EDGEMOE_TAP(l, "proj", tmp3, TOKENS, D);
        compute_add(x, tmp3);
        EDGEMOE_TAP(l, "x_attn", x, TOKENS, D);

        // 9. LN2(x) -> tmp1
        for (int d = 0; d < D; ++d) {
            gamma[d] = norm_weight[(l * 2 + 1) * D + d];
            beta[d] = norm_bias[(l * 2 + 1) * D + d];
        }
        layernorm(x, tmp1, gamma, beta, TOKENS);
        EDGEMOE_TAP(l, "ln2", tmp1, TOKENS, D);

        const int slot = BLOCK_FFN_SLOT[l];
        if (!BLOCK_IS_MOE[l]) {
            // 10-11. the dense MLP: fc1 + GELU -> hidden (ping), fc2 -> tmp3 (pong)
            const int H = MLP_HIDDEN;
            load_linear_weights(mlp_fc1_weight + slot * H * D, linear_ping, H, D);
            load_linear_bias(mlp_fc1_bias + slot * H, bias_ping, H);
            linear(tmp1, hidden, linear_ping, bias_ping, direct(D, H, true), queue_tokens, queue_scores);
            EDGEMOE_TAP(l, "mlp_hidden", hidden, TOKENS, H);
            load_linear_weights(mlp_fc2_weight + slot * D * H, linear_pong, D, H);
            load_linear_bias(mlp_fc2_bias + slot * D, bias_pong, D);
            linear(hidden, tmp3, linear_pong, bias_pong, direct(H, D, false), queue_tokens, queue_scores);
            EDGEMOE_TAP(l, "mlp_out", tmp3, TOKENS, D);
        } else {
            // 10-11. the MoE: route, group tokens by expert, run each active expert once.
            const int EH = EXPERT_HIDDEN;
            gating(tmp1, moe_w_gate + slot * EXPERTS * D, choices, TOKENS);
            patch_reorder(choices, queues);
            for (int i = 0; i < TOKENS * BEATS_PER_TOKEN; ++i) {
                HLS_PRAGMA(pipeline II=1)
                fm_block_t zero;
                for (int e = 0; e < BEAT; ++e) zero.v[e] = 0;
                tmp3[i] = zero;
            }
            for (unsigned m = 0; m < queues.metaqueue_len; ++m) {
                HLS_PRAGMA(pipeline off)
                const int e = queues.metaqueue[m];
                const int expert = slot * EXPERTS + e;
                for (unsigned i = 0; i < queues.len[e]; ++i) {
                    HLS_PRAGMA(pipeline II=1)
                    queue_tokens[i] = queues.token[e][i];
                    queue_scores[i] = queues.score[e][i];
                }
                linear_args fc1;
                fc1.tokens = queues.len[e];
                fc1.in_dim = D;
                fc1.out_dim = EH;
                fc1.use_gelu = true;
                fc1.use_expert = true;
                fc1.use_score = false;
                load_linear_weights(moe_fc1_weight + expert * EH * D, linear_ping, EH, D);
                load_linear_bias(moe_fc1_bias + expert * EH, bias_ping, EH);
                // Gathers the queue's tokens from tmp1, scatters hidden rows by token index.
                linear(tmp1, hidden, linear_ping, bias_ping, fc1, queue_tokens, queue_scores);
                linear_args fc2 = fc1;
                fc2.in_dim = EH;
                fc2.out_dim = D;
                fc2.use_gelu = false;
                fc2.use_score = true;
                load_linear_weights(moe_fc2_weight + expert * D * EH, linear_pong, D, EH);
                load_linear_bias(moe_fc2_bias + expert * D, bias_pong, D);
                // tmp3[t] += floor(g * y) for every queued token.
                linear(hidden, tmp3, linear_pong, bias_pong, fc2, queue_tokens, queue_scores);
            }
            EDGEMOE_TAP(l, "moe_out", tmp3, TOKENS, D);
        }

        // 12. x += tmp3
        compute_add(x, tmp3);
        EDGEMOE_TAP(l, "x", x, TOKENS, D);
    }
}

