// threads_test.cpp — one immutable Program shared by several threads, each with its own
// Matcher, gives exactly the single-threaded matches. Run under TSan in CI
// (-DSIGMATCH_SANITIZE=thread) to prove the loaded program has no hidden mutable state
// (lazily built indexes, caches) that threads could race on, and that a load on several
// threads (LoadOptions::threads: parallel regex compiles and index builds) does not race.
#include <doctest/doctest.h>

#include <thread>

#include "compiler/pipeline.hpp"
#include "runtime/input/reader.hpp"
#include "sigmatch/runtime.hpp"
#include "tests/support/harness.hpp"

using namespace sigmatch;

TEST_CASE("concurrent matching with one shared program") {
  const std::string root = std::string(SIGMATCH_TESTS_DIR) + "/..";
  std::vector<std::string> rules = {root + "/rules/windows/security", std::string(SIGMATCH_TESTS_DIR) + "/e2e/semantics/rules"};
  diag::DiagSink sink;
  auto c = compile_paths(rules, {}, sink);
  REQUIRE(!sink.has_errors());
  std::shared_ptr<const Program> prog;
  LoadOptions threaded;
  threaded.threads = 4;
  REQUIRE(Program::load(c.image, &prog, threaded).ok());

  // Read every example and e2e record once into owned strings + events.
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < prog->field_count(); ++i) fields.emplace_back(prog->field_name(i));
  struct Rec {
    std::vector<std::string> values;
    std::vector<int> state;  // 0 missing, 1 null, 2 present
    std::vector<std::string> all;
  };
  std::vector<Rec> recs;
  for (const std::string& f : {root + "/examples/events/sample.flat.jsonl", root + "/examples/events/sample.xml",
                               std::string(SIGMATCH_TESTS_DIR) + "/e2e/semantics/events.jsonl"}) {
    std::string err;
    input::ReaderOptions ro;
    ro.collect_all_values = true;
    auto reader = input::open_reader(f, input::Format::kAuto, fields, input::ShapeTable::builtin(), ro, &err);
    REQUIRE(reader);
    Event ev(fields.size());
    input::RecordError rerr;
    while (reader->next(ev, rerr) == input::Reader::Next::kRecord) {
      Rec r;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const FieldValue& v = ev.get(i);
        r.values.emplace_back(v.text);
        r.state.push_back(static_cast<int>(v.state));
      }
      for (auto v : ev.values()) r.all.emplace_back(v);
      recs.push_back(std::move(r));
    }
  }
  REQUIRE(recs.size() > 20);
  auto run_all = [&](Matcher& m) {
    std::vector<std::vector<std::uint32_t>> out(recs.size());
    Event ev(fields.size());
    for (std::size_t k = 0; k < recs.size(); ++k) {
      ev.clear();
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (recs[k].state[i] == 2) ev.set(i, recs[k].values[i]);
        if (recs[k].state[i] == 1) ev.set_null(i);
      }
      for (auto& v : recs[k].all) ev.add_value(v);
      m.match(ev, out[k]);
    }
    return out;
  };
  Matcher single(prog);
  auto expected = run_all(single);
  std::size_t total = 0;
  for (auto& v : expected) total += v.size();
  CHECK(total > 10);

  constexpr int kThreads = 4, kRounds = 50;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Matcher m(prog);
      for (int round = 0; round < kRounds; ++round)
        if (run_all(m) != expected) ++mismatches[t];
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(mismatches[t] == 0);
}
