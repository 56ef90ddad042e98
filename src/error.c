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
  case UVSUP_ECYCLE:
    return "the dependencies form a cycle";
  case UVSUP_ENODEP:
    return "a dependency names no worker";
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
  case UVSUP_ECYCLE:
    return "UVSUP_ECYCLE";
  case UVSUP_ENODEP:
    return "UVSUP_ENODEP";
  default:
    return uv_err_name(err);
  }
}
