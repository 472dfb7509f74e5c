// gelu: Edge-MoE's GELU, ReLU minus an interpolated correction. Spec: edge-moe.md §6;
// golden: golden/src/units/gelu.rs.
#ifndef EDGEMOE_GELU_H
#define EDGEMOE_GELU_H

#include "edgemoe_types.h"

namespace edgemoe {

// GELU(x) = ReLU(x) - delta(|x|), delta(a) = a * Phi(-a) read from a 1/32-step table on [0, 5.5].
fm_t gelu(fm_t x);

} // namespace edgemoe

#endif
