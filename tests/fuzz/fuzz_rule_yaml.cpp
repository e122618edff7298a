// fuzz_rule_yaml.cpp — libFuzzer target: arbitrary text as one rule file -> compile_sources.
// Must not crash; when an image results it must pass the runtime's verifier and run on the
// sample records. Seeds: tests/fuzz/corpus/fuzz_rule_yaml/ (shipped rules). Run by run_all.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/pipeline.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  sigmatch::diag::DiagSink sink;
  sigmatch::Compilation c =
      sigmatch::compile_sources({{"fuzz.yml", text}}, sigmatch::CompileOptions{}, sink);
  if (c.image.empty()) return 0;
  std::shared_ptr<const sigmatch::Program> prog;
  if (!sigmatch::Program::load(c.image, &prog).ok()) __builtin_trap();  // compiler bug
  sigmatch::fuzz::run_on_samples(prog);
  return 0;
}
