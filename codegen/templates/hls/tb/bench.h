// bench.h: what the C benches add to vectors.h (the reader and the report they share with the Verilator
// harnesses): words to and from the design's ap_fixed types, and elements of DDR beats.
#ifndef EDGEMOE_BENCH_H
#define EDGEMOE_BENCH_H

#include "edgemoe_config.h"
#include "vectors.h"

namespace edgemoe {
namespace tb {

// The word for a value: its raw bits.
template <class T>
uint64_t word(const T &v) {
    return to_bits(v).to_uint64();
}

// The value of a word.
template <class T>
T value(uint64_t w) {
    return from_bits<T>(ap_uint<64>(w));
}

// Element i of a buffer of beats (elements row-major, BEAT to a beat), as the DDR buffers hold them.
inline fm_t &element(fm_block_t *beats, size_t i) { return beats[i / BEAT].v[i % BEAT]; }
inline const fm_t &element(const fm_block_t *beats, size_t i) { return beats[i / BEAT].v[i % BEAT]; }

} // namespace tb
} // namespace edgemoe

#endif
