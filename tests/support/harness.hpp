// harness.hpp — shared helpers for data-driven tests: file reading, golden comparison
// (UPDATE_GOLDEN=1 rewrites the expected file instead of failing), and the three-way
// evaluation (optimised VM, unoptimised VM, reference evaluator) used by every end-to-end
// case. Implemented in harness.cpp; used by tests/unit/{e2e,golden,diagnostics}_test.cpp.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sigmatch::testing {

std::string read_file(const std::string& path);
bool file_exists(const std::string& path);
std::vector<std::string> list_dir(const std::string& dir, const std::string& suffix);  // sorted

// Compares `actual` with the file at `expected_path`. With UPDATE_GOLDEN=1 in the
// environment, writes `actual` there and returns true. Otherwise returns false and fills
// *diff with a short first-difference description.
bool check_golden(const std::string& expected_path, const std::string& actual, std::string* diff);

struct Match {
  std::uint64_t record = 0;  // 1-based record number in the input
  std::string rule_id;
  bool operator<(const Match& o) const {
    return record != o.record ? record < o.record : rule_id < o.rule_id;
  }
  bool operator==(const Match& o) const { return record == o.record && rule_id == o.rule_id; }
};

struct ThreeWay {
  bool compiled = false;    // the rules compiled without errors
  std::string diagnostics;  // rendered diagnostics (errors and warnings)
  std::vector<Match> optimised, unoptimised, reference;  // sorted
  std::vector<Match> undispatched;  // optimised image loaded without dispatch and scan cache
  std::uint64_t records = 0, malformed = 0;
};

// Compiles `rule_files` (paths) at -O1 and -O0, reads `events_path` (any supported format),
// and evaluates every record three ways.
ThreeWay run_three_ways(const std::vector<std::string>& rule_files, const std::string& events_path,
                        const std::map<std::string, std::vector<std::string>>& placeholders = {});

// "record\trule_id" lines (sorted), the format of expected.tsv files.
std::string format_matches(const std::vector<Match>& m);

}  // namespace sigmatch::testing
