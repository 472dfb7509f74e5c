// linear: read -> compute -> write dataflow. The compute loop runs over (token, out block, in block)
// at II=1 with a LINEAR_TILE_OUT x LINEAR_TILE_IN MAC tile: acc[r] = bias[r], then
// acc[r] += floor(x[k] * W[r][k]), then an optional GELU. The accumulation is modular, so the tile
// shape sets the timing, not the bits.
#include "linear.h"

#include "gelu.h"

namespace edgemoe {

namespace {

struct linear_in_t {
    fm_t v[LINEAR_TILE_IN];
};

struct linear_out_t {
    fm_t v[LINEAR_TILE_OUT];
};

// The row of entry i: i itself, or the token the queue names.
int linear_row(const linear_args &args, const ap_uint<32> *queue, int i) {
    HLS_PRAGMA(inline)
    return args.use_expert ? int(queue[i]) : i;
}

// Reads each row beat by beat (one beat per iteration) and regroups it into LINEAR_TILE_IN-wide chunks.
void read_in_stream(const fm_block_t *src, linear_args args, const ap_uint<32> *queue,
                    hls::stream<linear_in_t> &in_stream, hls::stream<ap_uint<32> > &index_stream) {
    const int in_beats = args.in_dim / BEAT;
    for (int i = 0; i < args.tokens; ++i) {
        int row = linear_row(args, queue, i);
        index_stream.write(row);
        linear_in_t chunk;
        int fill = 0;
        for (int b = 0; b < in_beats; ++b) {
            HLS_PRAGMA(pipeline II=1)
            const fm_block_t beat = src[row * in_beats + b];
            for (int e = 0; e < BEAT; ++e) {
                chunk.v[fill] = beat.v[e];
                ++fill;
                if (fill == LINEAR_TILE_IN) {
                    in_stream.write(chunk);
                    fill = 0;
                }
            }
        }
    }
}

void compute_linear_on_stream(hls::stream<linear_in_t> &in_stream,
                              hls::stream<linear_out_t> &out_stream,
                              const linear_weights_t weights, const linear_bias_t bias,
                              linear_args args) {
    const int in_blocks = args.in_dim / LINEAR_TILE_IN;
    const int out_blocks = args.out_dim / LINEAR_TILE_OUT;
    // The token's input, popped once (on the first output block) and reused by the others.
    linear_in_t x_cache[LINEAR_MAX_IN_BLOCKS];
    fm_t acc[LINEAR_TILE_OUT];
    HLS_PRAGMA(array_partition variable=acc complete)
    for (int t = 0; t < args.tokens; ++t) {
        for (int ob = 0; ob < out_blocks; ++ob) {
            for (int ib = 0; ib < in_blocks; ++ib) {
                HLS_PRAGMA(pipeline II=1)
                if (ob == 0) x_cache[ib] = in_stream.read();
                const linear_in_t x = x_cache[ib];
                const int block = ob * in_blocks + ib;
                for (int r = 0; r < LINEAR_TILE_OUT; ++r) {
                    fm_t sum = (ib == 0) ? fm_t(bias[ob * LINEAR_TILE_OUT + r]) : acc[r];
                    for (int k = 0; k < LINEAR_TILE_IN; ++k) {
                        sum += x.v[k] * weights[block][r][k];
                    }
                    acc[r] = sum;
                }
                if (ib == in_blocks - 1) {
                    linear_out_t y;
                    for (int r = 0; r < LINEAR_TILE_OUT; ++r) {
                        y.v[r] = args.use_gelu ? gelu(acc[r]) : acc[r];
                    }
                    out_stream.write(y);
                }
            }
        }
    }
}

// Regroups each row's LINEAR_TILE_OUT-wide outputs into beats; with use_score, reads the destination beat
// first and adds floor(score * y) to it.
void write_out_stream(hls::stream<linear_out_t> &out_stream,
                      hls::stream<ap_uint<32> > &index_stream, fm_block_t *dst, linear_args args,
                      const fm_t *scores) {
    const int out_blocks = args.out_dim / LINEAR_TILE_OUT;
    const int out_beats = args.out_dim / BEAT;
    for (int i = 0; i < args.tokens; ++i) {
        int row = index_stream.read();
        fm_t score = args.use_score ? scores[i] : fm_t(0);
        fm_block_t old;
        fm_block_t beat;
        int fill = 0;
        int b = 0;
        for (int ob = 0; ob < out_blocks; ++ob) {
            HLS_PRAGMA(pipeline II=1)
            linear_out_t y = out_stream.read();
            for (int r = 0; r < LINEAR_TILE_OUT; ++r) {
                if (fill == 0 && args.use_score) old = dst[row * out_beats + b];
                fm_t value = y.v[r];
                if (args.use_score) {
                    fm_t scaled = value * score;  // the bias is inside y: scaled by the gate too
                    value = old.v[fill] + scaled;
                }
                beat.v[fill] = value;
                ++fill;
                if (fill == BEAT) {
                    dst[row * out_beats + b] = beat;
                    ++b;
                    fill = 0;
                }
            }
        }
    }
}

} // namespace

void load_linear_weights(const wt_linear_t *src, linear_weights_t buffer, int out_dim, int in_dim) {
    const int in_blocks = in_dim / LINEAR_TILE_IN;
    for (int o = 0; o < out_dim; ++o) {
        for (int i = 0; i < in_dim; ++i) {
            HLS_PRAGMA(pipeline II=1)
            const int block = (o / LINEAR_TILE_OUT) * in_blocks + i / LINEAR_TILE_IN;
            buffer[block][o % LINEAR_TILE_OUT][i % LINEAR_TILE_IN] = src[o * in_dim + i];
        }
    }
}

void load_linear_bias(const wt_attn_bias_t *src, linear_bias_t buffer, int out_dim) {
    for (int o = 0; o < out_dim; ++o) {
        HLS_PRAGMA(pipeline II=1)
        buffer[o] = src[o];
    }
}

void load_linear_bias(const wt_bias_t *src, linear_bias_t buffer, int out_dim) {
    for (int o = 0; o < out_dim; ++o) {
        HLS_PRAGMA(pipeline II=1)
        buffer[o] = src[o];
    }
}

void linear(const fm_block_t *src, fm_block_t *dst, const linear_weights_t weights, const linear_bias_t bias,
            linear_args args, const ap_uint<32> *queue, const fm_t *scores) {
    HLS_PRAGMA(dataflow)
    hls::stream<linear_in_t> in_stream("linear_in");
    HLS_PRAGMA(stream variable=in_stream depth={{fifo_linear_in}})  // arch.fifo.linear_in
    hls::stream<linear_out_t> out_stream("linear_out");
    HLS_PRAGMA(stream variable=out_stream depth={{fifo_stream}})  // arch.fifo.stream
    hls::stream<ap_uint<32> > index_stream("linear_index");
    HLS_PRAGMA(stream variable=index_stream depth={{fifo_index_stream}})  // arch.fifo.index_stream
    read_in_stream(src, args, queue, in_stream, index_stream);
    compute_linear_on_stream(in_stream, out_stream, weights, bias, args);
    write_out_stream(out_stream, index_stream, dst, args, scores);
}

} // namespace edgemoe
