// patch_embed: one patch row at a time: its pixel lines are read once and every patch of the row and
// every output dimension accumulates floor(pixel * w) over (channel, line, pixel), starting from the
// bias; the row then leaves with the position embedding added. The compute loop asks for
// II = arch.ii.patch_embed = {{ii_patch_embed}} (Edge-MoE reached 3, limited by the partial-sum buffer's
// ports; its weights sit in on-chip BRAM, here they are read through m_axi, so csynth may relax it).
#include "patch_embed.h"

namespace edgemoe {

namespace {

void read_patch_row(const pixel_t *image, int patch_row,
                    pixel_t lines[IMAGE_CHANNELS][PATCH][IMAGE_WIDTH]) {
    for (int c = 0; c < IMAGE_CHANNELS; ++c) {
        for (int y = 0; y < PATCH; ++y) {
            for (int x = 0; x < IMAGE_WIDTH; ++x) {
                HLS_PRAGMA(pipeline II=1)
                lines[c][y][x] = image[(c * IMAGE_HEIGHT + patch_row * PATCH + y) * IMAGE_WIDTH + x];
            }
        }
    }
}

} // namespace

void patch_embed(const pixel_t *image, const wt_patch_embed_t *weights, const wt_bias_t *bias,
                 const fm_block_t *pos_embed, fm_block_t *x) {
    pixel_t lines[IMAGE_CHANNELS][PATCH][IMAGE_WIDTH];
    HLS_PRAGMA(array_partition variable=lines dim=3 cyclic factor={{patch}})  // model.patch
    fm_t patches[PATCH_COLS][EMBED_DIM];
    HLS_PRAGMA(array_partition variable=patches dim=2 cyclic factor={{beat}})  // arch.beat: one beat out per cycle
    for (int d = 0; d < BEATS_PER_TOKEN; ++d) {
        HLS_PRAGMA(pipeline II=1)
        x[d] = pos_embed[d];
    }
    for (int py = 0; py < PATCH_ROWS; ++py) {
        read_patch_row(image, py, lines);
        for (int c = 0; c < IMAGE_CHANNELS; ++c) {
            for (int y = 0; y < PATCH; ++y) {
                for (int px = 0; px < PATCH_COLS; ++px) {
                    for (int d = 0; d < EMBED_DIM; ++d) {
                        HLS_PRAGMA(pipeline II={{ii_patch_embed}})  // arch.ii.patch_embed
                        fm_t acc = (c == 0 && y == 0) ? fm_t(bias[d]) : patches[px][d];
                        for (int xx = 0; xx < PATCH; ++xx) {
                            const int w_at = ((d * IMAGE_CHANNELS + c) * PATCH + y) * PATCH + xx;
                            acc += lines[c][y][px * PATCH + xx] * weights[w_at];
                        }
                        patches[px][d] = acc;
                    }
                }
            }
        }
        for (int px = 0; px < PATCH_COLS; ++px) {
            const int token = 1 + py * PATCH_COLS + px;
            for (int b = 0; b < BEATS_PER_TOKEN; ++b) {
                HLS_PRAGMA(pipeline II=1)
                const fm_block_t pos = pos_embed[token * BEATS_PER_TOKEN + b];
                fm_block_t out;
                for (int e = 0; e < BEAT; ++e) out.v[e] = patches[px][b * BEAT + e] + pos.v[e];
                x[token * BEATS_PER_TOKEN + b] = out;
            }
        }
    }
}

} // namespace edgemoe
