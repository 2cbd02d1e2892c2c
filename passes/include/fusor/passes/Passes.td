#ifndef FUSOR_PASSES_TD
#define FUSOR_PASSES_TD

include "mlir/Pass/PassBase.td"

def FusorRefineShapes : Pass<"fusor-refine-shapes", "func::FuncOp"> {
  let summary = "Make dynamic (?) sizes static where the operands determine them";
  let description = [{
    Walks each function in order and replaces every fusor op's result type by the type the
    shared shape rules infer from its operands, where that is more static; then updates the
    function's result types to match what it returns. Run it after giving a function's
    arguments concrete shapes (as the JIT does with an imported model whose input dims are
    symbolic) to propagate them through the body.

    Example: with `%0 : tensor<2x3xf32>`,
    `fusor.exp %0 ... -> tensor<?x3xf32>` stays as written only until the rules see that
    the operand is `tensor<2x3xf32>`; afterwards the result is `tensor<2x3xf32>`.
  }];
  let dependentDialects = ["::mlir::fusor::FusorDialect"];
}

def FusorLowerToLinalg : Pass<"fusor-lower-to-linalg", "func::FuncOp"> {
  let summary = "Lower fusor ops to linalg, tensor, arith and math ops on tensors";
  let description = [{
    Each elementwise op (including broadcast_to, cast and select) becomes a linalg.generic
    whose indexing maps do the broadcasting; reductions and argmax become generics with
    reduction iterators (half-precision sums accumulate in f32); matmul becomes one generic
    over (batch..., m, n, k) with broadcast batch dims; reshape, transpose, slice, concat and
    pad become tensor and linalg ops; index_select and gather read through tensor.extract with
    negative indices counted from the end and out-of-range ones clamped. Integer division by
    zero gives 0 rather than a trap. Requires static shapes. conv2d becomes im2col and a
    batched contraction (a depthwise one a direct window sum); with `winograd-convs`, f32 3x3
    convolutions with unit strides and enough output tiles and channels become Winograd's
    F(2x2, 3x3): add-only transforms of the input tiles, the weights and the output around 16
    GEMMs with 2.25 times fewer multiplies.
  }];
  let options = [
    Option<"winogradConvs", "winograd-convs", "bool", /*default=*/"false",
           "Lower suitable 3x3 convolutions through Winograd's F(2x2, 3x3)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

def FusorFuseElementwise : Pass<"fusor-fuse-elementwise", "func::FuncOp"> {
  let summary = "Fuse elementwise linalg.generic chains and their reductions into kernels";
  let description = [{
    Merges an elementwise producer into its consumer (another elementwise generic or a
    reduction) when the producer has one use and the consumer reads it through a
    permutation, so that each producer element is still computed once. Unlike upstream's
    linalg-fuse-elementwise-ops, it never fuses into a consumer with more loops than the
    producer (such as a matmul), which would recompute the producer per extra iteration.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def FusorLowerStridedCopies : Pass<"fusor-lower-strided-copies", "func::FuncOp"> {
  let summary = "Turn memref.copy between non-contiguous buffers into linalg.copy loops";
  let description = [{
    memref.copy between buffers with identity layouts becomes a memcpy, but a strided one
    becomes a call to MLIR's C runner library (memrefCopy), which fusor's JIT and AOT
    libraries do not link. This pass makes such copies plain loops instead.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def FusorLinalgToLoops : Pass<"fusor-linalg-to-loops", "func::FuncOp"> {
  let summary = "Lower linalg ops on buffers to loops, parallel ones where they are large";
  let description = [{
    Like convert-linalg-to-loops, but an op whose loops run at least `parallel-threshold`
    iterations in all gets its parallel loops as one scf.parallel (reductions stay scf.for
    inside), which the CPU pipeline then shares between threads; smaller ops stay serial, as
    starting threads would cost more than they save. Only the leading parallel dims that give
    `min-chunks` chunks of work stay in the scf.parallel; the dims inside them become a plain
    scf.for nest, whose innermost loop LLVM vectorizes. A reduction whose parallel dims come
    first (a depthwise window, a pool, a row sum) is lowered together with the fill of its
    output just before it and the elementwise op just after it that reads the output element
    for element: one nest whose accumulator starts at the fill value in a register and goes
    through the consumer's body before its only store.
  }];
  let options = [
    Option<"parallelThreshold", "parallel-threshold", "int64_t", /*default=*/"32768",
           "Iterations (parallel and reduction) from which parallel loops become scf.parallel">,
    Option<"minChunks", "min-chunks", "int64_t", /*default=*/"64",
           "Chunks of work to share between threads: the leading dims giving that many stay parallel">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

def FusorDepthwiseToCalls : Pass<"fusor-depthwise-to-calls", "ModuleOp"> {
  let summary = "Call the CPU runtime's direct kernel for f32 depthwise convolutions on buffers";
  let description = [{
    The f32 depthwise convolution that fusor-lower-to-linalg builds (a linalg.generic over
    (n, c, oh, ow, kh, kw) summing x[n, c, oh * sh + kh * dh, ow * sw + kw * dw] * w[c, kh, kw]
    into a zero-filled dense result) becomes a call to fusor_rt_depthwise_conv2d_f32. Where
    its input is a new buffer that a memref.copy fills from another (the interior) and zero
    fills pad, the call reads that other buffer with the padding instead, and the copy, the
    fills and the padded buffer go. An elementwise op after it that adds a bias per channel
    and/or a residual and clamps (as matched for the CPU GEMM) becomes part of the call. The
    output may be the unpadded input itself (an in-place convolution): the kernel reads each
    plane whole before writing it. A module pass: it declares the runtime function.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Say with a remark why an op it recognized stays as it is">,
  ];
}

def FusorConvolutionsToCalls : Pass<"fusor-convolutions-to-calls", "ModuleOp"> {
  let summary = "Call the CPU runtime's implicit-GEMM convolution for f32 im2col convolutions on buffers";
  let description = [{
    The f32 convolution that fusor-lower-to-linalg builds as im2col and a contraction (a
    copying linalg.generic from x[n, g * Cg + c, oh * sh + kh * dh, ow * sw + kw * dw] into a
    new [n, g, Cg, KH, KW, OH, OW] buffer, read only by the contraction summing weights[g, o, r]
    times its [n, g, Cg * KH * KW, OH * OW] view into a zero-filled dense result) becomes a
    call to fusor_rt_conv2d_f32, which gathers the patches from x as its GEMM packs them: the
    im2col buffer and its copy go. Where x is a zero-padded copy of another buffer, the call
    reads that one with the padding instead, and the padded copy goes too. An elementwise op
    after it that adds a bias per channel and/or a residual and clamps (as matched for the CPU
    GEMM) becomes part of the call. Rows of x must be contiguous (a unit stride along W). A
    module pass: it declares the runtime function.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Say with a remark why an op it recognized stays as it is">,
  ];
}

def FusorWinogradToCalls : Pass<"fusor-winograd-to-calls", "ModuleOp"> {
  let summary = "Call the CPU runtime's Winograd convolution, or its input and output transforms";
  let description = [{
    The generics that fusor-lower-to-linalg tags `fusor.kernel = "winograd_input"` (the
    4x4 tiles of a padded f32 input, B^T d B, into a dense [4, 4, c, n, th, tw] buffer) and
    `"winograd_output"` (A^T m A of the 16 products [4, 4, o, n, th, tw] into the dense
    [n, o, oh, ow] result) become calls to fusor_rt_winograd_input_f32 and
    fusor_rt_winograd_output_f32, which read and write every other column with vector
    shuffles. Where the tiles and products are buffers of their own, joined by the batched
    matmul of the 16 GEMMs (zero-filled products, dense [16, o, c] weights), and nothing
    writes the input or weights before the output transform, the three become one call to
    fusor_rt_winograd_conv3x3_f32, which keeps a block of tiles and products in cache. An
    elementwise op after the output transform that adds a bias per channel and/or a
    residual and clamps (as matched for the CPU GEMM) becomes part of the call.
    Run it before fusor-contractions-to-calls, which would take the batched matmul.
    A module pass: it declares the runtime functions.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Say with a remark why an op it recognized stays as it is">,
  ];
}

def FusorContractionsToCalls : Pass<"fusor-contractions-to-calls", "ModuleOp"> {
  let summary = "Call the runtime GEMM for f32/f64 matmul-like linalg ops on buffers";
  let description = [{
    A linalg contraction (one m, n and k dim, any batch dims, f32 or f64 throughout) on
    buffers becomes a loop over its batch dims calling fusor_rt_gemm_f32/f64 with each
    operand's pointer, offset and row/column strides, so transposed and broadcast operands
    need no copies. A zero fill of the result just before it becomes the call's beta = 0.
    A module pass: it declares the GEMM functions in the module, which function passes
    running in parallel must not do.
    With `unit-stride-only` (the CUDA pipeline, whose GEMM is cuBLASLt), only contractions
    whose operands each have a unit row or column stride, and whose result has unit column
    stride, are rewritten; the others stay loops. With `epilogues` (also the CUDA pipeline),
    an elementwise op right after a single GEMM that adds a bias over the last dim and/or
    applies relu or tanh-gelu to its result becomes part of the call
    (fusor_rt_gemm_f32_epilogue: cuBLASLt's BIAS, RELU and GELU epilogues). With
    `cpu-epilogues` (the CPU pipeline), such an op that reads C through reshapes, adds a bias
    per row or per column of C and/or clamps (relu, relu6, clip with constant or 0-d bounds),
    writing a dense buffer, becomes part of the call (fusor_rt_gemm_f32_fused), which then
    writes that buffer directly. With `batched-calls` (both pipelines), the innermost
    batch loop becomes one call (fusor_rt_gemm_f32/f64_batched) with a batch count and each
    operand's batch stride (0 for a broadcast one), as cuBLASLt's strided batches take it and
    as the CPU runtime shares a batch out between threads.
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Say with a remark why an op it recognized stays as it is">,
    Option<"unitStrideOnly", "unit-stride-only", "bool", /*default=*/"false",
           "Rewrite only operands with a unit row or column stride (BLAS-style layouts)">,
    Option<"epilogues", "epilogues", "bool", /*default=*/"false",
           "Fold a following bias add and relu or tanh-gelu into the call "
           "(the GemmF32Epilogue entry, for cuBLASLt)">,
    Option<"cpuEpilogues", "cpu-epilogues", "bool", /*default=*/"false",
           "Fold a following bias add (per row or column) and clamp into the call "
           "(the GemmF32Fused entry, for the CPU GEMM)">,
    Option<"batchedCalls", "batched-calls", "bool", /*default=*/"false",
           "Make the innermost batch loop one strided-batch call (the Gemm*Batched entries)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect"];
}

def FusorCollapseParallelLoops : Pass<"fusor-collapse-parallel-loops", "func::FuncOp"> {
  let summary = "Collapse each outermost scf.parallel into one row-major dimension";
  let description = [{
    A multi-dimensional scf.parallel becomes one loop over the linearized (row-major) index,
    delinearized inside. Mapped to a GPU afterwards, consecutive threads then touch consecutive
    innermost elements (coalesced accesses), and the grid is one-dimensional, so no dimension
    meets the 65535-block limit of grid y and z.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def FusorWrapSerialLinalg : Pass<"fusor-wrap-serial-linalg", "func::FuncOp"> {
  let summary = "Put each linalg op without parallel dims into a one-iteration scf.parallel";
  let description = [{
    A linalg op on buffers whose loops are all reductions (a full sum) or that has none
    (rank 0) would lower to host code. Wrapped in `scf.parallel (0) to (1)`, it becomes a
    kernel of one thread when the loops are mapped to a GPU.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def FusorGpuRowKernels : Pass<"fusor-gpu-row-kernels", "func::FuncOp"> {
  let summary = "Reductions over rows and the ops that use them as one GPU block per row";
  let description = [{
    Starting from a reduction over trailing dims (as fusor-gpu-block-reductions matches it),
    gathers the run of ops around it that work on the same rows: its initial value (fill,
    copy), later reductions over the same rows, elementwise ops over rows x elements that
    use their results (softmax's normalization, layernorm's scale and shift), and elementwise
    ops on the per-row results between them (a mean's division, rsqrt). The run becomes one
    gpu.launch with a block per row: threads stride over the row for each member, block
    reductions combine their partials, and thread 0 computes the per-row scalars. Inputs that
    several members read are kept in shared memory after the first read (up to 40 KiB a
    block), so a softmax or layernorm reads its row from global memory once.
    Every access is checked to stay within its block's row, or to touch data the run never
    writes; anything else ends the run.
  }];
  let options = [
    Option<"minReduction", "min-reduction", "int64_t", /*default=*/"64",
           "Fewest reduced elements per row for which a block is used">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def FusorGpuBlockReductions : Pass<"fusor-gpu-block-reductions", "func::FuncOp"> {
  let summary = "Reductions over trailing dims as one GPU block per output, with warp shuffles";
  let description = [{
    A linalg.generic on buffers whose loops are parallel dims followed by at least
    `min-reduction` reduced elements (trailing dims, one output, a recognized combiner such
    as addf or maximumf) becomes a gpu.launch with one block per output element: each thread
    folds a strided share of the reduced elements (the generic's fused elementwise body
    computed on the fly), then the block combines the partials with warp shuffles
    (gpu.shuffle down) and a small workgroup buffer, and thread 0 merges the result into the
    output's initial value. Consecutive threads read consecutive elements of a row. Few long
    rows (a full sum) are first split into chunks, a block each (up to 1024 blocks, at least
    8 elements a thread), writing one partial per chunk to a scratch buffer that a second
    launch of a block per row folds.
  }];
  let options = [
    Option<"minReduction", "min-reduction", "int64_t", /*default=*/"64",
           "Fewest reduced elements per output for which a block is used">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect"];
}

def FusorGpuVectorizeElementwise : Pass<"fusor-gpu-vectorize-elementwise", "func::FuncOp"> {
  let summary = "Elementwise linalg ops on whole contiguous buffers -> 128-bit vector loads/stores";
  let description = [{
    An all-parallel linalg.generic whose operands are contiguous buffers of its iteration
    shape, indexed by the identity, with 32- or 64-bit elements of one width and a size that
    divides into 128-bit groups, becomes a one-dimensional scf.parallel over those groups:
    each iteration loads every input as one vector (vector.load: 4 x 32 or 2 x 64 bits),
    computes the body once per lane, and stores each output as one vector. The CUDA renderer
    emits these as float4/int4/double2/longlong2 accesses (LDG.128/STG.128).
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::vector::VectorDialect"];
}

def FusorUntieSharedFills : Pass<"fusor-untie-shared-fills", "func::FuncOp"> {
  let summary = "Give each user of a linalg.fill on tensors its own fill";
  let description = [{
    CSE merges identical fills (the zero init of two same-shaped convolutions, the border of
    two same-shaped pads), and bufferization then fills one buffer and copies it for every
    user but one. A fill per user writes each buffer in place instead: no copies.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def FusorDynamicResultsInPlace : Pass<"fusor-dynamic-results-in-place", "func::FuncOp"> {
  let summary = "Compute a result with `?` sizes in its output argument, not a copy of it";
  let description = [{
    After bufferization moves results to output arguments, a result with static sizes is
    computed in its argument (hoisted allocations), one with `?` sizes in a buffer of its own
    that is then copied to the argument. The caller passes output buffers of the result's
    sizes, so such a buffer, allocated in the function's body and not read after the copy,
    can be the argument itself: its allocation, the copy and its release go.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def FusorApproximateMath : Pass<"fusor-approximate-math", "func::FuncOp"> {
  let summary = "f32 exp, log, tanh and erf -> polynomials, so loops using them vectorize";
  let description = [{
    Rewrites f32 math.exp, math.log, math.tanh and math.erf (scalars or vectors) into MLIR's
    polynomial approximations: plain arithmetic instead of libm calls, which LLVM cannot
    vectorize. A softmax's exponentials and an exact GELU's erf then run 8 lanes at a time.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def FusorEarlyDeallocs : Pass<"fusor-early-deallocs", "func::FuncOp"> {
  let summary = "Frees each buffer right after its last use";
  let description = [{
    Buffer deallocation places memref.dealloc at the end of the block that allocates the
    buffer, so every buffer of a model's run is live to its end, each in memory of its own
    (mobilenet_v2: 13 MB). This moves each dealloc of a buffer allocated in the same block up
    to just after the last op of that block that uses the buffer or anything derived from it
    (views, its aligned pointer as an integer and what is computed from it, as the runtime
    calls take it). The caching allocator then hands the freed block, its lines still in
    cache, to the next allocation it fits. A buffer used outside the block, or after its
    dealloc, is left alone.
  }];
}

def FusorVectorizerFriendlyForms : Pass<"fusor-vectorizer-friendly-forms", "func::FuncOp"> {
  let summary = "Forms of a few ops that LLVM's loop vectorizer takes";
  let description = [{
    Runs after memref-to-llvm, before arith-expand and arith-to-llvm:
    - arith.maxnumf/minnumf -> llvm.intr.maxnum/minnum. arith-expand (run for its bf16
      conversions and integer divisions) turns them into compares and selects, which LLVM does
      not vectorize as a reduction; as intrinsics they vectorize (the CPU loops emit them for
      long max and min reductions, see fusor-linalg-to-loops).
    - llvm.load and llvm.store of i1 -> of i8, with a trunc or zext: a vectorized i1 load
      gathered each lane's byte on its own (a masked softmax's mask), an i8 one is one load.
      Booleans are stored a byte each, 0 or 1.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // FUSOR_PASSES_TD
