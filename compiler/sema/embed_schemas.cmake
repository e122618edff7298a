# Writes the rule schemas (rules/schema/**/*.yml) into a C++ source (builtin schemas).
# Inputs: ROOT (rules/schema dir), OUT (generated .cpp).
file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/*.yml)
list(SORT files)
set(body "// Generated from rules/schema/*.yml; do not edit.\n#include \"compiler/sema/embedded.hpp\"\nnamespace sigmatch::sema {\nconst EmbeddedFile kEmbeddedSchemas[] = {\n")
foreach(f ${files})
  file(READ ${ROOT}/${f} content)
  string(APPEND body "  {\"rules/schema/${f}\", R\"SCHEMA(${content})SCHEMA\"},\n")
endforeach()
string(APPEND body "  {nullptr, {}}\n};\nconst std::size_t kEmbeddedSchemaCount = sizeof(kEmbeddedSchemas) / sizeof(kEmbeddedSchemas[0]) - 1;\n}\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
