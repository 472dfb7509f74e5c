// tb_softmax: one row's scores through the online softmax, in the order given; compares recip(sum), max.
#include "bench.h"
#include "edgemoe_config.h"
#include "softmax.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("softmax", argc, argv);
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, 0, TOKENS, 2);
        for (int c = 0; c < g.cases; ++c) {
            softmax_state state = softmax_reset();
            for (int i = 0; i < g.inputs; ++i) softmax_update(state, tb::value<fm_t>(g.input(c)[i]));
            const softmax_info info = softmax_finish(state);
            tb::words_t got;
            got.push_back(tb::word(info.recip_sum));
            got.push_back(tb::word(info.max));
            bench.check(g, c, got);
        }
    }
    return bench.finish();
}
