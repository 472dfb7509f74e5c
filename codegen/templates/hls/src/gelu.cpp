// gelu: delta is even in x and below 1e-7 past 5.5, so one table over [0, 5.5] with linear
// interpolation serves both signs.
#include "gelu.h"

#include "gelu_table.h"

namespace edgemoe {

fm_t gelu(fm_t x) {
    HLS_PRAGMA(pipeline II=1)
    const int F = fm_t::width - fm_t::iwidth;
    const fm_t cutoff = 5.5;
    bool negative = x < 0;
    fm_t relu = negative ? fm_t(0) : x;
    // |x| in fm_t: the minimum wraps to itself, fails the cutoff test and reads entry 0 (delta 0).
    fm_t a = negative ? fm_t(-x) : x;
    if (a >= cutoff) return relu;
    // The table step is 1/32: the index is the integer part of 32a (8 bits, as the ap_uint<8> address
    // keeps) and the interpolation fraction its fractional part.
    ap_uint<8> idx = a.range(F + 2, F - 5);
    fm_t a32 = a << 5;
    fm_frac_t t = a32;
    fm_frac_t lo = 0;
    fm_frac_t hi = 0;
    if (idx < GELU_TABLE_ENTRIES) lo.range(F - 1, 0) = GELU_DELTA_TABLE[idx];
    if (idx + 1 < GELU_TABLE_ENTRIES) hi.range(F - 1, 0) = GELU_DELTA_TABLE[idx + 1];
    // delta = lo + t * (hi - lo): the product is exact, the sum floored to fm_frac_t (wrapping mod 1).
    fm_frac_t delta = lo + t * (hi - lo);
    fm_t y = relu - delta;
    return y;
}

} // namespace edgemoe
