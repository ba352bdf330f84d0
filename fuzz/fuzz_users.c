/* Input: passwd text \0 group text \0 USER[:GROUP] \0 [group list]. identity_resolve
 * over arbitrary account files and specs. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "users.h"

static int file_with(const char *data, size_t len, char *path, size_t path_size)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len)
        return -1;
    snprintf(path, path_size, "/proc/self/fd/%d", fd);
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *parts[4] = {NULL, NULL, NULL, NULL};
    size_t lens[4] = {0, 0, 0, 0};
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 4 && p <= end; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        parts[i] = p;
        lens[i] = nul ? (size_t)(nul - p) : (size_t)(end - p);
        p += lens[i] + 1;
        if (!nul)
            break;
    }
    if (!parts[2])
        return 0;
    char passwd_path[64], group_path[64], spec[512], list[512];
    int passwd_fd = file_with(parts[0], lens[0], passwd_path, sizeof(passwd_path));
    int group_fd = file_with(parts[1], lens[1], group_path, sizeof(group_path));
    if (passwd_fd >= 0 && group_fd >= 0 && lens[2] < sizeof(spec) && lens[3] < sizeof(list)) {
        memcpy(spec, parts[2], lens[2]);
        spec[lens[2]] = '\0';
        if (parts[3]) {
            memcpy(list, parts[3], lens[3]);
            list[lens[3]] = '\0';
        }
        struct account_files files = {passwd_path, group_path};
        struct identity id;
        char why[256];
        if (identity_resolve(spec, parts[3] ? list : NULL, 1000, &files, &id, why, sizeof(why)) ==
            0) {
            /* What was resolved must be self-consistent. */
            if (id.group_count > 65536 || (id.has_name && id.name[0] == '\0' && spec[0] != ':'))
                __builtin_trap();
            identity_free(&id);
        }
        if (identity_resolve_gosu(spec, 1000, 1000, lens[3] & 1, &files, &id, why, sizeof(why)) ==
            0)
            identity_free(&id);
    }
    if (passwd_fd >= 0)
        close(passwd_fd);
    if (group_fd >= 0)
        close(group_fd);
    return 0;
}
