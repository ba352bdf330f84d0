/* wt: small programs for warden's integration tests, one per subcommand. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "wt: %s: %s\n", what, strerror(errno));
    exit(99);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Children of ppid (zombies included) other than self, counted through /proc. */
static int count_children_of(pid_t ppid, int *zombies)
{
    DIR *dir = opendir("/proc");
    struct dirent *entry;
    int count = 0;
    *zombies = 0;
    if (!dir)
        die("opendir /proc");
    while ((entry = readdir(dir))) {
        char path[300], buf[512];
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        if (atoi(entry->d_name) == getpid())
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = 0;
        char *p = strrchr(buf, ')');
        if (!p)
            continue;
        char state = p[2];
        long parent = strtol(p + 4, NULL, 10);
        if (parent == ppid) {
            count++;
            if (state == 'Z')
                (*zombies)++;
        }
    }
    closedir(dir);
    return count;
}

/* Makes n orphans: batches of 1,000 children of a middle process that exits at once
 * without waiting for them, so whoever adopts orphans gets them; batches keep the number
 * alive at once far below pid_max. Returns 0, or 98 when a middle failed. */
static int make_orphans(int n)
{
    for (int done = 0; done < n; done += 1000) {
        int batch = n - done < 1000 ? n - done : 1000;
        pid_t middle = fork();
        if (middle < 0)
            die("fork");
        if (middle == 0) {
            for (int i = 0; i < batch; i++) {
                pid_t p = fork();
                if (p < 0)
                    die("fork orphan");
                if (p == 0)
                    _exit(0);
            }
            _exit(0);
        }
        int status;
        if (waitpid(middle, &status, 0) != middle || !WIFEXITED(status) || WEXITSTATUS(status))
            return 98;
    }
    return 0;
}

/* Makes n orphans, then waits until warden, our parent, has reaped them all. Prints
 * "orphans N reaped in S s". */
static int cmd_orphans(int n, double timeout)
{
    pid_t warden = getppid();
    double start = now_seconds();
    if (make_orphans(n) != 0)
        return 98;
    for (;;) {
        int zombies, left = count_children_of(warden, &zombies);
        if (left == 0) {
            printf("orphans %d reaped in %.3f s\n", n, now_seconds() - start);
            return 0;
        }
        if (now_seconds() - start > timeout) {
            printf("orphans %d: %d still there (%d zombies) after %.0f s\n", n, left, zombies,
                   timeout);
            return 1;
        }
        /* Polling a condition with a deadline: the orphans are not ours to wait for. */
        usleep(2000);
    }
}

static const struct {
    int sig;
    const char *name;
} recorded[] = {
    {SIGTERM, "TERM"},
    {SIGINT, "INT"},
    {SIGHUP, "HUP"},
    {SIGQUIT, "QUIT"},
    {SIGUSR1, "USR1"},
    {SIGUSR2, "USR2"},
    {SIGWINCH, "WINCH"},
    {SIGCONT, "CONT"},
    {SIGTSTP, "TSTP"},
    {SIGALRM, "ALRM"},
    {SIGPIPE, "PIPE"},
    /* Sent with kill(2) they are plain messages; some inits forward them. */
    {SIGILL, "ILL"},
    {SIGTRAP, "TRAP"},
    {SIGABRT, "ABRT"},
    {SIGBUS, "BUS"},
    {SIGFPE, "FPE"},
    {SIGSEGV, "SEGV"},
    {SIGSYS, "SYS"},
    {SIGTTIN, "TTIN"},
    {SIGTTOU, "TTOU"},
};

/* Blocks set and says "ready PID": from then on the caller may send signals. */
static void take_signals(const sigset_t *set)
{
    sigprocmask(SIG_BLOCK, set, NULL);
    printf("ready %d\n", getpid());
    fflush(stdout);
}

static int next_signal(const sigset_t *set)
{
    for (;;) {
        int sig = sigwaitinfo(set, NULL);
        if (sig > 0)
            return sig;
        if (errno != EINTR)
            die("sigwaitinfo");
    }
}

/* Records the signals it gets, one line each, until the stop signal; exits with code. */
static int cmd_signals(const char *stop_name, int code)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++)
        sigaddset(&set, recorded[i].sig);
    take_signals(&set);
    for (;;) {
        int sig = next_signal(&set);
        const char *name = "?";
        for (size_t i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++)
            if (recorded[i].sig == sig)
                name = recorded[i].name;
        printf("got %s\n", name);
        fflush(stdout);
        if (strcmp(name, stop_name) == 0)
            return code;
    }
}

/* Like signals, but counts quietly and prints one summary line at the stop signal, given
 * as a number: a real-time one is queued behind every standard signal, so it cannot
 * overtake the storm it ends. */
static int cmd_signal_count(int stop, int code)
{
    sigset_t set;
    unsigned long counts[65] = {0};
    sigfillset(&set);
    take_signals(&set);
    for (;;) {
        int sig = next_signal(&set);
        if (sig < 65)
            counts[sig]++;
        if (sig == stop) {
            for (int s = 1; s < 65; s++)
                if (counts[s] && s != SIGCHLD)
                    printf("%d:%lu ", s, counts[s]);
            printf("\n");
            return code;
        }
    }
}

/* Ignores TERM and makes n orphans for whoever adopts them, while the caller goes on. */
static int cmd_spray(int n)
{
    signal(SIGTERM, SIG_IGN);
    return make_orphans(n);
}

static int cmd_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *entry;
    if (!dir)
        die("opendir /proc/self/fd");
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.' || atoi(entry->d_name) == dirfd(dir))
            continue;
        printf("%s\n", entry->d_name);
    }
    closedir(dir);
    return 0;
}

/* Tries to bind a TCP port on loopback: 0 bound, 1 refused. */
static int cmd_bind(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        die("socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        printf("bind %d: %s\n", port, strerror(errno));
        return 1;
    }
    printf("bind %d: ok\n", port);
    return 0;
}

/* 0 when regaining root fails as it must. */
static int cmd_try_root(void)
{
    if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0) {
        printf("regained root\n");
        return 1;
    }
    printf("setresuid(0,0,0): %s\n", strerror(errno));
    return 0;
}

/* Ignores TERM (or the named signal), says ready, then waits forever. */
static int cmd_ignore(int sig)
{
    signal(sig, SIG_IGN);
    printf("ready %d\n", getpid());
    fflush(stdout);
    while (pause() != 0 || errno == EINTR)
        ;
    return 0;
}

/* Atomically exchanges two names (a directory and a symlink to outside, say) as fast as
 * it can, until the file named stop exists or count exchanges are done. */
static int cmd_swap(const char *a, const char *b, long count, const char *stop)
{
    long done = 0;
    printf("swapping\n");
    fflush(stdout);
    for (; done < count; done++) {
        if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) != 0)
            die("renameat2");
        if ((done & 63) == 0 && access(stop, F_OK) == 0)
            break;
    }
    /* Leave the names as they were found. */
    if (done % 2 == 1 && syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2) != 0)
        die("renameat2");
    printf("swapped %ld times\n", done);
    return 0;
}

/* Where the program stands towards its terminal: "tty leader=yes|no ctty=yes|no
 * foreground=yes|no" (session leader, /dev/tty opens, its group owns the foreground). */
static int cmd_tty(void)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    pid_t fg = tcgetpgrp(STDIN_FILENO);
    printf("tty leader=%s ctty=%s foreground=%s\n", getsid(0) == getpid() ? "yes" : "no",
           fd >= 0 ? "yes" : "no", fg > 0 && fg == getpgrp() ? "yes" : "no");
    fflush(stdout);
    if (fd >= 0)
        close(fd);
    return 0;
}

int cmd_serve(const char *where, const char *state_file);          /* wt_serve.c */
int cmd_seccomp_errno(int err, const char *calls, char **command); /* wt_seccomp.c */

static void usage(void)
{
    fputs(
        "usage: wt exit N | raise SIG | orphans N [TIMEOUT] | signals STOPNAME [CODE] | fds"
        " | signal-count STOPSIGNUM [CODE] | spray N | bind PORT | try-root | ignore SIG | pause | "
        "tty | swap A B COUNT STOPFILE | seccomp-errno ERRNO CALLS COMMAND... | serve SOCKET "
        "STATEFILE\n",
        stderr);
    exit(99);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *cmd = argv[1];
    if (!strcmp(cmd, "exit") && argc == 3)
        return atoi(argv[2]);
    if (!strcmp(cmd, "raise") && argc == 3) {
        signal(atoi(argv[2]), SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, atoi(argv[2]));
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(atoi(argv[2]));
        return 98;
    }
    if (!strcmp(cmd, "orphans") && argc >= 3)
        return cmd_orphans(atoi(argv[2]), argc > 3 ? atof(argv[3]) : 120.0);
    if (!strcmp(cmd, "signals") && argc >= 3)
        return cmd_signals(argv[2], argc > 3 ? atoi(argv[3]) : 0);
    if (!strcmp(cmd, "signal-count") && argc >= 3)
        return cmd_signal_count(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0);
    if (!strcmp(cmd, "spray") && argc == 3)
        return cmd_spray(atoi(argv[2]));
    if (!strcmp(cmd, "fds"))
        return cmd_fds();
    if (!strcmp(cmd, "bind") && argc == 3)
        return cmd_bind(atoi(argv[2]));
    if (!strcmp(cmd, "swap") && argc == 6)
        return cmd_swap(argv[2], argv[3], atol(argv[4]), argv[5]);
    if (!strcmp(cmd, "seccomp-errno") && argc >= 5)
        return cmd_seccomp_errno(atoi(argv[2]), argv[3], argv + 4);
    if (!strcmp(cmd, "try-root"))
        return cmd_try_root();
    if (!strcmp(cmd, "ignore") && argc == 3)
        return cmd_ignore(atoi(argv[2]));
    if (!strcmp(cmd, "tty"))
        return cmd_tty();
    if (!strcmp(cmd, "serve") && argc == 4)
        return cmd_serve(argv[2], argv[3]);
    if (!strcmp(cmd, "pause")) {
        printf("ready %d\n", getpid());
        fflush(stdout);
        for (;;)
            pause();
    }
    usage();
    return 99;
}
