// recip: Vitis hls::recip on fm_t (recip_fixed in hls_recip_apfixed.h). Spec: edge-moe.md §7.4;
// golden: golden/src/units/recip.rs.
#ifndef EDGEMOE_RECIP_H
#define EDGEMOE_RECIP_H

#include "edgemoe_types.h"

namespace edgemoe {

// 1 / x as an ap_fixed division (quotient truncated toward zero, then wrapped); 0 for x = 0.
fm_t recip(fm_t x);

} // namespace edgemoe

#endif
