// swizzle.h — the one statement of how a tile row of d 16-bit elements is boxed and swizzled, shared by the
// host's tensor-map encoding (tensor_map.cu) and the device's shared-memory addressing (tma.cuh), so that
// the two cannot disagree.
#pragma once

namespace da {
namespace sm90 {

// Bytes of one TMA box row: the whole row up to 128 bytes (d <= 64), else 128-byte boxes side by side.
// The swizzle width equals it (SWIZZLE_128B, or SWIZZLE_64B for d = 32).
constexpr int box_row_bytes(int d) { return d * 2 < 128 ? d * 2 : 128; }

}  // namespace sm90
}  // namespace da
