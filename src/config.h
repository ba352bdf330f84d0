/* Everything the options asked for, filled by cli.c and then only read. */
#ifndef WARDEN_CONFIG_H
#define WARDEN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "log.h"

#define WARDEN_VERSION "0.1.0"
/* Signals are numbered 1..64 under both glibc and musl on Linux. */
#define WARDEN_NSIG      65
#define CONFIG_LIST_MAX  64
#define DEFAULT_GRACE_NS (8ull * 1000000000ull)
#define SIGNAL_DROPPED   0

struct config {
    char **command; /* NULL-terminated argv of the program */

    int verbosity; /* -1 quiet, 0 default, 1.. more */
    enum log_format log_format;

    const char *user;   /* USER[:GROUP] or NULL */
    const char *groups; /* supplementary groups list; meaningful when groups_given */
    bool groups_given;
    struct cap_plan caps; /* capabilities kept for the program; harden unless opted out */

    const char *chown_paths[CONFIG_LIST_MAX];
    size_t chown_count;
    bool chown_best_effort;

    uint64_t grace_ns;
    bool process_group;
    int signal_rewrite[WARDEN_NSIG]; /* forwarded signal for each received one; 0 drops */
    int exit_remap[256];
    int pdeathsig; /* 0: none */

    const char *required_env[CONFIG_LIST_MAX];
    size_t required_env_count;

    /* Values taken from WARDEN_* variables, copied out of environ: lists are split here. */
    char strings[8192];
    size_t strings_used;
};

void config_init(struct config *cfg);

#endif
