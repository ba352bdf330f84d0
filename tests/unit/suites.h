#ifndef WARDEN_TEST_SUITES_H
#define WARDEN_TEST_SUITES_H

#include <check.h>

Suite *parse_suite(void);
Suite *signames_suite(void);
Suite *cli_suite(void);
Suite *exit_status_suite(void);
Suite *users_suite(void);
Suite *url_suite(void);
Suite *options_suite(void);
Suite *volume_mode_suite(void);
Suite *secrets_suite(void);
Suite *signals_suite(void);
Suite *health_suite(void);

#endif
