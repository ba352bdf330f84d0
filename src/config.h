/* Everything the options asked for, filled by cli.c and then only read. */
#ifndef WARDEN_CONFIG_H
#define WARDEN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "log.h"
#include "volumes.h"

#define WARDEN_VERSION "0.1.0"
/* Signals are numbered 1..64 under both glibc and musl on Linux. */
#define WARDEN_NSIG      65
#define CONFIG_LIST_MAX  64
#define DEFAULT_GRACE_NS (8ull * 1000000000ull)
#define SIGNAL_DROPPED   0

struct config {
    char **command;        /* NULL-terminated argv of the program */
    int failure_exit;      /* warden's own failures: 125, or 1 as tini */
    bool warn_on_reap;     /* tini -w: a warning for every reaped zombie */
    int exec_failure_exit; /* 0: 126/127; dumb-init 2, catatonit 1 */
    bool new_session;      /* dumb-init: the child leads a session of its own */
    bool pause;            /* catatonit -P: no program; exit 0 on INT or TERM */

    int verbosity; /* -1 quiet, 0 default, 1.. more */
    enum log_format log_format;

    const char *user;   /* USER[:GROUP] or NULL */
    const char *groups; /* supplementary groups list; meaningful when groups_given */
    bool groups_given;
    struct cap_plan caps; /* capabilities kept for the program; harden unless opted out */

    const char *chown_paths[CONFIG_LIST_MAX];
    size_t chown_count;
    bool chown_best_effort;
    enum volume_policy chown_policy;
    const char *chown_to;     /* [USER][:GROUP] for --chown instead of --user's, or NULL */
    struct mode_change chmod; /* chmod.count 0: modes left alone */

    uint64_t grace_ns;
    bool process_group;
    /* 0: unchanged; otherwise the forwarded signal + 1 (so 1 drops it). Zero-filled tables
     * need no set-up at start. Read them through config_forwarded_signal and
     * exit_code_remapped. */
    int signal_rewrite[WARDEN_NSIG];
    int exit_remap[256]; /* 0: unchanged; otherwise the exit code + 1 */
    int pdeathsig;       /* 0: none */

    const char *required_env[CONFIG_LIST_MAX];
    size_t required_env_count;

    /* Values taken from WARDEN_* variables, copied out of environ: lists are split here.
     * Last in the struct: config_init leaves the store itself uninitialised. */
    size_t strings_used;
    char strings[8192];
};

void config_init(struct config *cfg);

/* The signal to forward for a received one; SIGNAL_DROPPED when it is dropped. */
int config_forwarded_signal(const struct config *cfg, int sig);

#endif
