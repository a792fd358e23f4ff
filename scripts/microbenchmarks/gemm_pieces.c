// EinFFT's four block products (rows × w times w × w per block, the blocks side by side in rows of
// 4w floats) whole, one product per block over all rows, against row pieces walked through all four
// blocks (BLAS.gemmBatch's rowPiece), with OpenBLAS single-threaded as simba calls it: the forward,
// the input gradient (stacked matrix transposed) and the weight gradient (the sum over rows cut
// into pieces, added in order). Best of REPEATS calls in µs.
//   cc -O2 -o gemm_pieces scripts/microbenchmarks/gemm_pieces.c $(pkg-config --cflags --libs openblas)
//   OPENBLAS_CORETYPE=SkylakeX ./gemm_pieces 4096 32 256 300    (SiMBA-S stage 1, 64×64, batch 16)
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "timing.h"

enum { blocks = 4 };

// The three products of one layer over rows [r0, r0 + rows) of every block.
static void forward(const float *x, const float *s, float *y, int r0, int rows, int w) {
    int ld = blocks * w;
    for (int k = 0; k < blocks; k++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, w, w, 1, x + (size_t)r0 * ld + k * w, ld,
                    s + k * w * w, w, 0, y + (size_t)r0 * ld + k * w, ld);
}

static void inputGradient(const float *dy, const float *s, float *dx, int r0, int rows, int w) {
    int ld = blocks * w;
    for (int k = 0; k < blocks; k++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, w, w, 1, dy + (size_t)r0 * ld + k * w, ld,
                    s + k * w * w, w, 0, dx + (size_t)r0 * ld + k * w, ld);
}

static void weightGradient(const float *x, const float *dy, float *ds, int r0, int rows, int w) {
    int ld = blocks * w;
    for (int k = 0; k < blocks; k++)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, w, w, rows, 1, x + (size_t)r0 * ld + k * w, ld,
                    dy + (size_t)r0 * ld + k * w, ld, r0 == 0 ? 0 : 1, ds + k * w * w, w);
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s ROWS WIDTH PIECE REPEATS\n", argv[0]); return 2; }
    int m = atoi(argv[1]), w = atoi(argv[2]), piece = atoi(argv[3]), repeats = atoi(argv[4]);
    if (m <= 0 || w <= 0 || piece <= 0 || repeats <= 0) { fprintf(stderr, "all arguments positive\n"); return 2; }
    openblas_set_num_threads(1);
    size_t floats = (size_t)m * blocks * w;
    float *x = randomMatrix(floats), *y = randomMatrix(floats), *dy = randomMatrix(floats);
    float *s = randomMatrix((size_t)blocks * w * w), *ds = randomMatrix((size_t)blocks * w * w);
    double best[6] = {1e9, 1e9, 1e9, 1e9, 1e9, 1e9};
    for (int r = 0; r < repeats; r++) {
        double t[7];
        t[0] = now();
        forward(x, s, y, 0, m, w);
        t[1] = now();
        for (int r0 = 0; r0 < m; r0 += piece) forward(x, s, y, r0, m - r0 < piece ? m - r0 : piece, w);
        t[2] = now();
        inputGradient(dy, s, y, 0, m, w);
        t[3] = now();
        for (int r0 = 0; r0 < m; r0 += piece) inputGradient(dy, s, y, r0, m - r0 < piece ? m - r0 : piece, w);
        t[4] = now();
        weightGradient(x, dy, ds, 0, m, w);
        t[5] = now();
        // Each block's sum in pieces (the block loop inside is the same work in another order).
        for (int r0 = 0; r0 < m; r0 += piece) weightGradient(x, dy, ds, r0, m - r0 < piece ? m - r0 : piece, w);
        t[6] = now();
        keepFastest(best, t, 6);
    }
    printf("rows %d, width %d, pieces of %d rows: forward whole %.1f µs, pieces %.1f | input gradient whole %.1f, "
           "pieces %.1f | weight gradient whole %.1f, pieces %.1f\n",
           m, w, piece, best[0] * 1e6, best[1] * 1e6, best[2] * 1e6, best[3] * 1e6, best[4] * 1e6, best[5] * 1e6);
    return 0;
}
