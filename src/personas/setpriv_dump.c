/* setpriv --dump: the process's privilege state, line for line as util-linux prints it
 * (scripts grep these lines). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"
#include "personas.h"
#include "setpriv.h"
#include "signames.h"

static void print_caps(const char *label, uint64_t set)
{
    unsigned int last = setpriv_last_cap();
    const char *separator = "";
    printf("%s: ", label);
    if (set == 0)
        fputs("[none]", stdout);
    for (unsigned int cap = 0; cap <= last; cap++) {
        char buf[16];
        if ((set >> cap) & 1) {
            printf("%s%s", separator, caps_name(cap, buf, sizeof(buf)));
            separator = ",";
        }
    }
    putchar('\n');
}

/* setpriv goes on past a state it cannot read, leaving its lines out; so does warden. */
static void left_out(const char *what, const char *call)
{
    log_warn("setpriv: unable to read %s (%s): %s: the dump leaves it out; allow %s in the "
             "container's seccomp profile",
             what, call, strerror(errno), call);
}

static void print_groups(void)
{
    int count = getgroups(0, NULL);
    gid_t *groups = count > 0 ? calloc((size_t)count, sizeof(gid_t)) : NULL;
    if (count < 0 || (count > 0 && !groups) ||
        (count > 0 && (count = getgroups(count, groups)) < 0)) {
        left_out("the supplementary groups", "getgroups");
        free(groups);
        return;
    }
    fputs("Supplementary groups: ", stdout);
    if (count == 0)
        fputs("[none]", stdout);
    for (int i = 0; i < count; i++)
        printf("%s%u", i ? "," : "", (unsigned int)groups[i]);
    putchar('\n');
    free(groups);
}

static void print_securebits(int bits)
{
    static const char *const names[] = {
        "noroot",    "noroot_locked",    "no_setuid_fixup",      "no_setuid_fixup_locked",
        "keep_caps", "keep_caps_locked", "no_cap_ambient_raise", "no_cap_ambient_raise_locked",
    };
    const char *separator = "";
    fputs("Securebits: ", stdout);
    if (bits == 0)
        fputs("[none]", stdout);
    for (unsigned int bit = 0; bit < sizeof(names) / sizeof(names[0]); bit++) {
        if (bits & (1 << bit)) {
            printf("%s%s", separator, names[bit]);
            separator = ",";
        }
    }
    putchar('\n');
}

static void print_ids(int level)
{
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) != 0) {
        left_out("the uids", "getresuid");
    } else {
        printf("uid: %u\neuid: %u\n", (unsigned int)ruid, (unsigned int)euid);
        if (level >= 3)
            printf("suid: %u\n", (unsigned int)suid);
    }
    if (getresgid(&rgid, &egid, &sgid) != 0) {
        left_out("the gids", "getresgid");
    } else {
        printf("gid: %u\negid: %u\n", (unsigned int)rgid, (unsigned int)egid);
        if (level >= 3)
            printf("sgid: %u\n", (unsigned int)sgid);
    }
    print_groups();
    int no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (no_new_privs < 0)
        left_out("no_new_privs", "prctl");
    else
        printf("no_new_privs: %d\n", no_new_privs);
}

static void print_cap_sets(int level)
{
    struct cap_sets caps;
    char why[256];
    if (caps_read_sets(&caps, why, sizeof(why)) != 0) {
        log_warn("setpriv: %s: the dump leaves the capability sets out; mount /proc in the "
                 "container, or allow capget in the container's seccomp profile",
                 why);
        return;
    }
    if (level >= 2) {
        print_caps("Effective capabilities", caps.effective);
        print_caps("Permitted capabilities", caps.permitted);
    }
    print_caps("Inheritable capabilities", caps.inheritable);
    print_caps("Ambient capabilities", caps.ambient);
    print_caps("Capability bounding set", caps.bounding);
}

int setpriv_dump(int level)
{
    print_ids(level);
    print_cap_sets(level);
    int securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (securebits < 0)
        left_out("the securebits", "prctl");
    else
        print_securebits(securebits);
    int pdeathsig = 0;
    char name[32];
    if (prctl(PR_GET_PDEATHSIG, &pdeathsig) != 0)
        left_out("the parent death signal", "prctl");
    else
        printf("Parent death signal: %s\n",
               pdeathsig ? signal_to_name(pdeathsig, name, sizeof(name)) : "[none]");
    if (fflush(stdout) != 0) {
        log_error("setpriv: unable to write the dump: %s: check where standard output goes (a "
                  "full disk, a closed pipe)",
                  strerror(errno));
        return -1;
    }
    return 0;
}
