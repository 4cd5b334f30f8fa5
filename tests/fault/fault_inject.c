/*
 * fault_inject.c - an LD_PRELOAD shim that makes the Nth injectable call
 * of a process fail, or kills the process there, so that every failure
 * path of `afmt pack`, `verify` and `extract` can be walked one point at
 * a time (tests/cli/fault_*.sh, kill_*.sh; issue 5 items 4 and 5).
 *
 * Build: cc -shared -fPIC -O1 -o fault_inject.so fault_inject.c -ldl
 * Use:   LD_PRELOAD=./fault_inject.so FAULT_N=7 afmt pack ...
 *
 * Injectable calls, by class (FAULT_CALLS, comma-separated; default all):
 *   malloc  malloc, calloc, realloc (size > 0), posix_memalign,
 *           aligned_alloc, memalign, strdup/strndup (through malloc)
 *   open    open/openat/creat/fopen for writing, mkstemp*, mkdir/mkdirat
 *   write   write, pwrite, writev, fwrite, fflush (not on stderr)
 *   fsync   fsync, fdatasync
 *   rename  rename, renameat, renameat2, link, linkat
 *   close   close, fclose of a stream or descriptor opened for writing
 *
 * Environment:
 *   FAULT_N=n        the nth counted call fails (1-based); 0 or unset: none
 *   FAULT_CALLS=...  the classes counted (above)
 *   FAULT_ERRNO=E    errno of an I/O failure: EIO (default), ENOSPC,
 *                    EDQUOT, EROFS, EACCES, EINTR or a number; allocation
 *                    failures always give NULL and ENOMEM
 *   FAULT_STICKY=1   every counted call from the nth on fails (a full disk)
 *   FAULT_SHORT=1    a failing write writes half its bytes (at least one)
 *                    and reports that, instead of failing (a write of one
 *                    byte cannot be short: it goes through)
 *   FAULT_KILL=1     at the nth counted call, SIGKILL the process instead
 *                    (FAULT_KILL=after: perform the call first, then kill)
 *   FAULT_ONE_CPU=1  sysconf(_SC_NPROCESSORS_*) returns 1, so a program
 *                    sizing a thread pool by it runs one thread and the
 *                    count of calls is the same on every run
 *   FAULT_REPORT=f   appends "hit N CALL" when the fault fires and
 *                    "count C" at exit (C counted calls) to file f
 *   FAULT_BACKTRACE=1  prints a backtrace on stderr when the fault fires
 *
 * Writes to standard error are never counted, so a failing run can still
 * say why.  The shim allocates nothing itself after start-up and uses raw
 * system calls for its report.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <execinfo.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { C_MALLOC = 1, C_OPEN = 2, C_WRITE = 4, C_FSYNC = 8, C_RENAME = 16, C_CLOSE = 32 };

static unsigned long fault_n;      /* 0: never */
static unsigned classes = C_MALLOC | C_OPEN | C_WRITE | C_FSYNC | C_RENAME | C_CLOSE;
static int fault_errno = EIO;
static int sticky, short_write, kill_mode, one_cpu, want_backtrace; /* kill_mode 1 before, 2 after */
static char report_path[4096];
static unsigned long counter; /* atomic */
static int ready;             /* settings read */
/* a wrapper is running: do not count the calls it makes (initial-exec: no
 * allocation on first access, the shim is loaded at start-up) */
static __thread int inside __attribute__((tls_model("initial-exec")));

/* ------------------------------------------------------------ the real calls */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static size_t (*real_fwrite)(const void *, size_t, size_t, FILE *);
static int (*real_fflush)(FILE *);
static int (*real_fclose)(FILE *);
static int (*real_close)(int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_link)(const char *, const char *);
static int (*real_linkat)(int, const char *, int, const char *, int);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_creat)(const char *, mode_t);
static FILE *(*real_fopen)(const char *, const char *);
static FILE *(*real_fopen64)(const char *, const char *);
static int (*real_mkstemp)(char *);
static int (*real_mkostemp)(char *, int);
static int (*real_mkstemps)(char *, int);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_mkdirat)(int, const char *, mode_t);
static long (*real_sysconf)(int);

/* dlsym may allocate while the allocator is being looked up: serve those
 * few requests from a static arena and never free them. */
static unsigned char arena[64 * 1024] __attribute__((aligned(16)));
static size_t arena_used;
static int resolving;

static void *arena_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (arena_used + n > sizeof arena)
        return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

static int in_arena(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

#define RESOLVE(name) real_##name = (__typeof__(real_##name))dlsym(RTLD_NEXT, #name)

static void resolve_alloc(void)
{
    if (real_malloc != NULL || resolving)
        return;
    resolving = 1;
    RESOLVE(calloc);
    RESOLVE(realloc);
    RESOLVE(free);
    RESOLVE(posix_memalign);
    RESOLVE(aligned_alloc);
    RESOLVE(memalign);
    RESOLVE(malloc);
    resolving = 0;
}

static void resolve_io(void)
{
    static int done;
    if (done)
        return;
    RESOLVE(write);
    RESOLVE(pwrite);
    RESOLVE(pwrite64);
    RESOLVE(writev);
    RESOLVE(fwrite);
    RESOLVE(fflush);
    RESOLVE(fclose);
    RESOLVE(close);
    RESOLVE(fsync);
    RESOLVE(fdatasync);
    RESOLVE(rename);
    RESOLVE(renameat);
    RESOLVE(renameat2);
    RESOLVE(link);
    RESOLVE(linkat);
    RESOLVE(open);
    RESOLVE(open64);
    RESOLVE(openat);
    RESOLVE(openat64);
    RESOLVE(creat);
    RESOLVE(fopen);
    RESOLVE(fopen64);
    RESOLVE(mkstemp);
    RESOLVE(mkostemp);
    RESOLVE(mkstemps);
    RESOLVE(mkdir);
    RESOLVE(mkdirat);
    RESOLVE(sysconf);
    done = 1;
}

/* ------------------------------------------------------------ settings, report */

static unsigned long parse_ul(const char *s)
{
    unsigned long v = 0;
    while (s && *s >= '0' && *s <= '9')
        v = v * 10 + (unsigned long)(*s++ - '0');
    return v;
}

static void report(const char *fmt, ...)
{
    if (report_path[0] == 0)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    long fd = syscall(SYS_openat, AT_FDCWD, report_path,
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    (void)syscall(SYS_write, fd, line, (size_t)n);
    (void)syscall(SYS_close, fd);
}

__attribute__((constructor(101))) static void fault_init(void)
{
    resolve_alloc();
    resolve_io();
    const char *s = getenv("FAULT_N");
    fault_n = parse_ul(s);
    s = getenv("FAULT_CALLS");
    if (s != NULL && *s) {
        classes = 0;
        if (strstr(s, "malloc"))
            classes |= C_MALLOC;
        if (strstr(s, "open"))
            classes |= C_OPEN;
        if (strstr(s, "write"))
            classes |= C_WRITE;
        if (strstr(s, "fsync"))
            classes |= C_FSYNC;
        if (strstr(s, "rename"))
            classes |= C_RENAME;
        if (strstr(s, "close"))
            classes |= C_CLOSE;
    }
    s = getenv("FAULT_ERRNO");
    if (s != NULL && *s) {
        static const struct { const char *name; int value; } names[] = {
            {"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EROFS", EROFS},
            {"EACCES", EACCES}, {"EINTR", EINTR}, {"ENOMEM", ENOMEM}, {"EPERM", EPERM}};
        fault_errno = (int)parse_ul(s);
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strcmp(s, names[i].name) == 0)
                fault_errno = names[i].value;
        if (fault_errno == 0)
            fault_errno = EIO;
    }
    sticky = getenv("FAULT_STICKY") && strcmp(getenv("FAULT_STICKY"), "1") == 0;
    short_write = getenv("FAULT_SHORT") && strcmp(getenv("FAULT_SHORT"), "1") == 0;
    s = getenv("FAULT_KILL");
    if (s != NULL)
        kill_mode = strcmp(s, "after") == 0 ? 2 : strcmp(s, "1") == 0 ? 1 : 0;
    one_cpu = getenv("FAULT_ONE_CPU") && strcmp(getenv("FAULT_ONE_CPU"), "1") == 0;
    want_backtrace = getenv("FAULT_BACKTRACE") && strcmp(getenv("FAULT_BACKTRACE"), "1") == 0;
    s = getenv("FAULT_REPORT");
    if (s != NULL && strlen(s) < sizeof report_path)
        strcpy(report_path, s);
    ready = 1;
}

__attribute__((destructor)) static void fault_fini(void)
{
    report("count %lu\n", __atomic_load_n(&counter, __ATOMIC_SEQ_CST));
}

/* Counts a call of class `cls`; returns 1 when it must fail.  With
 * FAULT_KILL the process dies here (or, "after", once the caller has
 * performed the call: see after_call). */
static __thread int kill_pending __attribute__((tls_model("initial-exec")));

static int should_fail(unsigned cls, const char *what)
{
    if (!ready || inside || !(classes & cls))
        return 0;
    unsigned long k = __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
    if (fault_n == 0 || k < fault_n)
        return 0;
    if (k > fault_n && !sticky)
        return 0;
    if (k == fault_n) {
        report("hit %lu %s\n", k, what);
        if (want_backtrace) {
            void *frames[64];
            inside++;
            int n = backtrace(frames, 64);
            backtrace_symbols_fd(frames, n, STDERR_FILENO);
            inside--;
        }
    }
    if (kill_mode == 1)
        raise(SIGKILL);
    if (kill_mode == 2) {
        kill_pending = 1;
        return 0;
    }
    return 1;
}

static void after_call(void)
{
    if (kill_pending)
        raise(SIGKILL);
}

/* ------------------------------------------------------------ allocation */

void *malloc(size_t n)
{
    if (real_malloc == NULL) {
        resolve_alloc();
        if (real_malloc == NULL)
            return arena_alloc(n);
    }
    if (should_fail(C_MALLOC, "malloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (real_calloc == NULL) {
        resolve_alloc();
        if (real_calloc == NULL) {
            size_t n;
            if (__builtin_mul_overflow(a, b, &n))
                return NULL;
            return arena_alloc(n); /* static: already zero */
        }
    }
    if (should_fail(C_MALLOC, "calloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (in_arena(p)) {
        void *q = malloc(n);
        size_t avail = (size_t)(arena + sizeof arena - (unsigned char *)p);
        if (q != NULL)
            memcpy(q, p, n < avail ? n : avail);
        return q;
    }
    if (real_realloc == NULL)
        resolve_alloc();
    if (n > 0 && should_fail(C_MALLOC, "realloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return real_realloc(p, n);
}

void free(void *p)
{
    if (p == NULL || in_arena(p))
        return;
    if (real_free == NULL)
        resolve_alloc();
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (real_posix_memalign == NULL)
        resolve_alloc();
    if (should_fail(C_MALLOC, "posix_memalign"))
        return ENOMEM;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    if (real_aligned_alloc == NULL)
        resolve_alloc();
    if (should_fail(C_MALLOC, "aligned_alloc")) {
        errno = ENOMEM;
        return NULL;
    }
    return real_aligned_alloc(align, n);
}

void *memalign(size_t align, size_t n)
{
    if (real_memalign == NULL)
        resolve_alloc();
    if (should_fail(C_MALLOC, "memalign")) {
        errno = ENOMEM;
        return NULL;
    }
    return real_memalign(align, n);
}

/* ------------------------------------------------------------ writes */

static int fd_counted(int fd)
{
    return fd != STDERR_FILENO;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    resolve_io();
    if (fd_counted(fd) && should_fail(C_WRITE, "write")) {
        if (short_write && n > 1)
            return real_write(fd, buf, n / 2);
        if (!short_write) {
            errno = fault_errno;
            return -1;
        }
    }
    ssize_t r = real_write(fd, buf, n);
    after_call();
    return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    resolve_io();
    if (should_fail(C_WRITE, "pwrite")) {
        if (short_write && n > 1)
            return real_pwrite(fd, buf, n / 2, off);
        if (!short_write) {
            errno = fault_errno;
            return -1;
        }
    }
    ssize_t r = real_pwrite(fd, buf, n, off);
    after_call();
    return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    resolve_io();
    if (should_fail(C_WRITE, "pwrite64")) {
        if (short_write && n > 1)
            return real_pwrite64(fd, buf, n / 2, off);
        if (!short_write) {
            errno = fault_errno;
            return -1;
        }
    }
    ssize_t r = real_pwrite64(fd, buf, n, off);
    after_call();
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    resolve_io();
    if (fd_counted(fd) && should_fail(C_WRITE, "writev")) {
        if (short_write && cnt > 0 && iov[0].iov_len > 1)
            return real_write(fd, iov[0].iov_base, iov[0].iov_len / 2);
        if (!short_write) {
            errno = fault_errno;
            return -1;
        }
    }
    ssize_t r = real_writev(fd, iov, cnt);
    after_call();
    return r;
}

#ifndef _IO_ERR_SEEN
#define _IO_ERR_SEEN 0x0020
#endif

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    resolve_io();
    if (f != stderr && size > 0 && n > 0 && should_fail(C_WRITE, "fwrite") && !short_write) {
        f->_flags |= _IO_ERR_SEEN; /* what glibc sets on a failed write */
        errno = fault_errno;
        return 0;
    }
    inside++;
    size_t r = real_fwrite(p, size, n, f);
    inside--;
    after_call();
    return r;
}

int fflush(FILE *f)
{
    resolve_io();
    if (f != NULL && f != stderr && should_fail(C_WRITE, "fflush") && !short_write) {
        f->_flags |= _IO_ERR_SEEN;
        errno = fault_errno;
        return EOF;
    }
    inside++;
    int r = real_fflush(f);
    inside--;
    after_call();
    return r;
}

/* ------------------------------------------------------------ close */

static int fd_writable(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY;
}

int close(int fd)
{
    resolve_io();
    if (fd > STDERR_FILENO && fd_writable(fd) && should_fail(C_CLOSE, "close")) {
        real_close(fd); /* Linux releases the descriptor whatever close says */
        errno = fault_errno;
        return -1;
    }
    int r = real_close(fd);
    after_call();
    return r;
}

int fclose(FILE *f)
{
    resolve_io();
    int counted = f != NULL && f != stderr && fileno(f) > STDERR_FILENO &&
                  fd_writable(fileno(f));
    if (counted && should_fail(C_CLOSE, "fclose")) {
        inside++;
        real_fclose(f);
        inside--;
        errno = fault_errno;
        return EOF;
    }
    inside++;
    int r = real_fclose(f);
    inside--;
    after_call();
    return r;
}

/* ------------------------------------------------------------ fsync, rename */

int fsync(int fd)
{
    resolve_io();
    if (should_fail(C_FSYNC, "fsync")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_fsync(fd);
    after_call();
    return r;
}

int fdatasync(int fd)
{
    resolve_io();
    if (should_fail(C_FSYNC, "fdatasync")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_fdatasync(fd);
    after_call();
    return r;
}

int rename(const char *a, const char *b)
{
    resolve_io();
    if (should_fail(C_RENAME, "rename")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_rename(a, b);
    after_call();
    return r;
}

int renameat(int da, const char *a, int db, const char *b)
{
    resolve_io();
    if (should_fail(C_RENAME, "renameat")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_renameat(da, a, db, b);
    after_call();
    return r;
}

int renameat2(int da, const char *a, int db, const char *b, unsigned flags)
{
    resolve_io();
    if (should_fail(C_RENAME, "renameat2")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_renameat2(da, a, db, b, flags);
    after_call();
    return r;
}

int link(const char *a, const char *b)
{
    resolve_io();
    if (should_fail(C_RENAME, "link")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_link(a, b);
    after_call();
    return r;
}

int linkat(int da, const char *a, int db, const char *b, int flags)
{
    resolve_io();
    if (should_fail(C_RENAME, "linkat")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_linkat(da, a, db, b, flags);
    after_call();
    return r;
}

/* ------------------------------------------------------------ opening for writing */

static int writing(int flags)
{
    return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0;
}

static int needs_mode(int flags)
{
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

int open(const char *path, int flags, ...)
{
    resolve_io();
    mode_t mode = 0;
    if (needs_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (writing(flags) && should_fail(C_OPEN, "open")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_open(path, flags, mode);
    after_call();
    return r;
}

int open64(const char *path, int flags, ...)
{
    resolve_io();
    mode_t mode = 0;
    if (needs_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (writing(flags) && should_fail(C_OPEN, "open64")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_open64(path, flags, mode);
    after_call();
    return r;
}

int openat(int dir, const char *path, int flags, ...)
{
    resolve_io();
    mode_t mode = 0;
    if (needs_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (writing(flags) && should_fail(C_OPEN, "openat")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_openat(dir, path, flags, mode);
    after_call();
    return r;
}

int openat64(int dir, const char *path, int flags, ...)
{
    resolve_io();
    mode_t mode = 0;
    if (needs_mode(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if (writing(flags) && should_fail(C_OPEN, "openat64")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_openat64(dir, path, flags, mode);
    after_call();
    return r;
}

int creat(const char *path, mode_t mode)
{
    resolve_io();
    if (should_fail(C_OPEN, "creat")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_creat(path, mode);
    after_call();
    return r;
}

static int mode_writes(const char *m)
{
    return m != NULL && (strchr(m, 'w') || strchr(m, 'a') || strchr(m, '+'));
}

FILE *fopen(const char *path, const char *m)
{
    resolve_io();
    if (mode_writes(m) && should_fail(C_OPEN, "fopen")) {
        errno = fault_errno;
        return NULL;
    }
    inside++;
    FILE *f = real_fopen(path, m);
    inside--;
    after_call();
    return f;
}

FILE *fopen64(const char *path, const char *m)
{
    resolve_io();
    if (mode_writes(m) && should_fail(C_OPEN, "fopen64")) {
        errno = fault_errno;
        return NULL;
    }
    inside++;
    FILE *f = real_fopen64(path, m);
    inside--;
    after_call();
    return f;
}

int mkstemp(char *t)
{
    resolve_io();
    if (should_fail(C_OPEN, "mkstemp")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_mkstemp(t);
    after_call();
    return r;
}

int mkostemp(char *t, int flags)
{
    resolve_io();
    if (should_fail(C_OPEN, "mkostemp")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_mkostemp(t, flags);
    after_call();
    return r;
}

int mkstemps(char *t, int suffix)
{
    resolve_io();
    if (should_fail(C_OPEN, "mkstemps")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_mkstemps(t, suffix);
    after_call();
    return r;
}

int mkdir(const char *path, mode_t mode)
{
    resolve_io();
    if (should_fail(C_OPEN, "mkdir")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_mkdir(path, mode);
    after_call();
    return r;
}

int mkdirat(int dir, const char *path, mode_t mode)
{
    resolve_io();
    if (should_fail(C_OPEN, "mkdirat")) {
        errno = fault_errno;
        return -1;
    }
    int r = real_mkdirat(dir, path, mode);
    after_call();
    return r;
}

/* ------------------------------------------------------------ determinism */

long sysconf(int name)
{
    resolve_io();
    if (one_cpu && (name == _SC_NPROCESSORS_ONLN || name == _SC_NPROCESSORS_CONF))
        return 1;
    return real_sysconf(name);
}
