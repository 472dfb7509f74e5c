// tb_qk_scores: each group is one layer's Q and K through the unit; each case is one row: its scores
// (read back from the skewed layout) and its softmax statistics.
#include "bench.h"
#include "qk_scores.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("qk_scores", argc, argv);
    const int n = TOKENS * EMBED_DIM;
    static fm_block_t q[TOKENS * BEATS_PER_TOKEN];
    static fm_block_t k[TOKENS * BEATS_PER_TOKEN];
    static heads_t attn[ATTN_ENTRIES];
    static softmax_info_row_t info[TOKENS];
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, 2 * n, 1, TOKENS * HEADS + 2 * HEADS);
        for (int i = 0; i < n; ++i) {
            tb::element(q, i) = tb::value<fm_t>(g.params[i]);
            tb::element(k, i) = tb::value<fm_t>(g.params[n + i]);
        }
        qk_scores(q, k, attn, info);
        for (int c = 0; c < g.cases; ++c) {
            const int row = int(g.input(c)[0]);
            tb::words_t got;
            for (int key = 0; key < TOKENS; ++key) {
                for (int h = 0; h < HEADS; ++h) got.push_back(tb::word(attn[attn_index(row, key)].h[h]));
            }
            for (int h = 0; h < HEADS; ++h) {
                got.push_back(tb::word(info[row].recip_sum[h]));
                got.push_back(tb::word(info[row].max[h]));
            }
            bench.check(g, c, got);
        }
    }
    return bench.finish();
}
