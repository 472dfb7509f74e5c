// tb_div: a / b on every vector (0 for b = 0), compared bit for bit with golden.
#include "bench.h"
#include "div.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("div", argc, argv);
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, 0, 2, 1);
        for (int c = 0; c < g.cases; ++c) {
            const fm_t q = div(tb::value<fm_t>(g.input(c)[0]), tb::value<fm_t>(g.input(c)[1]));
            bench.check(g, c, tb::words_t(1, tb::word(q)));
        }
    }
    return bench.finish();
}
