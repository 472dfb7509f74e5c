// axis.h: drives a Verilated AXI-Stream top (aclk, aresetn, s_axis_*, m_axis_*) and counts its clock
// edges the way the simulator's model counts a unit's cycles.
#ifndef EDGEMOE_AXIS_H
#define EDGEMOE_AXIS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "verilated.h"

namespace edgemoe {
namespace tb {

// Ports of any Verilated width, as 32-bit words (low word first): up to 64 bits a Verilated port is an
// integer, wider it is a VlWide of 32-bit words.
template <class T>
inline void put(T &port, const uint32_t *w, size_t n) {
    uint64_t v = n > 0 ? w[0] : 0;
    if (n > 1) v |= uint64_t(w[1]) << 32;
    port = v;
}
template <std::size_t N>
inline void put(VlWide<N> &port, const uint32_t *w, size_t n) {
    for (std::size_t i = 0; i < N; ++i) port[i] = i < n ? w[i] : 0;
}
template <class T>
inline void get(const T &port, uint32_t *w, size_t n) {
    const uint64_t v = port;
    if (n > 0) w[0] = uint32_t(v);
    if (n > 1) w[1] = uint32_t(v >> 32);
}
template <std::size_t N>
inline void get(const VlWide<N> &port, uint32_t *w, size_t n) {
    for (std::size_t i = 0; i < n && i < N; ++i) w[i] = port[i];
}

// A beat onto a top's input ports and a result off its output ports. Most tops carry everything in
// tdata; a harness whose top also has sideband ports (tid, tuser, tlast) specialises these.
template <class Top>
inline void put_beat(Top &top, const uint32_t *w, size_t n) {
    put(top.s_axis_tdata, w, n);
}
template <class Top>
inline void get_beat(const Top &top, uint32_t *w, size_t n) {
    get(top.m_axis_tdata, w, n);
}

// What one run of a stream gave.
struct axis_run {
    std::vector<uint32_t> out;  // every result beat, in order, its words back to back
    uint64_t cycles;            // edges from the first accepted beat to the last result, inclusive
    uint64_t edges;             // every edge simulated, reset included
    double seconds;             // wall time of the run
};

// The simulator's cycle count per vector group, from `<unit>.cycles` (written by edgemoe codegen
// verilog):  `edgemoe-cycles 1`, `unit <name>`, `groups <g>`, then g counts.
inline std::vector<uint64_t> read_cycles(const char *path, const std::string &unit, size_t groups) {
    FILE *f = fopen(path, "r");
    char word[64], name[64];
    int version = 0;
    unsigned long n = 0;
    if (!f || fscanf(f, "%63s %d unit %63s groups %lu", word, &version, name, &n) != 4 ||
        std::string(word) != "edgemoe-cycles" || version != 1) {
        fprintf(stderr, "%s: not an edgemoe cycles file of format 1\n", path);
        exit(2);
    }
    if (unit != name || n != groups) {
        fprintf(stderr, "%s: cycles of unit `%s` for %lu groups; the vectors have %zu groups of `%s`\n", path,
                name, n, groups, unit.c_str());
        exit(2);
    }
    std::vector<uint64_t> cycles(n);
    for (size_t g = 0; g < n; ++g) {
        unsigned long long c;
        if (fscanf(f, "%llu", &c) != 1) {
            fprintf(stderr, "%s: truncated\n", path);
            exit(2);
        }
        cycles[g] = c;
    }
    fclose(f);
    return cycles;
}

// Every slot of a stream holds a beat.
struct no_bubbles {
    bool operator()(size_t) const { return false; }
};

// The driver. Inputs change and outputs are sampled while aclk is low; the rising edge then commits
// the handshakes, as the units' valid/ready contract assumes.
template <class Top>
class axis_driver {
public:
    explicit axis_driver(Top &top) : top_(top), lcg_(0x9e3779b97f4a7c15ULL) {}

    // Holds aresetn low for two edges.
    void reset() {
        top_.aresetn = 0;
        top_.s_axis_tvalid = 0;
        top_.m_axis_tready = 0;
        edge();
        edge();
        top_.aresetn = 1;
    }

    // Offers `beats` beats of `in_words` words in order, `fill(k, words)` writing beat k into zeroed
    // words, and collects `results` beats of `out_words` words. Without backpressure a beat is offered
    // every cycle and every result is taken at once; with it both sides pause at random (seeded).
    // Slots where `bubble(k)` holds are not offered: such a slot passes on a cycle with tvalid low and
    // tready high (a unit whose input contract counts pipeline advances, as softmax's does).
    template <class Fill, class Bubble = no_bubbles>
    axis_run run(size_t beats, size_t in_words, Fill fill, size_t results, size_t out_words,
                 bool backpressure, Bubble bubble = Bubble()) {
        const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
        reset();
        axis_run r;
        r.cycles = 0;
        r.out.reserve(results * out_words);
        size_t next = 0, got_beats = 0, filled = beats;
        std::vector<uint32_t> beat(in_words);
        uint64_t cycle = 0, first = 0, last = 0, idle = 0;
        bool started = false;
        std::vector<uint32_t> word(out_words);
        while (got_beats < results) {
            const bool gap = next < beats && bubble(next);
            const bool offer = next < beats && !gap && (!backpressure || random() % 4 != 0);
            const bool ready = !backpressure || random() % 3 != 0;
            if (offer && filled != next) {
                std::fill(beat.begin(), beat.end(), 0);
                fill(next, beat.data());
                filled = next;
            }
            if (offer) put_beat(top_, beat.data(), in_words);
            top_.s_axis_tvalid = offer;
            top_.m_axis_tready = ready;
            top_.aclk = 0;
            top_.eval();
            const bool took = offer && top_.s_axis_tready;
            const bool got = ready && top_.m_axis_tvalid;
            if (took && !started) {
                started = true;
                first = cycle;
            }
            if (got) {
                get_beat(top_, word.data(), out_words);
                r.out.insert(r.out.end(), word.begin(), word.end());
                ++got_beats;
                last = cycle;
            }
            const bool passed = gap && top_.s_axis_tready;
            next += took || passed ? 1 : 0;
            idle = took || passed || got ? 0 : idle + 1;
            if (idle > 100000) {
                fprintf(stderr, "the stream is stuck: %zu of %zu beats in, %zu of %zu results out\n", next,
                        beats, got_beats, results);
                exit(3);
            }
            top_.aclk = 1;
            top_.eval();
            ++cycle;
        }
        r.cycles = results ? last - first + 1 : 0;
        r.edges = cycle + 2;
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return r;
    }

private:
    void edge() {
        top_.aclk = 0;
        top_.eval();
        top_.aclk = 1;
        top_.eval();
    }

    uint64_t random() {
        lcg_ = lcg_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return lcg_ >> 33;
    }

    Top &top_;
    uint64_t lcg_;
};

} // namespace tb
} // namespace edgemoe

#endif
