// patch_reorder: Edge-MoE's write_gate_results, at II = {{ii_write_gate_results}} (arch.ii.write_gate_results).
#include "patch_reorder.h"

namespace edgemoe {

void patch_reorder(const gate_choice_t choices[TOKENS], expert_queues_t &queues) {
    for (int e = 0; e < EXPERTS; ++e) queues.len[e] = 0;
    for (int t = 0; t < TOKENS; ++t) {
        for (int k = 0; k < TOP_K; ++k) {
            HLS_PRAGMA(pipeline II={{ii_write_gate_results}})  // arch.ii.write_gate_results
            const int e = choices[t].expert[k];
            const int at = queues.len[e];
            queues.token[e][at] = t;
            queues.score[e][at] = choices[t].score[k];
            queues.len[e] = at + 1;
        }
    }
    queues.metaqueue_len = 0;
    for (int e = 0; e < EXPERTS; ++e) {
        queues.metaqueue[e] = 0;
    }
    for (int e = 0; e < EXPERTS; ++e) {
        HLS_PRAGMA(pipeline II=1)
        if (queues.len[e] > 0) {
            queues.metaqueue[queues.metaqueue_len] = e;
            queues.metaqueue_len = queues.metaqueue_len + 1;
        }
    }
}

} // namespace edgemoe
