// exp: Vitis hls::exp on fm_t, bit for bit, without hls_math.h (whose open copy computes through
// double). Spec: edge-moe.md §7.3; golden: golden/src/units/exp.rs.
#ifndef EDGEMOE_EXP_H
#define EDGEMOE_EXP_H

#include "edgemoe_types.h"

namespace edgemoe {

// e^x in fm_t. For fm_t formats sharing the ap_fixed<32,10> datapath (max(I - 1, W - I) in 12..23):
// never above floor(e^x * 2^F), at most one LSB below it, saturating at fm_t's maximum. Other formats
// go through ap_fixed<32,10> and inherit its range (e^x < 512) and its 22 fractional bits.
fm_t exp(fm_t x);

} // namespace edgemoe

#endif
