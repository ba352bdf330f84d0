#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

bool spawn_should_give_terminal(void)
{
    if (!isatty(STDIN_FILENO))
        return false;
    /* 0: the foreground group lies outside warden's PID namespace (`unshare --pid --fork
     * warden` from a shell): the program takes it, as tini's does, or an interactive
     * program would stop on its first read. A group of a shell visible here is never taken
     * (warden started in the background). */
    pid_t foreground = tcgetpgrp(STDIN_FILENO);
    return foreground == 0 || (foreground > 0 && foreground == getpgrp());
}

int spawn_exec_failure_status(int err)
{
    return (err == ENOENT || err == ENOTDIR) ? 127 : 126;
}

/* What exec refused as no format it knows (ENOEXEC) goes to /bin/sh, as glibc's execvp
 * hands it over (tini, dumb-init and catatonit are built with it): a script without #!
 * runs. Unless for_binaries, an ELF file and a #! script (whose interpreter the kernel
 * refused) are left alone, so that a binary for another machine, or a Python script whose
 * interpreter is one, keeps exec's own error instead of being read as shell commands.
 * Returns only if the shell did not start, with errno set: the shell's (ENOENT without
 * /bin/sh), or ENOEXEC. */
static void exec_with_shell(const char *file, char **shell_argv, bool for_binaries)
{
    if (!for_binaries) {
        unsigned char head[4] = {0};
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        /* Unreadable (execute-only): only the shell would read it, and could not either. */
        ssize_t n = fd < 0 ? -1 : read(fd, head, sizeof(head));
        if (fd >= 0)
            (void)close(fd);
        if (n < 0 || (n == (ssize_t)sizeof(head) && memcmp(head, "\177ELF", sizeof(head)) == 0) ||
            (n >= 2 && memcmp(head, "#!", 2) == 0)) {
            errno = ENOEXEC;
            return;
        }
    }
    shell_argv[1] = (char *)file;
    execve(shell_argv[0], shell_argv, environ);
}

/* The PATH search of execvp, written with execve alone: between fork and exec only
 * async-signal-safe calls are allowed, and execvp may allocate. Returns the errno to
 * report: EACCES if any candidate was found but not executable, as shells do. */
static int exec_search(char **argv, const char *path, char **shell_argv, bool for_binaries)
{
    const char *name = argv[0];
    char candidate[PATH_MAX];
    size_t name_len = strlen(name);
    int result = ENOENT;
    bool denied = false;

    if (strchr(name, '/')) {
        execve(name, argv, environ);
        if (errno == ENOEXEC)
            exec_with_shell(name, shell_argv, for_binaries);
        return errno;
    }
    if (name_len == 0)
        return ENOENT;
    for (const char *dir = path;; dir++) {
        const char *end = strchr(dir, ':');
        size_t dir_len = end ? (size_t)(end - dir) : strlen(dir);
        /* An empty PATH entry means the current directory. */
        if (dir_len + 1 + name_len + 1 <= sizeof(candidate)) {
            size_t at = 0;
            if (dir_len == 0) {
                candidate[at++] = '.';
            } else {
                /* Not a string yet: '/' and the NUL-terminated name follow. */
                // NOLINTNEXTLINE(bugprone-not-null-terminated-result): '/', name and NUL follow
                memcpy(candidate, dir, dir_len);
                at = dir_len;
            }
            candidate[at++] = '/';
            memcpy(candidate + at, name, name_len + 1);
            execve(candidate, argv, environ);
            if (errno == ENOEXEC)
                exec_with_shell(candidate, shell_argv, for_binaries);
            switch (errno) {
            case EACCES:
                denied = true;
                break;
            case ENOENT:
            case ENOTDIR:
            case ELOOP:
            case ENAMETOOLONG:
            case ESTALE:
                break;
            default:
                return errno;
            }
        } else {
            result = ENAMETOOLONG;
        }
        if (!end)
            break;
        dir = end;
    }
    return denied ? EACCES : result;
}

/* Runs in the vfork child, which shares warden's memory until it execs or exits: it
 * only sets up its group, terminal and mask, and hands exec's errno back through
 * exec_error. */
__attribute__((noreturn)) static void run_child(const struct spawn_request *req, const char *path,
                                                char **shell_argv, volatile int *exec_error)
{
    /* Its own group: a terminal's Ctrl-C and warden's --process-group both address it. */
    /* Neither can fail here: a fresh child leads no group yet. */
    /* In a session of its own the program takes the terminal warden let go of as its
     * controlling terminal (dumb-init); without one (EPERM, ENOTTY) it runs without. */
    if (req->new_session) {
        (void)setsid();
        (void)ioctl(STDIN_FILENO, TIOCSCTTY, 0);
    } else {
        (void)setpgid(0, 0);
    }
    /* Still before the mask is restored, so the SIGTTOU a background tcsetpgrp raises is
     * held back. */
    if (req->give_terminal)
        tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, req->child_mask, NULL);
    if (req->set_umask)
        umask(req->umask);

    int err = exec_search(req->argv, path, shell_argv, req->shell_for_binaries);
    *exec_error = err;
    _exit(spawn_exec_failure_status(err));
}

/* fork fails for the container's limits, which a user can raise. */
static void spawn_fork_failed(const char *command, int err)
{
    if (err == EAGAIN)
        log_error("unable to start '%s': %s: the container's process limit is reached: raise it "
                  "(docker run --pids-limit, or --ulimit nproc for the user's own; Kubernetes: the "
                  "pod's pid limit), or end what makes so many processes",
                  command, strerror(err));
    else if (err == ENOMEM)
        log_error("unable to start '%s': %s: " LOG_NO_MEMORY, command, strerror(err));
    else
        log_unexpected(strerror(err), "start '%s' (fork)", command);
}

enum spawn_result spawn_program(const struct spawn_request *req, pid_t *pid, int *exec_errno)
{
    volatile int exec_error = 0;
    const char *volatile path = getenv("PATH");
    if (!path)
        path = DEFAULT_PATH;
    /* The shell's arguments for a file without #!, made here: the child may not allocate.
     * /bin/sh, the file (filled in by the child), then the program's own arguments. */
    size_t argc = 0;
    while (req->argv[argc])
        argc++;
    char **volatile shell_argv = calloc(argc + 2, sizeof(char *));
    if (!shell_argv) {
        spawn_fork_failed(req->argv[0], ENOMEM);
        return SPAWN_FORK_FAILED;
    }
    shell_argv[0] = "/bin/sh";
    for (size_t i = 1; i < argc; i++)
        shell_argv[i + 1] = req->argv[i];

    /* vfork: warden sleeps until the child has exec'd or exited, so the group and the
     * terminal are set before warden goes on, exec's errno comes back in shared memory
     * (no pipe), and no page tables are copied. warden is single-threaded here and all
     * its signals are blocked, so nothing else runs on the shared memory meanwhile. */
    pid_t child = vfork();
    if (child < 0) {
        int err = errno;
        free(shell_argv);
        spawn_fork_failed(req->argv[0], err);
        return SPAWN_FORK_FAILED;
    }
    /* The child only calls async-signal-safe functions, below the parent's frame, then
     * execs or _exits; musl's and glibc's vfork keep their own return address in a
     * register, so these calls cannot clobber it. */
    if (child == 0)
        run_child(req, path, shell_argv, &exec_error); // NOLINT(clang-analyzer-unix.Vfork)
    free(shell_argv);
    *pid = child;
    if (exec_error != 0) {
        *exec_errno = exec_error;
        return SPAWN_EXEC_FAILED;
    }
    return SPAWN_STARTED;
}
