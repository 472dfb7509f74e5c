// sqrt: a restoring (digit-by-digit) square root of x * 2^F, one result bit per step, then rounded on
// the remainder: sqrt(x) = sqrt(x * 2^F) * 2^-F, and r + 1/2 squared is never an integer, so
// "remainder > r" is the whole round-to-nearest rule.
#include "sqrt.h"

namespace edgemoe {

namespace {
const int F = fm_t::width - fm_t::iwidth;
// Bits of the radicand x * 2^F, rounded up to an even count (two radicand bits per root bit).
const int RADICAND_BITS = ((fm_t::width + F) + 1) / 2 * 2;
const int ROOT_BITS = RADICAND_BITS / 2;
} // namespace

fm_t sqrt(fm_t x) {
    HLS_PRAGMA(pipeline II=1)
    if (x <= 0) return 0;
    ap_uint<RADICAND_BITS> n = ap_uint<RADICAND_BITS>(ap_uint<fm_t::width>(x.range(fm_t::width - 1, 0))) << F;
    ap_uint<ROOT_BITS + 2> rem = 0;
    ap_uint<ROOT_BITS + 1> root = 0;
    for (int i = ROOT_BITS - 1; i >= 0; --i) {
        HLS_PRAGMA(unroll)
        rem = (rem << 2) | n.range(2 * i + 1, 2 * i);
        ap_uint<ROOT_BITS + 2> trial = (ap_uint<ROOT_BITS + 2>(root) << 2) | 1;
        root <<= 1;
        if (rem >= trial) {
            rem -= trial;
            root[0] = 1;  // this root bit is 1
        }
    }
    if (rem > root) root += 1;  // round to nearest
    return from_bits<fm_t>(ap_uint<64>(root));
}

} // namespace edgemoe
