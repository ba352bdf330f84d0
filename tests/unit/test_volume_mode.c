#include <string.h>

#include "suites.h"
#include "volume_mode.h"

/* The mode text applied to old; the expected values are what chmod(1) gives with a umask
 * of 0 (warden applies no umask). */
static unsigned applied(const char *text, unsigned old, bool is_dir)
{
    struct mode_change change;
    char why[256];
    ck_assert_msg(mode_parse(text, &change, why, sizeof(why)) == 0, "%s: %s", text, why);
    return mode_apply(&change, old, is_dir);
}

START_TEST(symbolic_clauses)
{
    ck_assert_uint_eq(applied("u+rwX,g+rwX", 0600, false), 0660);
    ck_assert_uint_eq(applied("u+rwX,g+rwX", 0700, false), 0770);
    ck_assert_uint_eq(applied("u+rwX,g+rwX", 0500, true), 0770);
    ck_assert_uint_eq(applied("go-rwx", 0777, false), 0700);
    ck_assert_uint_eq(applied("o=", 0777, false), 0770);
    ck_assert_uint_eq(applied("a=r", 0777, false), 0444);
    ck_assert_uint_eq(applied("=r", 0777, false), 0444);
    ck_assert_uint_eq(applied("+x", 0644, false), 0755);
    ck_assert_uint_eq(applied("ug=rw,o=r", 0, false), 0664);
    ck_assert_uint_eq(applied("u=rwx,go=rx", 01777, true), 0755);
    ck_assert_uint_eq(applied("u+r-w", 0200, false), 0400);
}
END_TEST

START_TEST(copies_from_a_class)
{
    /* OpenShift's arbitrary uid: the group gets what the owner has. */
    ck_assert_uint_eq(applied("g=u", 0700, true), 0770);
    ck_assert_uint_eq(applied("g=u", 0640, false), 0660);
    ck_assert_uint_eq(applied("o=g", 0750, false), 0755);
    ck_assert_uint_eq(applied("go=u", 0600, false), 0666);
    ck_assert_uint_eq(applied("g+u", 0504, false), 0554);
    ck_assert_uint_eq(applied("u=rw,g=u", 0, false), 0660);
}
END_TEST

START_TEST(conditional_execute)
{
    ck_assert_uint_eq(applied("a+X", 0644, false), 0644);
    ck_assert_uint_eq(applied("a+X", 0744, false), 0755);
    ck_assert_uint_eq(applied("a+X", 0644, true), 0755);
    ck_assert_uint_eq(applied("g-X", 0775, false), 0765);
}
END_TEST

START_TEST(special_bits)
{
    ck_assert_uint_eq(applied("g+s", 0775, true), 02775);
    ck_assert_uint_eq(applied("u+s", 0755, false), 04755);
    ck_assert_uint_eq(applied("+t", 0777, true), 01777);
    ck_assert_uint_eq(applied("o-t", 01777, true), 0777);
    /* '=' keeps a directory's set-id bits, and clears a file's. */
    ck_assert_uint_eq(applied("g=rx", 02775, true), 02755);
    ck_assert_uint_eq(applied("g=rx", 02775, false), 0755);
}
END_TEST

START_TEST(octal_modes)
{
    ck_assert_uint_eq(applied("0750", 0777, false), 0750);
    ck_assert_uint_eq(applied("750", 04777, false), 0750);
    ck_assert_uint_eq(applied("1777", 0, true), 01777);
    ck_assert_uint_eq(applied("0", 0777, false), 0);
}
END_TEST

START_TEST(bad_modes_are_refused)
{
    static const char *const bad[] = {"",     "u",     "u+q",  "rwx", "u+r,",     ",u+r",
                                      "0800", "12345", "g=uw", "x+r", "u+r,,g+r", "a=u g"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mode_change change;
        char why[256] = "";
        ck_assert_msg(mode_parse(bad[i], &change, why, sizeof(why)) == -1, "'%s' accepted", bad[i]);
        ck_assert_msg(strstr(why, "is not a mode"), "'%s': %s", bad[i], why);
    }
}
END_TEST

Suite *volume_mode_suite(void)
{
    Suite *s = suite_create("volume_mode");
    TCase *tc = tcase_create("parse_and_apply");
    tcase_add_test(tc, symbolic_clauses);
    tcase_add_test(tc, copies_from_a_class);
    tcase_add_test(tc, conditional_execute);
    tcase_add_test(tc, special_bits);
    tcase_add_test(tc, octal_modes);
    tcase_add_test(tc, bad_modes_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
