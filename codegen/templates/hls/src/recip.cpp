// recip: fm_t(1) / x, the quotient truncated toward zero on fm_t's grid and wrapped (it wraps for
// |x| below about 2^-(I-1)); 0 for 0, as the Xilinx routine returns.
#include "recip.h"

namespace edgemoe {

fm_t recip(fm_t x) {
    HLS_PRAGMA(pipeline II=1)
    if (x == 0) return 0;
    const fm_t one = 1;
    fm_t r = one / x;
    return r;
}

} // namespace edgemoe
