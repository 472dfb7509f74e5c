// patch_reorder: the expert queues and the metaqueue that group tokens by expert, so each active
// expert's weights are fetched once per layer. Spec: edge-moe.md §9 (write_gate_results);
// golden: golden/src/units/patch_reorder.rs.
#ifndef EDGEMOE_PATCH_REORDER_H
#define EDGEMOE_PATCH_REORDER_H

#include "gating.h"

namespace edgemoe {

// A queue can hold every token twice: a token whose top-1 and top-2 are the same expert (only possible
// when logits sit at the fm_t minimum) is queued twice, as in the hardware.
const int QUEUE_CAPACITY = TOKENS * TOP_K;

struct expert_queues_t {
    ap_uint<32> len[EXPERTS];
    ap_uint<32> token[EXPERTS][QUEUE_CAPACITY];
    fm_t score[EXPERTS][QUEUE_CAPACITY];
    ap_uint<32> metaqueue_len;
    ap_uint<32> metaqueue[EXPERTS];  // the experts with a non-empty queue, ascending
};

// Each token joins its top-1 expert's queue, then its top-2 expert's queue, tokens ascending.
void patch_reorder(const gate_choice_t choices[TOKENS], expert_queues_t &queues);

} // namespace edgemoe

#endif
