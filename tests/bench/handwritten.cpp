// handwritten.cpp — see handwritten.hpp. Written the way a detection engineer would hand-code
// the rules: switch on EventID, compare ASCII case-insensitively (every rule literal is ASCII,
// and no non-ASCII code point folds to ASCII in the folding the VM uses), parse hex numerically,
// and treat "missing or JSON null" as null (docs/sigma-semantics.md 2.5).
#include "tests/bench/handwritten.hpp"

namespace sigmatch::bench {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool istarts(std::string_view a, std::string_view prefix) {
  return a.size() >= prefix.size() && ieq(a.substr(0, prefix.size()), prefix);
}

// Value tests only ever see present values: a null or missing field matches no pattern.
bool present(const FieldValue& v) { return v.state == ValueState::kPresent; }
bool is_null(const FieldValue& v) { return v.state != ValueState::kPresent; }
bool eq(const FieldValue& v, std::string_view lit) { return present(v) && ieq(v.text, lit); }

// "0x" + 1+ hex digits whose value fits in 64 bits (leading zeros allowed: 0x00000000 == 0x0).
bool hex_value(const FieldValue& v, unsigned long long* out) {
  if (!present(v)) return false;
  std::string_view t = v.text;
  if (t.size() < 3 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) return false;
  unsigned long long n = 0;
  for (std::size_t i = 2; i < t.size(); ++i) {
    char c = lower(t[i]);
    unsigned d = (c >= '0' && c <= '9') ? unsigned(c - '0') : (c >= 'a' && c <= 'f') ? unsigned(c - 'a' + 10) : 99;
    if (d == 99 || (n >> 60) != 0) return false;
    n = n * 16 + d;
  }
  *out = n;
  return true;
}

bool hex_is(const FieldValue& v, unsigned long long want) {
  unsigned long long got = 0;
  return hex_value(v, &got) && got == want;
}

// The rule's RE2 pattern ^(\\\\)?\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$ spelled out: an optional
// UNC prefix of two backslashes, then four dot-separated runs of one to three ASCII digits.
bool ipv4_server(std::string_view s) {
  if (s.size() >= 2 && s[0] == '\\' && s[1] == '\\') s.remove_prefix(2);
  for (int part = 0; part < 4; ++part) {
    std::size_t digits = 0;
    while (digits < s.size() && digits < 4 && s[digits] >= '0' && s[digits] <= '9') ++digits;
    if (digits == 0 || digits > 3) return false;
    s.remove_prefix(digits);
    if (part < 3) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
  }
  return s.empty();
}

constexpr std::string_view kCdpKey = "Microsoft Connected Devices Platform device certificate";

// Sema expands each %%code to "code or its rendered text" because shippers write either.
bool op_export(const HandEvent& e) {
  return eq(e.get(kOperation), "%%2464") || eq(e.get(kOperation), "Export of persistent cryptographic key.");
}
bool op_import(const HandEvent& e) {
  return eq(e.get(kOperation), "%%2465") || eq(e.get(kOperation), "Import of persistent cryptographic key.");
}

void match_5059(const HandEvent& e, std::vector<std::string_view>& out) {
  const FieldValue& key = e.get(kKeyName);
  const bool exported = op_export(e);
  const bool benign_name = (present(key) && istarts(key.text, "TB_")) || eq(key, kCdpKey);
  const FieldValue& sid = e.get(kSubjectUserSid);
  // win_security_cng_key_export_benign_name_unexpected_algorithm.yml
  if (exported && benign_name && !eq(e.get(kAlgorithmName), "ECDSA_P256"))
    out.push_back("4415770a-9718-4bb6-8c89-c70aa710c344");
  // win_security_cng_key_import.yml
  if (op_import(e)) out.push_back("04a6e7b1-8a38-49d4-b255-d43717c03499");
  // win_security_cng_key_migration_failed.yml
  const FieldValue& rc = e.get(kReturnCode);
  if (!(hex_is(rc, 0) || is_null(rc))) out.push_back("76b33d9c-ef24-470f-9a00-041ea7b20207");
  // win_security_cng_key_migration_uncommon_provider.yml
  const FieldValue& prov = e.get(kProviderName);
  if (!(eq(prov, "Microsoft Software Key Storage Provider") ||
        eq(prov, "Microsoft Smart Card Key Storage Provider") || is_null(prov)))
    out.push_back("811424c8-6e22-43a8-a230-92de63f7d8e9");
  if (exported) {
    const FieldValue& kt = e.get(kKeyType);
    // win_security_cng_machine_key_export_by_user.yml
    if (eq(kt, "%%2499") || eq(kt, "Machine key.")) {
      const FieldValue& user = e.get(kSubjectUserName);
      const bool builtin = eq(sid, "S-1-5-18") || eq(sid, "S-1-5-19") || eq(sid, "S-1-5-20");
      const bool machine_account = present(user) && !user.text.empty() && user.text.back() == '$';
      if (!builtin && !machine_account) out.push_back("ada1ff2a-b9f4-44a0-bb75-015ae627cbb9");
    }
    // win_security_cng_user_key_export_uncommon.yml
    if ((eq(kt, "%%2500") || eq(kt, "User key.")) && !benign_name && !eq(sid, "S-1-5-19"))
      out.push_back("a8b7899b-0530-4a6a-8cd3-b48e23d97ce0");
  }
}

void match_4692(const HandEvent& e, std::vector<std::string_view>& out) {
  // win_security_dpapi_masterkey_backup_attempt.yml
  out.push_back("d06a100f-db58-4fab-8f53-fcab356648b1");
  // win_security_dpapi_masterkey_backup_failure.yml
  const FieldValue& fr = e.get(kFailureReason);
  if (!(hex_is(fr, 0) || is_null(fr))) out.push_back("3eb9ba34-5f75-47fe-a55b-981659118f22");
}

void match_4693(const HandEvent& e, std::vector<std::string_view>& out) {
  // win_security_dpapi_masterkey_recovery_attempt.yml
  out.push_back("3e928847-a7ed-4bc5-aeb5-00344f807dc7");
  // win_security_dpapi_masterkey_recovery_failure.yml
  const FieldValue& fid = e.get(kFailureId);
  if (!(hex_is(fid, 0x380000) || hex_is(fid, 0) || is_null(fid) || (present(fid) && fid.text.empty())))
    out.push_back("8124d70f-7ceb-410e-86d0-b1ba5b70caf9");
  // win_security_dpapi_masterkey_recovery_ip_server.yml
  const FieldValue& rs = e.get(kRecoveryServer);
  if (present(rs) && (ipv4_server(rs.text) || ieq(rs.text, "localhost") ||
                      ieq(rs.text, "localhost.localdomain") || rs.text == "::1"))
    out.push_back("17f5d917-7909-4561-9c37-5e2add6e30be");
}

}  // namespace

const std::vector<std::string>& handwritten_fields() {
  static const std::vector<std::string> names = {
      "EventID",      "Operation",      "KeyName",         "AlgorithmName",
      "ReturnCode",   "ProviderName",   "KeyType",         "SubjectUserSid",
      "SubjectUserName", "FailureReason", "FailureId",     "RecoveryServer"};
  return names;
}

void handwritten_match(const Event& ev, std::vector<std::string_view>& out) {
  static constexpr std::size_t kIdentity[kHandSlotCount] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  handwritten_match(HandEvent{ev, kIdentity}, out);
}

void handwritten_match(const HandEvent& ev, std::vector<std::string_view>& out) {
  const FieldValue& id = ev.get(kEventId);
  if (!present(id)) return;
  if (id.text == "5059") match_5059(ev, out);
  else if (id.text == "4692") match_4692(ev, out);
  else if (id.text == "4693") match_4693(ev, out);
}

}  // namespace sigmatch::bench
