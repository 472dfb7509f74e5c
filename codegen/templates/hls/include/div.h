// div: plain ap_fixed division between two fm_t (LayerNorm's 1 / sqrt(var), the gate values).
// Spec: edge-moe.md §7.4; golden: golden/src/units/div.rs.
#ifndef EDGEMOE_DIV_H
#define EDGEMOE_DIV_H

#include "edgemoe_types.h"

namespace edgemoe {

// a / b, the quotient truncated toward zero and wrapped into fm_t. A zero divisor gives 0: the C model
// would trap and the silicon's value is undefined, so every caller (LayerNorm, the gate) defines it.
fm_t div(fm_t a, fm_t b);

} // namespace edgemoe

#endif
