// input_test.cpp — tests of library sigmatch_input (runtime/input/): the shape table, JSONL /
// JSON document / Event XML / EVTX readers, format detection, error reporting with record
// numbers, and the
// real sample events in ../shared/data/events when present (skipped with a message if not).
// Hostile records at the real limits through the CLI: tests/cli/big_record_test.sh.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "runtime/input/reader.hpp"

using namespace sigmatch;
using namespace sigmatch::input;

namespace {

struct Result {
  bool error = false;
  std::uint64_t record = 0;
  std::string message;
  std::vector<std::string> slots;   // "<missing>", "<null>" or "=text"
  std::vector<std::string> values;  // Event::values()
};

std::string show(const FieldValue& v) {
  switch (v.state) {
    case ValueState::kMissing: return "<missing>";
    case ValueState::kNull: return "<null>";
    case ValueState::kPresent: return "=" + std::string(v.text);
  }
  return "?";
}

std::vector<Result> read_all(Reader& r, std::size_t slots) {
  std::vector<Result> out;
  Event ev(slots);
  RecordError err;
  for (int guard = 0; guard < 100000; ++guard) {
    Reader::Next n = r.next(ev, err);
    if (n == Reader::Next::kEnd) break;
    Result res;
    if (n == Reader::Next::kError) {
      res.error = true;
      res.record = err.record;
      res.message = err.message;
      CHECK(r.record_number() == err.record);
    } else {
      res.record = r.record_number();
      for (std::size_t i = 0; i < ev.slot_count(); ++i) res.slots.push_back(show(ev.get(i)));
      for (auto v : ev.values()) res.values.emplace_back(v);
    }
    out.push_back(std::move(res));
  }
  return out;
}

std::vector<Result> read_buffer(const std::string& data, const std::vector<std::string>& fields,
                                Format format = Format::kAuto, ReaderOptions options = {}) {
  std::string error;
  auto r = open_buffer(data, format, fields, ShapeTable::builtin(), options, &error);
  REQUIRE_MESSAGE(r, error);
  return read_all(*r, fields.size());
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::vector<std::string> kFields = {
    "EventID",         "Channel",       "Computer",   "Provider_Name", "SubjectUserName",
    "MasterKeyId",     "RecoveryServer", "FailureReason", "TimeCreated", "Execution_ProcessID",
    "Provider_Guid",   "EventRecordID",  "TimeCreated_SystemTime"};

// The real 4692 of docs/windows-events.md section 3 in each shipper's shape.
const char* kFlat4692 =
    R"({"SourceName":"Microsoft-Windows-Security-Auditing","ProviderGuid":"{54849625-5478-4994-A5BA-3E3B0328C30D}","Level":"0","Channel":"Security","Hostname":"Server2.test1.local","TimeCreated":"2023-01-04T04:49:18.215Z","@timestamp":"2023-01-04T04:49:20.000Z","EventID":4692,"EventRecordID":623337543,"ExecutionProcessID":652,"SubjectUserSid":"S-1-5-21-1280187532-2219128962-763009249-500","SubjectUserName":"administrator","SubjectDomainName":"TEST1","SubjectLogonId":"0x56b3a","MasterKeyId":"42464b43-cf55-4a64-a82e-0c0431038b7c","RecoveryServer":null,"RecoveryKeyId":"7416d98c-bb79-4c85-9bfd-ceb5890e1dfe","FailureReason":"0x0"})";
const char* kEvtxDump4692 =
    R"({"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-A5BA-3E3B0328C30D}"}},"EventID":{"#text":4692,"#attributes":{"Qualifiers":""}},"Version":0,"Level":0,"Task":13314,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2023-01-04T04:49:18.215Z"}},"EventRecordID":623337543,"Correlation":{"#attributes":{"ActivityID":"{6804F410-1AA6-0002-28F4-0468A61AD901}"}},"Execution":{"#attributes":{"ProcessID":652,"ThreadID":6380}},"Channel":"Security","Computer":"Server2.test1.local","Security":null},"EventData":{"SubjectUserSid":"S-1-5-21-1280187532-2219128962-763009249-500","SubjectUserName":"administrator","SubjectDomainName":"TEST1","SubjectLogonId":"0x56b3a","MasterKeyId":"42464b43-cf55-4a64-a82e-0c0431038b7c","RecoveryServer":null,"RecoveryKeyId":"7416d98c-bb79-4c85-9bfd-ceb5890e1dfe","FailureReason":"0x0"}}})";
const char* kWinlogbeat4692 =
    R"({"@timestamp":"2023-01-04T04:49:18.215Z","event":{"kind":"event","code":4692,"action":"DPAPI Activity"},"host":{"name":"Server2"},"agent":{"type":"winlogbeat","version":"7.3.1"},"winlog":{"channel":"Security","provider_name":"Microsoft-Windows-Security-Auditing","provider_guid":"{54849625-5478-4994-A5BA-3E3B0328C30D}","event_id":4692,"record_id":623337543,"computer_name":"Server2.test1.local","task":"DPAPI Activity","opcode":"Info","keywords":["Audit Success"],"process":{"pid":652,"thread":{"id":6380}},"activity_id":"{6804F410-1AA6-0002-28F4-0468A61AD901}","event_data":{"SubjectUserSid":"S-1-5-21-1280187532-2219128962-763009249-500","SubjectUserName":"administrator","SubjectDomainName":"TEST1","SubjectLogonId":"0x56b3a","MasterKeyId":"42464b43-cf55-4a64-a82e-0c0431038b7c","RecoveryKeyId":"7416d98c-bb79-4c85-9bfd-ceb5890e1dfe","FailureReason":"0x0"}},"message":"Backup of data protection master key was attempted."})";
const char* kXml4692 =
    R"(<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/><EventID>4692</EventID><Version>0</Version><Level>0</Level><Task>13314</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime="2023-01-04T04:49:18.215Z"/><EventRecordID>623337543</EventRecordID><Correlation ActivityID="{6804F410-1AA6-0002-28F4-0468A61AD901}"/><Execution ProcessID="652" ThreadID="6380"/><Channel>Security</Channel><Computer>Server2.test1.local</Computer><Security/></System><EventData><Data Name="SubjectUserSid">S-1-5-21-1280187532-2219128962-763009249-500</Data><Data Name="SubjectUserName">administrator</Data><Data Name="SubjectDomainName">TEST1</Data><Data Name="SubjectLogonId">0x56b3a</Data><Data Name="MasterKeyId">42464b43-cf55-4a64-a82e-0c0431038b7c</Data><Data Name="RecoveryServer"/><Data Name="RecoveryKeyId">7416d98c-bb79-4c85-9bfd-ceb5890e1dfe</Data><Data Name="FailureReason">0x0</Data></EventData></Event>)";

std::vector<std::string> expected_4692(const std::string& recovery_server) {
  return {"=4692", "=Security", "=Server2.test1.local", "=Microsoft-Windows-Security-Auditing",
          "=administrator", "=42464b43-cf55-4a64-a82e-0c0431038b7c", recovery_server, "=0x0",
          "=2023-01-04T04:49:18.215Z", "=652", "={54849625-5478-4994-A5BA-3E3B0328C30D}",
          "=623337543", "=2023-01-04T04:49:18.215Z"};
}

}  // namespace

TEST_CASE("built-in shape table parses and rejects bad documents") {
  CHECK_NOTHROW(ShapeTable::builtin());
  ShapeTable t;
  std::string error;
  CHECK(ShapeTable::parse(R"({"shapes":[{"name":"x","identity":true}]})", &t, &error));
  CHECK_FALSE(ShapeTable::parse("{", &t, &error));
  CHECK(error.find("invalid JSON") != std::string::npos);
  CHECK_FALSE(ShapeTable::parse(R"({"shapes":[{"bogus":1}]})", &t, &error));
  CHECK(error.find("bogus") != std::string::npos);
  CHECK_FALSE(ShapeTable::parse(R"({"nope":[]})", &t, &error));
}

TEST_CASE("one 4692 in flat, evtx_dump, winlogbeat and XML gives the same slots") {
  auto flat = read_buffer(kFlat4692, kFields);
  auto evtx = read_buffer(kEvtxDump4692, kFields);
  auto beat = read_buffer(kWinlogbeat4692, kFields);
  auto xml = read_buffer(kXml4692, kFields);
  REQUIRE(flat.size() == 1);
  REQUIRE(evtx.size() == 1);
  REQUIRE(beat.size() == 1);
  REQUIRE(xml.size() == 1);
  CHECK_FALSE(flat[0].error);
  CHECK(flat[0].slots == expected_4692("<null>"));  // OTRF writes null
  CHECK(evtx[0].slots == expected_4692("<null>"));  // evtx crate writes null
  CHECK(beat[0].slots == expected_4692("<missing>"));  // Winlogbeat drops it
  CHECK(xml[0].slots == expected_4692("="));  // XML: <Data Name="RecoveryServer"/>
  CHECK(flat[0].record == 1);
  CHECK(xml[0].record == 1);
}

TEST_CASE("winlogbeat details: arrays give their first element, event.code, nested paths") {
  std::vector<std::string> fields = {"Keywords", "Task", "Execution_ThreadID", "EventID",
                                     "Correlation_ActivityID", "agent.type", "host.name"};
  auto r = read_buffer(kWinlogbeat4692, fields);
  REQUIRE(r.size() == 1);
  CHECK(r[0].slots == std::vector<std::string>{"=Audit Success", "=DPAPI Activity", "=6380",
                                               "=4692", "={6804F410-1AA6-0002-28F4-0468A61AD901}",
                                               "=winlogbeat", "=Server2"});
  // Elastic Agent: only event.code, as a string.
  auto a = read_buffer(R"({"event":{"code":"4692"},"winlog":{"keywords":["a","b"]}})", fields);
  CHECK(a[0].slots[0] == "=a");
  CHECK(a[0].slots[3] == "=4692");
}

TEST_CASE("NXLog shape and the 5059 ProviderName trap") {
  std::vector<std::string> fields = {"Provider_Name", "ProviderName", "Computer", "EventRecordID",
                                     "Execution_ProcessID", "Execution_ThreadID", "Keywords",
                                     "Provider_Guid"};
  auto r = read_buffer(
      R"({"Keywords":-9214364837600034816,"EventID":5059,"ProviderGuid":"{54849625-5478-4994-A5BA-3E3B0328C30D}","ExecutionProcessID":744,"ThreadID":2004,"ProcessId":"2636","SourceName":"Microsoft-Windows-Security-Auditing","RecordNumber":821873,"ProviderName":"Microsoft Software Key Storage Provider","Hostname":"WORKSTATION5.theshire.local"})",
      fields);
  REQUIRE(r.size() == 1);
  CHECK(r[0].slots == std::vector<std::string>{
                          "=Microsoft-Windows-Security-Auditing",
                          "=Microsoft Software Key Storage Provider", "=WORKSTATION5.theshire.local",
                          "=821873", "=744", "=2004", "=-9214364837600034816",
                          "={54849625-5478-4994-A5BA-3E3B0328C30D}"});
}

TEST_CASE("evtx_dump variants: separate attributes, plain EventID, Value object") {
  std::vector<std::string> fields = {"EventID", "Provider_Name", "TimeCreated", "Execution_ProcessID"};
  auto r = read_buffer(
      R"({"Event":{"System":{"EventID":"4692","Provider_attributes":{"Name":"P"},"TimeCreated_attributes":{"SystemTime":"T"},"Execution_attributes":{"ProcessID":1}}}}
{"Event":{"System":{"EventID":{"Value":4693},"Provider":{"Name":"Q"}}}})",
      fields);
  REQUIRE(r.size() == 2);
  CHECK(r[0].slots == std::vector<std::string>{"=4692", "=P", "=T", "=1"});
  CHECK(r[1].slots == std::vector<std::string>{"=4693", "=Q", "<missing>", "<missing>"});
}

TEST_CASE("numbers keep their text, escapes are decoded, booleans and nulls") {
  std::vector<std::string> fields = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
  auto r = read_buffer(
      R"({"a": 4692 , "b":-5,"c":1.50,"d":1e3,"e":"q\"b\\s\u00e9\t","f":true,"g":false,"h":null,"i":"\ud83d\ude00"})",
      fields);
  REQUIRE(r.size() == 1);
  REQUIRE_FALSE(r[0].error);
  CHECK(r[0].slots == std::vector<std::string>{"=4692", "=-5", "=1.50", "=1e3",
                                               "=q\"b\\s\xC3\xA9\t", "=true", "=false", "<null>",
                                               "=\xF0\x9F\x98\x80"});
}

TEST_CASE("first value wins for duplicate keys; identity outranks an alias") {
  std::vector<std::string> fields = {"X", "TimeCreated", "Computer"};
  auto r = read_buffer(
      R"({"X":"first","X":"second","@timestamp":"alias","TimeCreated":"identity","Hostname":"h","Computer":"c"})",
      fields);
  REQUIRE(r.size() == 1);
  CHECK(r[0].slots == std::vector<std::string>{"=first", "=identity", "=c"});
}

TEST_CASE("malformed lines are reported with their line number and reading continues") {
  std::vector<std::string> fields = {"EventID"};
  std::string data;
  data += "{\"EventID\":1}\n";                 // 1
  data += "{\"EventID\":2\n";                  // 2 truncated
  data += "\n";                                // 3 blank: skipped silently
  data += "   \r\n";                           // 4 blank
  data += "{\"EventID\":5}\r\n";               // 5 CRLF
  data += "[1,2]\n";                           // 6 not an object
  data += "\"x\"\n";                           // 7 not an object
  data += "{\"EventID\":\"\xff\xfe\"}\n";      // 8 invalid UTF-8
  data += std::string("{\"EventID\":\"a\0b\"}\n", 18);  // 9 NUL byte
  data += "{\"a\":[[[[[[[[[[1]]]]]]]]]]}\n";   // 10 too deep (max_depth 8)
  data += "{\"EventID\":12abc}\n";             // 11 bad number
  data += "{\"EventID\":1} {\"x\":2}\n";       // 12 trailing content
  data += "{\"EventID\":tru}\n";               // 13 bad literal
  data += "{\"EventID\":13,}\n";               // 14 trailing comma
  data += "{\"a\" \"b\"}\n";                   // 15 missing colon
  data += "{\"a\":1 \"EventID\":3}\n";         // 16 missing comma
  data += "{\"EventID\":\"" + std::string(300, 'x') + "\"}\n";  // 17 longer than 200 bytes
  data += "{\"EventID\":18}";                  // 18 no final newline
  ReaderOptions opt;
  opt.max_depth = 8;
  opt.max_record_bytes = 200;
  auto r = read_buffer(data, fields, Format::kJsonl, opt);
  std::vector<std::uint64_t> good, bad;
  for (auto& x : r) (x.error ? bad : good).push_back(x.record);
  CHECK(good == std::vector<std::uint64_t>{1, 5, 18});
  CHECK(bad == std::vector<std::uint64_t>{2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
  for (auto& x : r) {
    if (x.record == 1) CHECK(x.slots[0] == "=1");
    if (x.record == 5) CHECK(x.slots[0] == "=5");
    if (x.record == 18) CHECK(x.slots[0] == "=18");
    if (x.record == 6) CHECK(x.message.find("not a JSON object") != std::string::npos);
    if (x.record == 9) CHECK(x.message.find("NUL") != std::string::npos);
    if (x.record == 10) CHECK(x.message.find("nesting") != std::string::npos);
    if (x.record == 17) CHECK(x.message.find("too large") != std::string::npos);
    if (x.error) CHECK_FALSE(x.message.empty());
  }
}

// Hostile-input kinds of the "Hostile input" issue at the default limits (kMaxRecordDepth
// 64): each bad record is reported with its line number and the good lines around it are read.
TEST_CASE("hostile JSONL: invalid UTF-8, control bytes, deep nesting, number text, duplicates") {
  std::vector<std::string> fields = {"EventID", "a"};
  std::vector<std::pair<std::string, bool>> lines = {  // {line, malformed}
      {"{\"EventID\":1}", false},
      {"{\"Z\":\"\xC0\xAF\"}", true},                 // overlong '/' in a string nobody reads
      {"{\"Z\":\"\xED\xA0\x80\"}", true},             // UTF-16 surrogate encoded in UTF-8
      {"{\"\xFF\":1}", true},                         // invalid byte in a key
      {"{\"EventID\":\"\xE2\x82\"}", true},           // truncated 3-byte sequence
      {"{\"EventID\":\"\xF4\x90\x80\x80\"}", true},   // above U+10FFFF
      {"{\"EventID\":\"\\ud800\"}", true},            // escaped lone surrogate in a read string
      {"{\"EventID\":\"a\x01 b\"}", true},            // raw control byte
      {"{\"EventID\":\"a\tb\"}", true},               // raw tab
      {"{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}", false},  // 64 levels
      {"{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}", true},   // 65 levels
      {"{\"a\":" + std::string(1000000, '[') + std::string(1000000, ']') + "}", true},
      {"{\"EventID\":01}", true},
      {"{\"EventID\":1.}", true},
      {"{\"EventID\":-}", true},
      {"{\"EventID\":+1}", true},
      {"{\"EventID\":NaN}", true},
      {"{\"EventID\":Infinity}", true},
      {"{\"EventID\":1e400}", false},  // out of double range: valid JSON, text kept verbatim
      {"{\"EventID\":-123456789012345678901234567890}", false},  // beyond 64 bits: same
      {"{\"EventID\":1e-400}", false},
      {"{\"EventID\":{\"x\":1},\"EventID\":2}", false},  // duplicate key: first scalar wins
      {"{\"EventID\":24}", false},
  };
  std::string objects = "{\"a\":";  // 100,000 nested objects: no recursion blow-up
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100001, '}');
  lines.insert(lines.end() - 1, {objects, true});
  std::string data;
  for (auto& l : lines) data += l.first + "\n";
  auto r = read_buffer(data, fields, Format::kJsonl);
  REQUIRE(r.size() == lines.size());
  for (std::size_t i = 0; i < r.size(); ++i) {
    INFO("line " << i + 1 << ": " << lines[i].first.substr(0, 60) << " -> " << r[i].message);
    CHECK(r[i].record == i + 1);
    CHECK(r[i].error == lines[i].second);
    const bool deep = (i >= 9 && i <= 11) || i == 22;
    if (r[i].error) CHECK(r[i].message.rfind(deep ? "nesting" : "invalid JSON", 0) == 0);
  }
  CHECK(r[0].slots[0] == "=1");
  CHECK(r[18].slots[0] == "=1e400");
  CHECK(r[19].slots[0] == "=-123456789012345678901234567890");
  CHECK(r[20].slots[0] == "=1e-400");
  CHECK(r[21].slots[0] == "=2");
  CHECK(r[22].error);  // the 100,000 nested objects
  CHECK(r[23].slots[0] == "=24");
}

TEST_CASE("hostile XML: invalid UTF-8, NUL bytes, deep nesting, duplicates, too large") {
  std::vector<std::string> fields = {"EventID", "X"};
  auto ev = [](const std::string& id, const std::string& data) {
    return "<Event><System><EventID>" + id + "</EventID></System><EventData>" + data +
           "</EventData></Event>\n";
  };
  std::string deep = "<Event><System><EventID>9</EventID></System><UserData>";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  for (int i = 0; i < 100000; ++i) deep += "</a>";
  deep += "</UserData></Event>\n";
  std::string at_limit = "<Event><System><EventID>10</EventID></System><UserData>";  // 64 levels
  for (int i = 0; i < 62; ++i) at_limit += "<a>";
  for (int i = 0; i < 62; ++i) at_limit += "</a>";
  at_limit += "</UserData></Event>\n";
  std::string data = "<Events>\n" + ev("1", "") +
                     ev("2", "<Data Name=\"X\">\xFF\xFE</Data>") +         // bad UTF-8, mapped
                     ev("3", "<Data Name=\"Z\">\xC0\xAF</Data>") +         // bad UTF-8, unread
                     ev("4", std::string("<Data Name=\"X\">a\0b</Data>", 25)) +  // NUL in a value
                     ev("5", std::string("<Da\0ta/>", 8)) +                 // NUL in a tag
                     ev("6", "<Data Name=\"X\">first</Data><Data Name=\"X\">second</Data>") +
                     "<Event><System><EventID>7</EventID><EventID>8</EventID></System></Event>\n" +
                     ev("99999999999999999999999999999", "") +              // number text kept
                     deep + at_limit + ev("11", "<Data Name=\"X\">" + std::string(2 << 20, 'x') + "</Data>") +
                     ev("12", "") + "</Events>\n";
  ReaderOptions opt;
  opt.max_record_bytes = 1 << 20;  // above the 700 KB deep event, below the 2 MiB one
  auto r = read_buffer(data, fields, Format::kAuto, opt);
  REQUIRE(r.size() == 12);
  std::vector<std::uint64_t> bad;
  for (std::size_t i = 0; i < r.size(); ++i) {
    CHECK(r[i].record == i + 1);
    if (r[i].error) bad.push_back(r[i].record);
  }
  CHECK(bad == std::vector<std::uint64_t>{2, 3, 4, 5, 9, 11});
  CHECK(r[0].slots[0] == "=1");
  CHECK(r[1].message.find("UTF-8") != std::string::npos);
  CHECK(r[2].message.find("UTF-8") != std::string::npos);
  CHECK(r[3].message.find("NUL") != std::string::npos);
  CHECK(r[4].message.find("NUL") != std::string::npos);
  CHECK(r[5].slots == std::vector<std::string>{"=6", "=first"});  // first duplicate wins
  CHECK(r[6].slots[0] == "=7");
  CHECK(r[7].slots[0] == "=99999999999999999999999999999");
  CHECK(r[8].message.find("nesting") != std::string::npos);
  CHECK(r[9].slots[0] == "=10");
  CHECK(r[10].message.find("too large") != std::string::npos);
  CHECK(r[11].slots[0] == "=12");
}

TEST_CASE("a nesting exactly at the limit is accepted") {
  ReaderOptions opt;
  opt.max_depth = 3;
  auto r = read_buffer("{\"a\":{\"b\":{\"c\":1}}}\n{\"a\":{\"b\":{\"c\":{}}}}\n", {"a.b.c"},
                       Format::kJsonl, opt);
  REQUIRE(r.size() == 2);
  CHECK_FALSE(r[0].error);
  CHECK(r[0].slots[0] == "=1");
  CHECK(r[1].error);
}

TEST_CASE("collect_all_values gathers every string and number") {
  ReaderOptions opt;
  opt.collect_all_values = true;
  auto r = read_buffer(R"({"a":"x","b":{"c":[1,"y\n"],"d":null,"e":true},"f":2.5})", {"a"},
                       Format::kJsonl, opt);
  REQUIRE(r.size() == 1);
  CHECK(r[0].values == std::vector<std::string>{"x", "1", "y\n", "2.5"});
  auto x = read_buffer(kXml4692, {"EventID"}, Format::kXml, opt);
  REQUIRE(x.size() == 1);
  CHECK(std::find(x[0].values.begin(), x[0].values.end(), "administrator") != x[0].values.end());
  CHECK(std::find(x[0].values.begin(), x[0].values.end(), "4692") != x[0].values.end());
}

TEST_CASE("XML: multi-event document, no namespace, malformed event in the middle") {
  std::vector<std::string> fields = {"EventID", "Computer", "X", "Y", "LogFileCleared_SubjectUserName",
                                     "SubjectUserName", "EventID_Qualifiers", "Empty"};
  std::string doc = R"(<?xml version="1.0" encoding="utf-8"?>
<Events>
  <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
    <System><EventID Qualifiers="16384">7036</EventID><Computer>A &amp; B</Computer></System>
    <EventData><Data Name="X">x1</Data><Data Name="Y"> </Data><Data Name="X">dup</Data><Data Name="Empty"></Data></EventData>
  </Event>
  <Event><System><EventID>2</EventID></System><EventData><Data Name="X">unclosed</EventData></Event>
  <Event><System><EventID>3</EventID></System><UserData><LogFileCleared xmlns="x"><SubjectUserName>bob</SubjectUserName></LogFileCleared></UserData></Event>
  <Event><System><EventID>4</EventID>
  <Event><System><EventID>5</EventID></System></Event >
</Events>
)";
  auto r = read_buffer(doc, fields);
  REQUIRE(r.size() == 5);
  CHECK_FALSE(r[0].error);
  CHECK(r[0].record == 1);
  CHECK(r[0].slots == std::vector<std::string>{"=7036", "=A & B", "=x1", "= ", "<missing>",
                                               "<missing>", "=16384", "="});
  CHECK(r[1].error);
  CHECK(r[1].record == 2);
  CHECK(r[2].record == 3);
  CHECK(r[2].slots[0] == "=3");
  CHECK(r[2].slots[5] == "=bob");
  CHECK(r[3].error);
  CHECK(r[3].record == 4);
  CHECK_FALSE(r[4].error);
  CHECK(r[4].record == 5);
  CHECK(r[4].slots[0] == "=5");
}

TEST_CASE("XML: truncated final event and too-deep nesting") {
  ReaderOptions opt;
  opt.max_depth = 4;
  auto r = read_buffer(
      "<Event><System><EventID>1</EventID></System><UserData><a><b><c>x</c></b></a></UserData></Event>\n"
      "<Event><System><EventID>2</EventID></System></Event>\n<Event><System>",
      {"EventID"}, Format::kXml, opt);
  REQUIRE(r.size() == 3);
  CHECK(r[0].error);
  CHECK(r[0].message.find("nesting") != std::string::npos);
  CHECK(r[1].slots[0] == "=2");
  CHECK(r[2].error);
  CHECK(r[2].record == 3);
}

TEST_CASE("JSONL: a UTF-8 BOM before the first record is skipped, not a malformed record") {
  auto r = read_buffer("\xEF\xBB\xBF{\"EventID\":4692}\r\n{\"EventID\":4693}\r\n", {"EventID"});
  REQUIRE(r.size() == 2);
  CHECK_FALSE(r[0].error);
  CHECK(r[0].record == 1);
  CHECK(r[0].slots[0] == "=4692");
  CHECK(r[1].slots[0] == "=4693");
}

// Pretty-printed JSON (an array export, `jq .` output) is read as a sequence of records, not
// as one malformed record per line.
TEST_CASE("JSON documents: array elements and multi-line objects are the records") {
  const std::vector<std::string> fields = {"EventID", "Channel"};
  const std::string array =
      "[\n"
      "  {\n    \"EventID\": 4692,\n    \"Channel\": \"Security\"\n  },\n"
      "  {\n    \"EventID\": \"5059\",\n    \"Note\": \"a ] } , [ { \\\" inside a string\"\n  },\n"
      "  {\"EventID\": 4693}\n"
      "]\n";
  CHECK(detect_format(array) == Format::kJson);
  auto r = read_buffer(array, fields);
  REQUIRE(r.size() == 3);
  for (std::size_t i = 0; i < r.size(); ++i) {
    CHECK_FALSE(r[i].error);
    CHECK(r[i].record == i + 1);  // the element index, not a line number
  }
  CHECK(r[0].slots == std::vector<std::string>{"=4692", "=Security"});
  CHECK(r[1].slots == std::vector<std::string>{"=5059", "<missing>"});
  CHECK(r[2].slots == std::vector<std::string>{"=4693", "<missing>"});

  // `jq .` over JSON Lines: objects one after another, each over several lines.
  const std::string objects = "{\n  \"EventID\": 1\n}\n{\n  \"EventID\": 2\n}\n\n{\"EventID\": 3}";
  CHECK(detect_format(objects) == Format::kJson);
  r = read_buffer(objects, fields);
  REQUIRE(r.size() == 3);
  for (std::size_t i = 0; i < r.size(); ++i) CHECK(r[i].slots[0] == "=" + std::to_string(i + 1));

  // A BOM, an empty array, an array after objects: numbering runs on through the input.
  r = read_buffer("\xEF\xBB\xBF[]\n{\n\"EventID\": 1\n}\n[{\"EventID\": 2}, {\"EventID\": 3}]\n", fields);
  REQUIRE(r.size() == 3);
  for (std::size_t i = 0; i < r.size(); ++i) {
    CHECK(r[i].record == i + 1);
    CHECK(r[i].slots[0] == "=" + std::to_string(i + 1));
  }
  CHECK(read_buffer("[ ]\n", fields).empty());
}

TEST_CASE("JSON documents: a bad record is reported with its line, a broken structure stops once") {
  const std::vector<std::string> fields = {"EventID"};
  ReaderOptions opt;
  opt.max_record_bytes = 100;
  const std::string data = "[\n"
                           "  {\"EventID\": 1},\n"                                   // 1
                           "  5,\n"                                                   // 2 not an object
                           "  {\"EventID\": tru},\n"                                 // 3 bad literal
                           "  {\"EventID\": \"" + std::string(200, 'x') + "\"},\n"  // 4 too large
                           "  {\"a\": [[[[[[[[[[1]]]]]]]]]]},\n"                       // 5 too deep
                           "  {\"EventID\": 6}\n"                                    // 6
                           "  {\"EventID\": 7}\n"                                    // missing ','
                           "]\n";
  opt.max_depth = 8;
  auto r = read_buffer(data, fields, Format::kJson, opt);
  REQUIRE(r.size() == 7);
  std::vector<std::uint64_t> good, bad;
  for (std::size_t i = 0; i < r.size(); ++i) {
    CHECK(r[i].record == i + 1);
    (r[i].error ? bad : good).push_back(r[i].record);
  }
  CHECK(good == std::vector<std::uint64_t>{1, 6});
  CHECK(bad == std::vector<std::uint64_t>{2, 3, 4, 5, 7});
  CHECK(r[1].message == "record is not a JSON object (record starts at line 3)");
  CHECK(r[2].message.rfind("invalid JSON", 0) == 0);
  CHECK(r[2].message.find("(record starts at line 4)") != std::string::npos);
  CHECK(r[3].message == "record too large (limit 100 bytes) (record starts at line 5)");
  CHECK(r[4].message.rfind("nesting deeper than 8 levels", 0) == 0);
  CHECK(r[5].slots[0] == "=6");
  // No resynchronising after a missing ',': one error, and the input ends there.
  CHECK(r[6].message == "invalid JSON: expected ',' or ']' after record 6 at line 8; reading of this input stops here");

  // Cut short inside a record, or after the last complete one.
  r = read_buffer("[\n{\"EventID\": 1},\n{\"EventID\":\n", fields);
  REQUIRE(r.size() == 2);
  CHECK(r[0].slots[0] == "=1");
  CHECK(r[1].message == "invalid JSON: input ends inside this record (record starts at line 3); reading of this input stops here");
  r = read_buffer("[\n{\"EventID\": 1}\n", fields);
  REQUIRE(r.size() == 2);
  CHECK(r[1].message == "input ends inside the JSON array opened at line 1 (no closing ']'); reading of this input stops here");
  r = read_buffer("{\n\"EventID\": 1\n}\n]\n", fields, Format::kJson);
  REQUIRE(r.size() == 2);
  CHECK(r[1].message == "invalid JSON: unexpected ']' at line 4; reading of this input stops here");
}

TEST_CASE("JSON documents: a record too large is skipped across chunks, the next one is read") {
  ReaderOptions opt;
  opt.max_record_bytes = 1000;
  // The big record is longer than a ByteSource chunk and has strings and nesting to skip over.
  std::string big = "{\"EventID\": [\"" + std::string(3 << 20, 'y') + "\", {\"s\": \"]}\\\"\"}], \"x\": 1}";
  auto r = read_buffer("[{\"EventID\": 1},\n" + big + ",\n{\"EventID\": 3}]", {"EventID"}, Format::kAuto, opt);
  REQUIRE(r.size() == 3);
  CHECK(r[0].slots[0] == "=1");
  CHECK(r[1].error);
  CHECK(r[1].record == 2);
  CHECK(r[1].message.rfind("record too large", 0) == 0);
  CHECK(r[2].record == 3);
  CHECK(r[2].slots[0] == "=3");
}

TEST_CASE("JSON documents: a wrapper object around the records is named, with the jq to unwrap it") {
  // Elastic's pipeline-test files: one object whose only member holds the events.
  auto r = read_buffer("{\n  \"events\": [\n    {\"EventID\": 4692}\n  ]\n}\n", {"EventID"});
  REQUIRE(r.size() == 1);
  CHECK(r[0].error);
  CHECK(r[0].message ==
        "record is not an event but a wrapper: its only member \"events\" is an array; extract the "
        "records, e.g. jq -c '.events[]' (record starts at line 1)");
  r = read_buffer("[{\"my key\": []}]", {"EventID"});
  REQUIRE(r.size() == 1);
  CHECK(r[0].message.find("jq -c '.[\"my key\"][]'") != std::string::npos);
  // Two members, or one that is not an array: an ordinary record.
  CHECK_FALSE(read_buffer("[{\"EventID\": 1, \"events\": []}, {\"EventID\": 2}]", {"EventID"})[0].error);
  CHECK_FALSE(read_buffer("[{\"EventID\": 1}]", {"EventID"})[0].error);
  // JSON Lines keep their meaning: a one-member line is a record as before.
  CHECK_FALSE(read_buffer("{\"events\": [1]}\n", {"EventID"})[0].error);
}

TEST_CASE("JSON Lines: detection keeps a file whose first record is cut short, and hints once") {
  // The first line never closes as a document would: still JSON Lines, every good record read.
  const std::string cut = "{\"EventID\": 1, \"a\": {\n{\"EventID\": 2}\n{\"EventID\": 3}\n";
  CHECK(detect_format(cut) == Format::kJsonl);
  auto r = read_buffer(cut, {"EventID"});
  REQUIRE(r.size() == 3);
  CHECK(r[0].error);
  CHECK(r[1].slots[0] == "=2");
  CHECK(r[2].slots[0] == "=3");
  // It breaks off after '{': the message says once what the input may be.
  CHECK(r[0].message.find("jq -c .") != std::string::npos);
  CHECK(detect_format("{bad\n{\"EventID\": 2}\n") == Format::kJsonl);
  r = read_buffer("{bad\n{\"EventID\": 2}\n", {"EventID"});
  CHECK(r[0].message.find("jq") == std::string::npos);  // not how a pretty printer breaks
  CHECK(detect_format("{\"a\": 1}\n{\n") == Format::kJsonl);

  // A pretty-printed document read as JSON Lines when the caller says so: the first error says
  // what it is, and only the first.
  r = read_buffer("{\n  \"EventID\": 1,\n  \"Channel\": \"Security\"\n}\n", {"EventID"}, Format::kJsonl);
  REQUIRE(r.size() == 4);
  CHECK(r[0].message.find("rather than JSON Lines (one record per line), convert it with jq -c . (or jq -c '.[]' for an array)") != std::string::npos);
  for (std::size_t i = 1; i < r.size(); ++i) CHECK(r[i].message.find("jq") == std::string::npos);

  // Only the input's first record gets the hint, not the first line of a later -j range:
  // scan -j N prints what -j 1 prints.
  const std::string path = "/tmp/sigmatch_input_test_hint_" + std::to_string(::getpid()) + ".jsonl";
  const std::string line1 = "{\"EventID\": 1}\n", line2 = "{\"EventID\": 2, \"a\": [\n";
  {
    std::ofstream out(path, std::ios::binary);
    out << line1 << line2 << line2;
  }
  std::string error;
  auto ranged = open_reader_range(path, line1.size(), line1.size() + 2 * line2.size(), {"EventID"},
                                  ShapeTable::builtin(), {}, &error);
  REQUIRE_MESSAGE(ranged, error);
  auto rr = read_all(*ranged, 1);
  std::remove(path.c_str());
  REQUIRE(rr.size() == 2);
  CHECK(rr[0].error);
  CHECK(rr[0].message.find("jq") == std::string::npos);
  CHECK(read_buffer(line2 + line2, {"EventID"}, Format::kJsonl)[0].message.find("jq -c .") != std::string::npos);
}

// A BOM is skipped only at the very start of the input: a BOM line later in the file (two
// PowerShell outputs concatenated) is malformed whether or not a -j range starts on it.
TEST_CASE("JSONL: a BOM at the start of a -j range is not skipped") {
  const std::string path = "/tmp/sigmatch_input_test_bom_" + std::to_string(::getpid()) + ".jsonl";
  const std::string line1 = "{\"EventID\": 1}\n", line2 = "\xEF\xBB\xBF{\"EventID\": 2}\n";
  {
    std::ofstream out(path, std::ios::binary);
    out << line1 << line2;
  }
  std::string error;
  auto whole = open_reader(path, Format::kJsonl, {"EventID"}, ShapeTable::builtin(), {}, &error);
  REQUIRE_MESSAGE(whole, error);
  auto all = read_all(*whole, 1);
  auto ranged = open_reader_range(path, line1.size(), line1.size() + line2.size(), {"EventID"},
                                  ShapeTable::builtin(), {}, &error);
  REQUIRE_MESSAGE(ranged, error);
  auto part = read_all(*ranged, 1);
  std::remove(path.c_str());
  REQUIRE(all.size() == 2);
  CHECK_FALSE(all[0].error);
  CHECK(all[1].error);
  REQUIRE(part.size() == 1);
  CHECK(part[0].error);
}

// A JSON document that ends inside a record too large to read: that record's error, then the
// end (not a second error about an unclosed array the input never opened).
TEST_CASE("JSON documents: input ending inside a too-large record") {
  ReaderOptions opt;
  opt.max_record_bytes = 20;
  auto r = read_buffer("{\n\"EventID\":1\n}\n{\n\"EventID\":2,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", {"EventID"},
                       Format::kAuto, opt);
  REQUIRE(r.size() == 2);
  CHECK_FALSE(r[0].error);
  CHECK(r[1].error);
  CHECK(r[1].message.find("array") == std::string::npos);
}

TEST_CASE("format detection") {
  CHECK(detect_format(std::string_view("ElfFile\0\0\0", 10)) == Format::kEvtx);
  CHECK(detect_format("  \n<Event>") == Format::kXml);
  CHECK(detect_format("\xEF\xBB\xBF{\"a\":1}") == Format::kJsonl);
  CHECK(detect_format("{\"a\":1}\n{\"b\":2}\n") == Format::kJsonl);
  CHECK(detect_format(" [1]") == Format::kJson);
  CHECK(detect_format("{\n  \"a\": 1\n}") == Format::kJson);
  CHECK(detect_format("{\"a\": 1,\n \"b\": 2}\n{\"c\": 3}\n") == Format::kJson);
  CHECK(detect_format("{\n  \"a\": 1\n}\nx") == Format::kJsonl);  // followed by no value
  CHECK(detect_format("<?xml version='1.0'?>") == Format::kXml);
  CHECK(detect_format("hello") == Format::kAuto);
  CHECK(detect_format("") == Format::kAuto);
  std::string error;
  CHECK_FALSE(open_buffer("hello", Format::kAuto, {"a"}, ShapeTable::builtin(), {}, &error));
  CHECK(error.find("unknown input format") != std::string::npos);
  auto empty = open_buffer("", Format::kAuto, {"a"}, ShapeTable::builtin(), {}, &error);
  REQUIRE(empty);
  CHECK(read_all(*empty, 1).empty());
}

TEST_CASE("EVTX: error paths (no sample .evtx is available)") {
  std::string error;
  // A JSON buffer forced to EVTX, and a truncated EVTX header.
  CHECK_FALSE(open_buffer("{\"a\":1}\n", Format::kEvtx, {"a"}, ShapeTable::builtin(), {}, &error));
  CHECK_FALSE(error.empty());
  error.clear();
  CHECK_FALSE(open_buffer(std::string("ElfFile\0\x01\x02", 10), Format::kAuto, {"a"},
                          ShapeTable::builtin(), {}, &error));
  CHECK_FALSE(error.empty());
  MESSAGE("evtx error: " << error);
  error.clear();
  CHECK_FALSE(open_reader("/nonexistent/x.evtx", Format::kAuto, {"a"}, ShapeTable::builtin(), {},
                          &error));
  CHECK_FALSE(error.empty());
}

TEST_CASE("files: chunked reading across the buffer boundary and over-long lines") {
  std::string path = "/tmp/sigmatch_input_test_" + std::to_string(::getpid()) + ".jsonl";
  std::string data;
  const int kRecords = 30000;  // ~1.5 MiB: crosses the 1 MiB chunk
  for (int i = 1; i <= kRecords; ++i) {
    if (i == 777) data += "{\"EventID\":\"" + std::string(3 << 20, 'y') + "\"}\n";  // 3 MiB
    else data += "{\"EventID\":" + std::to_string(i) + ",\"pad\":\"" + std::string(30, 'p') + "\"}\n";
  }
  {
    std::ofstream out(path, std::ios::binary);
    out << data;
  }
  ReaderOptions opt;
  opt.max_record_bytes = 1 << 20;
  std::string error;
  auto r = open_reader(path, Format::kAuto, {"EventID"}, ShapeTable::builtin(), opt, &error);
  REQUIRE_MESSAGE(r, error);
  auto all = read_all(*r, 1);
  std::remove(path.c_str());
  REQUIRE(all.size() == kRecords);
  int bad = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].record == i + 1);
    if (all[i].error) {
      ++bad;
      CHECK(all[i].record == 777);
    } else if (all[i].slots[0] != "=" + std::to_string(i + 1)) {
      FAIL("record " << i + 1 << " has " << all[i].slots[0]);
    }
  }
  CHECK(bad == 1);
}

// Regression: a range reader (scan -j) skipping an over-long line by scanning to its newline
// read past the range end, so the next range's records were also returned by this one.
TEST_CASE("range reader: an over-long line at the end of a range stays inside the range") {
  std::string path = "/tmp/sigmatch_input_range_test_" + std::to_string(::getpid()) + ".jsonl";
  std::string head = "{\"EventID\":1}\n{\"EventID\":\"" + std::string(3 << 20, 'y') + "\"}\n";
  std::string tail = "{\"EventID\":3}\n{\"EventID\":4}\n{\"EventID\":5}\n";
  {
    std::ofstream out(path, std::ios::binary);
    out << head << tail;
  }
  ReaderOptions opt;
  opt.max_record_bytes = 1 << 20;  // below the 3 MiB line, which is also above the first chunk
  std::string error;
  auto first = open_reader_range(path, 0, head.size(), {"EventID"}, ShapeTable::builtin(), opt, &error);
  auto second = open_reader_range(path, head.size(), head.size() + tail.size(), {"EventID"},
                                  ShapeTable::builtin(), opt, &error);
  REQUIRE_MESSAGE(first, error);
  REQUIRE_MESSAGE(second, error);
  auto a = read_all(*first, 1);
  auto b = read_all(*second, 1);
  std::remove(path.c_str());
  REQUIRE(a.size() == 2);
  CHECK_FALSE(a[0].error);
  CHECK(a[1].error);
  CHECK(a[1].record == 2);
  CHECK(a[1].message.find("too large") != std::string::npos);
  REQUIRE(b.size() == 3);
  for (std::size_t i = 0; i < b.size(); ++i) {
    CHECK(b[i].record == i + 1);
    CHECK(b[i].slots == std::vector<std::string>{"=" + std::to_string(i + 3)});
  }
}

TEST_CASE("real shared sample events: all shapes agree per record") {
  const std::string dir = std::string(SIGMATCH_SHARED_DIR) + "/data/events";
  if (slurp(dir + "/real-events.xml").empty()) {
    MESSAGE("skipped: " << dir << " not present");
    return;
  }
  std::vector<std::string> fields = {"EventID", "Computer", "KeyName", "SubjectUserSid"};
  auto read_path = [&](const std::string& p) {
    std::string error;
    auto r = open_reader(p, Format::kAuto, fields, ShapeTable::builtin(), {}, &error);
    REQUIRE_MESSAGE(r, error);
    return read_all(*r, fields.size());
  };
  auto flat = read_path(dir + "/shapes/real.flat.jsonl");
  auto beat = read_path(dir + "/shapes/real.winlogbeat.jsonl");
  auto evtx = read_path(dir + "/shapes/real.evtx.jsonl");
  // The shapes files hold real-events followed by negative-events.
  auto xml = read_buffer(slurp(dir + "/real-events.xml") + slurp(dir + "/negative-events.xml"), fields);
  auto orig = read_path(dir + "/real-events.jsonl");
  REQUIRE(flat.size() == 33);
  REQUIRE(beat.size() == flat.size());
  REQUIRE(evtx.size() == flat.size());
  REQUIRE(xml.size() == flat.size());
  REQUIRE(orig.size() == 17);
  for (std::size_t i = 0; i < flat.size(); ++i) {
    INFO("record " << i + 1);
    CHECK_FALSE(flat[i].error);
    CHECK_FALSE(xml[i].error);
    CHECK(flat[i].slots[0] != "<missing>");
    CHECK(flat[i].slots[1] != "<missing>");
    CHECK(beat[i].slots == flat[i].slots);
    CHECK(evtx[i].slots == flat[i].slots);
    CHECK(xml[i].slots == flat[i].slots);
    if (i < orig.size()) CHECK(orig[i].slots == flat[i].slots);
  }
  // Original shipper files: NXLog (5059) and OTRF flat (4692).
  auto nx = read_path(dir + "/original-shapes/otrf-nxlog-5059.jsonl");
  REQUIRE(nx.size() == 6);
  for (auto& x : nx) {
    CHECK_FALSE(x.error);
    CHECK(x.slots[0] == "=5059");
    CHECK(x.slots[1].rfind("=", 0) == 0);
  }
  auto otrf = read_path(dir + "/original-shapes/otrf-flat-4692.jsonl");
  REQUIRE(otrf.size() == 1);
  CHECK(otrf[0].slots[1] == "=MKT01.pandalab.com");
  // Elastic's pretty-printed {"events": [...]} files: named as a wrapper, and their array
  // alone reads as the event it holds.
  for (const char* name : {"elastic-winlogbeat-7.3.1-4692.json", "elastic-agent-9.1-winlog-5059.json"}) {
    INFO(name);
    const std::string path = dir + "/original-shapes/" + name;
    auto wrapped = read_path(path);
    REQUIRE(wrapped.size() == 1);
    CHECK(wrapped[0].message.find("jq -c '.events[]'") != std::string::npos);
    std::string text = slurp(path);
    auto events = read_buffer(text.substr(text.find('['), text.rfind(']') - text.find('[') + 1), fields);
    REQUIRE(events.size() == 1);
    CHECK_FALSE(events[0].error);
    CHECK(events[0].slots[0] == (std::string(name).find("4692") != std::string::npos ? "=4692" : "=5059"));
  }
}

// scan -j opens its range readers over FieldPaths resolved once: the same records as a range
// reader that resolves its own paths, through a shipper shape (Winlogbeat's winlog.event_data)
// and across readers sharing the one FieldPaths; lines_read counts blank lines too.
TEST_CASE("range reader over shared FieldPaths reads what a self-resolving one does") {
  const std::string path = "/tmp/sigmatch_input_paths_test_" + std::to_string(::getpid()) + ".jsonl";
  const std::string a = "{\"winlog\":{\"event_id\":4692,\"event_data\":{\"SubjectUserName\":\"bob\"}}}\n\n";
  const std::string b = "{\"EventID\":4693,\"SubjectUserName\":\"eve\"}\n\n\n";
  {
    std::ofstream out(path, std::ios::binary);
    out << a << b;
  }
  const std::vector<std::string> fields = {"EventID", "SubjectUserName"};
  const FieldPaths paths(fields, ShapeTable::builtin());
  std::string error;
  for (auto [begin, end] : {std::pair<std::size_t, std::size_t>{0, a.size()}, {a.size(), a.size() + b.size()}}) {
    auto own = open_reader_range(path, begin, end, fields, ShapeTable::builtin(), {}, &error);
    auto shared = open_reader_range(path, begin, end, paths, {}, &error);
    REQUIRE_MESSAGE(own, error);
    REQUIRE_MESSAGE(shared, error);
    auto x = read_all(*own, fields.size());
    auto y = read_all(*shared, fields.size());
    REQUIRE(x.size() == 1);
    REQUIRE(y.size() == 1);
    CHECK(y[0].slots == x[0].slots);
    CHECK(y[0].slots[1] == (begin == 0 ? "=bob" : "=eve"));
    CHECK(shared->lines_read() == (begin == 0 ? 2u : 3u));
  }
  std::remove(path.c_str());
}

// scan -j opens a file once and reads every piece through that descriptor
// (open_reader_range(fd, ...)): a file renamed over the path meanwhile (log rotation) is not
// read, where a reopen by path reads the new file. Errors name the path, not the descriptor.
TEST_CASE("JSONL range from a descriptor: the file opened, not the path's file now") {
  const std::string path = "/tmp/sigmatch_input_test_fd_" + std::to_string(::getpid()) + ".jsonl";
  const std::string old_text = "{\"EventID\": 1}\n{\"EventID\": 2}\n{\"EventID\": 3}\n";
  const std::string new_text = "{\"EventID\": 7}\n{\"EventID\": 8}\n{\"EventID\": 9}\n";
  std::ofstream(path, std::ios::binary) << old_text;
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::ofstream(path + ".new", std::ios::binary) << new_text;
  REQUIRE(std::rename((path + ".new").c_str(), path.c_str()) == 0);  // rotated

  const FieldPaths paths({"EventID"}, ShapeTable::builtin());
  const std::size_t line = old_text.size() / 3;
  std::string error;
  auto by_fd = open_reader_range(fd, path, line, old_text.size(), paths, {}, &error);
  REQUIRE_MESSAGE(by_fd, error);
  auto got = read_all(*by_fd, 1);
  REQUIRE(got.size() == 2);
  CHECK(got[0].slots[0] == "=2");
  CHECK(got[1].slots[0] == "=3");
  auto by_path = open_reader_range(path, line, old_text.size(), paths, {}, &error);
  REQUIRE_MESSAGE(by_path, error);
  CHECK(read_all(*by_path, 1)[0].slots[0] == "=8");
  ::close(fd);
  std::remove(path.c_str());

  // A descriptor that cannot be read (none; a closed one): the error names the path.
  for (int bad : {-1, fd}) {
    error.clear();
    CHECK_FALSE(open_reader_range(bad, path, 0, 10, paths, {}, &error));
    CHECK(error.rfind(path + ": ", 0) == 0);
  }
}
