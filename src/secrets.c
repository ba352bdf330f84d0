/* --secret-env: the NAME_FILE convention of the official images' entrypoints, done once,
 * as root, before the drop. A value is never written anywhere but into the environment. */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

extern char **environ;

#define FILE_SUFFIX  "_FILE"
#define NAME_MAX_LEN 200

enum secret_problem secret_check(const char *data, size_t len)
{
    if (len > SECRET_MAX_BYTES)
        return SECRET_TOO_BIG;
    return memchr(data, '\0', len) ? SECRET_HAS_NUL : SECRET_OK;
}

size_t secret_trimmed_length(const char *data, size_t len)
{
    return len > 0 && data[len - 1] == '\n' ? len - 1 : len;
}

bool secret_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > NAME_MAX_LEN || (name[0] >= '0' && name[0] <= '9'))
        return false;
    if (env_is_warden(name))
        return false;
    for (const char *c = name; *c; c++)
        if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              (*c >= '0' && *c <= '9')))
            return false;
    return true;
}

size_t secret_directory_length(const char *spec)
{
    size_t len = strlen(spec);
    /* The root directory alone would take every NAME_FILE: no directory, no safety. */
    if (len < 4 || spec[0] != '/' || strcmp(spec + len - 2, "/*") != 0)
        return 0;
    if (memchr(spec, '*', len - 1) || len - 2 >= PATH_MAX)
        return 0;
    return len - 2;
}

/* One secret being read: NAME, NAME_FILE, the path it names, and the directory it must be
 * in (the DIR-star form; NULL for a NAME given by name). */
struct secret_ref {
    const char *name;
    char file_var[NAME_MAX_LEN + sizeof(FILE_SUFFIX)];
    const char *path;
    const char *directory;
};

__attribute__((format(printf, 2, 3))) static int refuse(const struct secret_ref *ref,
                                                        const char *fmt, ...);

/* The one error line: the variable and the file, never the value. */
static int refuse(const struct secret_ref *ref, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_error("--secret-env %s: %s", ref->name, why);
    return -1;
}

static const char *kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* The DIR-star form: the file opened (after every link) must lie in DIR (after every link),
 * so that a NAME_FILE that happens to name, or lead to, a file elsewhere is not read as
 * root. Checked on the open descriptor, which no later rename or link can change. */
static int check_inside(int fd, const struct secret_ref *ref)
{
    char link[64], opened[PATH_MAX], dir[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, opened, sizeof(opened) - 1);
    if (len < 0)
        return refuse(ref,
                      "unable to tell where %s=%s leads (%s: %s): mount /proc, where warden "
                      "checks that the file lies in %s",
                      ref->file_var, ref->path, link, strerror(errno), ref->directory);
    opened[len] = '\0';
    if (!realpath(ref->directory, dir))
        return refuse(ref, "unable to resolve %s: %s", ref->directory, strerror(errno));
    size_t dir_len = strlen(dir);
    if (strncmp(opened, dir, dir_len) == 0 && (opened[dir_len] == '/' || dir_len == 1))
        return 0;
    return refuse(ref,
                  "%s=%s leads to %s, outside %s; name %s in --secret-env to read a file "
                  "from elsewhere",
                  ref->file_var, ref->path, opened, ref->directory, ref->name);
}

/* Up to SECRET_MAX_BYTES + 1 bytes of fd (one more says "too big"). 0, or an errno. */
static int read_all(int fd, char *buf, size_t *len)
{
    size_t used = 0;
    while (used <= SECRET_MAX_BYTES) {
        ssize_t got = read(fd, buf + used, SECRET_MAX_BYTES + 1 - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return errno;
        if (got == 0)
            break;
        used += (size_t)got;
    }
    *len = used;
    return 0;
}

/* The open file's bytes into buf, when it is a regular file where it must be. */
static int read_opened(int fd, const struct secret_ref *ref, char *buf, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return refuse(ref, "unable to inspect %s=%s: %s: check the mount that holds the secret",
                      ref->file_var, ref->path, strerror(errno));
    /* A device or a FIFO has no size to check, and may never end. */
    if (!S_ISREG(st.st_mode))
        return refuse(ref, "%s=%s is %s; point %s at the secret's file", ref->file_var, ref->path,
                      kind_of(st.st_mode), ref->file_var);
    if (ref->directory && check_inside(fd, ref) != 0)
        return -1;
    int err = read_all(fd, buf, len);
    if (err != 0)
        return refuse(ref, "unable to read %s=%s: %s: check the mount that holds the secret",
                      ref->file_var, ref->path, strerror(err));
    return 0;
}

/* The file's bytes into buf (SECRET_MAX_BYTES + 2 long), checked and NUL-terminated. */
static int read_secret(const struct secret_ref *ref, char *buf, size_t *len)
{
    int fd;
    /* O_NONBLOCK: a FIFO named by mistake must not hang the start in open itself. */
    do
        fd = open(ref->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    /* Refused as root: a root-squashing or MAC-labelled mount; refused as anyone else:
     * warden was started as that user (runAsUser), and the file must be readable by it. */
    if (fd < 0 && errno == EACCES)
        return refuse(ref,
                      "unable to open %s=%s: %s (warden runs as uid %ld); make the file "
                      "readable by that user, or start warden as root",
                      ref->file_var, ref->path, strerror(errno), (long)geteuid());
    if (fd < 0)
        return refuse(ref, "unable to open %s=%s: %s; mount the secret there or correct %s",
                      ref->file_var, ref->path, strerror(errno), ref->file_var);
    int rc = read_opened(fd, ref, buf, len);
    close(fd);
    if (rc != 0)
        return -1;
    switch (secret_check(buf, *len)) {
    case SECRET_TOO_BIG:
        return refuse(ref, "%s=%s is larger than %zu KiB; a secret file holds the value alone",
                      ref->file_var, ref->path, SECRET_MAX_BYTES / 1024);
    case SECRET_HAS_NUL:
        return refuse(ref,
                      "%s=%s holds a NUL byte, which an environment variable cannot carry; "
                      "store the value as text (base64, say)",
                      ref->file_var, ref->path);
    case SECRET_OK:
        break;
    }
    *len = secret_trimmed_length(buf, *len);
    buf[*len] = '\0';
    return 0;
}

/* NAME from NAME_FILE's file; NAME_FILE unset. */
static int load_one(const char *name, const char *directory, char *buf)
{
    struct secret_ref ref = {.name = name, .directory = directory};
    snprintf(ref.file_var, sizeof(ref.file_var), "%s%s", name, FILE_SUFFIX);
    ref.path = getenv(ref.file_var);
    if (!ref.path || !*ref.path)
        return refuse(&ref,
                      "%s is %s; set it to the path of the file holding %s (where the secret "
                      "is mounted, e.g. under /run/secrets)",
                      ref.file_var, ref.path ? "empty" : "not set", name);
    /* As the images' file_env: an empty NAME counts as unset. */
    const char *direct = getenv(name);
    if (direct && *direct)
        return refuse(&ref,
                      "both %s and %s=%s are set; remove %s from the environment (the secret "
                      "comes from the file)",
                      name, ref.file_var, ref.path, name);
    size_t len = 0;
    int rc = read_secret(&ref, buf, &len);
    if (rc == 0 && setenv(name, buf, 1) != 0)
        rc = refuse(&ref, "unable to set it: %s", strerror(errno));
    explicit_bzero(buf, SECRET_MAX_BYTES + 2);
    if (rc != 0)
        return -1;
    log_fields(LOG_LEVEL_INFO,
               (struct log_field[]){LOG_STR("variable", name), LOG_STR("file", ref.path)}, 2,
               "%s set from %s=%s, which the program does not get", name, ref.file_var, ref.path);
    if (unsetenv(ref.file_var) != 0)
        return refuse(&ref, "unable to remove %s: %s", ref.file_var, strerror(errno));
    return 0;
}

/* The next NAME whose NAME_FILE names a path in dir (as written; check_inside looks where
 * it leads), into name; false when none is left. Each one found is then loaded, which
 * removes its NAME_FILE, or warden exits: the search ends. */
static bool next_in_directory(const char *dir, size_t dir_len, char *name, size_t size)
{
    for (char **entry = environ; entry && *entry; entry++) {
        const char *eq = strchr(*entry, '=');
        size_t suffix = strlen(FILE_SUFFIX);
        if (!eq || (size_t)(eq - *entry) <= suffix)
            continue;
        size_t name_len = (size_t)(eq - *entry) - suffix;
        if (name_len >= size || strncmp(*entry + name_len, FILE_SUFFIX, suffix) != 0)
            continue;
        if (strncmp(eq + 1, dir, dir_len) != 0 || eq[1 + dir_len] != '/')
            continue;
        memcpy(name, *entry, name_len);
        name[name_len] = '\0';
        if (secret_name_valid(name))
            return true;
    }
    return false;
}

static int load_directory(const char *spec, char *buf)
{
    char dir[PATH_MAX], name[NAME_MAX_LEN + 1];
    size_t dir_len = secret_directory_length(spec);
    memcpy(dir, spec, dir_len);
    dir[dir_len] = '\0';
    while (next_in_directory(dir, dir_len, name, sizeof(name)))
        if (load_one(name, dir, buf) != 0)
            return -1;
    return 0;
}

static bool named_before(const struct config *cfg, size_t index)
{
    for (size_t i = 0; i < index; i++)
        if (strcmp(cfg->secret_env[i], cfg->secret_env[index]) == 0)
            return true;
    return false;
}

int secrets_load(const struct config *cfg)
{
    if (cfg->secret_env_count == 0)
        return 0;
    char *buf = malloc(SECRET_MAX_BYTES + 2);
    if (!buf) {
        log_error("--secret-env: out of memory");
        return -1;
    }
    int rc = 0;
    /* Names first: a DIR-star then takes only what they left. */
    for (size_t i = 0; i < cfg->secret_env_count && rc == 0; i++)
        if (!secret_directory_length(cfg->secret_env[i]) && !named_before(cfg, i))
            rc = load_one(cfg->secret_env[i], NULL, buf);
    for (size_t i = 0; i < cfg->secret_env_count && rc == 0; i++)
        if (secret_directory_length(cfg->secret_env[i]))
            rc = load_directory(cfg->secret_env[i], buf);
    free(buf);
    return rc;
}
