#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "suites.h"

START_TEST(unsigned_accepts_plain_digits)
{
    unsigned long v;
    ck_assert_int_eq(parse_unsigned("0", 10, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(parse_unsigned("255", 255, &v), 0);
    ck_assert_uint_eq(v, 255);
    ck_assert_int_eq(parse_unsigned("007", 10, &v), 0);
    ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(unsigned_rejects_junk_signs_and_overflow)
{
    unsigned long v = 42;
    const char *bad[] = {"",   "-1",   "+1",  " 1",  "1 ",
                         "1x", "0x10", "256", "1e3", "99999999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(parse_unsigned(bad[i], 255, &v) == -1, "accepted '%s'", bad[i]);
    ck_assert_int_eq(parse_unsigned(NULL, 255, &v), -1);
    ck_assert_uint_eq(v, 42);
    /* ULONG_MAX and one more, whatever the width of long (32 bits on armv7 and 386): both
     * 2^32-1 and 2^64-1 end in 5. */
    char max[32], over[32];
    snprintf(max, sizeof(max), "%lu", ULONG_MAX);
    snprintf(over, sizeof(over), "%s", max);
    ck_assert_int_eq(over[strlen(over) - 1], '5');
    over[strlen(over) - 1] = '6';
    ck_assert_int_eq(parse_unsigned(max, ULONG_MAX, &v), 0);
    ck_assert_uint_eq(v, ULONG_MAX);
    ck_assert_int_eq(parse_unsigned(over, ULONG_MAX, &v), -1);
}
END_TEST

START_TEST(duration_whole_and_fractional)
{
    uint64_t ns;
    ck_assert_int_eq(parse_duration("5", 100, &ns), 0);
    ck_assert_uint_eq(ns, 5000000000u);
    ck_assert_int_eq(parse_duration("0.25", 100, &ns), 0);
    ck_assert_uint_eq(ns, 250000000u);
    ck_assert_int_eq(parse_duration("1.000000001", 100, &ns), 0);
    ck_assert_uint_eq(ns, 1000000001u);
    ck_assert_int_eq(parse_duration("0", 100, &ns), 0);
    ck_assert_uint_eq(ns, 0);
    ck_assert_int_eq(parse_duration("100", 100, &ns), 0);
}
END_TEST

START_TEST(duration_rejects_nonsense)
{
    uint64_t ns = 7;
    const char *bad[] = {"",   "-1", "+1",  ".5",    "1.",  "1.2.3", "abc",
                         "1s", " 1", "1e3", "100.5", "101", "nan",   "inf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(parse_duration(bad[i], 100, &ns) == -1, "accepted '%s'", bad[i]);
    ck_assert_uint_eq(ns, 7);
}
END_TEST

START_TEST(seconds_say_their_range)
{
    uint64_t ns = 7;
    char why[160];
    ck_assert_int_eq(parse_seconds("2.5", 60, false, &ns, why, sizeof(why)), 0);
    ck_assert_uint_eq(ns, 2500000000u);
    ck_assert_int_eq(parse_seconds("0", 60, false, &ns, why, sizeof(why)), 0);
    ck_assert_uint_eq(ns, 0);
    ck_assert_int_eq(parse_seconds("61", 60, false, &ns, why, sizeof(why)), -1);
    ck_assert_str_eq(why, "'61' is out of range: give seconds from 0 to 60, like 5 or 0.5");
    ck_assert_int_eq(parse_seconds("99999999999999999999999", 60, false, &ns, why, sizeof(why)),
                     -1);
    ck_assert_str_eq(why, "'99999999999999999999999' is out of range: give seconds from 0 to 60, "
                          "like 5 or 0.5");
    ck_assert_int_eq(parse_seconds("5s", 60, false, &ns, why, sizeof(why)), -1);
    ck_assert_str_eq(why, "'5s' is not a number of seconds: give seconds from 0 to 60, like 5 or "
                          "0.5");
    ck_assert_int_eq(parse_seconds("1.", 60, false, &ns, why, sizeof(why)), -1);
    ck_assert_str_eq(why, "'1.' is not a number of seconds: give seconds from 0 to 60, like 5 or "
                          "0.5");
    ck_assert_int_eq(parse_seconds("0.0", 60, true, &ns, why, sizeof(why)), -1);
    ck_assert_str_eq(why, "'0.0' is out of range: give seconds above 0, up to 60, like 5 or 0.5");
    ck_assert_uint_eq(ns, 0);
}
END_TEST

START_TEST(distance_counts_one_letter_edits)
{
    ck_assert_uint_eq(text_distance("user", "user"), 0);
    ck_assert_uint_eq(text_distance("usr", "user"), 1);
    ck_assert_uint_eq(text_distance("gracee", "grace"), 1);
    ck_assert_uint_eq(text_distance("garce", "grace"), 1); /* a swap counts once */
    ck_assert_uint_eq(text_distance("cap", "chown"), 4);
    ck_assert_uint_eq(text_distance("", "cap"), 3);
    ck_assert_uint_eq(text_distance("version", "verbose"), 4);
    char long_name[80];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    ck_assert_uint_eq(text_distance(long_name, "a"), SIZE_MAX);
}
END_TEST

START_TEST(pair_splits_at_one_colon)
{
    char from[16], to[16];
    ck_assert_int_eq(parse_pair("TERM:QUIT", from, to, sizeof(from)), 0);
    ck_assert_str_eq(from, "TERM");
    ck_assert_str_eq(to, "QUIT");
    const char *bad[] = {"TERM", ":QUIT", "TERM:", "a:b:c", ":", "", "averyveryverylongname:x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(parse_pair(bad[i], from, to, sizeof(from)) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(hex_mask_reads_proc_status_masks)
{
    uint64_t v = 0;
    const char *end;
    ck_assert_int_eq(parse_hex_mask("000001fffeffffff\n", &v, &end), 0);
    ck_assert_uint_eq(v, 0x1fffefffffful);
    ck_assert_int_eq(*end, '\n');
    ck_assert_int_eq(parse_hex_mask("FfFfFfFfFfFfFfFf", &v, &end), 0);
    ck_assert_uint_eq(v, UINT64_MAX);
    v = 7;
    ck_assert_int_eq(parse_hex_mask("\n", &v, &end), -1);
    ck_assert_int_eq(parse_hex_mask("10000000000000000", &v, &end), -1);
    ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(warden_prefix_and_env_lookup)
{
    ck_assert(env_is_warden("WARDEN_GRACE=1"));
    ck_assert(env_is_warden("WARDEN_"));
    ck_assert(!env_is_warden("WARDEN"));
    ck_assert(!env_is_warden("warden_GRACE=1"));
    ck_assert(!env_is_warden(""));
    char *env[] = {"TERM=x", "WARDEN_A=", "WARDEN_AB=2", "W=3", NULL};
    ck_assert_str_eq(env_lookup(env, "WARDEN_AB"), "2");
    ck_assert_str_eq(env_lookup(env, "WARDEN_A"), "");
    ck_assert_str_eq(env_lookup(env, "W"), "3");
    ck_assert_ptr_null(env_lookup(env, "WARDEN"));
    ck_assert_ptr_null(env_lookup(NULL, "TERM"));
}
END_TEST

Suite *parse_suite(void)
{
    Suite *s = suite_create("parse");
    TCase *tc = tcase_create("values");
    tcase_add_test(tc, unsigned_accepts_plain_digits);
    tcase_add_test(tc, unsigned_rejects_junk_signs_and_overflow);
    tcase_add_test(tc, duration_whole_and_fractional);
    tcase_add_test(tc, duration_rejects_nonsense);
    tcase_add_test(tc, seconds_say_their_range);
    tcase_add_test(tc, distance_counts_one_letter_edits);
    tcase_add_test(tc, pair_splits_at_one_colon);
    tcase_add_test(tc, hex_mask_reads_proc_status_masks);
    tcase_add_test(tc, warden_prefix_and_env_lookup);
    suite_add_tcase(s, tc);
    return s;
}
