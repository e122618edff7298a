// disasm.cpp — see disasm.hpp. Operand rendering follows the operand kinds of opcodes.def, and
// each synopsis is printed with its operand markers replaced by those operands.
#include "runtime/bytecode/disasm.hpp"

#include <cstdio>

#include "runtime/bytecode/opcodes.hpp"

namespace sigmatch::bytecode {
namespace {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// One operand as listings show it, in the instruction and in its synopsis alike.
std::string operand_text(OperandKind kind, std::uint32_t v) {
  char buf[16];
  switch (kind) {
    case OperandKind::kPred: return "p" + std::to_string(v);
    case OperandKind::kRule: return "r" + std::to_string(v);
    case OperandKind::kTarget: std::snprintf(buf, sizeof buf, "@%04u", v); return buf;
    case OperandKind::kNone: break;
  }
  return {};
}

}  // namespace

std::string disassemble(const vm::VerifiedProgram& p, bool synopsis) {
  std::string out;
  char buf[128];
  out += "; sigmatch image: " + std::to_string(p.rules.size()) + " rules, " +
         std::to_string(p.fields.size()) + " fields, " + std::to_string(p.preds.size()) +
         " predicates, " + std::to_string(p.code.size()) + " instructions\n";
  out += "fields:\n";
  for (std::size_t i = 0; i < p.fields.size(); ++i)
    out += "  f" + std::to_string(i) + "  " + std::string(p.fields[i]) + "\n";
  out += "rules:\n";
  for (std::size_t i = 0; i < p.rules.size(); ++i)
    out += "  r" + std::to_string(i) + "  " + std::string(p.rules[i].id) + "  " +
           quote(p.rules[i].title) + "  " + std::string(p.rules[i].level) + "\n";
  out += "predicates:\n";
  for (std::size_t i = 0; i < p.preds.size(); ++i) {
    const vm::Pred& pr = p.preds[i];
    const vm::PredInfo& info = vm::pred_info(pr.kind);
    std::snprintf(buf, sizeof buf, "  p%-4zu %-11s ", i, std::string(info.mnemonic).c_str());
    out += buf;
    out += pr.field == kNoField ? std::string("*") : std::string(p.fields[pr.field]);
    if (vm::operand_is_string(info.operand)) out += " " + quote(pr.str);
    if (info.operand == vm::PredOperand::kField) out += " " + std::string(p.fields[pr.operand]);
    if (info.operand == vm::PredOperand::kRegex) {
      const auto& re = p.regexes[pr.operand];
      out += " /" + std::string(re.pattern) + "/";
      if (re.flags & kRegexCaseInsensitive) out += "i";
      if (re.flags & kRegexMultiline) out += "m";
      if (re.flags & kRegexDotAll) out += "s";
    }
    if (pr.flags & kPredCased) out += " cased";
    out += "\n";
  }
  out += "code:\n";
  for (std::size_t pc = 0; pc < p.code.size(); ++pc) {
    const Insn& in = p.code[pc];
    const OpInfo& info = kOpInfo[in.op];
    std::string line;
    std::snprintf(buf, sizeof buf, "  %04zu  %-6s", pc, std::string(info.mnemonic).c_str());
    line += buf;
    const std::uint32_t ops[3] = {in.a, in.b, in.c};
    std::string opnds[3];
    bool first = true;
    for (int k = 0; k < 3; ++k) {
      if (info.kinds[k] == OperandKind::kNone) continue;
      opnds[k] = operand_text(info.kinds[k], ops[k]);
      line += (first ? " " : ", ") + opnds[k];
      first = false;
    }
    if (synopsis) {
      if (line.size() < 34) line.append(34 - line.size(), ' ');
      line += " ; ";
      if (static_cast<Op>(in.op) == Op::kMatch) line += std::string(p.rules[in.a].id) + " — ";
      if (static_cast<Op>(in.op) == Op::kTest) {
        const vm::Pred& pr = p.preds[in.a];
        line += std::string(vm::pred_info(pr.kind).mnemonic) + " " +
                (pr.field == kNoField ? std::string("*") : std::string(p.fields[pr.field])) +
                (!vm::operand_is_string(vm::pred_info(pr.kind).operand)
                     ? ""
                     : " " + quote(pr.str)) +
                " — ";
      }
      line += expand_synopsis(info.synopsis, opnds);
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace sigmatch::bytecode
