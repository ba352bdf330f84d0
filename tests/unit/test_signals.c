#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "clock.h"
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

Suite *signals_suite(void)
{
    Suite *s = suite_create("signals");
    TCase *tc = tcase_create("wait");
    tcase_add_test(tc, signal_before_fd_then_fd_then_deadline);
    tcase_add_test(tc, wait_for_retry_schedule);
    suite_add_tcase(s, tc);
    return s;
}
