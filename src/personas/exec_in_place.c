/* The last step of gosu, su-exec and setpriv: exec the program in place, or say why not. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "personas.h"

/* The two failures a user meets, and what to look at for each. */
static const char *exec_advice(const char *command, int err)
{
    if (err == ENOENT)
        return strchr(command, '/') ? ": check the path, and for a script its #! interpreter"
                                    : ": check the name, or give its full path (PATH is "
                                      "searched after the switch)";
    if (err == EACCES)
        return ": make it executable for the user it runs as (chmod +x)";
    return "";
}

int persona_exec(const char *tool, char **command)
{
    execvp(command[0], command);
    int err = errno;
    log_error("%s: unable to run '%s': %s%s", tool, command[0], strerror(err),
              exec_advice(command[0], err));
    return err;
}
