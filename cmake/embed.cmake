# Turns every templates/*.md into an entry of a C table:
#   const struct tpl_file tpl_files[] = { {"plan.md", "..."}, ... };
file(GLOB files RELATIVE ${DIR} ${DIR}/*.md)
list(SORT files)
set(out "/* Generated from templates/ by cmake/embed.cmake. Do not edit. */\n#include <stddef.h>\n")
string(APPEND out "struct tpl_file { const char *name; const char *text; size_t len; };\n")
string(APPEND out "const struct tpl_file tpl_files[] = {\n")
foreach(f ${files})
  file(READ ${DIR}/${f} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
  # Break the literal every 64 bytes to keep lines short.
  string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n  \"" esc "${esc}")
  string(APPEND out "  {\"${f}\", \"${esc}\", ${len}},\n")
endforeach()
string(APPEND out "  {NULL, NULL, 0}\n};\n")
file(WRITE ${OUT}.tmp "${out}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
