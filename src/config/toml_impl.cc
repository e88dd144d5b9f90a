// The one translation unit that compiles toml++'s implementation (TOML_IMPLEMENTATION with
// TOML_HEADER_ONLY=0, toml++'s documented way to build it into a project), so that no
// binary needs the shared library and the other files only parse its declarations.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
