// vectors.cpp: the vector reader and the comparison report.
#include "vectors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sstream>

namespace edgemoe {
namespace tb {

namespace {

void fail_read(const char *path, const std::string &why) {
    fprintf(stderr, "%s: %s\n", path, why.c_str());
    exit(2);
}

std::string token(FILE *f) {
    char buf[256];
    if (fscanf(f, "%255s", buf) != 1) return std::string();
    return std::string(buf);
}

// Skips '#' comment lines (allowed after the unit line).
std::string token_skipping_comments(FILE *f) {
    std::string t = token(f);
    while (!t.empty() && t[0] == '#') {
        int c;
        while ((c = fgetc(f)) != EOF && c != '\n') {
        }
        t = token(f);
    }
    return t;
}

long number(FILE *f, const char *path, const char *what) {
    long v;
    if (fscanf(f, "%ld", &v) != 1 || v < 0) fail_read(path, std::string("bad count after `") + what + "`");
    return v;
}

void hex_words(FILE *f, const char *path, size_t n, words_t &out) {
    out.resize(n);
    for (size_t i = 0; i < n; ++i) {
        unsigned long long w;
        if (fscanf(f, "%llx", &w) != 1) fail_read(path, "truncated: expected more hex words");
        out[i] = w;
    }
}

std::string list(const uint64_t *w, int n) {
    std::ostringstream s;
    const int shown = n < 16 ? n : 16;
    s << "[";
    for (int i = 0; i < shown; ++i) s << (i ? " " : "") << std::hex << w[i];
    if (n > shown) s << std::dec << " ... +" << (n - shown) << " more";
    s << "]";
    return s.str();
}

} // namespace

vector_file read_vectors(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) fail_read(path, strerror(errno));
    vector_file file;
    if (token(f) != "edgemoe-vectors" || number(f, path, "edgemoe-vectors") != 1) {
        fail_read(path, "not an edgemoe vector file of format 1");
    }
    if (token(f) != "unit") fail_read(path, "expected `unit`");
    file.unit = token(f);
    if (token_skipping_comments(f) != "shared") fail_read(path, "expected `shared`");
    hex_words(f, path, number(f, path, "shared"), file.shared);
    if (token(f) != "groups") fail_read(path, "expected `groups`");
    const long groups = number(f, path, "groups");
    for (long g = 0; g < groups; ++g) {
        if (token(f) != "group") fail_read(path, "expected `group`");
        vector_group group;
        const long params = number(f, path, "group");
        group.cases = number(f, path, "group");
        group.inputs = number(f, path, "group");
        group.outputs = number(f, path, "group");
        hex_words(f, path, params, group.params);
        hex_words(f, path, size_t(group.cases) * (group.inputs + group.outputs), group.words);
        file.groups.push_back(group);
    }
    if (token(f) != "end") fail_read(path, "expected `end` after the last group");
    fclose(f);
    return file;
}

bench::bench(const char *unit, int argc, char **argv)
    : unit_(unit), cases_(0), mismatches_(0), runs_(0), cycle_mismatches_(0), measured_(0), model_(0) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s VECTOR_FILE\n", argv[0]);
        exit(2);
    }
    file_ = read_vectors(argv[1]);
    if (file_.unit != unit_) {
        fprintf(stderr, "%s: vectors of unit `%s`, this bench tests `%s`\n", argv[1], file_.unit.c_str(), unit);
        exit(2);
    }
}

void bench::expect(const vector_group &g, size_t params, int inputs, int outputs) const {
    if (g.params.size() != params || g.inputs != inputs || g.outputs != outputs) {
        fprintf(stderr,
                "%s: a group has %zu parameter words and cases of %d -> %d words; this bench (built for "
                "this design point) reads %zu and %d -> %d\n",
                unit_.c_str(), g.params.size(), g.inputs, g.outputs, params, inputs, outputs);
        exit(2);
    }
}

void bench::expect_shared(size_t words) const {
    if (file_.shared.size() != words) {
        fprintf(stderr, "%s: %zu shared words; this bench reads %zu\n", unit_.c_str(), file_.shared.size(), words);
        exit(2);
    }
}

void bench::check(const vector_group &g, int c, const words_t &got) {
    ++cases_;
    compare(g, c, got, "");
}

void bench::recheck(const vector_group &g, int c, const words_t &got) { compare(g, c, got, " (rerun)"); }

void bench::compare(const vector_group &g, int c, const words_t &got, const char *run) {
    const uint64_t *expected = g.expected(c);
    const int outputs = compared_ >= 0 && compared_ < g.outputs ? compared_ : g.outputs;
    bool same = int(got.size()) == outputs;
    for (int i = 0; same && i < outputs; ++i) same = got[i] == expected[i];
    if (same) return;
    if (mismatches_ == 0) {
        std::ostringstream s;
        s << "case " << c << " of group " << group_index(g) << run << " in " << list(g.input(c), g.inputs)
          << " expected " << list(expected, outputs) << " got " << list(got.data(), int(got.size()));
        first_ = s.str();
    }
    ++mismatches_;
}

size_t bench::group_index(const vector_group &g) const {
    for (size_t i = 0; i < file_.groups.size(); ++i) {
        if (&file_.groups[i] == &g) return i;
    }
    return file_.groups.size();
}

void bench::cycles(uint64_t measured, uint64_t model) {
    ++runs_;
    measured_ += measured;
    model_ += model;
    if (measured != model) ++cycle_mismatches_;
}

int bench::finish() const {
    std::ostringstream cyc;
    if (runs_ > 0) {
        cyc << ", " << cycle_mismatches_ << " cycle mismatches (" << measured_ << " cycles, model " << model_
            << ")";
    }
    if (mismatches_ == 0 && cycle_mismatches_ == 0) {
        printf("PASS %s: %ld vectors, 0 mismatches%s\n", unit_.c_str(), cases_, cyc.str().c_str());
        return 0;
    }
    printf("FAIL %s: %ld vectors, %ld mismatches%s", unit_.c_str(), cases_, mismatches_, cyc.str().c_str());
    if (mismatches_ > 0) printf("; first: %s", first_.c_str());
    printf("\n");
    return 1;
}

} // namespace tb
} // namespace edgemoe
