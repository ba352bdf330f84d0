#include "users.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"

/* (uid_t)-1 means "unchanged" to setresuid; no id may take that value. */
#define ID_NUMBER_MAX 4294967294ul

int parse_id_number(const char *text, unsigned int *out)
{
    unsigned long value;
    if (parse_unsigned(text, ID_NUMBER_MAX, &value) != 0)
        return -1;
    *out = (unsigned int)value;
    return 0;
}

enum lookup { LOOKUP_FOUND, LOOKUP_MISSING, LOOKUP_ERROR };

#define NAME_TOO_LONG "the %s name is longer than %zu bytes: give its number instead"

/* An account file that exists but cannot be read (errno says why). */
static int unreadable(const char *path, char *why, size_t why_size)
{
    return say_why(why, why_size,
                   "unable to read %s: %s: make it readable (mode 0644, as images ship it)", path,
                   strerror(errno));
}

/* by_name: match pw_name == name; else match pw_uid == uid. */
const struct account_files image_accounts = {"/etc/passwd", "/etc/group"};

static enum lookup find_passwd(const char *path, const char *name, uid_t uid, struct identity *out)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? LOOKUP_MISSING : LOOKUP_ERROR;
    struct passwd *pw;
    enum lookup result = LOOKUP_MISSING;
    while ((pw = fgetpwent(f))) {
        /* glibc leaves fields NULL for NIS compat lines ("+", "+name"): not real users. */
        if (!pw->pw_name || !pw->pw_name[0] || pw->pw_name[0] == '+' || pw->pw_name[0] == '-')
            continue;
        const char *home = pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : "/";
        if (name ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == uid) {
            if (strlen(pw->pw_name) >= sizeof(out->name) || strlen(home) >= sizeof(out->home))
                continue;
            out->uid = pw->pw_uid;
            out->gid = pw->pw_gid;
            out->has_name = true;
            strcpy(out->name, pw->pw_name);
            strcpy(out->home, home);
            out->shell[0] = '\0';
            if (pw->pw_shell && strlen(pw->pw_shell) < sizeof(out->shell))
                strcpy(out->shell, pw->pw_shell);
            result = LOOKUP_FOUND;
            break;
        }
    }
    fclose(f);
    return result;
}

static enum lookup find_group(const char *path, const char *name, gid_t *gid)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? LOOKUP_MISSING : LOOKUP_ERROR;
    struct group *gr;
    enum lookup result = LOOKUP_MISSING;
    while ((gr = fgetgrent(f))) {
        if (gr->gr_name && gr->gr_name[0] != '+' && gr->gr_name[0] != '-' &&
            strcmp(gr->gr_name, name) == 0) {
            *gid = gr->gr_gid;
            result = LOOKUP_FOUND;
            break;
        }
    }
    fclose(f);
    return result;
}

/* The kernel's own limit on supplementary groups (NGROUPS_MAX). */
#define GROUPS_MAX 65536

/* Keeps the groups sorted (the kernel sorts them anyway), so that a group already there is
 * found by bisection: a user listed in tens of thousands of groups costs no quadratic scan. */
static int add_group(struct identity *id, gid_t gid, char *why, size_t why_size)
{
    size_t low = 0, high = id->group_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (id->groups[middle] < gid)
            low = middle + 1;
        else
            high = middle;
    }
    if (low < id->group_count && id->groups[low] == gid)
        return 0;
    if (id->group_count >= GROUPS_MAX)
        return say_why(why, why_size,
                       "more than %d supplementary groups (the kernel's limit): list the user "
                       "in fewer groups in the image's /etc/group",
                       GROUPS_MAX);
    if (id->group_count == id->group_capacity) {
        size_t capacity = id->group_capacity ? 2 * id->group_capacity : 16;
        gid_t *grown = realloc(id->groups, capacity * sizeof(gid_t));
        if (!grown)
            return say_why(why, why_size, "out of memory");
        id->groups = grown;
        id->group_capacity = capacity;
    }
    memmove(id->groups + low + 1, id->groups + low, (id->group_count - low) * sizeof(gid_t));
    id->groups[low] = gid;
    id->group_count++;
    return 0;
}

/* A group given as a name (tried first) or a number. */
static int resolve_group(const char *text, const struct account_files *files, gid_t *gid, char *why,
                         size_t why_size)
{
    unsigned int number;
    switch (find_group(files->group, text, gid)) {
    case LOOKUP_FOUND:
        return 0;
    case LOOKUP_ERROR:
        return unreadable(files->group, why, why_size);
    case LOOKUP_MISSING:
        break;
    }
    if (parse_id_number(text, &number) == 0) {
        *gid = number;
        return 0;
    }
    return say_why(why, why_size,
                   "unknown group '%s' (not in %s, not a number): add it to the image "
                   "(groupadd) or give its number",
                   text, files->group);
}

static int groups_listing_user(const struct identity *id, const struct account_files *files,
                               struct identity *out, char *why, size_t why_size)
{
    FILE *f = fopen(files->group, "re");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        return unreadable(files->group, why, why_size);
    }
    struct group *gr;
    int rc = 0;
    while (rc == 0 && (gr = fgetgrent(f))) {
        if (!gr->gr_name || gr->gr_name[0] == '+' || gr->gr_name[0] == '-')
            continue;
        for (char **member = gr->gr_mem; member && *member; member++) {
            if (strcmp(*member, id->name) == 0) {
                rc = add_group(out, gr->gr_gid, why, why_size);
                break;
            }
        }
    }
    fclose(f);
    return rc;
}

static int resolve_group_list(const char *list, const struct account_files *files,
                              struct identity *out, char *why, size_t why_size)
{
    char item[256];
    const char *p;
    size_t len;
    if (*list == '\0')
        return 0;
    for (const char *cursor = list; list_next(&cursor, &p, &len);) {
        gid_t gid = 0;
        if (len == 0)
            return say_why(why, why_size,
                           "empty group name in '%s': separate the groups with single commas, "
                           "as in video,audio",
                           list);
        if (len >= sizeof(item))
            return say_why(why, why_size,
                           "a group name in the list is longer than %zu bytes: give its number "
                           "instead",
                           sizeof(item) - 1);
        memcpy(item, p, len);
        item[len] = '\0';
        if (resolve_group(item, files, &gid, why, why_size) != 0 ||
            add_group(out, gid, why, why_size) != 0)
            return -1;
    }
    return 0;
}

static int resolve_user(const char *user, uid_t current_uid, const struct account_files *files,
                        struct identity *out, char *why, size_t why_size)
{
    unsigned int number;
    enum lookup found;
    if (*user == '\0') {
        found = find_passwd(files->passwd, NULL, current_uid, out);
        out->uid = current_uid;
    } else {
        found = find_passwd(files->passwd, user, 0, out);
        if (found == LOOKUP_MISSING) {
            if (parse_id_number(user, &number) != 0)
                return say_why(why, why_size,
                               "unknown user '%s' (not in %s, not a number): add it to the "
                               "image (useradd) or give its number",
                               user, files->passwd);
            /* A number may still have an entry, which then gives its group and home. */
            found = find_passwd(files->passwd, NULL, number, out);
            out->uid = number;
        }
    }
    if (found == LOOKUP_ERROR)
        return unreadable(files->passwd, why, why_size);
    return 0;
}

int identity_resolve(const char *spec, const char *group_list, uid_t current_uid,
                     const struct account_files *files, struct identity *out, char *why,
                     size_t why_size)
{
    char user[256];
    const char *colon = strchr(spec, ':');
    size_t user_len = colon ? (size_t)(colon - spec) : strlen(spec);

    memset(out, 0, sizeof(*out));
    if (*spec == '\0')
        return say_why(why, why_size, "empty user: give a name or number, as in app or 1000");
    if (user_len >= sizeof(user))
        return say_why(why, why_size, NAME_TOO_LONG, "user", sizeof(user) - 1);
    if (colon && (colon[1] == '\0' || strchr(colon + 1, ':')))
        return say_why(why, why_size,
                       "'%s' is not USER[:GROUP]: give a name or number, as in app or 1000:1000",
                       spec);
    memcpy(user, spec, user_len);
    user[user_len] = '\0';

    if (resolve_user(user, current_uid, files, out, why, why_size) != 0)
        return -1;
    if (colon) {
        if (resolve_group(colon + 1, files, &out->gid, why, why_size) != 0)
            return -1;
    } else if (!out->has_name) {
        /* gosu and su-exec would keep the caller's gid here: 0 when root. */
        return say_why(why, why_size, "user %u has no entry in %s: give its group too, as %u:GROUP",
                       out->uid, files->passwd, out->uid);
    }
    if (!out->has_name)
        strcpy(out->home, "/");

    int rc;
    if (group_list) {
        rc = resolve_group_list(group_list, files, out, why, why_size);
    } else {
        rc = add_group(out, out->gid, why, why_size);
        if (rc == 0 && out->has_name)
            rc = groups_listing_user(out, files, out, why, why_size);
    }
    if (rc != 0) {
        identity_free(out);
        return -1;
    }
    return 0;
}

/* USER and GROUP of a gosu or su-exec spec into user and group ("" when absent). gosu
 * reads it as `docker --user` does: the first two ':'-separated fields (more are not
 * read), an empty USER meaning the caller and an empty GROUP none. su-exec takes exactly
 * USER[:GROUP]. */
static int split_switch_spec(const char *spec, bool su_exec_rules, char *user, char *group,
                             size_t size, char *why, size_t why_size)
{
    const char *colon = strchr(spec, ':');
    const char *group_start = colon ? colon + 1 : spec + strlen(spec);
    const char *group_end = strchr(group_start, ':');
    size_t user_len = colon ? (size_t)(colon - spec) : strlen(spec);
    size_t group_len = group_end ? (size_t)(group_end - group_start) : strlen(group_start);

    if (su_exec_rules && (*spec == '\0' || (colon && (colon[1] == '\0' || group_end))))
        return say_why(why, why_size,
                       "'%s' is not USER[:GROUP]: give a name or number, as in app or 1000:1000",
                       spec);
    if (user_len >= size || group_len >= size)
        return say_why(why, why_size, NAME_TOO_LONG, user_len >= size ? "user" : "group", size - 1);
    memcpy(user, spec, user_len);
    user[user_len] = '\0';
    memcpy(group, group_start, group_len);
    group[group_len] = '\0';
    return 0;
}

int identity_resolve_gosu(const char *spec, uid_t current_uid, gid_t current_gid,
                          bool su_exec_rules, const struct account_files *files,
                          struct identity *out, char *why, size_t why_size)
{
    char user[256], group[256];

    memset(out, 0, sizeof(*out));
    if (split_switch_spec(spec, su_exec_rules, user, group, sizeof(user), why, why_size) != 0)
        return -1;
    if (resolve_user(user, current_uid, files, out, why, why_size) != 0)
        return -1;
    if (!out->has_name) {
        /* Their rule, kept for compatibility: a bare number keeps the caller's gid. */
        out->gid = current_gid;
        strcpy(out->home, "/");
    }
    /* gosu: the groups that list the user, nothing more (none with an explicit group or a
     * bare number). su-exec: getgrouplist, which adds the primary group, or just GROUP. */
    int rc = 0;
    if (*group)
        rc = resolve_group(group, files, &out->gid, why, why_size);
    if (rc == 0 && su_exec_rules)
        rc = add_group(out, out->gid, why, why_size);
    if (rc == 0 && !*group && out->has_name)
        rc = groups_listing_user(out, files, out, why, why_size);
    if (rc != 0) {
        identity_free(out);
        return -1;
    }
    return 0;
}

int user_lookup(const char *text, const struct account_files *files, struct identity *out,
                char *why, size_t why_size)
{
    memset(out, 0, sizeof(*out));
    if (*text == '\0')
        return say_why(why, why_size, "empty user: give a name or number, as in app or 1000");
    return resolve_user(text, 0, files, out, why, why_size);
}

int user_lookup_uid(uid_t uid, const struct account_files *files, struct identity *out, char *why,
                    size_t why_size)
{
    memset(out, 0, sizeof(*out));
    out->uid = uid;
    if (find_passwd(files->passwd, NULL, uid, out) == LOOKUP_ERROR)
        return unreadable(files->passwd, why, why_size);
    return 0;
}

int group_lookup(const char *text, const struct account_files *files, gid_t *gid, char *why,
                 size_t why_size)
{
    if (*text == '\0')
        return say_why(why, why_size, "empty group: give a name or number, as in app or 1000");
    return resolve_group(text, files, gid, why, why_size);
}

int groups_append_list(const char *list, const struct account_files *files, struct identity *id,
                       char *why, size_t why_size)
{
    if (*list == '\0')
        return say_why(why, why_size,
                       "empty group list: give names or numbers separated by commas, as in "
                       "video,audio");
    return resolve_group_list(list, files, id, why, why_size);
}

int groups_append_initial(const struct account_files *files, struct identity *id, char *why,
                          size_t why_size)
{
    if (add_group(id, id->gid, why, why_size) != 0)
        return -1;
    return groups_listing_user(id, files, id, why, why_size);
}

void identity_free(struct identity *id)
{
    free(id->groups);
    id->groups = NULL;
    id->group_count = 0;
    id->group_capacity = 0;
}
