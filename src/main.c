/* warden: the life of a container, in order. */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "exit_status.h"
#include "log.h"
#include "permissions.h"
#include "personas/personality.h"
#include "privdrop.h"
#include "probe.h"
#include "program.h"
#include "secrets.h"
#include "signals.h"
#include "supervise.h"
#include "users.h"
#include "volume_owner.h"
#include "volumes.h"
#include "wait_for.h"

extern char **environ;

/* --user's target, read from the image's files while warden is still root. Without
 * --user, id stays empty (no groups to free) and the later steps ignore it. */
static int resolve_user(const struct config *cfg, struct identity *id)
{
    char why[512];
    memset(id, 0, sizeof(*id));
    if (!cfg->user)
        return 0;
    if (identity_resolve(cfg->user, cfg->groups_given ? cfg->groups : NULL, getuid(),
                         &image_accounts, id, why, sizeof(why)) != 0) {
        log_error("--user %s: %s", cfg->user, why);
        return -1;
    }
    return 0;
}

/* --chown, while warden is still root: to --chown-to's owner, else --user's (user). */
static int prepare_volumes(const struct config *cfg, const struct identity *user)
{
    struct volume_options options;
    char why[512];
    volume_options_init(&options);
    if (cfg->chown_to && volume_owner_resolve(cfg->chown_to, &image_accounts, &options.uid,
                                              &options.gid, why, sizeof(why)) != 0) {
        log_error("--chown-to %s: %s", cfg->chown_to, why);
        return -1;
    }
    if (!cfg->chown_to && cfg->user) {
        options.uid = user->uid;
        options.gid = user->gid;
    }
    options.best_effort = cfg->chown_best_effort;
    options.policy = cfg->chown_policy;
    options.mode = cfg->chmod.count ? &cfg->chmod : NULL;
    for (size_t i = 0; i < cfg->chown_count; i++) {
        struct volume_stats stats;
        if (volume_prepare(cfg->chown_paths[i], &options, &stats) != 0)
            return -1;
    }
    return 0;
}

/* Drops to --user's user for good (nothing to do without --user). */
static int drop_privileges(const struct config *cfg, const struct identity *user)
{
    return cfg->user ? privdrop_become(user, &cfg->caps) : 0;
}

int main(int argc, char **argv)
{
    /* Read on entry: a parent that dies during a long --chown must still be noticed. */
    pid_t self = getpid(), parent = getppid();
    struct config cfg;
    struct signal_state signals;
    struct program program;

    const struct personality *tool = personality_detect(&argc, &argv);
    if (!tool)
        return EXIT_WARDEN_FAILED;
    if (tool->run)
        return tool->run(argc, argv); /* gosu, su-exec, setpriv: in place, no init */
    /* `warden probe URL` is a health check; `warden -- probe` runs a program named probe. */
    if (argc >= 2 && strcmp(argv[1], "probe") == 0)
        return probe_main(argc - 1, argv + 1, environ);

    enum cli_result parsed = tool->parse(argc, argv, environ, &cfg);
    if (parsed != CLI_RUN)
        return parsed == CLI_DONE ? 0 : cfg.rules.failure_exit;
    if (cli_check(&cfg) != 0)
        return cfg.rules.failure_exit;
    if (signals_take_over(&signals, cfg.rules.reset_ignored) != 0)
        return cfg.rules.failure_exit;
    cli_scrub_environment();
    if (secrets_load(&cfg) != 0) /* as root: secret files are often 0400 root */
        return cfg.rules.failure_exit;
    struct identity user;
    if (resolve_user(&cfg, &user) != 0)
        return cfg.rules.failure_exit;
    int prepared = permissions_check(&cfg, &user);
    if (prepared == 0)
        prepared = prepare_volumes(&cfg, &user);
    if (prepared == 0)
        prepared = drop_privileges(&cfg, &user);
    identity_free(&user);
    if (prepared != 0)
        return cfg.rules.failure_exit;
    if (supervise_prepare(&cfg, self, parent) != 0)
        return cfg.rules.failure_exit;
    int waited = wait_for_dependencies(&cfg, &signals);
    if (waited != 0)
        return waited;
    if (cfg.rules.pause)
        return supervise_pause(&signals, self) == 0 ? 0 : cfg.rules.failure_exit;
    if (program_start(&cfg, &signals.original_mask, &program) != 0)
        return cfg.rules.failure_exit;
    int status = supervise(&cfg, &signals, &program, self);
    return program_exit_code(&cfg, &program, status);
}
