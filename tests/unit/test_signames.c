#include <signal.h>

#include "signames.h"
#include "suites.h"

START_TEST(names_in_every_spelling)
{
    ck_assert_int_eq(signal_from_name("TERM"), SIGTERM);
    ck_assert_int_eq(signal_from_name("SIGTERM"), SIGTERM);
    ck_assert_int_eq(signal_from_name("term"), SIGTERM);
    ck_assert_int_eq(signal_from_name("sigusr1"), SIGUSR1);
    ck_assert_int_eq(signal_from_name("15"), SIGTERM);
    ck_assert_int_eq(signal_from_name("WINCH"), SIGWINCH);
    ck_assert_int_eq(signal_from_name("CLD"), SIGCHLD);
    ck_assert_int_eq(signal_from_name("RTMIN"), SIGRTMIN);
    ck_assert_int_eq(signal_from_name("RTMIN+2"), SIGRTMIN + 2);
    ck_assert_int_eq(signal_from_name("SIGRTMAX-1"), SIGRTMAX - 1);
    ck_assert_int_eq(signal_from_name("RTMAX"), SIGRTMAX);
}
END_TEST

START_TEST(unknown_names_are_rejected)
{
    const char *bad[] = {"",    "0",       "TERMX",   "SIG",      "65",     "-15",
                         "15x", "RTMIN-1", "RTMAX+1", "RTMIN+99", "RTMIN+", " TERM"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(signal_from_name(bad[i]) == -1, "accepted '%s'", bad[i]);
    ck_assert_int_eq(signal_from_name(NULL), -1);
}
END_TEST

START_TEST(names_round_trip)
{
    char buf[16];
    for (int sig = 1; sig <= SIGRTMAX; sig++) {
        if (sig > SIGSYS && sig < SIGRTMIN)
            continue; /* reserved by the C library */
        ck_assert_int_eq(signal_from_name(signal_to_name(sig, buf, sizeof(buf))), sig);
    }
    ck_assert_str_eq(signal_to_name(SIGTERM, buf, sizeof(buf)), "TERM");
    ck_assert_str_eq(signal_to_name(SIGRTMIN + 3, buf, sizeof(buf)), "RTMIN+3");
}
END_TEST

Suite *signames_suite(void)
{
    Suite *s = suite_create("signames");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, names_in_every_spelling);
    tcase_add_test(tc, unknown_names_are_rejected);
    tcase_add_test(tc, names_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
