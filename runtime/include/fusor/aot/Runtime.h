/* The runtime of libraries made by fusor-compile: a model library holds a descriptor (its
 * compiled code, weights and signature) and forwards its NAME_* C API here. Plain C ABI;
 * libfusor_runtime.so links no MLIR and no LLVM. */
#ifndef FUSOR_AOT_RUNTIME_H
#define FUSOR_AOT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FUSOR_AOT_ABI_VERSION 1

/* Element types, as fusor::DType numbers them. */
enum fusor_dtype {
  FUSOR_BOOL = 0,
  FUSOR_INT8 = 1,
  FUSOR_INT32 = 2,
  FUSOR_INT64 = 3,
  FUSOR_FLOAT16 = 4,
  FUSOR_BFLOAT16 = 5,
  FUSOR_FLOAT32 = 6,
  FUSOR_FLOAT64 = 7
};

enum fusor_target { FUSOR_TARGET_CPU = 0, FUSOR_TARGET_CUDA = 1 };

typedef struct fusor_tensor_info {
  const char *name;
  int32_t dtype; /* enum fusor_dtype */
  int32_t rank;
  const int64_t *shape;
} fusor_tensor_info;

/* What fusor-compile puts in a model library (read-only, one per library). */
typedef struct fusor_model_descriptor {
  int32_t abi_version;
  int32_t target; /* enum fusor_target */
  const char *name;
  int32_t num_inputs, num_outputs, num_weights;
  const fusor_tensor_info *inputs, *outputs;
  /* Weights: sizes in bytes, offsets into the blob; the blob is embedded, or (NULL) read from
     `weights_file` beside the library when the model is created. */
  const int64_t *weight_bytes, *weight_offsets;
  const unsigned char *weights;
  const char *weights_file;
  int64_t weights_total;
  /* CPU: entry(buffers) with buffers = inputs, weights, outputs (host addresses). */
  void (*entry)(void **buffers);
  /* CUDA: a CUBIN for `cuda_arch` and PTX for any newer device, and the launch plan. */
  const unsigned char *cubin;
  int64_t cubin_size;
  const unsigned char *ptx;
  int64_t ptx_size;
  int32_t cuda_arch;
  const unsigned char *plan;
  int64_t plan_size;
} fusor_model_descriptor;

typedef struct fusor_model fusor_model;

/* Creates a model (loading weights from a side file if it has one, or the CUDA code); returns
   NULL on failure, with fusor_aot_last_error() saying why. */
fusor_model *fusor_aot_create(const fusor_model_descriptor *descriptor);
/* Runs the model: `inputs` and `outputs` are host buffers of the declared shapes and dtypes,
   contiguous and row-major. Returns 0, or -1 with fusor_aot_last_error() set. Thread-safe for
   distinct models. */
int fusor_aot_run(fusor_model *model, const void *const *inputs, void *const *outputs);
void fusor_aot_destroy(fusor_model *model);
/* CUDA models only: runs on device buffers (addresses on the model's device, CUDA device 0,
   each 16-byte aligned: kernels use 128-bit loads),
   enqueued on fusor's stream without waiting; fusor_aot_synchronize waits for it. For callers
   that keep data on the GPU (benchmarks, frameworks). 0, or -1 with the error set. */
int fusor_aot_run_device(fusor_model *model, const void *const *inputs, void *const *outputs);
int fusor_aot_synchronize(fusor_model *model);
/* The last error on this thread ("" if none). */
const char *fusor_aot_last_error(void);

/* The signature: counts, and per input/output its name, dtype, rank and shape (NULL or -1
   for an index out of range). */
int fusor_aot_num_inputs(const fusor_model_descriptor *descriptor);
int fusor_aot_num_outputs(const fusor_model_descriptor *descriptor);
const char *fusor_aot_input_name(const fusor_model_descriptor *descriptor, int index);
int fusor_aot_input_dtype(const fusor_model_descriptor *descriptor, int index);
int fusor_aot_input_rank(const fusor_model_descriptor *descriptor, int index);
const int64_t *fusor_aot_input_shape(const fusor_model_descriptor *descriptor, int index);
const char *fusor_aot_output_name(const fusor_model_descriptor *descriptor, int index);
int fusor_aot_output_dtype(const fusor_model_descriptor *descriptor, int index);
int fusor_aot_output_rank(const fusor_model_descriptor *descriptor, int index);
const int64_t *fusor_aot_output_shape(const fusor_model_descriptor *descriptor, int index);

#ifdef __cplusplus
}
#endif

#endif /* FUSOR_AOT_RUNTIME_H */
