# LM_SANITIZE=ON builds everything with ASan + UBSan. Errors abort so that CTest fails.
if(LM_SANITIZE)
  set(LM_SAN_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${LM_SAN_FLAGS})
  add_link_options(${LM_SAN_FLAGS})
  add_compile_definitions(LM_SANITIZE=1)
endif()
