/* Opening a volume's path safely: from /, one component at a time, never following a link. */
#ifndef WARDEN_VOLUME_OPEN_H
#define WARDEN_VOLUME_OPEN_H

#include <stdbool.h>
#include <sys/types.h>

/* Opens the absolute path, creating missing directories (mode 0755, given to uid:gid; -1
 * leaves that id as created). A link anywhere in the path is refused. The last component
 * may be a non-directory: then it is opened O_PATH and *is_dir is false. Returns the
 * descriptor (O_CLOEXEC), or -1 after logging one line naming the path. */
int volume_open(const char *path, uid_t uid, gid_t gid, bool *is_dir);

#endif
