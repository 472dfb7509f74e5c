// gating: per token, four steps in sequence: BEAT x EXPERTS MACs per iteration for the logits, the online
// softmax over the experts, top-2 by insertion (strict >, so ties keep the lower index; both start as
// expert 0 with the fm_t minimum) and the two gate values exp(logit - max) / sum.
#include "gating.h"

#include "softmax.h"

namespace edgemoe {

namespace {

void load_w_gate(const wt_linear_t *src, wt_linear_t w_gate[EXPERTS][EMBED_DIM]) {
    for (int e = 0; e < EXPERTS; ++e) {
        for (int d = 0; d < EMBED_DIM; ++d) {
            HLS_PRAGMA(pipeline II=1)
            w_gate[e][d] = src[e * EMBED_DIM + d];
        }
    }
}

gate_choice_t gate_token(const fm_block_t *x, const wt_linear_t w_gate[EXPERTS][EMBED_DIM]) {
    fm_t logits[EXPERTS];
    HLS_PRAGMA(array_partition variable=logits complete)
    for (int e = 0; e < EXPERTS; ++e) logits[e] = 0;
    for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
        HLS_PRAGMA(pipeline II=1)
        const fm_block_t beat = x[d];
        for (int e = 0; e < EXPERTS; ++e) {
            for (int j = 0; j < BEAT; ++j) logits[e] += beat.v[j] * w_gate[e][d * BEAT + j];
        }
    }
    softmax_state state = softmax_reset();
    for (int e = 0; e < EXPERTS; ++e) {
        HLS_PRAGMA(pipeline II={{ii_gate_softmax}})  // arch.ii.gate_softmax
        softmax_update(state, logits[e]);
    }
    gate_choice_t c;
    fm_t best[TOP_K];
    for (int k = 0; k < TOP_K; ++k) {
        c.expert[k] = 0;
        best[k] = from_bits<fm_t>(ap_uint<64>(1) << (fm_t::width - 1));  // the fm_t minimum
    }
    for (int e = 0; e < EXPERTS; ++e) {
        HLS_PRAGMA(pipeline II=1)
        if (logits[e] > best[0]) {
            best[1] = best[0];
            c.expert[1] = c.expert[0];
            best[0] = logits[e];
            c.expert[0] = e;
        } else if (logits[e] > best[1]) {
            best[1] = logits[e];
            c.expert[1] = e;
        }
    }
    for (int k = 0; k < TOP_K; ++k) c.score[k] = softmax_gate_value(best[k], state);
    return c;
}

} // namespace

void gating(const fm_block_t *x, const wt_linear_t *w_gate, gate_choice_t *choices, int tokens) {
    wt_linear_t gate[EXPERTS][EMBED_DIM];
    HLS_PRAGMA(array_partition variable=gate dim=1 complete)
    load_w_gate(w_gate, gate);
    for (int t = 0; t < tokens; ++t) {
        HLS_PRAGMA(pipeline off)
        choices[t] = gate_token(x + t * BEATS_PER_TOKEN, gate);
    }
}

} // namespace edgemoe
