/* runstat.c - run a command, report its wall time, CPU time and peak RSS.
 *
 *   runstat OUTFILE COMMAND [ARG...]
 *
 * Forks, execs COMMAND (stdin, stdout and stderr inherited), waits with
 * wait4() and writes one line to OUTFILE:
 *
 *   wall=S user=S sys=S maxrss_kib=N status=N
 *
 * status is the exit status, or 128+signal. Why not measure from Python:
 * Linux keeps a process's peak RSS across exec, and a child forked (or
 * vforked) from a Python interpreter starts with the interpreter's ~20 MiB
 * as its peak, which hides the real figure of a small C program. This
 * launcher is itself about 1 MiB, the smallest floor a measured process can
 * report. Used by bench/bench.py; exit 0 when the line was written (whatever
 * COMMAND's status), 64 usage, 71 fork/exec/wait failure, 73 OUTFILE. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: runstat OUTFILE COMMAND [ARG...]\n");
        return 64;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
        return 73;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
        return 71;
    }
    if (pid == 0) {
        fclose(out);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "runstat: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    pid_t w;
    while ((w = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (w < 0) {
        fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
        return 71;
    }
    int code = WIFEXITED(status)     ? WEXITSTATUS(status)
               : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                     : 255;
    fprintf(out, "wall=%.6f user=%.6f sys=%.6f maxrss_kib=%ld status=%d\n",
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
            tv(ru.ru_utime), tv(ru.ru_stime), ru.ru_maxrss, code);
    return fclose(out) ? 73 : 0;
}
