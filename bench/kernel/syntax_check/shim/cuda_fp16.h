// Minimal declarations for bench/kernel/syntax_check (clang -fsyntax-only, no CUDA toolkit).
#pragma once
struct __half { unsigned short x; __host__ __device__ __half() = default; __host__ __device__ __half(float); __host__ __device__ operator float() const; };
struct __half2 { __half x, y; };
__host__ __device__ float __half2float(__half);
__device__ float2 __half22float2(__half2);
__device__ __half2 __floats2half2_rn(float, float);
