#include "config.h"

#include <signal.h>
#include <string.h>

#include "exit_status.h"

void config_init(struct config *cfg)
{
    /* Everything but the string store, which strings_used = 0 makes empty. */
    memset(cfg, 0, offsetof(struct config, strings));
    cfg->log_format = LOG_FORMAT_TEXT;
    cfg->stop_signal = SIGTERM;
    cfg->rules.failure_exit = EXIT_WARDEN_FAILED;
    cfg->caps.harden = true;
    cfg->health.interval_ns = HEALTH_INTERVAL_NS;
    cfg->health.retries = HEALTH_RETRIES;
    cfg->health.action = UNHEALTHY_LOG;
    cfg->wait_timeout_ns = WAIT_TIMEOUT_NS;
}

void config_rewrite_signal(struct config *cfg, int from, int to)
{
    cfg->encoded.signal_rewrite[from] = to + 1;
}

void config_clear_rewrites(struct config *cfg)
{
    memset(cfg->encoded.signal_rewrite, 0, sizeof(cfg->encoded.signal_rewrite));
}

int config_leftover_signal(const struct config *cfg)
{
    int sig = config_forwarded_signal(cfg, cfg->stop_signal);
    /* A stop signal dropped for the program still has to reach what is left. */
    return sig == SIGNAL_DROPPED ? SIGTERM : sig;
}

uint64_t config_leftover_grace_ns(const struct config *cfg)
{
    return cfg->grace_given ? cfg->grace_ns : LEFTOVER_GRACE_NS;
}

bool config_signal_rewritten(const struct config *cfg, int sig)
{
    return cfg->encoded.signal_rewrite[sig] != 0;
}

int config_forwarded_signal(const struct config *cfg, int sig)
{
    int encoded = cfg->encoded.signal_rewrite[sig];
    return encoded ? encoded - 1 : sig;
}

void config_remap_exit(struct config *cfg, int from, int to)
{
    cfg->encoded.exit_remap[from] = to + 1;
}

void config_clear_exit_remaps(struct config *cfg)
{
    memset(cfg->encoded.exit_remap, 0, sizeof(cfg->encoded.exit_remap));
}

int exit_code_remapped(const struct config *cfg, int code)
{
    if (code < 0 || code > 255)
        return code;
    int encoded = cfg->encoded.exit_remap[code];
    return encoded ? encoded - 1 : code;
}

char *config_keep_string(struct config *cfg, const char *text, size_t len)
{
    if (len + 1 > sizeof(cfg->strings) - cfg->strings_used)
        return NULL;
    char *copy = cfg->strings + cfg->strings_used;
    memcpy(copy, text, len);
    copy[len] = '\0';
    cfg->strings_used += len + 1;
    return copy;
}
