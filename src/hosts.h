/* Names for `warden probe`, from /etc/hosts alone: no DNS, no NSS. */
#ifndef WARDEN_HOSTS_H
#define WARDEN_HOSTS_H

#include <sys/socket.h>

/* The first address listed for name (case-insensitive) in an /etc/hosts-style file.
 * 0 when found; -1 otherwise. The port of *out is left 0. */
int hosts_lookup(const char *path, const char *name, struct sockaddr_storage *out,
                 socklen_t *out_len);

/* An IPv4 or IPv6 literal; 0 when text is one. */
int address_literal(const char *text, struct sockaddr_storage *out, socklen_t *out_len);

#endif
