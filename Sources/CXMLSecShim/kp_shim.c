#include "kp_shim.h"
int kp_shim_version(void) { return 1; }
