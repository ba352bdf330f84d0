#include "volume_owner.h"

#include <stdio.h>
#include <string.h>

#include "volumes.h"

int volume_owner_resolve(const char *spec, const struct account_files *files, uint32_t *uid,
                         uint32_t *gid, char *why, size_t why_size)
{
    char user[256];
    const char *colon = strchr(spec, ':');
    size_t user_len = colon ? (size_t)(colon - spec) : strlen(spec);
    *uid = *gid = VOLUME_KEEP_ID;
    if (user_len >= sizeof(user) || (user_len == 0 && (!colon || colon[1] == '\0'))) {
        snprintf(why, why_size,
                 "'%s' is not USER, USER:GROUP or :GROUP: give one, as in app, app:web or :web",
                 spec);
        return -1;
    }
    memcpy(user, spec, user_len);
    user[user_len] = '\0';
    if (user_len > 0) {
        struct identity id;
        if (user_lookup(user, files, &id, why, why_size) != 0)
            return -1;
        *uid = id.uid;
        identity_free(&id);
    }
    if (colon) {
        gid_t group;
        if (group_lookup(colon + 1, files, &group, why, why_size) != 0)
            return -1;
        *gid = group;
    }
    return 0;
}
