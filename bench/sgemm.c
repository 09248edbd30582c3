/* OpenBLAS sgemm 1024 called directly from C: the ceiling for the native backend's matmul. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int cmp(const void* a, const void* b) { double d = *(const double*)a - *(const double*)b; return (d > 0) - (d < 0); }

int main(void) {
  const int n = 1024, reps = 15;
  float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
  for (int i = 0; i < n * n; i++) { a[i] = (float)rand() / RAND_MAX - 0.5f; b[i] = (float)rand() / RAND_MAX - 0.5f; }
  double t[15];
  for (int r = -3; r < reps; r++) {
    double t0 = now_ms();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    if (r >= 0) t[r] = now_ms() - t0;
  }
  qsort(t, reps, sizeof(double), cmp);
  printf("{\"sgemm 1024 (OpenBLAS from C)\": {\"min\": %.3f, \"median\": %.3f}}\n", t[0], t[reps / 2]);
  return 0;
}
