/* Input: NUL-separated words. Words before an empty word are WARDEN_* environment
 * entries; the rest is argv. Also every value parser on the whole input. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "parse.h"
#include "secrets.h"
#include "signames.h"

/* fuzz/run.sh passes -close_fd_mask=3: --help and the error lines go nowhere. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    /* The value parsers, on the whole input as one string. */
    uint64_t ns;
    unsigned long number;
    char from[64], to[64], name[16];
    struct cap_plan plan = {.kept_count = 0};
    char why[256];
    if (parse_duration(text, 86400, &ns) == 0 && ns > 86400ull * 1000000000ull)
        __builtin_trap();
    if (parse_unsigned(text, 255, &number) == 0 && number > 255)
        __builtin_trap();
    if (parse_seconds(text, 86400, true, &ns, why, sizeof(why)) == 0 &&
        (ns == 0 || ns > 86400ull * 1000000000ull))
        __builtin_trap();
    if (text_distance(text, "grace") == 0 && strcmp(text, "grace") != 0)
        __builtin_trap();
    parse_pair(text, from, to, sizeof(from));
    int sig = signal_from_name(text);
    if (sig > 0)
        signal_to_name(sig, name, sizeof(name));
    caps_parse_list(text, &plan, why, sizeof(why));
    /* --secret-env's checks on the raw bytes, NULs and all. */
    if (secret_trimmed_length(text, size) + 1 < size || secret_directory_length(text) >= PATH_MAX)
        __builtin_trap();
    if (secret_check(text, size) == SECRET_OK && memchr(text, '\0', size))
        __builtin_trap();

    /* The command line and the environment. */
    char *env[16], *argv[64];
    int envc = 0, argc = 0;
    bool in_env = true;
    argv[argc++] = "warden";
    for (char *p = text; p < text + size + 1 && argc < 63;) {
        size_t len = strlen(p);
        if (in_env && len == 0)
            in_env = false;
        else if (in_env && envc < 15)
            env[envc++] = p;
        else if (!in_env)
            argv[argc++] = p;
        p += len + 1;
    }
    env[envc] = NULL;
    argv[argc] = NULL;
    struct config cfg;
    if (cli_parse(argc, argv, env, &cfg) == CLI_RUN && (!cfg.command || !cfg.command[0]))
        __builtin_trap();
    free(text);
    return 0;
}
