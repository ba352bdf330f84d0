/* --secret-env's pure parts (the value's checks, the trailing newline, the names and the
 * DIR-star form) and the values --secret-env and --umask take on the command line. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "secrets.h"
#include "suites.h"

START_TEST(exactly_one_trailing_newline_goes)
{
    ck_assert_uint_eq(secret_trimmed_length("pw\n", 3), 2);
    ck_assert_uint_eq(secret_trimmed_length("pw\n\n", 4), 3);
    ck_assert_uint_eq(secret_trimmed_length("pw\r\n", 4), 3);
    ck_assert_uint_eq(secret_trimmed_length("pw ", 3), 3);
    ck_assert_uint_eq(secret_trimmed_length("pw", 2), 2);
    ck_assert_uint_eq(secret_trimmed_length("\n", 1), 0);
    ck_assert_uint_eq(secret_trimmed_length("", 0), 0);
    ck_assert_uint_eq(secret_trimmed_length("a\nb", 3), 3);
}
END_TEST

START_TEST(size_and_nul_are_checked)
{
    static char big[SECRET_MAX_BYTES + 1];
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(secret_check(big, SECRET_MAX_BYTES), SECRET_OK);
    ck_assert_int_eq(secret_check(big, SECRET_MAX_BYTES + 1), SECRET_TOO_BIG);
    ck_assert_int_eq(secret_check("", 0), SECRET_OK);
    ck_assert_int_eq(secret_check("ab\0cd", 5), SECRET_HAS_NUL);
    ck_assert_int_eq(secret_check("abcd\0", 5), SECRET_HAS_NUL);
    ck_assert_int_eq(secret_check("abcd\0", 4), SECRET_OK);
    big[SECRET_MAX_BYTES - 1] = '\0';
    ck_assert_int_eq(secret_check(big, SECRET_MAX_BYTES), SECRET_HAS_NUL);
}
END_TEST

START_TEST(names_are_plain_and_not_wardens)
{
    const char *good[] = {"DB_PASSWORD", "_X", "a1", "POSTGRES_PASSWORD", "x"};
    const char *bad[] = {"", "1A", "A-B", "A B", "A=B", "WARDEN_USER", "/run/secrets/*", "*"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(secret_name_valid(good[i]), "refused '%s'", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!secret_name_valid(bad[i]), "accepted '%s'", bad[i]);
    char longest[202];
    memset(longest, 'A', sizeof(longest) - 1);
    longest[200] = '\0';
    ck_assert(secret_name_valid(longest));
    longest[200] = 'A';
    longest[201] = '\0';
    ck_assert(!secret_name_valid(longest));
}
END_TEST

START_TEST(directory_form_needs_a_directory)
{
    ck_assert_uint_eq(secret_directory_length("/run/secrets/*"), strlen("/run/secrets"));
    ck_assert_uint_eq(secret_directory_length("/s/*"), 2);
    const char *bad[] = {"/*",           "*",          "run/secrets/*",
                         "/run/secrets", "/run/*/x/*", "/run/secrets/**",
                         "/run/secrets*"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(secret_directory_length(bad[i]) == 0, "accepted '%s'", bad[i]);
    static char longest[PATH_MAX + 3];
    memset(longest, 'd', sizeof(longest) - 1);
    longest[0] = '/';
    memcpy(longest + PATH_MAX - 1, "/*", 3);
    ck_assert_uint_eq(secret_directory_length(longest), PATH_MAX - 1);
    memcpy(longest + PATH_MAX - 1, "d/*", 4);
    ck_assert_uint_eq(secret_directory_length(longest), 0);
}
END_TEST

/* cli_parse with one option and its value before COMMAND "true". */
static enum cli_result parse_one(struct config *cfg, const char *option, const char *value)
{
    static char words[4][256];
    char *argv[5] = {words[0], words[1], words[2], words[3], NULL};
    char *envp[] = {NULL};
    snprintf(words[0], sizeof(words[0]), "warden");
    snprintf(words[1], sizeof(words[1]), "%s", option);
    snprintf(words[2], sizeof(words[2]), "%s", value);
    snprintf(words[3], sizeof(words[3]), "true");
    return cli_parse(4, argv, envp, cfg);
}

START_TEST(umask_is_octal_up_to_0777)
{
    struct config cfg;
    const char *good[][2] = {
        {"0002", "2"}, {"027", "23"}, {"0", "0"}, {"777", "511"}, {"0777", "511"}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ck_assert_int_eq(parse_one(&cfg, "--umask", good[i][0]), CLI_RUN);
        ck_assert(cfg.umask_given);
        ck_assert_uint_eq(cfg.umask, (unsigned)atoi(good[i][1]));
    }
    const char *bad[] = {"", "8", "0008", "01000", "1777", "00002", "0x2", "-2", "2 ", "u=rwx"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(parse_one(&cfg, "--umask", bad[i]) == CLI_ERROR, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(secret_env_takes_names_and_directories)
{
    struct config cfg;
    ck_assert_int_eq(parse_one(&cfg, "--secret-env", "DB_PASSWORD"), CLI_RUN);
    ck_assert_uint_eq(cfg.secret_env_count, 1);
    ck_assert_str_eq(cfg.secret_env[0], "DB_PASSWORD");
    ck_assert_int_eq(parse_one(&cfg, "--secret-env", "/run/secrets/*"), CLI_RUN);
    ck_assert_str_eq(cfg.secret_env[0], "/run/secrets/*");
    const char *bad[] = {"", "WARDEN_USER", "A-B", "/*", "*", "/run/secrets"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(parse_one(&cfg, "--secret-env", bad[i]) == CLI_ERROR, "accepted '%s'",
                      bad[i]);
}
END_TEST

Suite *secrets_suite(void)
{
    Suite *s = suite_create("secrets");
    TCase *tc = tcase_create("values");
    tcase_add_test(tc, exactly_one_trailing_newline_goes);
    tcase_add_test(tc, size_and_nul_are_checked);
    tcase_add_test(tc, names_are_plain_and_not_wardens);
    tcase_add_test(tc, directory_form_needs_a_directory);
    tcase_add_test(tc, umask_is_octal_up_to_0777);
    tcase_add_test(tc, secret_env_takes_names_and_directories);
    suite_add_tcase(s, tc);
    return s;
}
