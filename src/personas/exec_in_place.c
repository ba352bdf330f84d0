/* The last step of gosu, su-exec and setpriv: exec the program in place, or say why not. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    if (err == ENOEXEC)
        return ": a script needs a #! line, and a binary one built for this machine";
    return "";
}

/* The file execvp ran for name: the first executable regular file along PATH. */
static const char *found_in_path(const char *name, char *buf, size_t size)
{
    if (strchr(name, '/'))
        return name;
    const char *path = getenv("PATH");
    /* An empty entry is the current directory. */
    for (const char *dir = path && *path ? path : "/bin:/usr/bin";; dir++) {
        size_t len = strcspn(dir, ":");
        struct stat st;
        if (snprintf(buf, size, "%.*s/%s", len ? (int)len : 1, len ? dir : ".", name) < (int)size &&
            access(buf, X_OK) == 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode))
            return buf;
        dir += len;
        if (*dir == '\0')
            return NULL;
    }
}

/* glibc's execvp, which setpriv uses, hands a file without #! to /bin/sh; musl's does not. */
static void run_with_shell(char **command)
{
    char buf[PATH_MAX];
    const char *file = found_in_path(command[0], buf, sizeof(buf));
    size_t count = 0;
    while (command[count])
        count++;
    char **argv = file ? calloc(count + 2, sizeof(char *)) : NULL;
    if (!argv)
        return;
    argv[0] = "/bin/sh";
    argv[1] = (char *)file;
    memcpy(argv + 2, command + 1, count * sizeof(char *)); /* the arguments and the NULL */
    execv("/bin/sh", argv);
    free(argv);
}

int persona_exec(const char *tool, char **command, bool shell_fallback)
{
    execvp(command[0], command);
    int err = errno;
    if (err == ENOEXEC && shell_fallback)
        run_with_shell(command); /* returns only if that failed too: ENOEXEC tells most */
    log_error("%s: unable to run '%s': %s%s", tool, command[0], strerror(err),
              exec_advice(command[0], err));
    return err;
}
