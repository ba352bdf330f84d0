/* setpriv's capability options: the sets it changes that warden's own drop never does. */
#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

#include "caps.h"
#include "log.h"
#include "parse.h"
#include "setpriv.h"

unsigned int setpriv_last_cap(void)
{
    /* PR_CAPBSET_READ answers EINVAL past the last capability the kernel knows; the
     * answer cannot change while warden runs, so it is asked once. */
    static unsigned int last;
    if (last == 0)
        while (last + 1 < CAPS_MAX && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
            last++;
    return last;
}

/* "+cap,-cap,+all,-cap_N" applied in order to start. */
int setpriv_cap_changes(const char *option, const char *text, uint64_t start, uint64_t *out)
{
    unsigned int last = setpriv_last_cap();
    uint64_t known = last >= 63 ? ~0ull : (1ull << (last + 1)) - 1;
    uint64_t set = start;
    const char *p;
    size_t len;
    for (const char *cursor = text; list_next(&cursor, &p, &len);) {
        char name[64];
        if (len < 2 || len >= sizeof(name) || (p[0] != '+' && p[0] != '-')) {
            return setpriv_error("%s: '%s' is not a list of capability changes: give +NAME or "
                                 "-NAME, comma-separated, as in -all,+net_bind_service",
                                 option, text);
        }
        memcpy(name, p + 1, len - 1);
        name[len - 1] = '\0';
        uint64_t bits;
        unsigned long number;
        if (strcasecmp(name, "all") == 0) {
            bits = known;
        } else if (strncasecmp(name, "cap_", 4) == 0 &&
                   parse_unsigned(name + 4, last, &number) == 0) {
            bits = 1ull << number;
        } else {
            int cap = caps_from_name(name);
            if (cap < 0 || (unsigned int)cap > last)
                return setpriv_error("%s: unknown capability \"%s\": give a name from "
                                     "capabilities(7) without cap_, like net_bind_service, or "
                                     "cap_N for a number from 0 to %u",
                                     option, name, last);
            bits = 1ull << cap;
        }
        set = p[0] == '+' ? set | bits : set & ~bits;
    }
    *out = set;
    return 0;
}

int setpriv_set_inheritable(uint64_t wanted, char *why, size_t why_size)
{
    capng_clear(CAPNG_SELECT_ALL);
    if (capng_get_caps_process() != 0) {
        snprintf(why, why_size,
                 "unable to read the capability sets (capget): %s: allow capget in the "
                 "container's seccomp profile",
                 strerror(errno));
        return -1;
    }
    unsigned int last = setpriv_last_cap();
    for (unsigned int cap = 0; cap <= last; cap++)
        capng_update((wanted >> cap) & 1 ? CAPNG_ADD : CAPNG_DROP, CAPNG_INHERITABLE, cap);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
        snprintf(why, why_size,
                 "unable to set the inheritable capabilities (capset): %s: a capability becomes "
                 "inheritable only from the bounding set, and without CAP_SETPCAP only from the "
                 "permitted set: start setpriv as root, or ask only for capabilities it holds",
                 strerror(errno));
        return -1;
    }
    return 0;
}

int setpriv_set_ambient(uint64_t wanted, uint64_t *refused, char *why, size_t why_size)
{
    unsigned int last = setpriv_last_cap();
    *refused = 0;
    for (unsigned int cap = 0; cap <= last; cap++) {
        int is_set = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
        if (is_set < 0) {
            snprintf(why, why_size, "unable to read the ambient capabilities (prctl): %s",
                     strerror(errno));
            return -1;
        }
        bool want = (wanted >> cap) & 1;
        if (want == (is_set == 1))
            continue;
        if (!want) {
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, cap, 0, 0) != 0) {
                char buf[16];
                snprintf(why, why_size, "unable to lower the ambient capability %s (prctl): %s",
                         caps_name(cap, buf, sizeof(buf)), strerror(errno));
                return -1;
            }
        } else if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
            *refused |= 1ull << cap;
        }
    }
    return 0;
}
