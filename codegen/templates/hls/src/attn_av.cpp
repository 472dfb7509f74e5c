// attn_av: the same (block, key, beat) loop as QK^T, with V in place of K. At each key's first beat the
// P lanes turn their scores into probabilities (P x HEADS exp per key); every beat each lane adds
// floor(V * p) into its row's accumulator. A lane finishes its row at the key before its first one,
// so rows leave in order.
#include "attn_av.h"

#include "softmax.h"

namespace edgemoe {

namespace {

void read_kv(const fm_block_t *v, hls::stream<fm_block_t> &v_stream) {
    for (int b = 0; b < QUERY_BLOCKS; ++b) {
        for (int key = 0; key < TOKENS; ++key) {
            for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
                HLS_PRAGMA(pipeline II=1)
                v_stream.write(v[key * BEATS_PER_TOKEN + d]);
            }
        }
    }
}

void read_attn(const heads_t *attn, hls::stream<heads_t> &scores) {
    for (int i = 0; i < ATTN_ENTRIES; ++i) {
        HLS_PRAGMA(pipeline II=1)
        scores.write(attn[i]);
    }
}

void read_attn_softmax_info(const softmax_info_row_t *info, hls::stream<softmax_info_row_t> &info_stream) {
    for (int row = 0; row < TOKENS; ++row) {
        HLS_PRAGMA(pipeline II=1)
        info_stream.write(info[row]);
    }
}

// Packs the P lanes' scores of one key into one word.
void prepare_attn(hls::stream<heads_t> &scores, hls::stream<attn_parallel_t> &packed) {
    for (int step = 0; step < QUERY_BLOCKS * TOKENS; ++step) {
        attn_parallel_t word;
        for (int lane = 0; lane < ATTN_LANES; ++lane) {
            HLS_PRAGMA(pipeline II=1)
            word.lane[lane] = scores.read();
        }
        packed.write(word);
    }
}

void compute(hls::stream<fm_block_t> &v_stream, hls::stream<attn_parallel_t> &packed,
             hls::stream<softmax_info_row_t> &info_stream, hls::stream<fm_block_t> &out_stream) {
    softmax_info lane_info[ATTN_LANES][HEADS];
    HLS_PRAGMA(array_partition variable=lane_info complete dim=0)
    fm_t p[ATTN_LANES][HEADS];
    HLS_PRAGMA(array_partition variable=p complete dim=0)
    fm_block_t acc[ATTN_LANES][BEATS_PER_TOKEN];
    HLS_PRAGMA(array_partition variable=acc dim=1 complete)
    for (int lane = 0; lane < ATTN_LANES; ++lane) {
        for (int h = 0; h < HEADS; ++h) {
            lane_info[lane][h].recip_sum = 0;
            lane_info[lane][h].max = 0;
        }
    }
    for (int b = 0; b < QUERY_BLOCKS; ++b) {
        for (int key = 0; key < TOKENS; ++key) {
            for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
                HLS_PRAGMA(pipeline II=1)
                if (d == 0) {
                    // Lane `key` starts its next row: its statistics arrive now.
                    if (key < ATTN_LANES && b * ATTN_LANES + key < TOKENS) {
                        const softmax_info_row_t row_info = info_stream.read();
                        for (int h = 0; h < HEADS; ++h) {
                            lane_info[key][h].recip_sum = row_info.recip_sum[h];
                            lane_info[key][h].max = row_info.max[h];
                        }
                    }
                    const attn_parallel_t s = packed.read();
                    for (int lane = 0; lane < ATTN_LANES; ++lane) {
                        for (int h = 0; h < HEADS; ++h) {
                            p[lane][h] = softmax_probability(s.lane[lane].h[h], lane_info[lane][h]);
                        }
                    }
                }
                const fm_block_t vb = v_stream.read();
                const int head = d / BEATS_PER_HEAD;
                for (int lane = 0; lane < ATTN_LANES; ++lane) {
                    for (int e = 0; e < BEAT; ++e) {
                        fm_t add = vb.v[e] * p[lane][head];
                        acc[lane][d].v[e] = (key == lane) ? add : fm_t(acc[lane][d].v[e] + add);
                    }
                }
                // Lane 0 finishes row b*P at the last key; lane o > 0 finishes row (b-1)*P + o at key o-1.
                if (key == TOKENS - 1 && b * ATTN_LANES < TOKENS) {
                    out_stream.write(acc[0][d]);
                } else if (b > 0 && key < ATTN_LANES - 1 && (b - 1) * ATTN_LANES + key + 1 < TOKENS) {
                    out_stream.write(acc[key + 1][d]);
                }
            }
        }
    }
}

void write_attn_matmul_v(hls::stream<fm_block_t> &out_stream, fm_block_t *out) {
    for (int row = 0; row < TOKENS; ++row) {
        for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
            HLS_PRAGMA(pipeline II=1)
            out[row * BEATS_PER_TOKEN + d] = out_stream.read();
        }
    }
}

} // namespace

void attn_av(const fm_block_t *v, const heads_t *attn, const softmax_info_row_t *info, fm_block_t *out) {
    HLS_PRAGMA(dataflow)
    hls::stream<fm_block_t> v_stream("v_stream");
    HLS_PRAGMA(stream variable=v_stream depth={{fifo_stream}})  // arch.fifo.stream
    hls::stream<heads_t> scores("attn_scores");
    HLS_PRAGMA(stream variable=scores depth={{fifo_stream}})  // arch.fifo.stream
    hls::stream<attn_parallel_t> packed("attn_packed");
    HLS_PRAGMA(stream variable=packed depth={{fifo_stream}})  // arch.fifo.stream
    hls::stream<softmax_info_row_t> info_stream("softmax_info");
    HLS_PRAGMA(stream variable=info_stream depth={{fifo_stream}})  // arch.fifo.stream
    hls::stream<fm_block_t> out_stream("attn_v_out");
    HLS_PRAGMA(stream variable=out_stream depth={{fifo_stream}})  // arch.fifo.stream
    read_kv(v, v_stream);
    read_attn(attn, scores);
    read_attn_softmax_info(info, info_stream);
    prepare_attn(scores, packed);
    compute(v_stream, packed, info_stream, out_stream);
    write_attn_matmul_v(out_stream, out);
}

} // namespace edgemoe
