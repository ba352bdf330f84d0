#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    SRunner *runner = srunner_create(parse_suite());
    srunner_add_suite(runner, signames_suite());
    srunner_add_suite(runner, cli_suite());
    srunner_add_suite(runner, exit_status_suite());
    srunner_add_suite(runner, users_suite());
    srunner_add_suite(runner, url_suite());
    srunner_add_suite(runner, options_suite());
    srunner_add_suite(runner, volume_mode_suite());
    srunner_add_suite(runner, secrets_suite());
    srunner_add_suite(runner, signals_suite());
    srunner_add_suite(runner, health_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
