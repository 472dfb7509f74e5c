// tb_frame: one whole frame through edgemoe_top, every intermediate tensor (tap) compared bit for bit
// with golden's as the kernel produces it. Reads frame/manifest.txt, frame/params.bin and
// frame/taps.bin (format in README.md).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench.h"
#include "edgemoe_top.h"

using namespace edgemoe;

namespace {

struct entry {
    int bytes;
    long count;
    long offset;
    int rows;
    int cols;
};

std::map<std::string, entry> tensors;
std::map<std::string, entry> taps;
std::vector<std::string> tap_order;
std::vector<unsigned char> params_bin;
std::vector<unsigned char> taps_bin;
std::vector<std::string> seen;
long values_compared = 0;
long mismatches = 0;
std::string first;

void die(const std::string &why) {
    fprintf(stderr, "tb_frame: %s\n", why.c_str());
    exit(2);
}

std::vector<unsigned char> slurp(const std::string &path) {
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) die(path + ": cannot open");
    std::vector<unsigned char> data;
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + n);
    fclose(f);
    return data;
}

// Little-endian value `i` of an entry, zero-extended.
uint64_t raw(const std::vector<unsigned char> &bin, const entry &e, long i) {
    uint64_t w = 0;
    const unsigned char *p = &bin[size_t(e.offset) + size_t(i) * e.bytes];
    for (int b = e.bytes - 1; b >= 0; --b) w = (w << 8) | p[b];
    return w;
}

template <class T>
std::vector<T> load(const char *name) {
    std::map<std::string, entry>::const_iterator it = tensors.find(name);
    if (it == tensors.end()) die(std::string("manifest has no tensor `") + name + "`");
    const entry &e = it->second;
    if (e.offset < 0 || e.count < 0 || size_t(e.offset) + size_t(e.count) * e.bytes > params_bin.size()) {
        die(std::string("tensor `") + name + "` lies outside params.bin");
    }
    // One spare element, so an empty tensor (a model without dense or MoE blocks) still has a pointer.
    std::vector<T> v(e.count + 1);
    for (long i = 0; i < e.count; ++i) v[i] = tb::value<T>(raw(params_bin, e, i));
    return v;
}

void compare(int layer, const char *name, const fm_block_t *values, int rows, int cols) {
    std::ostringstream full;
    if (layer >= 0) full << "l" << layer << ".";
    full << name;
    const std::string tap = full.str();
    std::map<std::string, entry>::const_iterator it = taps.find(tap);
    if (it == taps.end()) die("the kernel produced tap `" + tap + "`, which golden does not have");
    const entry &e = it->second;
    if (e.rows != rows || e.cols != cols) die("tap `" + tap + "` has another shape in golden");
    if (e.offset < 0 || size_t(e.offset) + size_t(e.count) * e.bytes > taps_bin.size()) {
        die("tap `" + tap + "` lies outside taps.bin");
    }
    seen.push_back(tap);
    const uint64_t mask = e.bytes == 8 ? ~uint64_t(0) : ((uint64_t(1) << (8 * e.bytes)) - 1);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) {
            const uint64_t got = tb::word(tb::element(values, size_t(r) * cols + c));
            const uint64_t want = raw(taps_bin, e, long(r) * cols + c) & ((uint64_t(1) << fm_t::width) - 1) & mask;
            ++values_compared;
            if (got != want) {
                if (mismatches == 0) {
                    std::ostringstream s;
                    s << "tap " << tap << " [" << r << "][" << c << "] expected " << std::hex << want << " got " << got;
                    first = s.str();
                }
                ++mismatches;
            }
        }
    }
}

void read_manifest(const std::string &dir) {
    const std::string path = dir + "/manifest.txt";
    FILE *f = fopen(path.c_str(), "r");
    if (!f) die(path + ": cannot open");
    char word[256];
    if (fscanf(f, "%255s", word) != 1 || strcmp(word, "edgemoe-frame") != 0) die(path + ": not a frame manifest");
    int version = 0;
    if (fscanf(f, "%d", &version) != 1 || version != 1) die(path + ": format version 1 expected");
    while (fscanf(f, "%255s", word) == 1) {
        if (word[0] == '#') {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n') {
            }
            continue;
        }
        char name[256];
        entry e;
        if (strcmp(word, "tensor") == 0) {
            if (fscanf(f, "%255s %d %ld %ld", name, &e.bytes, &e.count, &e.offset) != 4) die(path + ": bad tensor line");
            e.rows = 0;
            e.cols = 0;
            tensors[name] = e;
        } else if (strcmp(word, "tap") == 0) {
            if (fscanf(f, "%255s %d %d %d %ld", name, &e.bytes, &e.rows, &e.cols, &e.offset) != 5) die(path + ": bad tap line");
            e.count = long(e.rows) * e.cols;
            taps[name] = e;
            tap_order.push_back(name);
        } else if (strcmp(word, "end") == 0) {
            break;
        } else {
            die(path + ": unexpected `" + word + "`");
        }
    }
    fclose(f);
}

} // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FRAME_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    read_manifest(dir);
    params_bin = slurp(dir + "/params.bin");
    taps_bin = slurp(dir + "/taps.bin");

    std::vector<pixel_t> image = load<pixel_t>("image");
    std::vector<wt_patch_embed_t> patch_weight = load<wt_patch_embed_t>("patch_weight");
    std::vector<wt_bias_t> patch_bias = load<wt_bias_t>("patch_bias");
    std::vector<fm_t> pos_values = load<fm_t>("pos_embed");
    std::vector<fm_block_t> pos_embed(TOKENS * BEATS_PER_TOKEN);
    for (int i = 0; i < TOKENS * EMBED_DIM; ++i) tb::element(pos_embed.data(), i) = pos_values[i];
    std::vector<wt_linear_t> attn_weight = load<wt_linear_t>("attn_weight");
    std::vector<wt_attn_bias_t> attn_bias = load<wt_attn_bias_t>("attn_bias");
    std::vector<wt_norm_t> norm_weight = load<wt_norm_t>("norm_weight");
    std::vector<wt_bias_t> norm_bias = load<wt_bias_t>("norm_bias");
    std::vector<wt_linear_t> mlp_fc1_weight = load<wt_linear_t>("mlp_fc1_weight");
    std::vector<wt_bias_t> mlp_fc1_bias = load<wt_bias_t>("mlp_fc1_bias");
    std::vector<wt_linear_t> mlp_fc2_weight = load<wt_linear_t>("mlp_fc2_weight");
    std::vector<wt_bias_t> mlp_fc2_bias = load<wt_bias_t>("mlp_fc2_bias");
    std::vector<wt_linear_t> moe_w_gate = load<wt_linear_t>("moe_w_gate");
    std::vector<wt_linear_t> moe_fc1_weight = load<wt_linear_t>("moe_fc1_weight");
    std::vector<wt_bias_t> moe_fc1_bias = load<wt_bias_t>("moe_fc1_bias");
    std::vector<wt_linear_t> moe_fc2_weight = load<wt_linear_t>("moe_fc2_weight");
    std::vector<wt_bias_t> moe_fc2_bias = load<wt_bias_t>("moe_fc2_bias");

    const int beats = TOKENS * BEATS_PER_TOKEN;
    std::vector<fm_block_t> x(beats), tmp1(beats), tmp2(beats), tmp3(beats),
        hidden(size_t(TOKENS) * LINEAR_MAX_DIM / BEAT);
    std::vector<heads_t> attn(ATTN_ENTRIES);
    std::vector<softmax_info_row_t> attn_info(TOKENS);

    set_tap_hook(compare);
    edgemoe_top(image.data(), patch_weight.data(), patch_bias.data(), pos_embed.data(), attn_weight.data(),
                attn_bias.data(), norm_weight.data(), norm_bias.data(), mlp_fc1_weight.data(),
                mlp_fc1_bias.data(), mlp_fc2_weight.data(), mlp_fc2_bias.data(), moe_w_gate.data(),
                moe_fc1_weight.data(), moe_fc1_bias.data(), moe_fc2_weight.data(), moe_fc2_bias.data(),
                x.data(), tmp1.data(), tmp2.data(), tmp3.data(), hidden.data(), attn.data(), attn_info.data());

    if (seen != tap_order) {
        printf("FAIL frame: 1 vectors, 1 mismatches; first: the kernel produced %zu taps, golden has %zu (order must match)\n",
               seen.size(), tap_order.size());
        return 1;
    }
    if (mismatches == 0) {
        printf("PASS frame: 1 vectors, 0 mismatches (%zu taps, %ld values)\n", seen.size(), values_compared);
        return 0;
    }
    printf("FAIL frame: 1 vectors, %ld mismatches; first: %s (%zu taps, %ld values)\n", mismatches, first.c_str(),
           seen.size(), values_compared);
    return 1;
}
