/* The --health rules that are pure logic: the restart back-off, --restart-limit, and the
 * option values. */
#include <string.h>

#include "health.h"
#include "health_options.h"
#include "suites.h"

#define SECOND 1000000000ull

START_TEST(backoff_doubles_from_one_interval_up_to_five_minutes)
{
    struct health_config cfg = {.interval_ns = 10 * SECOND};
    struct health h = {.cfg = &cfg};
    static const unsigned long expected[] = {0, 10, 20, 40, 80, 160, 300, 300};
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        ck_assert_uint_eq(health_backoff_ns(&h), expected[i] * SECOND);
        health_count_restart(&h);
    }
}
END_TEST

START_TEST(restart_limit_counts_restarts_in_a_row)
{
    struct health_config cfg = {.interval_ns = SECOND, .restart_limit = 2};
    struct health h = {.cfg = &cfg};
    ck_assert(health_restart_allowed(&h));
    health_count_restart(&h);
    ck_assert(health_restart_allowed(&h));
    health_count_restart(&h);
    ck_assert(!health_restart_allowed(&h));
    cfg.restart_limit = 0; /* no limit */
    ck_assert(health_restart_allowed(&h));
}
END_TEST

START_TEST(option_values)
{
    struct config cfg;
    char why[512];
    config_init(&cfg);
    ck_assert_uint_eq(cfg.health.interval_ns, 30 * SECOND);
    ck_assert_uint_eq(cfg.health.retries, 3);
    ck_assert_int_eq(cfg.health.action, UNHEALTHY_LOG);
    ck_assert_int_eq(on_health(&cfg, "http://127.0.0.1:8000/health", why, sizeof(why)), OPTION_SET);
    ck_assert_uint_eq(cfg.health.url.port, 8000);
    ck_assert_int_eq(on_health(&cfg, "ftp://x/", why, sizeof(why)), OPTION_FAILED);
    ck_assert_int_eq(on_health_interval(&cfg, "0.25", why, sizeof(why)), OPTION_SET);
    ck_assert_uint_eq(cfg.health.interval_ns, SECOND / 4);
    ck_assert_int_eq(on_health_interval(&cfg, "0", why, sizeof(why)), OPTION_FAILED);
    ck_assert_int_eq(on_health_start_period(&cfg, "0", why, sizeof(why)), OPTION_SET);
    ck_assert_int_eq(on_health_retries(&cfg, "0", why, sizeof(why)), OPTION_FAILED);
    ck_assert_int_eq(on_health_retries(&cfg, "1001", why, sizeof(why)), OPTION_FAILED);
    ck_assert_int_eq(on_on_unhealthy(&cfg, "restart", why, sizeof(why)), OPTION_SET);
    ck_assert_int_eq(cfg.health.action, UNHEALTHY_RESTART);
    ck_assert_int_eq(on_on_unhealthy(&cfg, "kill", why, sizeof(why)), OPTION_FAILED);
    ck_assert_str_eq(why, "'kill' is not stop, restart or log");
    ck_assert_int_eq(on_restart_limit(&cfg, "5", why, sizeof(why)), OPTION_SET);
    ck_assert_uint_eq(cfg.health.restart_limit, 5);
}
END_TEST

Suite *health_suite(void)
{
    Suite *s = suite_create("health");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, backoff_doubles_from_one_interval_up_to_five_minutes);
    tcase_add_test(tc, restart_limit_counts_restarts_in_a_row);
    tcase_add_test(tc, option_values);
    suite_add_tcase(s, tc);
    return s;
}
