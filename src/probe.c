#include "probe.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "exit_status.h"
#include "log.h"
#include "parse.h"
#include "url.h"

#define PROBE_HEALTHY   0
#define PROBE_UNHEALTHY 1
/* Below the usual HEALTHCHECK --timeout=3s: warden's own reason, not the engine's
 * "exceeded timeout", reaches the health log. */
#define DEFAULT_TIMEOUT_NS (2ull * 1000000000ull)

static const char probe_usage[] =
    "Usage: warden probe [--timeout SECONDS] URL\n"
    "\n"
    "Exit 0 when URL is healthy (with one line on stdout: status and time taken), 1 when\n"
    "it is not (with one line saying why), 125 when the URL or an option is malformed.\n"
    "  http://HOST[:PORT]/PATH       GET; healthy when the status is below 400\n"
    "  tcp://HOST:PORT               healthy when a connection opens\n"
    "  unix:///path/to.sock          healthy when a connection opens\n"
    "  http+unix:///path/to.sock:/PATH   GET over a unix socket\n"
    "HOST: an IPv4 or [IPv6] address, localhost, a name in /etc/hosts, or a name that\n"
    "DNS answers (the servers in /etc/resolv.conf; IPv4 and IPv6).\n"
    "  -t, --timeout SECONDS         name lookup, connect, send and receive together\n"
    "                                (default 2: keep it below HEALTHCHECK --timeout)\n";

/* Drives one check to its end: the probe has nothing else to wait for. */
static enum check_state run_check(struct check *c)
{
    enum check_state state = CHECK_PENDING;
    while (state == CHECK_PENDING) {
        struct pollfd p = check_pollfd(c);
        struct timespec left = clock_until(check_deadline(c));
        int n = ppoll(&p, 1, &left, NULL);
        if (n < 0 && errno != EINTR) {
            int err = errno;
            /* Cancelling first: it would say "cancelled" over the reason. */
            check_cancel(c);
            snprintf(c->why, sizeof(c->why), "unable to wait for the check: %s", strerror(err));
            return CHECK_UNHEALTHY;
        }
        state = check_advance(c, n > 0 ? p.revents : 0);
    }
    return state;
}

static int report(const char *text, const struct check *c, enum check_state state)
{
    if (state == CHECK_HEALTHY) {
        /* For the engine's health log, which would otherwise show nothing. */
        if (c->http_status)
            printf("%s: status %d in %.1f ms\n", text, c->http_status, (double)c->elapsed_ns / 1e6);
        else
            printf("%s: connected in %.1f ms\n", text, (double)c->elapsed_ns / 1e6);
        return fflush(stdout) == 0 ? PROBE_HEALTHY : PROBE_UNHEALTHY;
    }
    log_fields(LOG_LEVEL_ERROR, (struct log_field[]){LOG_STR("url", text)}, 1, "probe %s: %s", text,
               c->why);
    return PROBE_UNHEALTHY;
}

int probe_main(int argc, char **argv, char **envp)
{
    const char *format = env_lookup(envp, "WARDEN_LOG_FORMAT");
    log_configure(0, format && strcmp(format, "json") == 0 ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT);
    static const struct option options[] = {
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t timeout_ns = DEFAULT_TIMEOUT_NS;
    opterr = 0;
    optind = 0;
    for (;;) {
        int opt = getopt_long(argc, argv, "+:t:h", options, NULL);
        if (opt == -1)
            break;
        if (opt == 'h') {
            fputs(probe_usage, stdout);
            return 0;
        }
        char why[160];
        if (opt == 't' && parse_seconds(optarg, 3600, true, &timeout_ns, why, sizeof(why)) != 0) {
            log_error("probe --timeout: %s", why);
            return EXIT_WARDEN_FAILED;
        }
        if (opt == '?' || opt == ':') {
            if (opt == ':')
                log_error("probe: option %s needs a value: give it as --timeout SECONDS (see "
                          "warden probe --help)",
                          argv[optind - 1]);
            else
                log_error("probe: unknown option '%s': warden probe takes --timeout SECONDS and "
                          "one URL (see warden probe --help)",
                          argv[optind - 1]);
            return EXIT_WARDEN_FAILED;
        }
    }
    if (argc - optind != 1) {
        log_error("probe: give exactly one URL, as in warden probe http://localhost:8080/health "
                  "(see warden probe --help)");
        return EXIT_WARDEN_FAILED;
    }
    const char *text = argv[optind];
    struct url u;
    char why[512];
    if (url_parse_explained(text, &u, why, sizeof(why)) != 0) {
        log_error("probe: %s", why);
        return EXIT_WARDEN_FAILED;
    }
    struct check c;
    enum check_state state = check_start(&c, &u, timeout_ns);
    if (state == CHECK_PENDING)
        state = run_check(&c);
    return report(text, &c, state);
}
