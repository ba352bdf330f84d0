#include "program.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "exit_status.h"
#include "log.h"
#include "spawn.h"

/* dumb-init: the program started where warden was; warden itself holds no directory (and
 * so pins no mount). */
static void leave_working_directory(const struct config *cfg)
{
    if (cfg->rules.leave_cwd && chdir("/") != 0)
        log_warn("unable to change to /: %s: warden keeps its working directory, which stays in "
                 "use while it runs (the program is not affected)",
                 strerror(errno));
}

/* What to do about the failures a user meets: a name not found, a file not executable, a
 * binary for another machine. */
static const char *exec_hint(const char *command, int err)
{
    if (err == ENOENT)
        return strchr(command, '/') ? " (check the path, and for a script its #! line)"
                                    : " (check the name, or give its path; PATH is searched)";
    if (err == EACCES)
        return " (make it executable for the user it runs as: chmod +x; a script needs #!)";
    /* A file without #! goes to /bin/sh; what is left is a binary of another kind. */
    if (err == ENOEXEC)
        return " (a binary, or a script's #! interpreter, built for another architecture or "
               "damaged: use the image or build for this machine's)";
    return "";
}

int program_start(const struct config *cfg, const sigset_t *child_mask, struct program *out)
{
    struct spawn_request request = {
        .argv = cfg->command,
        .child_mask = child_mask,
        .new_session = cfg->rules.new_session,
        .give_terminal = !cfg->rules.new_session && spawn_should_give_terminal(),
        .set_umask = cfg->umask_given,
        .umask = (mode_t)cfg->umask,
        .shell_for_binaries = cfg->rules.shell_for_binaries,
    };
    out->exec_errno = 0;
    out->gave_terminal = false;
    out->stopped_unhealthy = false;
    out->failed = false;
    /* dumb-init: let go of the controlling terminal so that the program's new session can
     * take it. As session leader this makes the kernel send HUP and CONT to warden's group
     * on warden's behalf: they come in as warden's own signals and are not forwarded. */
    if (cfg->rules.new_session && isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCNOTTY) != 0)
        log_debug("unable to let go of the terminal: %s: it is not warden's controlling terminal; "
                  "the program gets it only where no other session holds it",
                  strerror(errno));
    switch (spawn_program(&request, &out->pid, &out->exec_errno)) {
    case SPAWN_FORK_FAILED:
        return -1;
    case SPAWN_EXEC_FAILED:
        log_error("unable to run '%s': %s%s", cfg->command[0], strerror(out->exec_errno),
                  exec_hint(cfg->command[0], out->exec_errno));
        leave_working_directory(cfg);
        return 0;
    case SPAWN_STARTED:
        break;
    }
    leave_working_directory(cfg);
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
    if (program->failed)
        return cfg->rules.failure_exit;
    if (program->stopped_unhealthy)
        return EXIT_UNHEALTHY;
    int code = exit_code_for_status(status);
    int remapped = exit_code_remapped(cfg, code);
    if (remapped != code)
        log_info("exit status %d remapped to %d", code, remapped);
    return remapped;
}
