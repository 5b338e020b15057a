#ifndef KETENPOORT_SHIM_H
#define KETENPOORT_SHIM_H
int kp_shim_version(void);
#endif
