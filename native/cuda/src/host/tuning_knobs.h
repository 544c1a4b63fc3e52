// tuning_knobs.h — environment overrides of the kernel choice, for the kernel suite and the benchmarks only.
// Compiled in with -DDA_TUNING_KNOBS=ON (scripts/gpu-kernel-suite.sh, scripts/gpu-fault-injection.sh, the host
// tests); the shipped library (the default) reads no environment variable and contains only the kernels its
// dispatcher picks.
#pragma once
#include <cstdlib>

namespace da {

// The value of the tuning variable `name`, or nullptr when it is unset or the knobs are compiled out.
inline const char* tuning_knob(const char* name) {
#if defined(DA_TUNING_KNOBS) && DA_TUNING_KNOBS
    return std::getenv(name);
#else
    (void)name;
    return nullptr;
#endif
}

}  // namespace da
