// version.hpp — library version and the image format versions this runtime accepts.
#pragma once
namespace sigmatch {
inline constexpr const char* kLibraryVersion = "0.1.0";
inline constexpr unsigned kFormatMajor = 1;  // a different major is rejected
inline constexpr unsigned kFormatMinor = 0;  // newer minors may add sections (skipped)
}  // namespace sigmatch
