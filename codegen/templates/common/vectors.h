// vectors.h: what every bench and harness shares: reading a golden vector file (format in README.md),
// comparing outputs bit for bit, and the one PASS/FAIL line. Plain C++, no HLS or Verilator headers, so
// the C benches and the Verilator harnesses read vectors and report with the same code.
#ifndef EDGEMOE_VECTORS_H
#define EDGEMOE_VECTORS_H

#include <stdint.h>

#include <string>
#include <vector>

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

    // The same for a second run of a case already checked (e.g. under backpressure): a mismatch counts,
    // the case does not count again.
    void recheck(const vector_group &g, int c, const words_t &got);

    // Compares only the first `words` output words of every case from now on (a unit that computes
    // part of what the vector file holds, e.g. QK^T's scores without the softmax statistics).
    void compare_first(int words) { compared_ = words; }

    // Records a run's clock edges next to the simulator's model of the same run (RTL harnesses).
    void cycles(uint64_t measured, uint64_t model);

    // Prints "PASS <unit>: N vectors, 0 mismatches" (with ", 0 cycle mismatches (C cycles, model M)"
    // when cycles were recorded) or the FAIL line with the first mismatch; returns the process exit
    // status (0 on PASS).
    int finish() const;

private:
    void compare(const vector_group &g, int c, const words_t &got, const char *run);
    size_t group_index(const vector_group &g) const;

    std::string unit_;
    vector_file file_;
    long cases_;
    long mismatches_;
    std::string first_;
    int compared_ = -1;
    long runs_;
    long cycle_mismatches_;
    uint64_t measured_;
    uint64_t model_;
};

} // namespace tb
} // namespace edgemoe

#endif
