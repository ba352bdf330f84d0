#include "program.h"

#include <string.h>
#include <unistd.h>

#include "exit_status.h"
#include "log.h"
#include "spawn.h"

int program_start(const struct config *cfg, const sigset_t *child_mask, struct program *out)
{
    struct spawn_request request = {
        .argv = cfg->command,
        .child_mask = child_mask,
        .new_session = cfg->rules.new_session,
        .give_terminal = !cfg->rules.new_session && spawn_should_give_terminal(),
    };
    out->exec_errno = 0;
    out->gave_terminal = false;
    switch (spawn_program(&request, &out->pid, &out->exec_errno)) {
    case SPAWN_FORK_FAILED:
        return -1;
    case SPAWN_EXEC_FAILED:
        log_error("unable to run '%s': %s", cfg->command[0], strerror(out->exec_errno));
        return 0;
    case SPAWN_STARTED:
        break;
    }
    out->gave_terminal = request.give_terminal;
    log_fields(LOG_LEVEL_INFO, (struct log_field[]){LOG_NUM("pid", out->pid)}, 1,
               "started '%s' as pid %ld", cfg->command[0], (long)out->pid);
    return 0;
}

int program_exit_code(const struct config *cfg, const struct program *program, int status)
{
    if (program->exec_errno)
        return cfg->rules.exec_failure_exit ? cfg->rules.exec_failure_exit
                                            : spawn_exec_failure_status(program->exec_errno);
    /* Hand the terminal back to warden's own group, as a shell expects of a finished job. */
    if (program->gave_terminal)
        tcsetpgrp(STDIN_FILENO, getpgrp());
    int code = exit_code_for_status(status);
    int remapped = exit_code_remapped(cfg, code);
    if (remapped != code)
        log_info("exit status %d remapped to %d", code, remapped);
    return remapped;
}
