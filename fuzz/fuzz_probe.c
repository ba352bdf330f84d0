/* The probe's parsers: URLs, HTTP status lines, /etc/hosts contents. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hosts.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    struct url u;
    char why[256];
    if (url_parse(text, &u, why, sizeof(why)) == 0) {
        /* Whatever is accepted must be safe to put in a request line. */
        for (const char *c = u.target; *c; c++)
            if (*c <= ' ' || *c == 0x7f)
                __builtin_trap();
        if ((u.scheme == URL_HTTP || u.scheme == URL_TCP) && (u.port == 0 || u.port > 65535))
            __builtin_trap();
    }
    int code = http_status_code((const char *)data, size);
    if (code != -1 && (code < 100 || code > 999))
        __builtin_trap();

    int fd = memfd_create("hosts", MFD_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, data, size) == (ssize_t)size) {
            char path[64];
            struct sockaddr_storage addr;
            socklen_t len;
            snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
            hosts_lookup(path, "app", &addr, &len);
            hosts_lookup(path, "localhost", &addr, &len);
        }
        close(fd);
    }
    free(text);
    return 0;
}
