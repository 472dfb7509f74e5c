// softmax: no base-2 trick and no custom exp: hls::exp and hls::recip on fm_t, with the normalisation
// deferred to the consumer (AV for attention, a division for the gate).
#include "softmax.h"

#include "div.h"
#include "exp.h"
#include "recip.h"

namespace edgemoe {

softmax_state softmax_reset() {
    HLS_PRAGMA(inline)
    softmax_state s;
    s.sum = 0;
    s.max = from_bits<fm_t>(ap_uint<64>(1) << (fm_t::width - 1));  // the fm_t minimum
    return s;
}

void softmax_update(softmax_state &state, fm_t x) {
    HLS_PRAGMA(inline)
    fm_diff_t d = state.max - x;
    if (d < 0) {
        // A new maximum: on the very first score s = 0, so a wrapped fm_t(d) only multiplies zero.
        fm_t e = exp(fm_t(d));
        fm_t scaled = state.sum * e;
        state.sum = scaled + fm_t(1);
        state.max = x;
    } else {
        fm_t e = exp(fm_t(-d));
        state.sum = state.sum + e;
    }
}

softmax_info softmax_finish(const softmax_state &state) {
    HLS_PRAGMA(inline)
    softmax_info info;
    info.recip_sum = recip(state.sum);
    info.max = state.max;
    return info;
}

fm_t softmax_probability(fm_t x, const softmax_info &info) {
    HLS_PRAGMA(inline)
    fm_t shifted = x - info.max;
    fm_t e = exp(shifted);
    fm_t p = e * info.recip_sum;
    return p;
}

fm_t softmax_gate_value(fm_t logit, const softmax_state &state) {
    HLS_PRAGMA(inline)
    fm_t shifted = logit - state.max;
    fm_t e = exp(shifted);
    return div(e, state.sum);
}

} // namespace edgemoe
