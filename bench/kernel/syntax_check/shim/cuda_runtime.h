// Minimal CUDA runtime declarations for bench/kernel/syntax_check (clang -fsyntax-only, no toolkit). Not for codegen.
#pragma once
#include <stddef.h>
#include <stdint.h>
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define __grid_constant__
#define __align__(n) __attribute__((aligned(n)))
struct uint3 { unsigned x, y, z; };
struct alignas(8) uint2 { unsigned x, y; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct alignas(16) float4 { float x, y, z, w; };
__host__ __device__ uint4 make_uint4(unsigned, unsigned, unsigned, unsigned);
__host__ __device__ uint2 make_uint2(unsigned, unsigned);
__host__ __device__ float4 make_float4(float, float, float, float);
__device__ int min(int, int);
__device__ int max(int, int);
__device__ unsigned min(unsigned, unsigned);
__device__ unsigned max(unsigned, unsigned);
__device__ long long min(long long, long long);
__device__ long long max(long long, long long);
__device__ float rsqrtf(float);
__device__ float sqrtf(float);
__device__ float __int_as_float(int);
__device__ int __float_as_int(float);
__device__ unsigned __float_as_uint(float);
__device__ float __uint_as_float(unsigned);
__device__ int __popc(unsigned);
__device__ int __clz(int);
__device__ unsigned __brev(unsigned);
struct dim3 { unsigned x, y, z; __host__ __device__ dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {} };
extern __device__ const uint3 threadIdx, blockIdx;
extern __device__ const dim3 blockDim, gridDim;
typedef int cudaError_t;
enum { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorInvalidConfiguration = 9, cudaErrorNotSupported = 801 };
typedef struct CUstream_st* cudaStream_t;
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16 };
enum cudaDriverEntryPointQueryResult { cudaDriverEntryPointSuccess = 0, cudaDriverEntryPointSymbolNotFound = 1 };
enum { cudaEnableDefault = 0 };
__host__ cudaError_t cudaGetLastError();
__host__ cudaError_t cudaGetDevice(int*);
__host__ cudaError_t cudaDeviceGetAttribute(int*, cudaDeviceAttr, int);
template <class T> __host__ cudaError_t cudaFuncSetAttribute(T*, cudaFuncAttribute, int);
template <class T> __host__ cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int*, T, int, size_t);
__host__ cudaError_t cudaGetDriverEntryPointByVersion(const char*, void**, unsigned, unsigned long long, cudaDriverEntryPointQueryResult*);
__host__ const char* cudaGetErrorString(cudaError_t);
__device__ void __syncthreads();
// kernel<<<...>>> lowers to this in clang
__host__ cudaError_t cudaConfigureCall(dim3, dim3, size_t = 0, cudaStream_t = 0);
__device__ void __syncwarp(unsigned = 0xffffffffu);
__device__ float __shfl_xor_sync(unsigned, float, int, int = 32);
__device__ int __shfl_xor_sync(unsigned, int, int, int = 32);
__device__ unsigned __shfl_xor_sync(unsigned, unsigned, int, int = 32);
__device__ unsigned __ballot_sync(unsigned, int);
__device__ int __any_sync(unsigned, int);
__device__ int __ffs(int);
__device__ float __fmaf_rn(float, float, float);
__device__ size_t __cvta_generic_to_shared(const void*);
__device__ float fmaxf(float, float);
__device__ float fminf(float, float);
__device__ float fabsf(float);
__device__ float logf(float);
__device__ float fmaf(float, float, float);
__device__ float exp2f(float);
#define INFINITY __builtin_inff()
struct alignas(8) float2 { float x, y; };
#include "cuda_fp16.h"
#include "cuda_bf16.h"
#include "cuda.h"
