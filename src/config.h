/* Everything the options asked for: filled through the setters below while parsing, then
 * only read. */
#ifndef WARDEN_CONFIG_H
#define WARDEN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "log.h"
#include "url.h"
#include "volumes.h"

#define WARDEN_VERSION "0.1.0"
/* Signals are numbered 1..64 under both glibc and musl on Linux. */
#define WARDEN_NSIG     65
#define CONFIG_LIST_MAX 64
/* What is left after the program exits gets this long without --grace: short, and below
 * Docker's 10 s. The program itself gets no deadline from warden without --grace. */
#define LEFTOVER_GRACE_NS (5ull * 1000000000ull)
#define SIGNAL_DROPPED    0
/* --wait-for gives up after this long without --wait-timeout. */
#define WAIT_TIMEOUT_NS (60ull * 1000000000ull)

/* Rules only a personality changes: warden's own are the defaults config_init sets. */
struct persona_rules {
    int failure_exit;      /* warden's own failures: 125; 1 as tini, dumb-init, catatonit */
    int exec_failure_exit; /* 0: 126/127; dumb-init 2, catatonit 1 */
    bool new_session;      /* dumb-init: the child leads a session of its own */
    bool pause;            /* catatonit -P: no program; exit 0 on INT or TERM */
    bool warn_on_reap;     /* tini -w: a warning for every reaped zombie */
    bool no_subreaper;     /* tini without -s: orphans are not adopted when not PID 1 */
    /* dumb-init: */
    bool exit_with_program; /* exit as soon as the program does (its group gets the stop
                             * signal first when process_group), leaving the rest */
    bool forward_all;       /* forward faults and TTIN/TTOU too (sent with kill, they are
                             * messages) */
    bool stop_self;         /* stop after forwarding TSTP, TTIN or TTOU, as a job does */
    bool reset_ignored;     /* the program starts with no inherited SIG_IGN */
    bool leave_cwd;         /* chdir("/") once the program runs: pin no mount */
    bool fixed_grace;       /* tini, catatonit: no --grace; the kill message says so */
    /* tini, dumb-init, catatonit (glibc's execvp): any file exec refuses as no known format
     * goes to /bin/sh, a binary for another machine too; warden's own keeps those */
    bool shell_for_binaries;
};

/* What --on-unhealthy does once the program is unhealthy. */
enum unhealthy_action { UNHEALTHY_LOG, UNHEALTHY_STOP, UNHEALTHY_RESTART };

/* --health and its rules: checked from warden's own loop while the program runs. */
struct health_config {
    const char *text; /* the URL as given; NULL: no health check */
    struct url url;
    uint64_t interval_ns; /* from one check's start to the next's */
    uint64_t timeout_ns;  /* meaningful when timeout_given; else HEALTH_TIMEOUT_NS, at
                           * most the interval */
    bool timeout_given;
    uint64_t start_period_ns; /* failures in it do not count; the first success ends it */
    unsigned long retries;    /* failed checks in a row that make the program unhealthy */
    enum unhealthy_action action;
    unsigned long restart_limit; /* restarts in a row without a healthy check; 0: no limit */
};
#define HEALTH_INTERVAL_NS (30ull * 1000000000ull)
#define HEALTH_TIMEOUT_NS  (5ull * 1000000000ull)
#define HEALTH_RETRIES     3

struct config {
    char **command; /* NULL-terminated argv of the program */
    struct persona_rules rules;

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

    uint64_t grace_ns; /* meaningful when grace_given */
    bool grace_given;  /* --grace: a deadline after a stop request; none without it */
    int stop_signal;   /* the signal that is a stop request (the engine's STOPSIGNAL) */
    bool process_group;
    int pdeathsig; /* 0: none */

    const char *secret_env[CONFIG_LIST_MAX]; /* NAME, or DIR-star (every NAME_FILE in DIR) */
    size_t secret_env_count;
    unsigned umask; /* the program's; meaningful when umask_given */
    bool umask_given;

    const char *required_env[CONFIG_LIST_MAX];
    size_t required_env_count;

    struct health_config health;
    const char *wait_for[CONFIG_LIST_MAX]; /* URLs that must answer before COMMAND starts */
    size_t wait_for_count;
    uint64_t wait_timeout_ns; /* for all of them together */

    /* Only config.c reads or writes these: 0 is "unchanged", anything else the value + 1,
     * so that zero-filled tables need no set-up. Use the setters and readers below. */
    struct {
        int signal_rewrite[WARDEN_NSIG];
        int exit_remap[256];
    } encoded;

    /* Values taken from WARDEN_* variables, copied out of environ: lists are split here.
     * Last in the struct: config_init leaves the store itself uninitialised. */
    size_t strings_used;
    char strings[8192];
};

void config_init(struct config *cfg);

/* Forward signal from as to; to may be SIGNAL_DROPPED. */
void config_rewrite_signal(struct config *cfg, int from, int to);
void config_clear_rewrites(struct config *cfg);
/* Whether a rewrite was asked for sig (then it is forwarded even if warden keeps it). */
bool config_signal_rewritten(const struct config *cfg, int sig);
/* The signal to forward for a received one; SIGNAL_DROPPED when it is dropped. */
int config_forwarded_signal(const struct config *cfg, int sig);
/* What processes left after the program get: the stop signal after --rewrite (TERM when
 * the rewrite drops it), and how long they have: --grace, or LEFTOVER_GRACE_NS. */
int config_leftover_signal(const struct config *cfg);
uint64_t config_leftover_grace_ns(const struct config *cfg);

/* Exit with to when the program exits with from (both 0..255). */
void config_remap_exit(struct config *cfg, int from, int to);
void config_clear_exit_remaps(struct config *cfg);
/* After --remap-exit. */
int exit_code_remapped(const struct config *cfg, int code);

/* A copy of text[0..len) that lives as long as cfg; NULL when the store is full. */
char *config_keep_string(struct config *cfg, const char *text, size_t len);

#endif
