#include "exit_status.h"
#include "suites.h"

START_TEST(codes_and_signals)
{
    /* Wait statuses as the kernel encodes them. */
    ck_assert_int_eq(exit_code_for_status(0), 0);
    ck_assert_int_eq(exit_code_for_status(3 << 8), 3);
    ck_assert_int_eq(exit_code_for_status(255 << 8), 255);
    ck_assert_int_eq(exit_code_for_status(15), 143);
    ck_assert_int_eq(exit_code_for_status(9), 137);
    ck_assert_int_eq(exit_code_for_status(9 | 0x80), 137); /* core dumped */
}
END_TEST

START_TEST(remap_table)
{
    struct config cfg;
    config_init(&cfg);
    ck_assert_int_eq(exit_code_remapped(&cfg, 143), 143);
    config_remap_exit(&cfg, 143, 0);
    ck_assert_int_eq(exit_code_remapped(&cfg, 143), 0);
    ck_assert_int_eq(exit_code_remapped(&cfg, 1), 1);
}
END_TEST

Suite *exit_status_suite(void)
{
    Suite *s = suite_create("exit_status");
    TCase *tc = tcase_create("mapping");
    tcase_add_test(tc, codes_and_signals);
    tcase_add_test(tc, remap_table);
    suite_add_tcase(s, tc);
    return s;
}
