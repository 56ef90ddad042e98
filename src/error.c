/* Error names and messages: uvsup's own codes, then libuv's. */
#include "uvsup.h"

const char* uvsup_strerror(int err) {
  switch (err) {
  case UVSUP_ESTATE:
    return "operation not allowed in the supervisor's current state";
  case UVSUP_EDUPNAME:
    return "a worker with that name already exists";
  case UVSUP_ESTOPPING:
    return "the supervisor is stopping";
  default:
    return uv_strerror(err);
  }
}

const char* uvsup_err_name(int err) {
  switch (err) {
  case UVSUP_ESTATE:
    return "UVSUP_ESTATE";
  case UVSUP_EDUPNAME:
    return "UVSUP_EDUPNAME";
  case UVSUP_ESTOPPING:
    return "UVSUP_ESTOPPING";
  default:
    return uv_err_name(err);
  }
}
