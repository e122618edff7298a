// corpus_test.cpp — the SigmaHQ corpus (../shared/corpus/sigmahq; skipped when absent):
// (1) every active rule compiles without error (placeholder values from
// tests/corpus/placeholders.yml); (2) differential: all corpus rules against generated
// records (../shared/bench/gen_events.py, three shapes) and the real public events agree three
// ways — optimised VM, unoptimised VM, reference evaluator. A faster wrong answer is a bug.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "compiler/pipeline.hpp"
#include "tests/support/harness.hpp"

namespace {

const std::string kShared = SIGMATCH_SHARED_DIR;
const std::string kCorpus = kShared + "/corpus/sigmahq";

std::vector<std::string> corpus_dirs() {
  std::vector<std::string> dirs;
  for (const char* d : {"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance",
                        "rules-placeholder"})
    if (std::filesystem::is_directory(kCorpus + "/" + d)) dirs.push_back(kCorpus + "/" + d);
  return dirs;
}

sigmatch::CompileOptions corpus_options() {
  sigmatch::CompileOptions o;
  std::string err;
  REQUIRE(sigmatch::load_placeholders(std::string(SIGMATCH_TESTS_DIR) + "/corpus/placeholders.yml",
                                      &o.placeholders, &err));
  o.lint = false;
  return o;
}

}  // namespace

TEST_CASE("every active SigmaHQ rule compiles") {
  auto dirs = corpus_dirs();
  if (dirs.empty()) {
    MESSAGE("skipped: " << kCorpus << " is absent");
    return;
  }
  sigmatch::diag::DiagSink sink;
  auto c = sigmatch::compile_paths(dirs, corpus_options(), sink);
  sink.sort();
  std::string errors;
  for (auto& d : sink.all())
    if (d.severity == sigmatch::diag::Severity::kError)
      errors += d.loc.file + ":" + std::to_string(d.loc.line) + ": " + d.message + "\n";
  CHECK_MESSAGE(sink.error_count() == 0, errors);
  MESSAGE(c.files.size() << " files, " << c.rules.size() << " rules compiled, image " << c.image.size() << " bytes");
  CHECK(c.rules.size() >= 3700);
  CHECK(!c.image.empty());
}

TEST_CASE("differential: corpus rules x generated and real events, three ways") {
  auto dirs = corpus_dirs();
  std::string gen = kShared + "/bench/gen_events.py";
  if (dirs.empty() || !std::filesystem::exists(gen)) {
    MESSAGE("skipped: corpus or generator absent");
    return;
  }
  std::vector<std::string> rule_files;
  sigmatch::diag::DiagSink sink;
  auto opts = corpus_options();
  for (auto& f : sigmatch::collect_rule_files(dirs, sink)) rule_files.push_back(f);
  std::string dir = std::filesystem::temp_directory_path().string();
  std::vector<std::string> inputs;
  for (const char* shape : {"flat", "winlogbeat", "evtx_dump"}) {
    std::string out = dir + "/sigmatch_diff_" + shape + ".jsonl";
    std::string cmd = "python3 '" + gen + "' --count 500 --seed 11 --shape " + shape + " > '" + out + "'";
    REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, cmd);
    inputs.push_back(out);
  }
  for (const char* f : {"/data/events/real-events.jsonl", "/data/events/negative-events.xml"})
    if (std::filesystem::exists(kShared + f)) inputs.push_back(kShared + f);
  for (const std::string& in : inputs) {
    auto tw = sigmatch::testing::run_three_ways(rule_files, in, opts.placeholders);
    INFO(in);
    REQUIRE(tw.compiled);
    CHECK(tw.malformed == 0);
    CHECK(sigmatch::testing::format_matches(tw.optimised) == sigmatch::testing::format_matches(tw.reference));
    CHECK(sigmatch::testing::format_matches(tw.unoptimised) == sigmatch::testing::format_matches(tw.reference));
    CHECK(sigmatch::testing::format_matches(tw.undispatched) == sigmatch::testing::format_matches(tw.reference));
    MESSAGE(in << ": " << tw.records << " records, " << tw.reference.size() << " matches");
  }
}
