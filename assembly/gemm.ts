// gemm kernels
