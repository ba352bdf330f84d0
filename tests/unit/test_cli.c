#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exit_status.h"
#include "suites.h"

/* cli_parse takes argv as the kernel gives it: writable strings. */
static enum cli_result parse(struct config *cfg, char **envp, const char *const *words)
{
    static char storage[32][128];
    static char *argv[33];
    int argc = 0;
    for (; words[argc]; argc++) {
        strcpy(storage[argc], words[argc]);
        argv[argc] = storage[argc];
    }
    argv[argc] = NULL;
    return cli_parse(argc, argv, envp, cfg);
}

static char *no_env[] = {NULL};

START_TEST(options_stop_at_the_command)
{
    struct config cfg;
    const char *words[] = {"warden", "-v", "ls", "-v", "-g", NULL};
    ck_assert_int_eq(parse(&cfg, no_env, words), CLI_RUN);
    ck_assert_int_eq(cfg.verbosity, 1);
    ck_assert_str_eq(cfg.command[0], "ls");
    ck_assert_str_eq(cfg.command[1], "-v");
    ck_assert_str_eq(cfg.command[2], "-g");
    ck_assert_ptr_null(cfg.command[3]);
    ck_assert(!cfg.process_group);
}
END_TEST

START_TEST(double_dash_ends_options)
{
    struct config cfg;
    const char *words[] = {"warden", "-g", "--", "-weird-name", NULL};
    ck_assert_int_eq(parse(&cfg, no_env, words), CLI_RUN);
    ck_assert(cfg.process_group);
    ck_assert_str_eq(cfg.command[0], "-weird-name");
}
END_TEST

START_TEST(values_are_parsed)
{
    struct config cfg;
    const char *words[] = {"warden", "-t",        "1.5",  "--rewrite", "TERM:QUIT",
                           "-r",     "usr1:none", "-e",   "143:0",     "--pdeathsig",
                           "SIGHUP", "-vv",       "true", NULL};
    ck_assert_int_eq(parse(&cfg, no_env, words), CLI_RUN);
    ck_assert_uint_eq(cfg.grace_ns, 1500000000u);
    ck_assert_int_eq(config_forwarded_signal(&cfg, SIGTERM), SIGQUIT);
    ck_assert_int_eq(config_forwarded_signal(&cfg, SIGUSR1), 0);
    ck_assert_int_eq(config_forwarded_signal(&cfg, SIGINT), SIGINT);
    ck_assert_int_eq(exit_code_remapped(&cfg, 143), 0);
    ck_assert_int_eq(exit_code_remapped(&cfg, 1), 1);
    ck_assert_int_eq(cfg.pdeathsig, SIGHUP);
    ck_assert_int_eq(cfg.verbosity, 2);
}
END_TEST

START_TEST(bad_values_are_errors)
{
    const char *const cases[][4] = {
        {"-t", "-1", "x", NULL},
        {"-t", "abc", "x", NULL},
        {"--grace", "", "x", NULL},
        {"-r", "TERM", "x", NULL},
        {"-r", "NOPE:TERM", "x", NULL},
        {"-r", "TERM:NOPE", "x", NULL},
        {"-r", "KILL:TERM", "x", NULL},
        {"-e", "256:0", "x", NULL},
        {"-e", "1:-1", "x", NULL},
        {"-e", "a:b", "x", NULL},
        {"-p", "BOGUS", "x", NULL},
        {"--no-such-option", "x", NULL, NULL},
        {"-Z", "x", NULL, NULL},
        {"-t", NULL, NULL, NULL},
        {"--process-group=1", "x", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *words[6] = {"warden"};
        for (int j = 0; j < 4 && cases[i][j]; j++)
            words[j + 1] = cases[i][j];
        struct config cfg;
        ck_assert_msg(parse(&cfg, no_env, words) == CLI_ERROR, "case %zu accepted", i);
    }
}
END_TEST

START_TEST(no_command_is_an_error)
{
    struct config cfg;
    const char *words[] = {"warden", "-v", NULL};
    ck_assert_int_eq(parse(&cfg, no_env, words), CLI_ERROR);
    const char *words2[] = {"warden", "--", NULL};
    ck_assert_int_eq(parse(&cfg, no_env, words2), CLI_ERROR);
}
END_TEST

START_TEST(environment_then_command_line)
{
    struct config cfg;
    char *env[] = {"WARDEN_GRACE=3",
                   "WARDEN_REWRITE=TERM:QUIT,HUP:none",
                   "WARDEN_PROCESS_GROUP=yes",
                   "WARDEN_VERBOSE=2",
                   "OTHER=1",
                   NULL};
    const char *words[] = {"warden", "cmd", NULL};
    ck_assert_int_eq(parse(&cfg, env, words), CLI_RUN);
    ck_assert_uint_eq(cfg.grace_ns, 3000000000u);
    ck_assert_int_eq(config_forwarded_signal(&cfg, SIGTERM), SIGQUIT);
    ck_assert_int_eq(config_forwarded_signal(&cfg, SIGHUP), 0);
    ck_assert(cfg.process_group);
    ck_assert_int_eq(cfg.verbosity, 2);

    const char *words2[] = {"warden", "-t", "1", "-r", "INT:USR1", "-v", "cmd", NULL};
    ck_assert_int_eq(parse(&cfg, env, words2), CLI_RUN);
    ck_assert_uint_eq(cfg.grace_ns, 1000000000u);
    /* A list on the command line replaces the environment's list. */
    ck_assert_int_eq(config_forwarded_signal(&cfg, SIGTERM), SIGTERM);
    ck_assert_int_eq(config_forwarded_signal(&cfg, SIGINT), SIGUSR1);
    ck_assert_int_eq(cfg.verbosity, 1);
}
END_TEST

START_TEST(wait_for_urls_and_timeout)
{
    struct config cfg;
    char *env[] = {"WARDEN_WAIT_FOR=tcp://db:5432,http://api/ready", "WARDEN_WAIT_TIMEOUT=0.5",
                   NULL};
    const char *words[] = {"warden", "cmd", NULL};
    ck_assert_int_eq(parse(&cfg, no_env, words), CLI_RUN);
    ck_assert_uint_eq(cfg.wait_for_count, 0);
    ck_assert_uint_eq(cfg.wait_timeout_ns, 60000000000u);
    ck_assert_int_eq(parse(&cfg, env, words), CLI_RUN);
    ck_assert_uint_eq(cfg.wait_for_count, 2);
    ck_assert_str_eq(cfg.wait_for[0], "tcp://db:5432");
    ck_assert_str_eq(cfg.wait_for[1], "http://api/ready");
    ck_assert_uint_eq(cfg.wait_timeout_ns, 500000000u);
    /* The command line's list replaces the environment's. */
    const char *words2[] = {"warden", "--wait-for", "unix:///run/a.sock", "--wait-timeout", "2",
                            "cmd",    NULL};
    ck_assert_int_eq(parse(&cfg, env, words2), CLI_RUN);
    ck_assert_uint_eq(cfg.wait_for_count, 1);
    ck_assert_str_eq(cfg.wait_for[0], "unix:///run/a.sock");
    ck_assert_uint_eq(cfg.wait_timeout_ns, 2000000000u);

    const char *const bad[][2] = {{"--wait-for", "db:5432"},    {"--wait-for", "tcp://db"},
                                  {"--wait-for", "https://a/"}, {"--wait-timeout", "0"},
                                  {"--wait-timeout", "86401"},  {"--wait-timeout", "-1"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *words3[] = {"warden", bad[i][0], bad[i][1], "cmd", NULL};
        ck_assert_msg(parse(&cfg, no_env, words3) == CLI_ERROR, "case %zu accepted", i);
    }
}
END_TEST

START_TEST(bad_environment_is_an_error)
{
    struct config cfg;
    const char *words[] = {"warden", "cmd", NULL};
    char *env1[] = {"WARDEN_GRACE=soon", NULL};
    ck_assert_int_eq(parse(&cfg, env1, words), CLI_ERROR);
    char *env2[] = {"WARDEN_PROCESS_GROUP=maybe", NULL};
    ck_assert_int_eq(parse(&cfg, env2, words), CLI_ERROR);
}
END_TEST

Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, options_stop_at_the_command);
    tcase_add_test(tc, double_dash_ends_options);
    tcase_add_test(tc, values_are_parsed);
    tcase_add_test(tc, wait_for_urls_and_timeout);
    tcase_add_test(tc, bad_values_are_errors);
    tcase_add_test(tc, no_command_is_an_error);
    tcase_add_test(tc, environment_then_command_line);
    tcase_add_test(tc, bad_environment_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}
