#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "signals.h"
#include "suites.h"
#include "wait_for.h"

/* signals_wait_fds: a pending signal wins over a ready fd, with who sent it; then the fd;
 * then the deadline. */
START_TEST(signal_before_fd_then_fd_then_deadline)
{
    struct signal_state state;
    int fds[2];
    ck_assert_int_eq(signals_take_over(&state, false), 0);
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);

    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    siginfo_t info;
    struct timespec soon = clock_after_ns(50000000);
    ck_assert_int_eq(signals_wait_fds(&state, &soon, &p, 1, &info), SIGUSR1);
    ck_assert_int_eq(info.si_signo, SIGUSR1);
    ck_assert_int_eq(info.si_code, SI_USER);
    ck_assert_int_eq(info.si_pid, getpid());
    ck_assert_int_eq(signals_wait_fds(&state, &soon, &p, 1, &info), SIGNALS_FD_READY);
    ck_assert(p.revents & POLLIN);

    char c;
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    ck_assert_int_eq(signals_wait_fds(&state, &soon, &p, 1, &info), 0);
    struct timespec left = clock_until(&soon);
    ck_assert(left.tv_sec == 0 && left.tv_nsec == 0);

    /* Without fds: the signal alone, as before. */
    ck_assert_int_eq(kill(getpid(), SIGUSR2), 0);
    ck_assert_int_eq(signals_wait(&state, NULL, &info), SIGUSR2);
    ck_assert_int_eq(info.si_pid, getpid());
    close(fds[0]);
    close(fds[1]);
    sigprocmask(SIG_SETMASK, &state.original_mask, NULL);
}
END_TEST

/* --wait-for's pauses between tries: 10 ms doubling, at most 50 ms. */
START_TEST(wait_for_retry_schedule)
{
    const uint64_t ms = 1000000;
    ck_assert_uint_eq(wait_for_retry_ns(1), 10 * ms);
    ck_assert_uint_eq(wait_for_retry_ns(2), 20 * ms);
    ck_assert_uint_eq(wait_for_retry_ns(3), 40 * ms);
    ck_assert_uint_eq(wait_for_retry_ns(4), 50 * ms);
    ck_assert_uint_eq(wait_for_retry_ns(5), 50 * ms);
    ck_assert_uint_eq(wait_for_retry_ns(1000000), 50 * ms);
}
END_TEST

/* What stderr gets from one signals_wait_fds call with more fds than it can wait for (no
 * caller passes that many: the line is reachable only from here). */
static void too_many_fds_line(enum log_format format, char *line, size_t size)
{
    static struct pollfd many[SIGNALS_MAX_FDS + 1];
    struct signal_state state;
    siginfo_t info;
    int out[2], saved = dup(STDERR_FILENO);
    ck_assert_int_eq(pipe(out), 0);
    ck_assert_int_eq(dup2(out[1], STDERR_FILENO), STDERR_FILENO);
    log_configure(0, format);
    sigemptyset(&state.all);
    ck_assert_int_eq(signals_wait_fds(&state, NULL, many, SIGNALS_MAX_FDS + 1, &info), -1);
    log_configure(0, LOG_FORMAT_TEXT);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(out[1]);
    ssize_t n = read(out[0], line, size - 1);
    close(out[0]);
    ck_assert_int_gt(n, 0);
    line[n] = '\0';
}

START_TEST(too_many_fds_says_so)
{
    char line[2048], want[1024];
    struct utsname system;
    ck_assert_int_eq(uname(&system), 0);
    snprintf(want, sizeof(want),
             "unable to wait for 65 fds: at most 64 at once: unexpected on Linux %s "
             "(unless the container's seccomp profile or security module refuses the call): "
             "please report this line to warden's maintainers",
             system.release);
    too_many_fds_line(LOG_FORMAT_TEXT, line, sizeof(line));
    ck_assert(strncmp(line, "warden: ", 8) == 0);
    ck_assert_int_eq(strncmp(line + 8, want, strlen(want)), 0);
    ck_assert_str_eq(line + 8 + strlen(want), "\n");
    too_many_fds_line(LOG_FORMAT_JSON, line, sizeof(line));
    ck_assert_ptr_nonnull(strstr(line, "\"level\":\"error\",\"message\":\""));
    char *message = strstr(line, "\"message\":\"") + strlen("\"message\":\"");
    ck_assert_int_eq(strncmp(message, want, strlen(want)), 0);
    ck_assert_int_eq(message[strlen(want)], '"');
}
END_TEST

Suite *signals_suite(void)
{
    Suite *s = suite_create("signals");
    TCase *tc = tcase_create("wait");
    tcase_add_test(tc, signal_before_fd_then_fd_then_deadline);
    tcase_add_test(tc, wait_for_retry_schedule);
    tcase_add_test(tc, too_many_fds_says_so);
    suite_add_tcase(s, tc);
    return s;
}
