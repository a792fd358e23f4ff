/* sgemm GFLOP/s called straight from C, to compare with simba's wrapper in `make bench-kernels`.
   Same sizes as `simba bench kernels`: 25088x64 -> 256 (SiMBA-S stage-1 in_proj) and 1024^3. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "timing.h"

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    const int sizes[2][3] = {{8 * 3136, 256, 64}, {1024, 1024, 1024}};
    printf("OpenBLAS kernels: %s\n", openblas_get_corename());
    for (int s = 0; s < 2; s++) {
        int m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
        float *a = randomMatrix((size_t)m * k), *b = randomMatrix((size_t)k * n), *c = malloc(sizeof(float) * m * n);
        double samples[5];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
        for (int r = 0; r < 5; r++) {
            double start = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
            samples[r] = now() - start;
        }
        qsort(samples, 5, sizeof(double), compare);
        printf("sgemm %5dx%4dx%4d (C, cblas_sgemm directly)  %8.2f ms  %7.1f GFLOP/s\n", m, n, k,
               samples[2] * 1e3, 2.0 * m * n * k / samples[2] * 1e-9);
        free(a); free(b); free(c);
    }
    return 0;
}
