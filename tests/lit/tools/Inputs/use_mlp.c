/* Uses a model compiled ahead of time: fusor-compile tools/examples/mlp.mlir -o out
   cc use_mlp.c -Iout -Lout -lmlp -Wl,-rpath,out -o use_mlp */
#include <stdio.h>
#include <stdlib.h>

#include "mlp.h"

int main(void) {
  static float x[8 * 16], w1[32 * 16], w2[16 * 32], y[8 * 16];
  for (int i = 0; i < 8 * 16; ++i) x[i] = (float)i;
  for (int i = 0; i < 32 * 16; ++i) w1[i] = (float)i;
  for (int i = 0; i < 16 * 32; ++i) w2[i] = (float)i;

  mlp_model *model = mlp_create();
  if (!model) {
    fprintf(stderr, "mlp_create: %s\n", mlp_last_error());
    return 1;
  }
  const void *inputs[MLP_NUM_INPUTS] = {x, w1, w2};
  void *outputs[MLP_NUM_OUTPUTS] = {y};
  if (mlp_run(model, inputs, outputs) != 0) {
    fprintf(stderr, "mlp_run: %s\n", mlp_last_error());
    return 1;
  }
  /* The output as the tests' npy.py prints it: dtype, shape, values. */
  const int64_t *shape = mlp_output_shape(0);
  printf("<f4 (%lld, %lld) ", (long long)shape[0], (long long)shape[1]);
  for (int i = 0; i < 8 * 16; ++i) printf(i ? ",%g" : "%g", (double)y[i]);
  printf("\n");
  mlp_destroy(model);
  return 0;
}
