// exp: Vitis hls::exp on fm_t, bit for bit, without hls_math.h (whose open copy computes through
// double). Spec: edge-moe.md §7.3; golden: golden/src/units/exp.rs.
#ifndef EDGEMOE_EXP_H
#define EDGEMOE_EXP_H

#include "edgemoe_types.h"

namespace edgemoe {

// e^x in fm_t. Never above floor(e^x * 2^F), at most one LSB below it; saturates at fm_t's maximum.
fm_t exp(fm_t x);

} // namespace edgemoe

#endif
