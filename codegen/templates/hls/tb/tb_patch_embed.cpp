// tb_patch_embed: the shared weights, bias and position embedding; each group is one image, each case
// one token of the output.
#include "bench.h"
#include "patch_embed.h"

using namespace edgemoe;

int main(int argc, char **argv) {
    tb::bench bench("patch_embed", argc, argv);
    const int n_w = EMBED_DIM * IMAGE_CHANNELS * PATCH * PATCH;
    const int n_image = IMAGE_CHANNELS * IMAGE_HEIGHT * IMAGE_WIDTH;
    static wt_patch_embed_t weights[EMBED_DIM * IMAGE_CHANNELS * PATCH * PATCH];
    static wt_bias_t bias[EMBED_DIM];
    static fm_block_t pos[TOKENS * BEATS_PER_TOKEN];
    static pixel_t image[IMAGE_CHANNELS * IMAGE_HEIGHT * IMAGE_WIDTH];
    static fm_block_t x[TOKENS * BEATS_PER_TOKEN];
    bench.expect_shared(size_t(n_w) + EMBED_DIM + TOKENS * EMBED_DIM);
    const tb::words_t &shared = bench.vectors().shared;
    for (int i = 0; i < n_w; ++i) weights[i] = tb::value<wt_patch_embed_t>(shared[i]);
    for (int d = 0; d < EMBED_DIM; ++d) bias[d] = tb::value<wt_bias_t>(shared[n_w + d]);
    for (int i = 0; i < TOKENS * EMBED_DIM; ++i) tb::element(pos, i) = tb::value<fm_t>(shared[n_w + EMBED_DIM + i]);
    for (const tb::vector_group &g : bench.vectors().groups) {
        bench.expect(g, n_image, 1, EMBED_DIM);
        for (int i = 0; i < n_image; ++i) image[i] = tb::value<pixel_t>(g.params[i]);
        patch_embed(image, weights, bias, pos, x);
        for (int c = 0; c < g.cases; ++c) {
            const int token = int(g.input(c)[0]);
            tb::words_t got(EMBED_DIM);
            for (int d = 0; d < EMBED_DIM; ++d) got[d] = tb::word(tb::element(x, token * EMBED_DIM + d));
            bench.check(g, c, got);
        }
    }
    return bench.finish();
}
