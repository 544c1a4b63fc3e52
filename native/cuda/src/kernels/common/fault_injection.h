// fault_injection.h — deliberate kernel faults for the test of the tests (issue 14: "a deliberately broken kernel
// fails the suite"). Tests only: CMake -DDA_INJECT_FAULT=1|2|3 (scripts/gpu-fault-injection.sh) compiles one of them
// into a library of its own build folder, with the d = 64 fp16 attention kernels only (cmake/instantiations.cmake);
// the default, 0, compiles none, and every shipped build is configured with 0. With 0 the code below each
// `#if DA_INJECT_FAULT == n` is not compiled.
//   1: the last key tile of the second query tile a persistent sm_90a CTA handles is masked out entirely
//      (kernels/sm90/mainloop.cuh), as if the loop had skipped it;
//   2: an off-by-one in a group's column: column 0 is counted in the next group (kernels/hash/grouping.cuh:
//      build_expand_matrix, used by the sm_90a pre-pass and the portable expand mode, and build_group_matrices, the
//      portable K-hat mode);
//   3: a wrong softmax scale (1.25x) on head 1 (kernels/sm90/fwd_kernel.cuh, kernels/sm80/fwd_kernel.cuh).
#pragma once

#ifndef DA_INJECT_FAULT
#define DA_INJECT_FAULT 0
#endif
