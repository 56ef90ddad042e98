# Sanitizers (UVSUP_SANITIZE=address,undefined), on an INTERFACE target.
add_library(uvsup_sanitizers INTERFACE)
if(UVSUP_SANITIZE)
  set(_uvsup_san_flags -fsanitize=${UVSUP_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  target_compile_options(uvsup_sanitizers INTERFACE ${_uvsup_san_flags})
  target_link_options(uvsup_sanitizers INTERFACE ${_uvsup_san_flags})
endif()
