// One product C = A·Bᵀ (M×K times (N×K)ᵀ) cut into P column blocks of C for P = 1…8, the blocks
// claimed by two threads as they come free, as BLAS.gemm runs a split product on simba's two
// workers (OpenBLAS single-threaded in each). Best of REPEATS calls in µs, three rounds. With an
// odd P one thread computes the larger share, the measurement behind `BLAS.pieceCount`.
//   cc -O2 -o gemm_split scripts/microbenchmarks/gemm_split.c $(pkg-config --cflags --libs openblas) -lpthread
//   OPENBLAS_CORETYPE=SkylakeX ./gemm_split 64 896 448 300    (SiMBA-S stage-4 in_proj, 64×64, batch 16)
#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "timing.h"

static int m, n, k, pieces;
static float *a, *b, *c;
static atomic_int nextPiece, round_, helperDone;

// Columns [n·p/P, n·(p+1)/P) of C.
static void runPiece(int p) {
    int j0 = n * p / pieces, j1 = n * (p + 1) / pieces;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, j1 - j0, k, 1, a, k, b + (size_t)j0 * k, k, 0, c + j0, n);
}

static void claimPieces(void) {
    int p;
    while ((p = atomic_fetch_add(&nextPiece, 1)) < pieces) runPiece(p);
}

// Spins until the main thread starts a round, claims pieces with it, reports, waits for the next.
static void *helper(void *unused) {
    (void)unused;
    for (int seen = 0;;) {
        while (atomic_load(&round_) == seen) {}
        seen = atomic_load(&round_);
        claimPieces();
        atomic_store(&helperDone, 1);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s M N K REPEATS\n", argv[0]);
        return 1;
    }
    m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
    int repeats = atoi(argv[4]);
    openblas_set_num_threads(1);
    a = randomMatrix((size_t)m * k), b = randomMatrix((size_t)n * k), c = randomMatrix((size_t)m * n);
    pthread_t thread;
    pthread_create(&thread, NULL, helper, NULL);
    printf("%d×%d×%d, columns of C in P blocks on two threads, best of %d\n", m, n, k, repeats);
    for (int roundIndex = 0; roundIndex < 3; roundIndex++) {
        for (pieces = 1; pieces <= 8; pieces++) {
            double best = 1e9;
            for (int r = 0; r < repeats; r++) {
                atomic_store(&nextPiece, 0);
                atomic_store(&helperDone, 0);
                double start = now();
                if (pieces > 1) atomic_fetch_add(&round_, 1);
                claimPieces();
                if (pieces > 1) while (!atomic_load(&helperDone)) {}
                double seconds = now() - start;
                if (seconds < best) best = seconds;
            }
            printf("P=%d %8.1f µs %6.1f GFLOP/s\n", pieces, best * 1e6, 2.0 * m * n * k / best * 1e-9);
        }
    }
    return 0;
}
