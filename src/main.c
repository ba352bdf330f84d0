/* warden: the life of a container, in order. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "exit_status.h"
#include "log.h"
#include "personality.h"
#include "privdrop.h"
#include "probe.h"
#include "signals.h"
#include "spawn.h"
#include "supervise.h"
#include "users.h"
#include "volume_owner.h"
#include "volumes.h"

extern char **environ;

static const struct account_files image_accounts = {"/etc/passwd", "/etc/group"};

/* --chown, while warden is still root: to --chown-to's owner, else --user's (id). */
static int prepare_volumes(const struct config *cfg, const struct identity *id)
{
    struct volume_options options;
    char why[512];
    volume_options_init(&options);
    if (cfg->chown_to && volume_owner_resolve(cfg->chown_to, &image_accounts, &options.uid,
                                              &options.gid, why, sizeof(why)) != 0) {
        log_error("--chown-to %s: %s", cfg->chown_to, why);
        return -1;
    }
    if (!cfg->chown_to && id) {
        options.uid = id->uid;
        options.gid = id->gid;
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

/* The target of --user, read from the image's files while warden is still root. */
static int resolve_identity(const struct config *cfg, struct identity *id)
{
    char why[512];
    if (identity_resolve(cfg->user, cfg->groups_given ? cfg->groups : NULL, getuid(),
                         &image_accounts, id, why, sizeof(why)) != 0) {
        log_error("--user %s: %s", cfg->user, why);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct signal_state signals;
    pid_t self = getpid();

    /* Called as tini, gosu, ... (a link to warden), it answers as that tool. */
    enum personality persona = personality_detect(&argc, &argv);
    if (persona == PERSONA_UNKNOWN)
        return EXIT_WARDEN_FAILED;
    if (persona == PERSONA_GOSU || persona == PERSONA_SU_EXEC)
        return switch_user_main(persona, argc, argv);
    if (persona == PERSONA_SETPRIV)
        return setpriv_main(argc, argv);

    /* `warden probe URL` is a health check, not an init; `warden -- probe` runs a program
     * named probe. */
    if (argc >= 2 && strcmp(argv[1], "probe") == 0) {
        cli_configure_probe_logging(environ);
        return probe_main(argc - 1, argv + 1);
    }
    enum cli_result parsed;
    switch (persona) {
    case PERSONA_TINI:
        parsed = tini_parse(argc, argv, environ, &cfg);
        break;
    case PERSONA_DUMB_INIT:
        parsed = dumb_init_parse(argc, argv, environ, &cfg);
        break;
    case PERSONA_CATATONIT:
        parsed = catatonit_parse(argc, argv, environ, &cfg);
        break;
    default:
        parsed = cli_parse(argc, argv, environ, &cfg);
        break;
    }
    switch (parsed) {
    case CLI_DONE:
        return 0;
    case CLI_ERROR:
        return cfg.failure_exit;
    case CLI_RUN:
        break;
    }
    if (cli_check_required_environment(&cfg) != 0)
        return cfg.failure_exit;
    if (privdrop_refuse_setuid_install() != 0)
        return cfg.failure_exit;
    if (signals_take_over(&signals) != 0)
        return cfg.failure_exit;
    cli_scrub_environment();

    if (cfg.user) {
        struct identity identity;
        if (resolve_identity(&cfg, &identity) != 0)
            return cfg.failure_exit;
        int ready =
            prepare_volumes(&cfg, &identity) == 0 && privdrop_become(&identity, &cfg.caps) == 0;
        identity_free(&identity);
        if (!ready)
            return cfg.failure_exit;
    } else if (prepare_volumes(&cfg, NULL) != 0) {
        return cfg.failure_exit;
    }

    /* Only --pdeathsig needs to notice a parent that is gone before it is armed. */
    pid_t original_parent = cfg.pdeathsig ? getppid() : 0;
    if (supervise_prepare(&cfg, self, original_parent) != 0)
        return cfg.failure_exit;

    if (cfg.pause)
        return supervise_pause(&signals, self);

    struct spawn_request request = {
        .argv = cfg.command,
        .child_mask = &signals.original_mask,
        .new_session = cfg.new_session,
        .give_terminal = !cfg.new_session && spawn_should_give_terminal(),
    };
    pid_t child;
    int exec_errno = 0;
    switch (spawn_program(&request, &child, &exec_errno)) {
    case SPAWN_FORK_FAILED:
        return cfg.failure_exit;
    case SPAWN_EXEC_FAILED:
        log_error("unable to run '%s': %s", cfg.command[0], strerror(exec_errno));
        supervise(&cfg, &signals, child, self);
        return cfg.exec_failure_exit ? cfg.exec_failure_exit
                                     : spawn_exec_failure_status(exec_errno);
    case SPAWN_STARTED:
        log_fields(LOG_LEVEL_INFO, (struct log_field[]){LOG_NUM("pid", child)}, 1,
                   "started '%s' as pid %ld", cfg.command[0], (long)child);
        break;
    }

    int status = supervise(&cfg, &signals, child, self);

    /* Hand the terminal back to warden's own group, as a shell expects of a finished job. */
    if (request.give_terminal)
        tcsetpgrp(STDIN_FILENO, getpgrp());
    int code = exit_code_for_status(status);
    int remapped = exit_code_remapped(&cfg, code);
    if (remapped != code)
        log_info("exit status %d remapped to %d", code, remapped);
    return remapped;
}
