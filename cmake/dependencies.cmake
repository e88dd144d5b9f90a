# Every dependency is a Debian 12 package installed by scripts/bootstrap.
find_package(Threads REQUIRED)
find_package(CapnProto CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(tomlplusplus CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(zstd CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
if(LM_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()

# fmt is used header-only, so no binary needs libfmt.so.
add_library(lm_dep_fmt INTERFACE)
target_link_libraries(lm_dep_fmt INTERFACE fmt::fmt-header-only)

# toml++ is compiled into lm_config (src/config/toml_impl.cc), so no binary needs its .so.
add_library(lm_dep_toml INTERFACE)
get_target_property(LM_TOML_INCLUDES tomlplusplus::tomlplusplus INTERFACE_INCLUDE_DIRECTORIES)
target_include_directories(lm_dep_toml SYSTEM INTERFACE ${LM_TOML_INCLUDES})
target_compile_definitions(lm_dep_toml INTERFACE TOML_HEADER_ONLY=0 TOML_EXCEPTIONS=1)

# Libraries that an executable with the LM_STATIC_LINK property links from their static
# archives (lm-agent: one self-contained binary with a small resident set) and every other
# target links as shared libraries. The property is read on the executable being linked.
function(lm_dual_dep name shared_target)
  set(static_paths)
  foreach(archive ${ARGN})
    find_library(LM_${archive}_STATIC NAMES lib${archive}.a REQUIRED)
    list(APPEND static_paths ${LM_${archive}_STATIC})
  endforeach()
  add_library(${name} INTERFACE)
  get_target_property(includes ${shared_target} INTERFACE_INCLUDE_DIRECTORIES)
  if(includes)
    target_include_directories(${name} SYSTEM INTERFACE ${includes})
  endif()
  foreach(path ${static_paths})
    target_link_libraries(${name} INTERFACE "$<$<BOOL:$<TARGET_PROPERTY:LM_STATIC_LINK>>:${path}>")
  endforeach()
  target_link_libraries(${name} INTERFACE
    "$<$<NOT:$<BOOL:$<TARGET_PROPERTY:LM_STATIC_LINK>>>:${shared_target}>")
endfunction()

lm_dual_dep(lm_dep_capnp CapnProto::capnp capnp kj)
lm_dual_dep(lm_dep_zstd zstd::libzstd_shared zstd)

# mbedTLS 2.28 (lm-agent's HTTPS client). Debian ships no CMake package for it.
find_path(LM_MBEDTLS_INCLUDE_DIR mbedtls/ssl.h REQUIRED)
find_library(LM_MBEDTLS_SHARED NAMES libmbedtls.so REQUIRED)
find_library(LM_MBEDX509_SHARED NAMES libmbedx509.so REQUIRED)
find_library(LM_MBEDCRYPTO_SHARED NAMES libmbedcrypto.so REQUIRED)
add_library(lm_mbedtls_shared INTERFACE IMPORTED)
set_target_properties(lm_mbedtls_shared PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${LM_MBEDTLS_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${LM_MBEDTLS_SHARED};${LM_MBEDX509_SHARED};${LM_MBEDCRYPTO_SHARED}")
lm_dual_dep(lm_dep_mbedtls lm_mbedtls_shared mbedtls mbedx509 mbedcrypto)
