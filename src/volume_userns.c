#include "volume_userns.h"

#include <fcntl.h>
#include <stdlib.h>

#include "procfile.h"

#define WHOLE_RANGE      4294967295ul
#define OVERFLOW_DEFAULT 65534u /* the kernel's default, if /proc/sys is not mounted */

/* A map covers the whole range only as a single line "0 0 4294967295" (the kernel merges
 * nothing: two lines always leave a part out, since each line's count is below 2^32). */
static bool whole_map(const char *path)
{
    char buf[4096];
    if (procfile_read(AT_FDCWD, path, buf, sizeof(buf)) < 0)
        return true; /* no /proc: no pre-walk, the walk itself still fails cleanly */
    char *end;
    unsigned long inside = strtoul(buf, &end, 10);
    unsigned long outside = strtoul(end, &end, 10);
    unsigned long count = strtoul(end, &end, 10);
    while (*end == ' ' || *end == '\n')
        end++;
    return inside == 0 && outside == 0 && count == WHOLE_RANGE && *end == '\0';
}

static uint32_t overflow_id(const char *path)
{
    char buf[32];
    if (procfile_read(AT_FDCWD, path, buf, sizeof(buf)) < 0)
        return OVERFLOW_DEFAULT;
    char *end;
    unsigned long id = strtoul(buf, &end, 10);
    return end == buf ? OVERFLOW_DEFAULT : (uint32_t)id;
}

bool userns_partial(uint32_t *uid, uint32_t *gid)
{
    if (whole_map("/proc/self/uid_map") && whole_map("/proc/self/gid_map"))
        return false;
    *uid = overflow_id("/proc/sys/kernel/overflowuid");
    *gid = overflow_id("/proc/sys/kernel/overflowgid");
    return true;
}
