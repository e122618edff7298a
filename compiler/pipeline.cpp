// pipeline.cpp — see pipeline.hpp. Each stage is one call; nothing here knows stage details.
#include "compiler/pipeline.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "compiler/codegen/emit.hpp"
#include "compiler/passes/pass.hpp"
#include "compiler/sema/check.hpp"
#include "runtime/load/verifier.hpp"

namespace sigmatch {

Compilation compile_sources(const std::vector<std::pair<std::string, std::string>>& sources,
                            const CompileOptions& opts, diag::DiagSink& sink) {
  Compilation c;
  for (auto& [file, text] : sources) {
    c.files.push_back(file);
    c.sources.add(file, text);
    for (auto& d : yaml::load_rules(file, text, sink)) c.docs.push_back(std::move(d));
  }
  c.rules = sema::check(c.docs, sema::CheckOptions{nullptr, opts.lint, &opts.placeholders}, sink);
  c.module = ir::lower(c.rules);
  std::string err;
  if (!passes::optimize(c.module, passes::PassOptions{opts.opt_level, opts.disabled_passes, true}, &err)) {
    sink.report(diag::Code::I0001, {}, "internal error: " + err);
    return c;
  }
  c.image = codegen::emit(c.module, codegen::EmitOptions{"sigmatch 0.1.0", sema::builtin_schema_hash(),
                                                         opts.opt_level >= 1});
  std::unique_ptr<vm::VerifiedProgram> check;
  vm::PrepareOptions verify_only;
  verify_only.run = false;  // the self-check verifies; the literal indexes are built by whoever loads it
  if (Status s = load::verify(c.image, &check, verify_only); !s.ok()) {
    sink.report(diag::Code::I0001, {}, "internal error: compiled image fails verification: " + s.message());
    c.image.clear();
  }
  return c;
}

bool load_placeholders(const std::string& path, std::map<std::string, std::vector<std::string>>* out,
                       std::string* error) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) {
      *error = "expected a mapping of placeholder name -> values";
      return false;
    }
    for (auto it = root.begin(); it != root.end(); ++it) {
      auto& values = (*out)[it->first.as<std::string>()];
      if (it->second.IsSequence())
        for (const auto& v : it->second) values.push_back(v.as<std::string>());
      else
        values.push_back(it->second.as<std::string>());
    }
    return true;
  } catch (const YAML::Exception& e) {
    *error = e.what();
    return false;
  }
}

std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths, diag::DiagSink& sink) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        auto ext = it->path().extension().string();
        if (it->is_regular_file(ec) && (ext == ".yml" || ext == ".yaml")) found.push_back(it->path().string());
      }
      if (ec) sink.report(diag::Code::I0001, {p, 0, 0, 1}, "cannot read directory: " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      sink.report(diag::Code::I0001, {p, 0, 0, 1}, "no such file or directory");
    }
  }
  return files;
}

Compilation compile_paths(const std::vector<std::string>& paths, const CompileOptions& opts,
                          diag::DiagSink& sink) {
  std::vector<std::pair<std::string, std::string>> sources;
  for (const std::string& f : collect_rule_files(paths, sink)) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in) {
      sink.report(diag::Code::I0001, {f, 0, 0, 1}, "cannot read file");
      continue;
    }
    sources.emplace_back(f, ss.str());
  }
  return compile_sources(sources, opts, sink);
}

}  // namespace sigmatch
