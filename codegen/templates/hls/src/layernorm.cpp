// layernorm: stage 1 streams the token in once, accumulating mean and mean of squares with
// c = fm_t(1 / D); stage 2 reads the token back from the stream and normalises it.
#include "layernorm.h"

#include "div.h"
#include "sqrt.h"

namespace edgemoe {

namespace {

struct layernorm_stats {
    fm_t mean;
    fm_t rstd;
};

void layernorm_accumulate(const fm_block_t *in, hls::stream<fm_t> &x_stream,
                          hls::stream<layernorm_stats> &stats_stream) {
    const fm_t inv_dim = 1.0 / EMBED_DIM;  // a double truncated to fm_t, as the hardware's constant
    const fm_t eps = LAYERNORM_EPS_REAL;
    fm_t mean = 0;
    fm_t mean_sq = 0;
    fm_block_t beat;
    for (int d = 0; d < EMBED_DIM; ++d) {
        HLS_PRAGMA(pipeline II=1)
        if (d % BEAT == 0) beat = in[d / BEAT];  // one beat read every BEAT elements
        fm_t x = beat.v[d % BEAT];
        fm_t t = x * inv_dim;
        mean += t;
        mean_sq += x * t;
        x_stream.write(x);
    }
    fm_t sq_mean = mean * mean;
    fm_t var = mean_sq - sq_mean + eps;  // one exact expression, assigned once
    fm_t root = sqrt(var);
    layernorm_stats stats;
    stats.mean = mean;
    stats.rstd = div(fm_t(1), root);  // 0 when the variance floored to <= 0
    stats_stream.write(stats);
}

void layernorm_output(hls::stream<fm_t> &x_stream, hls::stream<layernorm_stats> &stats_stream,
                      const wt_norm_t gamma[EMBED_DIM], const wt_bias_t beta[EMBED_DIM], fm_block_t *out) {
    layernorm_stats stats = stats_stream.read();
    fm_block_t beat;
    for (int d = 0; d < EMBED_DIM; ++d) {
        HLS_PRAGMA(pipeline II=1)
        fm_t centred = x_stream.read() - stats.mean;
        fm_t normed = centred * stats.rstd;
        fm_t scaled = normed * gamma[d];
        fm_t y = scaled + beta[d];
        beat.v[d % BEAT] = y;
        if (d % BEAT == BEAT - 1) out[d / BEAT] = beat;
    }
}

void layernorm_token(const fm_block_t *in, fm_block_t *out, const wt_norm_t gamma[EMBED_DIM],
                     const wt_bias_t beta[EMBED_DIM]) {
    HLS_PRAGMA(dataflow)
    hls::stream<fm_t> x_stream("layernorm_x");
    HLS_PRAGMA(stream variable=x_stream depth={{layernorm_x_depth}})  // model.embed_dim: the whole token
    hls::stream<layernorm_stats> stats_stream("layernorm_stats");
    layernorm_accumulate(in, x_stream, stats_stream);
    layernorm_output(x_stream, stats_stream, gamma, beta, out);
}

} // namespace

void layernorm(const fm_block_t *in, fm_block_t *out, const wt_norm_t gamma[EMBED_DIM],
               const wt_bias_t beta[EMBED_DIM], int tokens) {
    for (int t = 0; t < tokens; ++t) {
        layernorm_token(in + t * BEATS_PER_TOKEN, out + t * BEATS_PER_TOKEN, gamma, beta);
    }
}

} // namespace edgemoe
