// errors.cpp — thread-local last-error text and status names.
#include <string>

#include "internal.h"

namespace da {
namespace {
thread_local std::string g_last_error;
thread_local const char* g_last_kernel = "";
}
void set_last_kernel(const char* name) { g_last_kernel = name; }
void set_last_error(const std::string& msg) {
    try {
        g_last_error = msg;
    } catch (...) {
        // out of memory while copying the message: keep whatever was there
    }
}
void clear_last_error() { g_last_error.clear(); }
int fail(int status, const std::string& msg) {
    set_last_error(msg);
    return status;
}
const char* last_error_cstr() { return g_last_error.c_str(); }
}  // namespace da

extern "C" DA_API const char* da_last_kernel(void) { return da::g_last_kernel; }

extern "C" DA_API const char* da_status_string(int status) {
    switch (status) {
        case DA_OK: return "DA_OK";
        case DA_ERR_NULL_ARGUMENT: return "DA_ERR_NULL_ARGUMENT";
        case DA_ERR_INVALID_ARGUMENT: return "DA_ERR_INVALID_ARGUMENT";
        case DA_ERR_UNSUPPORTED: return "DA_ERR_UNSUPPORTED";
        case DA_ERR_VERSION: return "DA_ERR_VERSION";
        case DA_ERR_NOT_BUILT_WITH_CUDA: return "DA_ERR_NOT_BUILT_WITH_CUDA";
        case DA_ERR_CUDA: return "DA_ERR_CUDA";
        case DA_ERR_INTERNAL: return "DA_ERR_INTERNAL";
        default: return "DA_ERR_UNKNOWN_STATUS";
    }
}
