/* startcost N pid1|child COMMAND...: starts COMMAND N times, each time as PID 1 of a new
 * PID namespace (pid1) or as a plain child, and prints
 * "cpu_us_per_start wall_us_median": the CPU of everything started (user+system, from
 * RUSAGE_CHILDREN) per start, and the median wall time of one start. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: startcost N pid1|child COMMAND...\n");
        return 2;
    }
    int n = atoi(argv[1]);
    int pid1 = strcmp(argv[2], "pid1") == 0;
    /* What the programs print (tini's warning when it is not PID 1) goes nowhere; the
     * result goes to a close-on-exec copy of the original stdout. */
    int result_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    int null = open("/dev/null", O_WRONLY);
    if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
        return 3;
    double *walls = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        pid_t pid = fork();
        if (pid == 0) {
            if (pid1) {
                /* The same intermediate step in every run: its cost cancels against bare. */
                if (unshare(CLONE_NEWPID) != 0)
                    _exit(97);
                pid_t init = fork();
                if (init == 0) {
                    execv(argv[3], argv + 3);
                    _exit(127);
                }
                int status;
                waitpid(init, &status, 0);
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 99);
            }
            execv(argv[3], argv + 3);
            _exit(127);
        }
        int status;
        waitpid(pid, &status, 0);
        walls[i] = now_us() - t0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    qsort(walls, (size_t)n, sizeof(double), compare);
    char line[64];
    int len = snprintf(line, sizeof(line), "%.1f %.1f\n", cpu / n, walls[n / 2]);
    if (write(result_fd, line, (size_t)len) != len)
        return 4;
    return 0;
}
