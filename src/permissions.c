/* Before anything changes: can warden do what the options ask? Each step would fail on
 * its own later (a chown's EPERM, a capset's EPERM), but by then a volume may be half
 * changed and the message names a system call instead of the reason (warden is not root;
 * the engine did not give it a capability) and the fix. The rules here are the kernel's
 * for the calls the later steps make, so nothing that works today is refused. */
#include "permissions.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "procfile.h"
#include "volume_owner.h"
#include "volumes.h"

static bool has(uint64_t set, unsigned int cap)
{
    return (set >> cap) & 1;
}

/* Not root: the only user warden can "switch" to is the one it already is, and it has no
 * capability to hand on unless the program would inherit it anyway (ambient). */
static int check_not_root(const struct config *cfg, const struct identity *user,
                          const struct cap_sets *sets)
{
    uid_t euid = geteuid();
    gid_t egid = getegid();
    if (user->uid != euid || user->gid != egid) {
        log_error("--user %s: warden runs as uid %u gid %u, not root, so it cannot switch to "
                  "uid %u gid %u: start the container as root (no docker run --user, no "
                  "runAsUser) and let warden switch, or leave --user out",
                  cfg->user, euid, egid, user->uid, user->gid);
        return -1;
    }
    for (size_t i = 0; i < cfg->caps.kept_count; i++) {
        char name[32];
        if (has(sets->ambient, cfg->caps.kept[i]))
            continue;
        log_error("--cap %s: warden runs as uid %u, not root, so it cannot hand capabilities to "
                  "the program: start the container as root and let warden switch to --user, "
                  "or leave --cap out",
                  caps_engine_name(cfg->caps.kept[i], name, sizeof(name)), euid);
        return -1;
    }
    return 0;
}

/* Whether id has a line of /proc/self/uid_map or gid_map ("inside outside count"): in a
 * rootless engine's user namespace only part of the ids exist. Unreadable: assumed. */
static bool id_mapped(const char *map, unsigned long id)
{
    char buf[4096];
    if (procfile_read(AT_FDCWD, map, buf, sizeof(buf)) < 0)
        return true;
    for (char *line = buf; *line;) {
        char *end;
        unsigned long inside = strtoul(line, &end, 10);
        strtoul(end, &end, 10);
        unsigned long count = strtoul(end, &end, 10);
        if (end == line)
            break;
        if (id >= inside && id - inside < count)
            return true;
        line = end + strspn(end, " \n");
    }
    return false;
}

/* A user namespace decides which ids exist, and whether setgroups(2) may be called at all
 * (an unprivileged "unshare -r" writes deny to /proc/self/setgroups). */
static int check_namespace(const struct config *cfg, const struct identity *user)
{
    char setgroups[16] = "";
    bool uid_ok = id_mapped("/proc/self/uid_map", user->uid);
    if (!uid_ok || !id_mapped("/proc/self/gid_map", user->gid)) {
        log_error("--user %s: %s %u does not exist in this user namespace (a rootless engine "
                  "maps only some ids): pick one inside /proc/self/%s, or map more ids to the "
                  "container (podman run --uidmap/--gidmap, /etc/subuid and /etc/subgid)",
                  cfg->user, uid_ok ? "gid" : "uid", uid_ok ? user->gid : user->uid,
                  uid_ok ? "gid_map" : "uid_map");
        return -1;
    }
    if (procfile_read(AT_FDCWD, "/proc/self/setgroups", setgroups, sizeof(setgroups)) > 0 &&
        strncmp(setgroups, "deny", 4) == 0) {
        log_error("--user %s: this user namespace forbids setting groups (/proc/self/setgroups "
                  "says deny), which switching users needs: start warden in one made by a "
                  "container engine, or by unshare --map-users/--map-groups, or leave --user out",
                  cfg->user);
        return -1;
    }
    return 0;
}

/* Root: the switch needs SETGID (setgroups, always) and SETUID (another uid), an empty
 * bounding set needs SETPCAP, and a kept capability must be there to keep. */
static int check_root(const struct config *cfg, const struct identity *user,
                      const struct cap_sets *sets)
{
    char name[32];
    bool to_root = user->uid == 0;
    uint64_t keep = 0;
    for (size_t i = 0; i < cfg->caps.kept_count && !to_root; i++) {
        unsigned int cap = cfg->caps.kept[i];
        keep |= 1ull << cap;
        if (has(sets->bounding, cap) && has(sets->permitted, cap))
            continue;
        caps_engine_name(cap, name, sizeof(name));
        log_error("--cap %s: the container does not have CAP_%s, so the program cannot keep "
                  "it: add it to the container (" CAPS_ENGINE_FIX ")",
                  name, name, name, name);
        return -1;
    }
    unsigned int needed[] = {CAP_SETGID, CAP_SETUID, CAP_SETPCAP};
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
        unsigned int cap = needed[i];
        if (has(sets->effective, cap) || (cap == CAP_SETUID && to_root) ||
            (cap == CAP_SETPCAP && (to_root || !cfg->caps.harden || !(sets->bounding & ~keep))))
            continue;
        caps_engine_name(cap, name, sizeof(name));
        log_error("--user %s: warden lacks CAP_%s, which %s: give it back (" CAPS_ENGINE_FIX ")%s",
                  cfg->user, name,
                  cap == CAP_SETPCAP ? "empties the bounding set for a non-root user"
                                     : "switching users needs",
                  name, name,
                  cap == CAP_SETPCAP
                      ? ", or keep the bounding set with --allow-privilege-escalation"
                      : ", or leave --user out");
        return -1;
    }
    return 0;
}

static bool in_my_groups(gid_t gid)
{
    gid_t groups[256];
    int count = getgroups(256, groups);
    if (gid == getegid())
        return true;
    for (int i = 0; i < count; i++)
        if (groups[i] == gid)
            return true;
    return false;
}

/* Without CAP_CHOWN, chown(2) lets the owner change only the group, to one of its own. */
static bool can_change(const struct stat *st, uint32_t uid, uint32_t gid)
{
    bool uid_ok = uid == VOLUME_KEEP_ID || uid == st->st_uid;
    bool gid_ok = gid == VOLUME_KEEP_ID || gid == st->st_gid || in_my_groups(gid);
    bool changes = !uid_ok || (gid != VOLUME_KEEP_ID && gid != st->st_gid);
    return !changes || (st->st_uid == geteuid() && uid_ok && gid_ok);
}

/* A --chown PATH whose top already needs a change that only CAP_CHOWN allows fails on its
 * first entry: say so before anything is walked. (Entries further down that differ still
 * fail in the walk, which then names the entry.) */
static int check_chown(const struct config *cfg, const struct identity *user,
                       const struct cap_sets *sets)
{
    uint32_t uid = cfg->user ? user->uid : VOLUME_KEEP_ID,
             gid = cfg->user ? user->gid : VOLUME_KEEP_ID;
    char why[256];
    if (cfg->chown_best_effort || has(sets->effective, CAP_CHOWN))
        return 0;
    if (cfg->chown_to &&
        volume_owner_resolve(cfg->chown_to, &image_accounts, &uid, &gid, why, sizeof(why)) != 0)
        return 0; /* the volume step says what is wrong with it */
    for (size_t i = 0; i < cfg->chown_count; i++) {
        struct stat st;
        const char *path = cfg->chown_paths[i];
        /* Missing or a link: the volume step creates it or refuses it. */
        if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISLNK(st.st_mode) ||
            can_change(&st, uid, gid))
            continue;
        uid_t euid = geteuid();
        char fix[160];
        if (euid == 0)
            snprintf(fix, sizeof(fix), "give it back (" CAPS_ENGINE_FIX ")", "CHOWN", "CHOWN");
        else
            snprintf(fix, sizeof(fix),
                     "start the container as root (no docker run --user, no "
                     "runAsUser) and let warden switch to --user");
        log_error("--chown %s: warden runs as uid %u%s and lacks CAP_CHOWN, so it cannot give "
                  "%s (owned by %u:%u) to %d:%d: %s, or give the volume its owner beforehand",
                  path, euid, euid == 0 ? "" : ", not root,", path, (unsigned)st.st_uid,
                  (unsigned)st.st_gid, uid == VOLUME_KEEP_ID ? -1 : (int)uid,
                  gid == VOLUME_KEEP_ID ? -1 : (int)gid, fix);
        return -1;
    }
    return 0;
}

int permissions_check(const struct config *cfg, const struct identity *user)
{
    struct cap_sets sets;
    char why[256];
    if (!cfg->user && cfg->chown_count == 0)
        return 0;
    if (caps_read_sets(&sets, why, sizeof(why)) != 0) {
        log_error("%s", why);
        return -1;
    }
    if (cfg->user && geteuid() != 0 && check_not_root(cfg, user, &sets) != 0)
        return -1;
    if (cfg->user && geteuid() == 0 &&
        (check_namespace(cfg, user) != 0 || check_root(cfg, user, &sets) != 0))
        return -1;
    return check_chown(cfg, user, &sets);
}
