# Turns rules/schema/shapes.json into a C++ source holding it as a string (default shape table).
file(READ ${IN} content)
file(WRITE ${OUT} "// Generated from rules/schema/shapes.json; do not edit.\n#include <string_view>\nnamespace sigmatch::input {\nextern const std::string_view kDefaultShapesJson;\nconst std::string_view kDefaultShapesJson = R\"SHAPES(${content})SHAPES\";\n}\n")
