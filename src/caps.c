/* Capabilities, in two vocabularies with one rule: libcap-ng for what it owns (the
 * capability sets themselves, applied with capset, and capability names), prctl for the
 * per-process flags libcap-ng reaches only through /proc/PID (the bounding set, the ambient
 * read-back, keep-caps, no_new_privs). /proc/PID names another process in a PID namespace
 * without its own /proc, and warden is often PID 1 of exactly such a namespace. */
#include "caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include "log.h"
#include "parse.h"
#include "procfile.h"

static bool plan_keeps(const struct cap_plan *plan, unsigned int cap)
{
    for (size_t i = 0; i < plan->kept_count; i++)
        if (plan->kept[i] == cap)
            return true;
    return false;
}

int caps_parse_list(const char *list, struct cap_plan *plan, char *why, size_t why_size)
{
    const char *p;
    size_t len;
    for (const char *cursor = list; list_next(&cursor, &p, &len);) {
        char name[64] = {0};
        if (len == 0 || len >= sizeof(name)) {
            snprintf(why, why_size,
                     "'%s' is not a list of capability names: give names separated by commas, "
                     "like NET_BIND_SERVICE,CHOWN",
                     list);
            return -1;
        }
        for (size_t i = 0; i < len; i++) {
            char c = p[i];
            name[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        name[len] = '\0';
        const char *bare = strncmp(name, "cap_", 4) == 0 ? name + 4 : name;
        int cap = caps_from_name(bare);
        if (cap < 0 || cap >= CAPS_MAX) {
            snprintf(why, why_size,
                     "unknown capability '%.*s': give a name from capabilities(7), like "
                     "NET_BIND_SERVICE",
                     (int)len, p);
            return -1;
        }
        /* A name given twice is kept once, as setpriv takes it: kept[] then holds distinct
         * numbers below CAPS_MAX and cannot overflow. */
        if (!plan_keeps(plan, (unsigned int)cap))
            plan->kept[plan->kept_count++] = (unsigned int)cap;
    }
    return 0;
}

/* prctl's flags fail only where something outside warden forbids them. */
#define PRCTL_REFUSED "the container's seccomp profile refuses prctl"
#define SECUREBITS_LOCKED                                                                          \
    "what started warden locked the keep-capabilities flag (securebits), or " PRCTL_REFUSED

/* "NET_BIND_SERVICE,CHOWN": the kept capabilities as --cap names them. */
static const char *kept_names(const struct cap_plan *plan, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < plan->kept_count && used + 1 < size; i++) {
        char one[32];
        const char *name = caps_engine_name(plan->kept[i], one, sizeof(one));
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i > 0 ? "," : "", name);
    }
    return buf;
}

int caps_before_switch(const struct cap_plan *plan)
{
    if (plan->kept_count > 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
        log_error("unable to keep capabilities across the user switch: %s: " SECUREBITS_LOCKED
                  "; start warden without either, or leave --cap out",
                  strerror(errno));
        return -1;
    }
    if (!plan->harden)
        return 0;
    uint64_t keep = 0;
    for (size_t i = 0; i < plan->kept_count; i++)
        keep |= 1ull << plan->kept[i];
    char why[256];
    if (caps_limit_bounding(keep, why, sizeof(why)) != 0) {
        log_error(
            "unable to empty the capability bounding set: %s: it takes CAP_SETPCAP, and a "
            "seccomp profile that allows prctl: give the container CAP_SETPCAP (" CAPS_ENGINE_FIX
            "), or keep the bounding set with --allow-privilege-escalation",
            why, "SETPCAP", "SETPCAP");
        return -1;
    }
    return 0;
}

int caps_after_switch(const struct cap_plan *plan)
{
    char names[256];
    /* Inheritable capabilities survive a uid change: clear them explicitly. Ambient ones
     * carry the kept capabilities through the exec of an ordinary binary. */
    capng_clear(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT);
    for (size_t i = 0; i < plan->kept_count; i++) {
        capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_INHERITABLE,
                     plan->kept[i]);
        capng_update(CAPNG_ADD, CAPNG_AMBIENT, plan->kept[i]);
    }
    if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
        log_error("--cap %s: unable to set capabilities: %s: the container must hold each of "
                  "them (docker/podman run --cap-add NAME; Kubernetes: "
                  "securityContext.capabilities.add), and its seccomp profile and security "
                  "module (AppArmor, SELinux) must allow capset",
                  kept_names(plan, names, sizeof(names)), strerror(errno));
        return -1;
    }
    if (capng_apply(CAPNG_SELECT_AMBIENT) != 0) {
        log_error("--cap %s: unable to set ambient capabilities: %s: what started warden forbade "
                  "raising them (securebits), or " PRCTL_REFUSED
                  "; start warden without either, or leave --cap out",
                  kept_names(plan, names, sizeof(names)), strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
        log_error("unable to reset keep-capabilities: %s: " SECUREBITS_LOCKED
                  "; start warden without either, or leave --cap out",
                  strerror(errno));
        return -1;
    }
    if (plan->harden && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        log_error("unable to set no_new_privs: %s: " PRCTL_REFUSED
                  "; allow it, or pass --allow-privilege-escalation to run without no_new_privs",
                  strerror(errno));
        return -1;
    }
    return 0;
}

/* Every set of the calling process from one read of /proc/self/status (libcap-ng reads
 * /proc/PID, which in a PID namespace without its own /proc shows another process, and
 * reads it again for every call). Without /proc: capget, and prctl per capability. */
static int read_sets(struct cap_sets *out)
{
    static const struct {
        const char *key;
        size_t offset;
    } fields[] = {
        {"\nCapInh:\t", offsetof(struct cap_sets, inheritable)},
        {"\nCapPrm:\t", offsetof(struct cap_sets, permitted)},
        {"\nCapEff:\t", offsetof(struct cap_sets, effective)},
        {"\nCapBnd:\t", offsetof(struct cap_sets, bounding)},
        {"\nCapAmb:\t", offsetof(struct cap_sets, ambient)},
    };
    char buf[4096];
    size_t found = 0;
    memset(out, 0, sizeof(*out));
    /* The five lines follow each other, CapInh first. */
    const char *line = procfile_read(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) > 0
                           ? strstr(buf, fields[0].key)
                           : NULL;
    while (line && found < sizeof(fields) / sizeof(fields[0]) &&
           strncmp(line, fields[found].key, strlen(fields[found].key)) == 0) {
        const char *end;
        uint64_t value;
        if (parse_hex_mask(line + strlen(fields[found].key), &value, &end) != 0)
            break;
        memcpy((char *)out + fields[found].offset, &value, sizeof(value));
        found++;
        line = end;
    }
    if (found == sizeof(fields) / sizeof(fields[0]))
        return 0;
    memset(out, 0, sizeof(*out));
    capng_clear(CAPNG_SELECT_ALL);
    if (capng_get_caps_process() != 0)
        return -1;
    for (unsigned int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
        uint64_t bit = 1ull << cap;
        if (capng_have_capability(CAPNG_EFFECTIVE, cap))
            out->effective |= bit;
        if (capng_have_capability(CAPNG_PERMITTED, cap))
            out->permitted |= bit;
        if (capng_have_capability(CAPNG_INHERITABLE, cap))
            out->inheritable |= bit;
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
            out->bounding |= bit;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
            out->ambient |= bit;
    }
    return 0;
}

int caps_verify(const struct cap_plan *plan, char *why, size_t why_size)
{
    struct cap_sets sets;
    if (read_sets(&sets) != 0) {
        snprintf(why, why_size, "unable to read capabilities back: %s", strerror(errno));
        return -1;
    }
    uint64_t bounding = sets.bounding, ambient = sets.ambient;
    for (unsigned int cap = 0; cap < 64; cap++) {
        bool kept = plan_keeps(plan, cap);
        char buf[16];
        const char *name = caps_name(cap, buf, sizeof(buf));
        if (((sets.effective >> cap) & 1) != kept || ((sets.permitted >> cap) & 1) != kept ||
            ((sets.inheritable >> cap) & 1) != kept) {
            snprintf(why, why_size, "capability %s is %s", name, kept ? "missing" : "still held");
            return -1;
        }
        if (((ambient >> cap) & 1) != kept) {
            snprintf(why, why_size, "ambient capability %s is %s", name,
                     kept ? "missing" : "still set");
            return -1;
        }
        if (plan->harden && !kept && ((bounding >> cap) & 1)) {
            snprintf(why, why_size, "capability %s is still in the bounding set", name);
            return -1;
        }
    }
    if (plan->harden && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
        snprintf(why, why_size, "no_new_privs is not set");
        return -1;
    }
    return 0;
}

/* libcap-ng learns the kernel's last capability on its first state call, and its name
 * lookups answer only up to it. Only the bounding-set state is touched here, which warden
 * never applies through libcap-ng. */
static void capng_ready(void)
{
    static bool ready;
    if (!ready) {
        capng_clear(CAPNG_SELECT_BOUNDS);
        ready = true;
    }
}

const char *caps_name(unsigned int cap, char *buf, size_t size)
{
    capng_ready();
    const char *name = capng_capability_to_name(cap);
    if (name)
        return name;
    snprintf(buf, size, "cap_%u", cap);
    return buf;
}

const char *caps_engine_name(unsigned int cap, char *buf, size_t size)
{
    char lower[32];
    const char *name = caps_name(cap, lower, sizeof(lower));
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        buf[i] = name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 'a' + 'A') : name[i];
    buf[i] = '\0';
    return buf;
}

int caps_from_name(const char *name)
{
    /* libcap-ng also reads numbers; a name is wanted here. */
    if (name[0] >= '0' && name[0] <= '9')
        return -1;
    capng_ready();
    return capng_name_to_capability(name);
}

int caps_read_sets(struct cap_sets *out, char *why, size_t why_size)
{
    if (read_sets(out) != 0) {
        snprintf(why, why_size, "unable to read capabilities: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int caps_limit_bounding(uint64_t keep, char *why, size_t why_size)
{
    /* PR_CAPBSET_READ answers EINVAL past the last capability the kernel knows. */
    for (unsigned int cap = 0; cap < CAPS_MAX; cap++) {
        int in_set = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (in_set < 0)
            break;
        if (in_set == 0 || (keep >> cap) & 1)
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            char buf[16];
            snprintf(why, why_size, "unable to drop %s from the bounding set: %s",
                     caps_name(cap, buf, sizeof(buf)), strerror(errno));
            return -1;
        }
    }
    return 0;
}
