// EinFFT's token-axis DFT with FFTW_ESTIMATE plans, two layouts, per sample of N tokens × C channels:
// in place on the spectrum (2-D over (N, 4 blocks), tokens C complex apart, loops of up to 32
// channels: what simba does below EinFFT.bufferedMinimumLength tokens) against through a buffer
// with tokens contiguous (1-D over N for each of 16 channels, copies in and out included; the
// 4-point block DFT left out). Best of 20 runs in ms.
//   cc -O2 -o fft_layouts scripts/microbenchmarks/fft_layouts.c -lfftw3f && ./fft_layouts 3136 64
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timing.h"

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s TOKENS CHANNELS\n", argv[0]); return 2; }
    int n = atoi(argv[1]), c = atoi(argv[2]), bs = c / 4;
    if (n <= 0 || c <= 0 || c % 4 != 0) { fprintf(stderr, "TOKENS > 0, CHANNELS a positive multiple of 4\n"); return 2; }
    int chunk = bs; for (int parts = 1; bs / parts > 32 || bs % parts != 0; parts++) chunk = bs / (parts + 1);
    int width = bs < 16 ? bs : 16;
    fftwf_complex *data = fftwf_malloc(sizeof(fftwf_complex) * n * c), *buffer = fftwf_malloc(sizeof(fftwf_complex) * n * width);
    for (int i = 0; i < n * c; i++) { data[i][0] = rand() / (float)RAND_MAX; data[i][1] = 0; }
    fftwf_iodim inPlace[2] = {{n, c, c}, {4, bs, bs}}, inPlaceLoop[1] = {{chunk, 1, 1}};
    fftwf_plan a = fftwf_plan_guru_dft(2, inPlace, 1, inPlaceLoop, data, data, FFTW_FORWARD, FFTW_ESTIMATE);
    fftwf_iodim tokens[1] = {{n, 1, 1}}, rows[1] = {{width, n, n}};
    fftwf_plan b = fftwf_plan_guru_dft(1, tokens, 1, rows, buffer, buffer, FFTW_FORWARD, FFTW_ESTIMATE);
    double bestA = 1e9, bestB = 1e9;
    for (int r = 0; r < 20; r++) {
        double t = now();
        for (int k = 0; k < bs; k += chunk) fftwf_execute_dft(a, data + k, data + k);
        t = now() - t; if (t < bestA) bestA = t;
        t = now();
        for (int k = 0; k < c; k += width) {
            for (int i = 0; i < n; i++) for (int w = 0; w < width; w++) memcpy(buffer[w * n + i], data[i * c + k + w], 8);
            fftwf_execute_dft(b, buffer, buffer);
            for (int i = 0; i < n; i++) for (int w = 0; w < width; w++) memcpy(data[i * c + k + w], buffer[w * n + i], 8);
        }
        t = now() - t; if (t < bestB) bestB = t;
    }
    printf("N %d, C %d: in place %.3f ms, through a buffer %.3f ms\n", n, c, bestA * 1e3, bestB * 1e3);
    return 0;
}
