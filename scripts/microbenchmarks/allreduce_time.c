/* Time of the gradient allreduce simba's data-parallel training makes once per step: an in-place
   MPI_Allreduce sum of N floats (default 292,832, the ETTh1 SiMBA-TS config's parameters; SiMBA-S
   is 15,309,104), median of 50 after 5 warm-up calls, printed by rank 0. Build and run:
     mpicc -O2 -o allreduce_time scripts/microbenchmarks/allreduce_time.c
     mpirun -np 2 --mca btl self,vader ./allreduce_time [N]    (shared memory; self,tcp for TCP) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? atol(argv[1]) : 292832;
    float *values = malloc(n * sizeof(float));
    for (long i = 0; i < n; i++) values[i] = 1e-3f * (float)(i % 1000);
    enum { warmup = 5, runs = 50 };
    double seconds[runs];
    for (int r = -warmup; r < runs; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, values, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (r >= 0) seconds[r] = MPI_Wtime() - start;
    }
    qsort(seconds, runs, sizeof(double), compare);
    if (rank == 0)
        printf("%d ranks, %ld floats (%.2f MB): median %.3f ms, min %.3f ms, %.2f GB/s of buffer\n", size, n,
               n * 4e-6, seconds[runs / 2] * 1e3, seconds[0] * 1e3, n * 4e-9 / seconds[runs / 2]);
    free(values);
    MPI_Finalize();
    return 0;
}
