// exp: the table-driven exponential Vitis HLS builds for ap_fixed formats with max(I - 1, W - I) in
// 12..23 (fm_t = ap_fixed<32,10> among them). Spec: edge-moe.md §7.3; golden: units/exp/table.rs.
//
// The input is widened to 23 fractional bits and split into fields: x = h + t2 + t3 + z with
// h = i1/8 (sign and X[26:20]), t2 = X[19:12]*2^-11, t3 = X[11:7]*2^-16, z = X[6:0]*2^-23, so
// e^x = e^h * (1 + E2) * (1 + E3) * (1 + E4), Ek = e^tk - 1, merged pairwise with
// (1 + a)(1 + b) - 1 = a + b + a*b where only the products are truncated.
#include "exp.h"

#include "edgemoe_config.h"
#include "exp_tables.h"

namespace edgemoe {

namespace {

// e^x for x = xi * 2^-23, in units of 2^-23: an unsigned 46-bit result with 23 integer bits.
ap_uint<46> exp_core(ap_int<48> xi) {
    HLS_PRAGMA(inline)
    const ap_uint<46> all_ones = ~ap_uint<46>(0);
    // Outside [-16, 16) the input itself overflows the internal format.
    if (xi >= (ap_int<48>(1) << 27)) return all_ones;
    if (xi < -(ap_int<48>(1) << 27)) return 0;
    // From 0xf.f14028 (about 15.9424) up, e^x needs more than 23 integer bits.
    if (xi >= ap_int<48>(0x7F8A014)) return all_ones;

    ap_uint<8> i1 = xi.range(27, 20);  // sign and the 1/8 steps: e^h from the big table
    ap_uint<8> i2 = xi.range(19, 12);
    ap_uint<5> i3 = xi.range(11, 7);
    ap_uint<7> z = xi.range(6, 0);
    ap_uint<3> i4 = z.range(6, 4);

    // E4 = z + z^2/2 (exact at 2^-58) + the cubic term of z's top bits, in units of 2^-58.
    ap_uint<42> e4 = (ap_uint<42>(z) << 35) + (ap_uint<42>(z * z) << 11) + EXP_CUBE4[i4];
    // E3 in units of 2^-55.
    ap_uint<44> e3 = (ap_uint<44>(i3) << 39) + EXP_EXPM1_LO[i3];
    // E34 = E3 + E4 + E3*E4 in units of 2^-58; the product (2^-113) truncated.
    ap_uint<48> p34 = (e3 * e4) >> 55;
    ap_uint<48> e34 = p34 + (ap_uint<48>(e3) << 3) + e4;
    // E2 in units of 2^-52.
    ap_uint<50> e2 = (ap_uint<50>(i2) << 41) + EXP_EXPM1_MID[i2];
    // E234 = E2 + E34 + E2*E34: product truncated to 2^-58, sum formed there, then truncated to 2^-52.
    ap_uint<48> p234 = (e2 * e34) >> 52;
    ap_uint<57> sum234 = ap_uint<57>(p234) + (ap_uint<57>(e2) << 6) + e34;
    ap_uint<51> e234 = sum234 >> 6;
    // Y = e^h + e^h * E234 in units of 2^-27, the product (2^-79) truncated.
    ap_uint<50> eh = EXP_HI[i1];
    ap_uint<50> y27 = eh + ap_uint<50>((eh * e234) >> 52);
    return y27 >> 4;
}

// exp of a raw ap_fixed<w, i> (AP_TRN, AP_WRAP) whose datapath is exp_core: widen, compute, then
// saturate when the result needs more than i - 1 integer bits and drop 23 - f fractional bits.
template <int W, int I>
ap_int<W> exp_family(ap_int<W> raw) {
    HLS_PRAGMA(inline)
    const int F = W - I;
    ap_int<48> xi = ap_int<48>(raw) << (23 - F);
    ap_uint<46> y23 = exp_core(xi);
    if (I < 24 && y23 >= (ap_uint<46>(1) << (I + 22))) {
        return ap_int<W>(((ap_uint<46>(1) << (I + 22)) - 1) >> (23 - F));
    }
    return ap_int<W>(y23 >> (23 - F));
}

} // namespace

// fm_t = ap_fixed<32,10> shares the ap_fixed<32,10> datapath (max(I - 1, W - I) = 22 is in 12..23).
fm_t exp(fm_t x) {
    HLS_PRAGMA(pipeline II=1)
    ap_int<fm_t::width> raw = x.range(fm_t::width - 1, 0);
    ap_int<fm_t::width> y = exp_family<fm_t::width, fm_t::iwidth>(raw);
    return from_bits<fm_t>(ap_uint<64>(ap_uint<fm_t::width>(y)));
}

} // namespace edgemoe
