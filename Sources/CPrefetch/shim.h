#ifndef CPREFETCH_SHIM_H
#define CPREFETCH_SHIM_H
/* A read prefetch hint: starts loading p's cache line without waiting for it (never faults). */
static inline void atlas_prefetch(const void *p) { __builtin_prefetch(p); }
#endif
