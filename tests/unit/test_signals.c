#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "clock.h"
#include "signals.h"
#include "suites.h"

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
    close(state.fd);
    sigprocmask(SIG_SETMASK, &state.original_mask, NULL);
}
END_TEST

Suite *signals_suite(void)
{
    Suite *s = suite_create("signals");
    TCase *tc = tcase_create("wait");
    tcase_add_test(tc, signal_before_fd_then_fd_then_deadline);
    suite_add_tcase(s, tc);
    return s;
}
