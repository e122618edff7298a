// vm.hpp — the evaluator: runs a VerifiedProgram's code over one Event and appends the indices
// of matching rules. Also exposes single-predicate evaluation for tests and `explain`.
// Tested by tests/unit/vm_test.cpp and the end-to-end tests.
#pragma once
#include <cstdint>
#include <vector>

#include "runtime/vm/program.hpp"
#include "runtime/vm/scratch.hpp"
#include "sigmatch/event.hpp"

namespace sigmatch::vm {

void run(const VerifiedProgram& p, Scratch& s, const Event& ev, std::vector<std::uint32_t>& out);
bool eval_pred(const VerifiedProgram& p, Scratch& s, const Event& ev, std::uint32_t pred);

}  // namespace sigmatch::vm
