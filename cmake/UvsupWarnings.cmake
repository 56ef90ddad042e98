# Warning flags, on an INTERFACE target so they never leak to consumers.
add_library(uvsup_warnings INTERFACE)
target_compile_options(uvsup_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wpointer-arith -Wformat=2 -Wno-unused-parameter
  $<$<BOOL:${UVSUP_WERROR}>:-Werror>)
