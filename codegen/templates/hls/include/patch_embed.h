// patch_embed: the PATCH x PATCH, stride-PATCH convolution that turns the image into tokens, plus the
// position embedding (the class token is pos_embed[0]). Spec: edge-moe.md §10;
// golden: golden/src/units/patch_embed.rs.
#ifndef EDGEMOE_PATCH_EMBED_H
#define EDGEMOE_PATCH_EMBED_H

#include "edgemoe_config.h"

namespace edgemoe {

// image[IMAGE_CHANNELS][IMAGE_HEIGHT][IMAGE_WIDTH], weights[EMBED_DIM][IMAGE_CHANNELS][PATCH][PATCH],
// bias[EMBED_DIM], pos_embed[TOKENS][BEATS_PER_TOKEN] -> x[TOKENS][BEATS_PER_TOKEN] (beats).
void patch_embed(const pixel_t *image, const wt_patch_embed_t *weights, const wt_bias_t *bias,
                 const fm_block_t *pos_embed, fm_block_t *x);

} // namespace edgemoe

#endif
