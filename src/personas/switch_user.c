/* warden as gosu or su-exec: switch user and exec in place, with their rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "personas.h"
#include "privdrop.h"
#include "users.h"

/* Both tools exit 1 for every failure of their own. */
#define SWITCH_FAILED 1

static void switch_usage(const char *name, FILE *to)
{
    fprintf(to,
            "Usage: %s user-spec command [args]\n"
            "   eg: %s tianon bash\n"
            "       %s nobody:root bash -c 'whoami && id'\n"
            "       %s 1000:1 id\n\n"
            "%s (warden %s): switch to user-spec and exec command in place.\n",
            name, name, name, name, name, WARDEN_VERSION);
}

static int switch_user_main(bool is_gosu, int argc, char **argv)
{
    const char *name = is_gosu ? "gosu" : "su-exec";
    if (is_gosu && argc == 2) {
        const char *arg = argv[1];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "-?")) {
            switch_usage(name, stdout);
            return 0;
        }
        if (!strcmp(arg, "--version") || !strcmp(arg, "-v")) {
            printf("1.17 (warden %s)\n", WARDEN_VERSION);
            return 0;
        }
    }
    if (argc < 3) {
        log_error("%s: give a user and a command, as in %s app myserver (usage below)", name, name);
        switch_usage(name, stderr);
        return SWITCH_FAILED;
    }
    if (privdrop_refuse_setuid_install() != 0)
        return SWITCH_FAILED;

    struct identity id;
    char why[512];
    if (identity_resolve_gosu(argv[1], getuid(), getgid(), !is_gosu, &image_accounts, &id, why,
                              sizeof(why)) != 0) {
        log_error("%s: %s: %s", name, argv[1], why);
        return SWITCH_FAILED;
    }
    /* Their hardening, which is none: no no_new_privs, the bounding set as it is. */
    struct cap_plan plan = {.kept_count = 0, .harden = false};
    int rc = 0;
    if (geteuid() != 0) {
        if (id.uid != geteuid() || id.gid != getegid()) {
            log_error("%s: cannot switch to '%s': it runs as uid %u, not root, so it can only run "
                      "commands as that user; start it as root",
                      name, argv[1], (unsigned)geteuid());
            rc = -1;
        }
    } else {
        rc = privdrop_switch(&id, &plan);
    }
    /* Only memory runs out here. */
    if (rc == 0 && setenv("HOME", id.home, 1) != 0) {
        log_error("%s: unable to set HOME: %s: the container is out of memory: raise its memory "
                  "limit (docker run --memory; Kubernetes: resources.limits.memory)",
                  name, strerror(errno));
        rc = -1;
    }
    identity_free(&id);
    if (rc != 0)
        return SWITCH_FAILED;
    /* In place, so the command is looked up in PATH as the new user, like theirs. */
    /* gosu (Go) and su-exec (musl) run no file without #!. */
    persona_exec(name, argv + 2, false);
    return SWITCH_FAILED;
}

int gosu_main(int argc, char **argv)
{
    return switch_user_main(true, argc, argv);
}

int su_exec_main(int argc, char **argv)
{
    return switch_user_main(false, argc, argv);
}
