// tb_linear: each group is one layer (shape, mode, weights, bias); its cases run through the unit in
// batches of up to TOKENS rows. Mode 2 (use_score) goes through the expert path: the queue is the
// identity, so case i's gate scales row i and its dst row is accumulated into.
#include "bench.h"
#include "linear.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("linear", argc, argv);
    static linear_weights_t weights;
    static linear_bias_t bias;
    for (const tb::vector_group &g : bench.vectors().groups) {
        if (g.params.size() < 4) bench.expect(g, 4, 0, 0);  // too short to hold the layer's shape
        const int in_dim = int(g.params[0]);
        const int out_dim = int(g.params[1]);
        const int mode = int(g.params[2]);
        const bool attn_bias = g.params[3] == 0;
        if (in_dim % LINEAR_TILE_IN != 0 || out_dim % LINEAR_TILE_OUT != 0 || in_dim % BEAT != 0 ||
            out_dim % BEAT != 0 || in_dim > LINEAR_MAX_DIM || out_dim > LINEAR_MAX_DIM) {
            bench.expect(g, 0, -1, -1);  // a shape this design point's unit cannot take
        }
        bench.expect(g, 4 + size_t(in_dim) * out_dim + out_dim, in_dim + (mode == 2 ? 1 + out_dim : 0), out_dim);
        std::vector<wt_linear_t> w(size_t(out_dim) * in_dim);
        for (size_t i = 0; i < w.size(); ++i) w[i] = tb::value<wt_linear_t>(g.params[4 + i]);
        load_linear_weights(w.data(), weights, out_dim, in_dim);
        const size_t b_at = 4 + w.size();
        if (attn_bias) {
            std::vector<wt_attn_bias_t> b(out_dim);
            for (int o = 0; o < out_dim; ++o) b[o] = tb::value<wt_attn_bias_t>(g.params[b_at + o]);
            load_linear_bias(b.data(), bias, out_dim);
        } else {
            std::vector<wt_bias_t> b(out_dim);
            for (int o = 0; o < out_dim; ++o) b[o] = tb::value<wt_bias_t>(g.params[b_at + o]);
            load_linear_bias(b.data(), bias, out_dim);
        }
        for (int first = 0; first < g.cases; first += TOKENS) {
            const int rows = g.cases - first < TOKENS ? g.cases - first : TOKENS;
            std::vector<fm_block_t> src(size_t(rows) * in_dim / BEAT), dst(size_t(rows) * out_dim / BEAT);
            std::vector<ap_uint<32> > queue(rows);
            std::vector<fm_t> scores(rows);
            for (int r = 0; r < rows; ++r) {
                const uint64_t *in = g.input(first + r);
                for (int k = 0; k < in_dim; ++k) tb::element(src.data(), size_t(r) * in_dim + k) = tb::value<fm_t>(in[k]);
                queue[r] = r;
                if (mode == 2) {
                    scores[r] = tb::value<fm_t>(in[in_dim]);
                    for (int o = 0; o < out_dim; ++o) {
                        tb::element(dst.data(), size_t(r) * out_dim + o) = tb::value<fm_t>(in[in_dim + 1 + o]);
                    }
                }
            }
            linear_args args;
            args.tokens = rows;
            args.in_dim = in_dim;
            args.out_dim = out_dim;
            args.use_gelu = mode == 1;
            args.use_expert = mode == 2;
            args.use_score = mode == 2;
            linear(src.data(), dst.data(), weights, bias, args, queue.data(), scores.data());
            for (int r = 0; r < rows; ++r) {
                tb::words_t got(out_dim);
                for (int o = 0; o < out_dim; ++o) got[o] = tb::word(tb::element(dst.data(), size_t(r) * out_dim + o));
                bench.check(g, first + r, got);
            }
        }
    }
    return bench.finish();
}
