// sqrt: Vitis hls::sqrt on fm_t (sqrt_fixed in hls_sqrt_apfixed.h). Spec: edge-moe.md §7.2;
// golden: golden/src/units/sqrt.rs.
#ifndef EDGEMOE_SQRT_H
#define EDGEMOE_SQRT_H

#include "edgemoe_types.h"

namespace edgemoe {

// sqrt(x) rounded to the nearest step of fm_t's grid; 0 for x <= 0.
fm_t sqrt(fm_t x);

} // namespace edgemoe

#endif
