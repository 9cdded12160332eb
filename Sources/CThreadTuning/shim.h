#ifndef CTHREADTUNING_SHIM_H
#define CTHREADTUNING_SHIM_H
/* What Swift cannot call directly: the variadic prctl and syscall (Linux only). */
#ifdef __linux__
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
/* Names the calling thread (at most 15 bytes are kept). Returns 0 or -1 with errno. */
static inline int atlas_set_thread_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
/* The calling thread's kernel id: on Linux, nice values belong to threads. */
static inline int atlas_thread_id(void) { return (int)syscall(SYS_gettid); }
#include <sched.h>
/* Moves the calling thread to SCHED_IDLE (runs only when nothing else wants the CPU, and
   is preempted at once by any normal thread's wakeup). Returns 0 or -1 with errno. */
static inline int atlas_set_idle_policy(void) {
    struct sched_param p = { .sched_priority = 0 };
    return sched_setscheduler(0, SCHED_IDLE, &p);
}
/* Whether the calling thread runs under SCHED_IDLE. */
static inline int atlas_has_idle_policy(void) { return sched_getscheduler(0) == SCHED_IDLE; }
#endif
/* A spin-wait hint: lets the sibling hyperthread run and saves power while spinning. */
static inline void atlas_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
#endif
