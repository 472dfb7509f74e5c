// tb_layernorm: each group's gamma and beta, then every token through the unit.
#include "bench.h"
#include "layernorm.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("layernorm", argc, argv);
    static wt_norm_t gamma[EMBED_DIM];
    static wt_bias_t beta[EMBED_DIM];
    static fm_block_t x[BEATS_PER_TOKEN];
    static fm_block_t y[BEATS_PER_TOKEN];
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, 2 * EMBED_DIM, EMBED_DIM, EMBED_DIM);
        for (int d = 0; d < EMBED_DIM; ++d) {
            gamma[d] = tb::value<wt_norm_t>(g.params[d]);
            beta[d] = tb::value<wt_bias_t>(g.params[EMBED_DIM + d]);
        }
        for (int c = 0; c < g.cases; ++c) {
            for (int d = 0; d < EMBED_DIM; ++d) tb::element(x, d) = tb::value<fm_t>(g.input(c)[d]);
            layernorm(x, y, gamma, beta, 1);
            tb::words_t got(EMBED_DIM);
            for (int d = 0; d < EMBED_DIM; ++d) got[d] = tb::word(tb::element(y, d));
            bench.check(g, c, got);
        }
    }
    return bench.finish();
}
