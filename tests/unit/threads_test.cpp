// threads_test.cpp — one immutable Program shared by several threads, each with its own
// Matcher, gives exactly the single-threaded matches. Run under TSan in CI
// (-DSIGMATCH_SANITIZE=thread) to prove the loaded program has no hidden mutable state
// (lazily built indexes, caches) that threads could race on, and that a load on several
// threads (LoadOptions::threads: parallel regex compiles and index builds) does not race.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "compiler/pipeline.hpp"
#include "runtime/input/reader.hpp"
#include "runtime/vm/parallel.hpp"
#include "runtime/vm/program.hpp"
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

// vm::SpinPool, which runs a threaded load's phases and `scan -j`'s pieces: every item runs
// once, on a worker index below workers(), each worker's items one after another (the per-worker
// slots below are written without locks: TSan would report two workers sharing an index); the
// first exception reaches the caller and the pool stays usable; helpers that slept (no work for
// kSpinMs) wake for the next phase; a pool in scope serves a load run on this thread.
TEST_CASE("SpinPool: phases, worker slots, exceptions, sleeping helpers, scope") {
  vm::SpinPool pool(3);
  REQUIRE(pool.workers() == 4);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{1000}}) {
    std::vector<std::atomic<int>> ran(n);
    std::vector<std::size_t> per_worker(pool.workers(), 0);
    pool.run(n, [&](std::size_t i, unsigned w) {
      ran[i].fetch_add(1);
      REQUIRE(w < 4);
      ++per_worker[w];
    });
    std::size_t total = 0;
    for (std::size_t w = 0; w < per_worker.size(); ++w) total += per_worker[w];
    CHECK(total == n);
    for (auto& r : ran) CHECK(r.load() == 1);
  }
  CHECK_THROWS_AS(pool.run(100, [](std::size_t i, unsigned) {
    if (i == 37) throw std::runtime_error("item 37");
  }), std::runtime_error);
  std::atomic<int> after{0};
  pool.run(50, [&](std::size_t, unsigned) { after.fetch_add(1); });
  CHECK(after.load() == 50);
  std::this_thread::sleep_for(std::chrono::milliseconds(3 * vm::SpinPool::kSpinMs));  // helpers sleep
  std::atomic<int> woke{0};
  pool.run(64, [&](std::size_t, unsigned) { woke.fetch_add(1); });
  CHECK(woke.load() == 64);

  // A threaded load in the pool's scope runs on it, and gives the same program as a serial one.
  const std::string root = std::string(SIGMATCH_TESTS_DIR) + "/..";
  diag::DiagSink sink;
  auto c = compile_paths({root + "/rules/windows/security", std::string(SIGMATCH_TESTS_DIR) + "/e2e/semantics/rules"}, {}, sink);
  REQUIRE(!sink.has_errors());
  LoadOptions threaded;
  threaded.threads = 4;
  std::shared_ptr<const Program> serial, scoped;
  REQUIRE(Program::load(c.image, &serial).ok());
  {
    const vm::SpinPool::Scope scope(&pool);
    CHECK(vm::SpinPool::current() == &pool);
    const std::uint64_t before = pool.phases();
    REQUIRE(Program::load(c.image, &scoped, threaded).ok());
    CHECK(pool.phases() == before + 2);  // the regex compiles and the index builds, on this pool
  }
  CHECK(vm::SpinPool::current() == nullptr);
  CHECK(serial->rule_count() == scoped->rule_count());
  CHECK(serial->verified().pred_rules == scoped->verified().pred_rules);
  CHECK(serial->verified().field_flags == scoped->verified().field_flags);
}
