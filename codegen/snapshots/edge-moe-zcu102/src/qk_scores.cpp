// qk_scores: K is streamed once per query block, one beat per loop iteration; the query row of lane o
// arrives only when the key index equals o, so no cycle is spent preloading Q and the DRAM traffic is
// one beat per iteration whatever P is. Row r therefore meets its keys in the order o, o+1, ..., N-1, 0, ...,
// o-1 (o = r mod P), and the online softmax sees them in that order.
#include "qk_scores.h"

#include "softmax.h"

namespace edgemoe {

namespace {

// The row lane `lane` works on at key `key` of block `block`, or -1 when the lane has none.
int lane_row(int block, int key, int lane) {
    HLS_PRAGMA(inline)
    const int row = (key >= lane) ? block * ATTN_LANES + lane : (block - 1) * ATTN_LANES + lane;
    return (row >= 0 && row < TOKENS) ? row : -1;
}

void read_x(const fm_block_t *q, hls::stream<fm_block_t> &q_stream) {
    for (int b = 0; b < QUERY_BLOCKS; ++b) {
        for (int lane = 0; lane < ATTN_LANES; ++lane) {
            const int row = b * ATTN_LANES + lane;
            if (row >= TOKENS) break;
            for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
                HLS_PRAGMA(pipeline II=1)
                q_stream.write(q[row * BEATS_PER_TOKEN + d]);
            }
        }
    }
}

void read_kv(const fm_block_t *k, hls::stream<fm_block_t> &k_stream) {
    for (int b = 0; b < QUERY_BLOCKS; ++b) {
        for (int key = 0; key < TOKENS; ++key) {
            for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
                HLS_PRAGMA(pipeline II=1)
                k_stream.write(k[key * BEATS_PER_TOKEN + d]);
            }
        }
    }
}

void compute(hls::stream<fm_block_t> &q_stream, hls::stream<fm_block_t> &k_stream,
             hls::stream<attn_parallel_t> &to_write, hls::stream<attn_parallel_t> &to_finalize) {
    const fm_t scale = ATTN_SCALE_REAL;
    fm_block_t q_blocks[ATTN_LANES][BEATS_PER_TOKEN];
    HLS_PRAGMA(array_partition variable=q_blocks dim=1 complete)
    fm_t acc[ATTN_LANES][HEADS];
    HLS_PRAGMA(array_partition variable=acc complete dim=0)
    for (int lane = 0; lane < ATTN_LANES; ++lane) {
        for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
            for (int e = 0; e < BEAT; ++e) q_blocks[lane][d].v[e] = 0;
        }
    }
    for (int b = 0; b < QUERY_BLOCKS; ++b) {
        for (int key = 0; key < TOKENS; ++key) {
            for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
                HLS_PRAGMA(pipeline II=1)
                const fm_block_t kb = k_stream.read();
                // The staggered load: lane `key`'s next row arrives now, beat by beat.
                if (key < ATTN_LANES && b * ATTN_LANES + key < TOKENS) {
                    q_blocks[key][d] = q_stream.read();
                }
                const int head = d / BEATS_PER_HEAD;
                for (int lane = 0; lane < ATTN_LANES; ++lane) {
                    fm_t partial = 0;
                    for (int e = 0; e < BEAT; ++e) partial += q_blocks[lane][d].v[e] * kb.v[e];
                    fm_t scaled = partial * scale;  // floored once per beat, not once per score
                    if (d % BEATS_PER_HEAD == 0) acc[lane][head] = 0;
                    acc[lane][head] += scaled;
                }
                if (d == BEATS_PER_TOKEN - 1) {
                    attn_parallel_t out;
                    for (int lane = 0; lane < ATTN_LANES; ++lane) {
                        for (int h = 0; h < HEADS; ++h) out.lane[lane].h[h] = acc[lane][h];
                    }
                    to_write.write(out);
                    to_finalize.write(out);
                }
            }
        }
    }
}

void finalize_attn(hls::stream<attn_parallel_t> &scores, hls::stream<softmax_info_row_t> &info_stream) {
    softmax_state state[ATTN_LANES][HEADS];
    HLS_PRAGMA(array_partition variable=state complete dim=0)
    for (int b = 0; b < QUERY_BLOCKS; ++b) {
        for (int key = 0; key < TOKENS; ++key) {
            const attn_parallel_t s = scores.read();
            for (int lane = 0; lane < ATTN_LANES; ++lane) {
                HLS_PRAGMA(pipeline II=3)  // arch.ii.finalize_attn
                const int row = lane_row(b, key, lane);
                if (row < 0) continue;
                for (int h = 0; h < HEADS; ++h) {
                    if (key == lane) state[lane][h] = softmax_reset();  // the row's first key
                    softmax_update(state[lane][h], s.lane[lane].h[h]);
                }
                // The row's last key: rows leave in order 0, 1, ..., N-1.
                if (key == (lane == 0 ? TOKENS - 1 : lane - 1)) {
                    softmax_info_row_t info;
                    for (int h = 0; h < HEADS; ++h) {
                        const softmax_info fin = softmax_finish(state[lane][h]);
                        info.recip_sum[h] = fin.recip_sum;
                        info.max[h] = fin.max;
                    }
                    info_stream.write(info);
                }
            }
        }
    }
}

void write_attn(hls::stream<attn_parallel_t> &scores, heads_t *attn) {
    for (int b = 0; b < QUERY_BLOCKS; ++b) {
        for (int key = 0; key < TOKENS; ++key) {
            const attn_parallel_t s = scores.read();
            for (int lane = 0; lane < ATTN_LANES; ++lane) {
                HLS_PRAGMA(pipeline II=1)
                attn[(b * TOKENS + key) * ATTN_LANES + lane] = s.lane[lane];
            }
        }
    }
}

void write_attn_softmax_info(hls::stream<softmax_info_row_t> &info_stream, softmax_info_row_t *info) {
    for (int row = 0; row < TOKENS; ++row) {
        HLS_PRAGMA(pipeline II=1)
        info[row] = info_stream.read();
    }
}

} // namespace

void qk_scores(const fm_block_t *q, const fm_block_t *k, heads_t *attn, softmax_info_row_t *info) {
    HLS_PRAGMA(dataflow)
    hls::stream<fm_block_t> q_stream("q_stream");
    HLS_PRAGMA(stream variable=q_stream depth=2)  // arch.fifo.stream
    hls::stream<fm_block_t> k_stream("k_stream");
    HLS_PRAGMA(stream variable=k_stream depth=2)  // arch.fifo.stream
    hls::stream<attn_parallel_t> to_write("attn_to_write");
    HLS_PRAGMA(stream variable=to_write depth=2)  // arch.fifo.stream
    hls::stream<attn_parallel_t> to_finalize("attn_to_finalize");
    HLS_PRAGMA(stream variable=to_finalize depth=2)  // arch.fifo.stream
    hls::stream<softmax_info_row_t> info_stream("softmax_info");
    HLS_PRAGMA(stream variable=info_stream depth=2)  // arch.fifo.stream
    read_x(q, q_stream);
    read_kv(k, k_stream);
    compute(q_stream, k_stream, to_write, to_finalize);
    finalize_attn(to_finalize, info_stream);
    write_attn(to_write, attn);
    write_attn_softmax_info(info_stream, info);
}

} // namespace edgemoe
