/* entrycost DIR: the system calls a volume walk makes per entry, on the names f0..f998 of
 * DIR (a directory of bench/mktree.py's tree, page cache warm), in ns per call, the median
 * of 7 passes: "getppid N statx N chown_same N chown_change N".
 *   getppid       the fixed cost of entering and leaving the kernel on this machine
 *   statx         what warden makes for every entry (owner, type, links, mount)
 *   chown_same    fchownat to the owner the entry has already: chown -R on an owned tree
 *   chown_change  fchownat to another owner: chown -R's (and warden's) first run
 * chown -R makes one fchownat per entry and no stat (it takes directories from getdents'
 * d_type); warden makes one statx per entry, and a change where the owner differs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NAMES  999
#define PASSES 7

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One pass of kind over every name; ns per call. */
static double pass(int dir, int kind, int pass_no)
{
    char name[16];
    struct statx sx;
    double t0 = now_ns();
    for (int i = 0; i < NAMES; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        int rc = 0;
        if (kind == 0)
            rc = (int)syscall(SYS_getppid) < 0;
        else if (kind == 1)
            rc = statx(dir, name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
                       STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_INO |
                           STATX_MNT_ID,
                       &sx);
        else if (kind == 2)
            rc = fchownat(dir, name, 1000, 1000, AT_SYMLINK_NOFOLLOW);
        else /* every pass gives the names to the other owner */
            rc = fchownat(dir, name, pass_no % 2 ? 1000 : 0, pass_no % 2 ? 1000 : 0,
                          AT_SYMLINK_NOFOLLOW);
        if (rc != 0) {
            perror(name);
            exit(1);
        }
    }
    return (now_ns() - t0) / NAMES;
}

int main(int argc, char **argv)
{
    static const char *kinds[] = {"getppid", "statx", "chown_same", "chown_change"};
    if (argc != 2) {
        fprintf(stderr, "usage: entrycost DIR\n");
        return 2;
    }
    int dir = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        perror(argv[1]);
        return 1;
    }
    for (int kind = 0; kind < 4; kind++) {
        double ns[PASSES];
        for (int p = 0; p < PASSES; p++)
            ns[p] = pass(dir, kind, p);
        qsort(ns, PASSES, sizeof(ns[0]), compare);
        printf("%s%s %.0f", kind ? " " : "", kinds[kind], ns[PASSES / 2]);
    }
    printf("\n");
    return 0;
}
