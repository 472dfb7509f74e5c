// tb_patch_reorder: one layer's routing per case; compares the queue lengths, every queue entry in
// expert order, and the metaqueue.
#include "bench.h"
#include "patch_reorder.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("patch_reorder", argc, argv);
    static gate_choice_t choices[TOKENS];
    static expert_queues_t queues;
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, 0, 4 * TOKENS, EXPERTS + 4 * TOKENS + 1 + EXPERTS);
        for (int c = 0; c < g.cases; ++c) {
            const uint64_t *in = g.input(c);
            for (int t = 0; t < TOKENS; ++t) {
                choices[t].expert[0] = in[4 * t];
                choices[t].expert[1] = in[4 * t + 1];
                choices[t].score[0] = tb::value<fm_t>(in[4 * t + 2]);
                choices[t].score[1] = tb::value<fm_t>(in[4 * t + 3]);
            }
            patch_reorder(choices, queues);
            tb::words_t got;
            for (int e = 0; e < EXPERTS; ++e) got.push_back(queues.len[e]);
            for (int e = 0; e < EXPERTS; ++e) {
                for (unsigned i = 0; i < queues.len[e]; ++i) {
                    got.push_back(queues.token[e][i]);
                    got.push_back(tb::word(queues.score[e][i]));
                }
            }
            got.push_back(queues.metaqueue_len);
            for (int e = 0; e < EXPERTS; ++e) got.push_back(queues.metaqueue[e]);
            bench.check(g, c, got);
        }
    }
    return bench.finish();
}
