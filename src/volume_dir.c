#include "volume_dir.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* One record of getdents64(2), as the kernel lays it out (neither libc here declares it
 * under this name: glibc has getdents64() only from 2.30, musl a struct dirent of its own). */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen; /* the whole record, name and padding included */
    unsigned char d_type;
    char d_name[]; /* NUL-terminated */
};

static int is_dot_or_dotdot(const char *name)
{
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

static int append_name(struct dir_names *d, size_t *capacity, const char *name)
{
    size_t len = strlen(name) + 1;
    if (d->len + len > *capacity) {
        size_t grown_capacity = *capacity ? *capacity * 2 : 4096;
        while (grown_capacity < d->len + len)
            grown_capacity *= 2;
        char *grown = realloc(d->names, grown_capacity);
        if (!grown)
            return -1;
        d->names = grown;
        *capacity = grown_capacity;
    }
    memcpy(d->names + d->len, name, len);
    d->len += len;
    return 0;
}

static int read_all(int fd, struct dir_names *d)
{
    /* Aligned for the records' 64-bit fields. */
    union {
        struct linux_dirent64 first;
        char bytes[32768];
    } buf;
    size_t capacity = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf.bytes, sizeof(buf.bytes));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (int)n;
        for (long off = 0; off < n;) {
            const struct linux_dirent64 *entry = (const void *)(buf.bytes + off);
            off += entry->d_reclen;
            if (!is_dot_or_dotdot(entry->d_name) && append_name(d, &capacity, entry->d_name))
                return -1;
        }
    }
}

int dir_read_names(int fd, struct dir_names *out)
{
    out->names = NULL;
    out->len = out->next = 0;
    if (read_all(fd, out) == 0)
        return 0;
    int err = errno;
    dir_names_free(out);
    errno = err;
    return -1;
}

const char *dir_next_name(struct dir_names *d)
{
    if (d->next >= d->len)
        return NULL;
    const char *name = d->names + d->next;
    d->next += strlen(name) + 1;
    return name;
}

size_t dir_names_left(const struct dir_names *d, size_t limit)
{
    size_t count = 0;
    for (size_t off = d->next; off < d->len && count < limit; count++)
        off += strlen(d->names + off) + 1;
    return count;
}

void dir_names_free(struct dir_names *d)
{
    free(d->names);
    d->names = NULL;
    d->len = d->next = 0;
}
