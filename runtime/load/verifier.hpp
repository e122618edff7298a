// verifier.hpp — bytes -> VerifiedProgram or a Status naming the offset / instruction at fault.
// Checks: container (magic, mangling, versions, section table, checksum), every string, field,
// regex and rule reference in range, every predicate well-formed, every regex compiles under
// RE2 with a memory budget, every opcode known, every jump strictly forward and inside the
// code, code ends with HALT. Tested by tests/unit/verifier_test.cpp (incl. random mutations).
#pragma once
#include <memory>
#include <string_view>

#include "runtime/vm/prepare.hpp"
#include "runtime/vm/program.hpp"
#include "sigmatch/limits.hpp"
#include "sigmatch/status.hpp"

namespace sigmatch::load {

inline constexpr std::size_t kMaxImageBytes = limits::kMaxImageBytes;
inline constexpr std::size_t kMaxRegexProgramBytes = limits::kMaxRegexProgramBytes;

Status verify(std::string_view bytes, std::unique_ptr<vm::VerifiedProgram>* out,
              const vm::PrepareOptions& options = {});
// The same, taking the image's buffer over instead of copying it (the program keeps its bytes:
// every string_view in it points there). Program::load_file reads the file into one buffer and
// hands it here.
Status verify_owned(std::string&& bytes, std::unique_ptr<vm::VerifiedProgram>* out,
                    const vm::PrepareOptions& options = {});

}  // namespace sigmatch::load
