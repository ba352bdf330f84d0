/* wt seccomp-errno: runs a command in which chosen system calls fail with a chosen errno,
 * so tests can reach warden's messages for failures that a healthy kernel never gives. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6; not in every libc's headers yet */
#endif

static const struct {
    const char *name;
    long nr;
} known_calls[] = {
    {"setresuid", SYS_setresuid},
    {"setresgid", SYS_setresgid},
    {"getresuid", SYS_getresuid},
    {"getresgid", SYS_getresgid},
    {"setgroups", SYS_setgroups},
    {"getgroups", SYS_getgroups},
    {"setuid", SYS_setuid},
    {"setgid", SYS_setgid},
    {"setreuid", SYS_setreuid},
    {"setregid", SYS_setregid},
    {"capset", SYS_capset},
    {"capget", SYS_capget},
    {"prctl", SYS_prctl},
    {"rt_sigtimedwait", SYS_rt_sigtimedwait},
    {"rt_sigprocmask", SYS_rt_sigprocmask},
    {"rt_sigaction", SYS_rt_sigaction},
    {"signalfd4", SYS_signalfd4},
    {"ppoll", SYS_ppoll},
    {"clone", SYS_clone},
#ifdef SYS_clone3
    {"clone3", SYS_clone3},
#endif
#ifdef SYS_fork
    {"fork", SYS_fork},
#endif
#ifdef SYS_vfork
    {"vfork", SYS_vfork},
#endif
    {"wait4", SYS_wait4},
    {"waitid", SYS_waitid},
    {"chdir", SYS_chdir},
    {"ioctl", SYS_ioctl},
    {"openat", SYS_openat},
#ifdef SYS_open
    {"open", SYS_open}, /* musl's open(2) on architectures that still have it */
#endif
    {"mkdirat", SYS_mkdirat},
    {"fchownat", SYS_fchownat},
    {"fchown", SYS_fchown},
    {"getdents64", SYS_getdents64},
    {"setsid", SYS_setsid},
    {"execve", SYS_execve},
#ifdef SYS_mmap
    {"mmap", SYS_mmap}, /* 32-bit arm has only mmap2 */
#endif
#ifdef SYS_mmap2
    {"mmap2", SYS_mmap2},
#endif
    {"brk", SYS_brk},
    {"kill", SYS_kill},
#ifdef SYS_fchmodat2
    {"fchmodat2", SYS_fchmodat2},
#endif
    {"statx", SYS_statx},
#ifdef SYS_readlink
    {"readlink", SYS_readlink},
#endif
    {"readlinkat", SYS_readlinkat},
    {"eventfd2", SYS_eventfd2},
    {"sendto", SYS_sendto},
#ifdef SYS_fstat
    {"fstat", SYS_fstat},
#endif
    {"read", SYS_read},
    {"uname", SYS_uname},
};

static void fail(const char *what)
{
    fprintf(stderr, "wt seccomp-errno: %s\n", what);
    exit(99);
}

/* One rule, "NAME" or "NAME@ARG=VALUE", with up to three @ARG=VALUE conditions that must
 * all hold: the call fails only when its argument number ARG (0 to 5, compared on its low
 * 32 bits) equals VALUE, as prctl@0=36 for PR_SET_CHILD_SUBREAPER alone, or prctl@0=8@1=0
 * for PR_SET_KEEPCAPS back to 0. Appends at most 9 instructions. */
static size_t add_rule(struct sock_filter *code, size_t n, char *rule, int err)
{
    enum { MAX_CONDITIONS = 3 };
    unsigned long args[MAX_CONDITIONS], values[MAX_CONDITIONS];
    size_t conditions = 0;
    char *at = strchr(rule, '@');
    if (at)
        *at++ = '\0';
    long nr = -1;
    for (size_t i = 0; i < sizeof(known_calls) / sizeof(known_calls[0]); i++)
        if (strcmp(rule, known_calls[i].name) == 0)
            nr = known_calls[i].nr;
    if (nr < 0)
        fail("unknown system call name (add it to known_calls in wt_seccomp.c)");
    for (char *end; at; at = *end == '@' ? end + 1 : NULL) {
        if (conditions == MAX_CONDITIONS)
            fail("at most 3 @ARG=VALUE conditions in a rule");
        args[conditions] = strtoul(at, &end, 10);
        if (args[conditions] > 5 || *end != '=')
            fail("a rule is NAME or NAME@ARG=VALUE..., ARG from 0 to 5");
        values[conditions] = strtoul(end + 1, &end, 0);
        if (*end && *end != '@')
            fail("bad VALUE in NAME@ARG=VALUE");
        conditions++;
    }
    const unsigned int ret_errno = SECCOMP_RET_ERRNO | ((unsigned int)err & SECCOMP_RET_DATA);
    if (conditions == 0) {
        code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1);
        code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret_errno);
        return n;
    }
    /* nr matches: load and compare each argument (a mismatch jumps to the reload of nr),
     * fail the call, and reload nr for the next rule. */
    code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0,
                                             (unsigned char)(2 * conditions + 2));
    for (size_t i = 0; i < conditions; i++) {
        code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                                 offsetof(struct seccomp_data, args[args[i]]));
        code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)values[i], 0,
                                                 (unsigned char)(2 * (conditions - 1 - i) + 1));
    }
    code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret_errno);
    code[n++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    return n;
}

/* CALLS is a comma-separated list of rules; ERRNO 0 makes the calls answer success without
 * happening. */
int cmd_seccomp_errno(int err, const char *calls, char **command)
{
    enum { MAX_RULES = 16 };
    struct sock_filter code[2 + 9 * MAX_RULES];
    size_t n = 0, rules = 0;
    char list[512];
    if (snprintf(list, sizeof list, "%s", calls) >= (int)sizeof list)
        fail("CALLS is too long");
    code[n++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (char *save, *rule = strtok_r(list, ",", &save); rule; rule = strtok_r(NULL, ",", &save)) {
        if (++rules > MAX_RULES)
            fail("too many rules");
        n = add_rule(code, n, rule, err);
    }
    code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {.len = (unsigned short)n, .filter = code};
    /* no_new_privs lets a process without CAP_SYS_ADMIN install a filter. A test of
     * PR_SET_NO_NEW_PRIVS itself (prctl@0=38 among the rules) needs it unset: wt then
     * relies on being root. */
    bool tests_no_new_privs = strstr(calls, "prctl@0=38") != NULL;
    if ((!tests_no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
        fail(strerror(errno));
    execvp(command[0], command);
    perror(command[0]);
    return 99;
}
