#include "hosts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int address_literal(const char *text, struct sockaddr_storage *out, socklen_t *out_len)
{
    memset(out, 0, sizeof(*out));
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        *out_len = sizeof(*v4);
        return 0;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        *out_len = sizeof(*v6);
        return 0;
    }
    return -1;
}

int hosts_lookup(const char *path, const char *name, struct sockaddr_storage *out,
                 socklen_t *out_len)
{
    FILE *f = fopen(path, "re");
    char line[1024];
    int found = -1;
    if (!f)
        return -1;
    while (found != 0 && fgets(line, sizeof(line), f)) {
        /* A line longer than the buffer is skipped whole. */
        if (!strchr(line, '\n') && !feof(f)) {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL, *address = strtok_r(line, " \t\r\n", &save);
        if (!address)
            continue;
        for (char *alias = strtok_r(NULL, " \t\r\n", &save); alias;
             alias = strtok_r(NULL, " \t\r\n", &save)) {
            if (strcasecmp(alias, name) == 0) {
                found = address_literal(address, out, out_len);
                break;
            }
        }
    }
    fclose(f);
    return found;
}
