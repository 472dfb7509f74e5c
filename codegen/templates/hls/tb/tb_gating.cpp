// tb_gating: each group's gate, then every token through the unit; compares e1, e2, g1, g2.
#include "bench.h"
#include "gating.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("gating", argc, argv);
    static wt_linear_t w_gate[EXPERTS * EMBED_DIM];
    static fm_block_t x[BEATS_PER_TOKEN];
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, EXPERTS * EMBED_DIM, EMBED_DIM, 4);
        for (int i = 0; i < EXPERTS * EMBED_DIM; ++i) w_gate[i] = tb::value<wt_linear_t>(g.params[i]);
        for (int c = 0; c < g.cases; ++c) {
            for (int d = 0; d < EMBED_DIM; ++d) tb::element(x, d) = tb::value<fm_t>(g.input(c)[d]);
            gate_choice_t choice;
            gating(x, w_gate, &choice, 1);
            tb::words_t got;
            got.push_back(choice.expert[0]);
            got.push_back(choice.expert[1]);
            got.push_back(tb::word(choice.score[0]));
            got.push_back(tb::word(choice.score[1]));
            bench.check(g, c, got);
        }
    }
    return bench.finish();
}
