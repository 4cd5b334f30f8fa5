/*
 * fuzz_common.h - helpers shared by the libFuzzer harnesses (tests/fuzz/run
 * builds them with clang -fsanitize=fuzzer,address,undefined; the ctest
 * replay of tests/fuzz/regressions/ builds them with replay_main.c).
 *
 * A harness stops with __builtin_trap() when the library breaks one of its
 * own promises on an input it accepted (content that does not hash to its
 * signed hash, an encoding that does not round-trip, ...): such an input
 * is a crash to the fuzzer, and a failing regression test afterwards.
 */
#ifndef AFMT_FUZZ_COMMON_H
#define AFMT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond,      \
                    __FILE__, __LINE__);                                        \
            __builtin_trap();                                                   \
        }                                                                       \
    } while (0)

/* An in-memory file holding data; *path names it for open().  Returns the
 * descriptor (close it) or -1. */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char path[64])
{
    int fd = memfd_create("afmt-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
