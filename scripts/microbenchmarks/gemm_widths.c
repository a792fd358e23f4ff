// Mamba's in_proj as one product of width 2N against two of width N (x and z), with OpenBLAS
// single-threaded as simba calls it: the forward (rows × K → 2N), the input gradient (accumulated
// over 2N, or twice over N) and the weight gradient. Best of REPEATS calls in µs.
//   cc -O2 -o gemm_widths scripts/microbenchmarks/gemm_widths.c $(pkg-config --cflags --libs openblas)
//   OPENBLAS_CORETYPE=SkylakeX ./gemm_widths 112 128 256 2000    (SiMBA-TS: 112 rows, d_model 128)
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "timing.h"

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s ROWS K N REPEATS\n", argv[0]); return 2; }
    int m = atoi(argv[1]), k = atoi(argv[2]), n = atoi(argv[3]), repeats = atoi(argv[4]);
    if (m <= 0 || k <= 0 || n <= 0 || repeats <= 0) { fprintf(stderr, "all arguments positive\n"); return 2; }
    openblas_set_num_threads(1);
    float *input = randomMatrix((size_t)m * k), *weight = randomMatrix((size_t)2 * n * k);
    float *output = randomMatrix((size_t)m * 2 * n), *dOutput = randomMatrix((size_t)m * 2 * n);
    float *dWeight = randomMatrix((size_t)2 * n * k), *dInput = randomMatrix((size_t)m * k);
    double best[6] = {1e9, 1e9, 1e9, 1e9, 1e9, 1e9};
    for (int r = 0; r < repeats; r++) {
        double t[7];
        t[0] = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, input, k, weight, k, 0, output, n);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, input, k, weight + n * k, k, 0, output + m * n, n);
        t[1] = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, 2 * n, k, 1, input, k, weight, k, 0, output, 2 * n);
        t[2] = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, k, n, 1, dOutput, n, weight, k, 1, dInput, k);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, k, n, 1, dOutput + m * n, n, weight + n * k, k, 1, dInput, k);
        t[3] = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, k, 2 * n, 1, dOutput, 2 * n, weight, k, 1, dInput, k);
        t[4] = now();
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, k, m, 1, dOutput, n, input, k, 1, dWeight, k);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, k, m, 1, dOutput + m * n, n, input, k, 1, dWeight + n * k, k);
        t[5] = now();
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 2 * n, k, m, 1, dOutput, 2 * n, input, k, 1, dWeight, k);
        t[6] = now();
        keepFastest(best, t, 6);
    }
    printf("rows %d, K %d, N %d: forward two %.1f µs, one %.1f | input gradient two %.1f, one %.1f | "
           "weight gradient two %.1f, one %.1f\n",
           m, k, n, best[0] * 1e6, best[1] * 1e6, best[2] * 1e6, best[3] * 1e6, best[4] * 1e6, best[5] * 1e6);
    return 0;
}
