/* USER[:GROUP] and group lists, resolved from the image's own /etc/passwd and /etc/group
 * (no NSS: a static binary has none, and many images have no NSS modules either). */
#ifndef WARDEN_USERS_H
#define WARDEN_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define IDENTITY_TEXT_MAX 4096

struct account_files {
    const char *passwd; /* "/etc/passwd" */
    const char *group;  /* "/etc/group" */
};

/* The running image's own files: what every tool warden answers as reads. */
extern const struct account_files image_accounts;

struct identity {
    uid_t uid;
    gid_t gid;
    bool has_name; /* a passwd entry was found: name and home are set */
    char name[256];
    char home[IDENTITY_TEXT_MAX];
    char shell[IDENTITY_TEXT_MAX]; /* "" when the entry names none */
    gid_t *groups;                 /* supplementary groups, malloc'd, sorted, each once */
    size_t group_count;
    size_t group_capacity; /* how many groups fits before it grows */
};

/* Resolves spec ("app", "1000", "app:staff", "1000:1000", ":staff") and the supplementary
 * groups: group_list when given (comma-separated names or numbers, "" for none), else
 * every group that lists the user, plus the primary group. current_uid stands for an
 * empty user part. On failure returns -1 with the reason in why. */
int identity_resolve(const char *spec, const char *group_list, uid_t current_uid,
                     const struct account_files *files, struct identity *out, char *why,
                     size_t why_size);

/* The rules of gosu and su-exec, for those personalities: a number with no passwd entry
 * keeps the caller's gid; the supplementary groups are those listing the user (gosu), plus
 * the primary group (su-exec); with USER:GROUP, none (gosu) or GROUP alone (su-exec). */
int identity_resolve_gosu(const char *spec, uid_t current_uid, gid_t current_gid,
                          bool su_exec_rules, const struct account_files *files,
                          struct identity *out, char *why, size_t why_size);

/* The pieces one at a time, as setpriv takes them. A user: name first, then number (an
 * entry for the number fills the rest); -1 with why for neither. */
int user_lookup(const char *text, const struct account_files *files, struct identity *out,
                char *why, size_t why_size);
/* The passwd entry of uid: 0 and has_name when found, 0 without it when there is none. */
int user_lookup_uid(uid_t uid, const struct account_files *files, struct identity *out, char *why,
                    size_t why_size);
/* A group: name first, then number. */
int group_lookup(const char *text, const struct account_files *files, gid_t *gid, char *why,
                 size_t why_size);
/* Appends the groups of a comma-separated list (names or numbers) to id's groups. */
int groups_append_list(const char *list, const struct account_files *files, struct identity *id,
                       char *why, size_t why_size);
/* initgroups: id's primary group and every group that lists its name. */
int groups_append_initial(const struct account_files *files, struct identity *id, char *why,
                          size_t why_size);

void identity_free(struct identity *id);

/* A uid or gid written as a number: decimal digits, at most 4294967294. */
int parse_id_number(const char *text, unsigned int *out);

#endif
