// bench.h: what every unit bench shares: reading a golden vector file (format in README.md), comparing
// outputs bit for bit, and the one PASS/FAIL line.
#ifndef EDGEMOE_BENCH_H
#define EDGEMOE_BENCH_H

#include <stdint.h>

#include <string>
#include <vector>

#include "edgemoe_config.h"

namespace edgemoe {
namespace tb {

typedef std::vector<uint64_t> words_t;

struct vector_group {
    words_t params;
    int cases;
    int inputs;
    int outputs;
    words_t words;  // cases x (inputs + outputs)

    const uint64_t *input(int c) const { return &words[size_t(c) * (inputs + outputs)]; }
    const uint64_t *expected(int c) const { return input(c) + inputs; }
};

struct vector_file {
    std::string unit;
    words_t shared;
    std::vector<vector_group> groups;
};

// Reads `path`; on failure prints the reason and exits with status 2.
vector_file read_vectors(const char *path);

// Counts mismatches and remembers the first one.
class bench {
public:
    // argv[1] is the vector file; the file's unit must be `unit`.
    bench(const char *unit, int argc, char **argv);

    const vector_file &vectors() const { return file_; }

    // Checks that a group has the layout this bench reads (exits with status 2 naming the group if not),
    // so a vector file from another design point cannot make the bench read out of bounds.
    void expect(const vector_group &g, size_t params, int inputs, int outputs) const;

    // The same for the words every group shares.
    void expect_shared(size_t words) const;

    // Compares one case's outputs with the expected words.
    void check(const vector_group &g, int c, const words_t &got);

    // Prints "PASS <unit>: N vectors, 0 mismatches" or the FAIL line with the first mismatch; returns
    // the process exit status (0 on PASS).
    int finish() const;

private:
    std::string unit_;
    vector_file file_;
    long cases_;
    long mismatches_;
    std::string first_;
};

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
