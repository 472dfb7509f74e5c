// div: a / b in fm_t.
#include "div.h"

namespace edgemoe {

fm_t div(fm_t a, fm_t b) {
    HLS_PRAGMA(pipeline II=1)
    if (b == 0) return 0;
    fm_t q = a / b;
    return q;
}

} // namespace edgemoe
