#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "log.h"

int privdrop_refuse_setuid_install(void)
{
    /* The kernel sets AT_SECURE for every setuid, setgid or file-capability exec. */
    if (getauxval(AT_SECURE) != 0) {
        log_error("refusing to run: warden is installed setuid, setgid or with file "
                  "capabilities; install it as an ordinary executable");
        return -1;
    }
    return 0;
}

static int compare_gid(const void *a, const void *b)
{
    gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;
    return (x > y) - (x < y);
}

int privdrop_verify_groups(const gid_t *groups, size_t group_count, char *why, size_t why_size)
{
    int count = getgroups(0, NULL);
    if (count < 0 || (size_t)count != group_count) {
        snprintf(why, why_size, "%d supplementary groups, not %zu", count, group_count);
        return -1;
    }
    if (count == 0)
        return 0;
    gid_t *have = calloc((size_t)count, sizeof(gid_t));
    gid_t *want = calloc((size_t)count, sizeof(gid_t));
    int same = have && want && getgroups(count, have) == count;
    if (same) {
        memcpy(want, groups, (size_t)count * sizeof(gid_t));
        qsort(have, (size_t)count, sizeof(gid_t), compare_gid);
        qsort(want, (size_t)count, sizeof(gid_t), compare_gid);
        same = memcmp(have, want, (size_t)count * sizeof(gid_t)) == 0;
    }
    free(have);
    free(want);
    if (!same) {
        snprintf(why, why_size, "supplementary groups differ from the intent");
        return -1;
    }
    return 0;
}

static int verify_ids(const struct identity *id, char *why, size_t why_size)
{
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) {
        snprintf(why, why_size, "unable to read ids back: %s", strerror(errno));
        return -1;
    }
    if (ruid != id->uid || euid != id->uid || suid != id->uid) {
        snprintf(why, why_size, "uids are %u/%u/%u, not %u", ruid, euid, suid, id->uid);
        return -1;
    }
    if (rgid != id->gid || egid != id->gid || sgid != id->gid) {
        snprintf(why, why_size, "gids are %u/%u/%u, not %u", rgid, egid, sgid, id->gid);
        return -1;
    }
    if (privdrop_verify_groups(id->groups, id->group_count, why, why_size) != 0)
        return -1;
    if (id->uid != 0 && (setresuid(0, 0, 0) == 0 || setuid(0) == 0)) {
        snprintf(why, why_size, "root could be regained");
        return -1;
    }
    return 0;
}

/* The kernel refused an id change: what it takes, and what to give the container. */
static void id_change_refused(const char *what, const char *cap, const char *map)
{
    int err = errno;
    if (err == EPERM)
        log_error(
            "unable to %s: %s: it takes CAP_%s, and a seccomp profile and security module "
            "(AppArmor, SELinux) that allow the call: give the container CAP_%s (" CAPS_ENGINE_FIX
            "), and run it with the engine's default seccomp profile",
            what, strerror(err), cap, cap, cap, cap);
    else if (err == EINVAL)
        log_error("unable to %s: %s: the id does not exist in this user namespace: pick one "
                  "inside /proc/self/%s",
                  what, strerror(err), map);
    else
        log_unexpected(strerror(err), "%s", what);
}

int privdrop_switch(const struct identity *id, const struct cap_plan *plan)
{
    char why[256], what[64];
    bool to_root = id->uid == 0;

    if (!to_root && caps_before_switch(plan) != 0)
        return -1;
    if (setgroups(id->group_count, id->groups) != 0) {
        id_change_refused("set supplementary groups", "SETGID", "gid_map");
        return -1;
    }
    if (setresgid(id->gid, id->gid, id->gid) != 0) {
        snprintf(what, sizeof(what), "set group id %u", id->gid);
        id_change_refused(what, "SETGID", "gid_map");
        return -1;
    }
    if (setresuid(id->uid, id->uid, id->uid) != 0) {
        /* RLIMIT_NPROC no longer fails setuid (Linux 3.1+), but other reasons remain. */
        snprintf(what, sizeof(what), "set user id %u", id->uid);
        id_change_refused(what, "SETUID", "uid_map");
        return -1;
    }
    if (!to_root && caps_after_switch(plan) != 0)
        return -1;
    if (verify_ids(id, why, sizeof(why)) != 0 ||
        (!to_root && caps_verify(plan, why, sizeof(why)) != 0)) {
        log_error("privilege drop could not be verified: %s, although the kernel reported "
                  "success: a seccomp profile or security module of the container changes what "
                  "the calls do; warden will not run the program with privileges it was asked "
                  "to drop: run the container without that profile",
                  why);
        return -1;
    }
    log_info("now running as uid %u gid %u with %zu supplementary group%s%s", id->uid, id->gid,
             id->group_count, id->group_count == 1 ? "" : "s",
             plan->harden && !to_root ? ", no_new_privs, empty bounding set" : "");
    return 0;
}

int privdrop_set_environment(const struct identity *id)
{
    if (setenv("HOME", id->home, 1) != 0)
        return -1;
    if (id->has_name && (setenv("USER", id->name, 1) != 0 || setenv("LOGNAME", id->name, 1) != 0))
        return -1;
    return 0;
}

int privdrop_become(const struct identity *id, const struct cap_plan *plan)
{
    uid_t euid = geteuid();
    if (euid != 0) {
        /* permissions_check has said why already (main.c runs it first). */
        if (id->uid != euid || id->gid != getegid())
            return -1;
        log_info("already running as uid %u gid %u: nothing to switch", id->uid, id->gid);
    } else if (privdrop_switch(id, plan) != 0) {
        return -1;
    }
    if (privdrop_set_environment(id) != 0) {
        log_error("unable to set HOME, USER and LOGNAME: %s: " LOG_NO_MEMORY, strerror(errno));
        return -1;
    }
    return 0;
}
