// tb_attn_av: each group is one layer's V, scores and statistics (laid out as QK^T writes them); each
// case is one output row.
#include "attn_av.h"
#include "bench.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("attn_av", argc, argv);
    const int n = TOKENS * EMBED_DIM;
    static fm_block_t v[TOKENS * BEATS_PER_TOKEN];
    static fm_block_t out[TOKENS * BEATS_PER_TOKEN];
    static heads_t attn[ATTN_ENTRIES];
    static softmax_info_row_t info[TOKENS];
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, n + TOKENS * TOKENS * HEADS + TOKENS * 2 * HEADS, 1, EMBED_DIM);
        for (int i = 0; i < n; ++i) tb::element(v, i) = tb::value<fm_t>(g.params[i]);
        size_t at = n;
        for (int row = 0; row < TOKENS; ++row) {
            for (int key = 0; key < TOKENS; ++key) {
                for (int h = 0; h < HEADS; ++h) attn[attn_index(row, key)].h[h] = tb::value<fm_t>(g.params[at++]);
            }
        }
        for (int row = 0; row < TOKENS; ++row) {
            for (int h = 0; h < HEADS; ++h) {
                info[row].recip_sum[h] = tb::value<fm_t>(g.params[at++]);
                info[row].max[h] = tb::value<fm_t>(g.params[at++]);
            }
        }
        attn_av(v, attn, info, out);
        for (int c = 0; c < g.cases; ++c) {
            const int row = int(g.input(c)[0]);
            tb::words_t got(EMBED_DIM);
            for (int d = 0; d < EMBED_DIM; ++d) got[d] = tb::word(tb::element(out, row * EMBED_DIM + d));
            bench.check(g, c, got);
        }
    }
    return bench.finish();
}
