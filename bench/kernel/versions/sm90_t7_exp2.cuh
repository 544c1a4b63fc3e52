// exp2.cuh — the three ways the sm_90a softmax turns log2-domain scores x <= 0 into probabilities.
// At head dim 64 the special-function unit (16 ex2 per clock per SM) needs as many cycles per key
// tile as the tensor cores, so part of the work is moved elsewhere (Traits::kExp):
//   0: ex2.approx.f32 on the MUFU for every element;
//   1: ex2.approx.f16x2 — two elements per MUFU op, the result is already the fp16 P operand of PV
//      (fp16 only: the input is rounded to fp16, an error of at most 2^-11 |x| ln 2 relative, which
//      the small probabilities it matters for hardly weigh);
//   k >= 2: every k-th 8-column block of an unmasked tile uses ex2_poly on the FMA pipe (FA4's
//      emulation: Cody-Waite split, degree-3 polynomial, relative error 1.0e-4, below fp16 rounding).
#pragma once
#include <cuda_fp16.h>

#include <cstdint>

namespace da {
namespace sm90 {

// 2^x for x <= 0 on the FMA pipe. x < -125 is clamped (2^-125 is 0 once P is rounded to fp16/bf16,
// and adds nothing visible to a row sum that is >= 1); only used on tiles without masked (-inf) keys.
__device__ __forceinline__ float ex2_poly(float x) {
    x = fmaxf(x, -125.f);
    const float t = x + 12582912.f;  // 1.5 * 2^23: the low mantissa bits of t hold rint(x)
    const float f = x - (t - 12582912.f);  // in [-0.5, 0.5]
    float p = fmaf(0.055008878f, f, 0.242211003f);
    p = fmaf(p, f, 0.693282941f);
    p = fmaf(p, f, 1.0f);
    return __int_as_float(__float_as_int(p) + (__float_as_int(t) << 23));  // p * 2^rint(x)
}

// 2^lo, 2^hi as packed fp16 (low half = lo).
__device__ __forceinline__ uint32_t ex2_h2(float lo, float hi) {
    uint32_t x, y;
    asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(x) : "f"(hi), "f"(lo));
    asm("ex2.approx.f16x2 %0, %1;\n" : "=r"(y) : "r"(x));
    return y;
}

// Sum of the two fp16 halves of w, in fp32.
__device__ __forceinline__ float h2_sum(uint32_t w) {
    const __half2 h = *reinterpret_cast<const __half2*>(&w);
    const float2 f = __half22float2(h);
    return f.x + f.y;
}

}  // namespace sm90
}  // namespace da
