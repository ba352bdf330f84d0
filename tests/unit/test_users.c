#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "users.h"

static char dir[64];
static char passwd_path[128], group_path[128];
static struct account_files files = {passwd_path, group_path};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    strcpy(dir, "/tmp/warden-users-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(passwd_path, sizeof(passwd_path), "%s/passwd", dir);
    snprintf(group_path, sizeof(group_path), "%s/group", dir);
    write_file(passwd_path, "root:x:0:0:root:/root:/bin/bash\n"
                            "this line is malformed\n"
                            "app:x:1000:1000:App:/home/app:/bin/sh\n"
                            "nohome:x:1001:1001:::\n"
                            "2000:x:3000:3000:numeric name:/srv/n:/bin/sh\n"
                            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    write_file(group_path, "root:x:0:\n"
                           "app:x:1000:\n"
                           "staff:x:50:app,other\n"
                           "video:x:44:other,app\n"
                           "audio:x:29:appx\n"
                           "nogroup:x:65534:\n"
                           "4242:x:77:\n");
}

static void teardown(void)
{
    unlink(passwd_path);
    unlink(group_path);
    rmdir(dir);
}

static bool has_group(const struct identity *id, gid_t gid)
{
    for (size_t i = 0; i < id->group_count; i++)
        if (id->groups[i] == gid)
            return true;
    return false;
}

START_TEST(name_gives_ids_home_and_groups)
{
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("app", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 1000);
    ck_assert_uint_eq(id.gid, 1000);
    ck_assert(id.has_name);
    ck_assert_str_eq(id.name, "app");
    ck_assert_str_eq(id.home, "/home/app");
    ck_assert_uint_eq(id.group_count, 3);
    ck_assert(has_group(&id, 1000) && has_group(&id, 50) && has_group(&id, 44));
    ck_assert(!has_group(&id, 29)); /* "appx" is another user */
    identity_free(&id);
}
END_TEST

START_TEST(number_with_entry_uses_it)
{
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("1000", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_str_eq(id.name, "app");
    ck_assert_uint_eq(id.gid, 1000);
    identity_free(&id);
}
END_TEST

START_TEST(name_is_tried_before_number)
{
    struct identity id;
    char why[256];
    /* A user literally named "2000" has uid 3000. */
    ck_assert_int_eq(identity_resolve("2000", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 3000);
    identity_free(&id);
    /* Likewise for groups: "4242" is group 77. */
    ck_assert_int_eq(identity_resolve("app:4242", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.gid, 77);
    identity_free(&id);
}
END_TEST

START_TEST(number_without_entry_needs_a_group)
{
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("12345", NULL, 0, &files, &id, why, sizeof(why)), -1);
    ck_assert_ptr_nonnull(strstr(why, "12345:GROUP"));
    ck_assert_int_eq(identity_resolve("12345:54321", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 12345);
    ck_assert_uint_eq(id.gid, 54321);
    ck_assert(!id.has_name);
    ck_assert_str_eq(id.home, "/");
    ck_assert_uint_eq(id.group_count, 1);
    ck_assert_uint_eq(id.groups[0], 54321);
    identity_free(&id);
}
END_TEST

START_TEST(user_and_group_forms)
{
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("app:staff", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 1000);
    ck_assert_uint_eq(id.gid, 50);
    ck_assert(has_group(&id, 50) && has_group(&id, 44));
    identity_free(&id);
    ck_assert_int_eq(identity_resolve(":staff", NULL, 1000, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 1000);
    ck_assert_uint_eq(id.gid, 50);
    ck_assert_str_eq(id.name, "app");
    identity_free(&id);
    ck_assert_int_eq(identity_resolve("nohome", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_str_eq(id.home, "/");
    identity_free(&id);
}
END_TEST

START_TEST(explicit_group_list_replaces)
{
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("app", "video,12", 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.group_count, 2);
    ck_assert(has_group(&id, 44) && has_group(&id, 12));
    identity_free(&id);
    ck_assert_int_eq(identity_resolve("app", "", 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.group_count, 0);
    identity_free(&id);
    const char *bad[] = {"video,", ",video", "video,,staff", "nosuchgroup", "-1", "4294967295"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(identity_resolve("app", bad[i], 0, &files, &id, why, sizeof(why)) == -1,
                      "accepted groups '%s'", bad[i]);
}
END_TEST

START_TEST(groups_are_kept_sorted_and_once)
{
    /* Out of order and repeated, by name and number, across a growth of the array. */
    struct identity id;
    char why[256];
    char list[512] = "video,500,staff,44,3";
    for (int gid = 100; gid < 140; gid++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), ",%d,%d", 339 - gid, gid);
    ck_assert_int_eq(identity_resolve("app", list, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.group_count, 84);
    for (size_t i = 1; i < id.group_count; i++)
        ck_assert_uint_lt(id.groups[i - 1], id.groups[i]);
    ck_assert_uint_eq(id.groups[0], 3);
    ck_assert_uint_eq(id.groups[1], 44);
    ck_assert_uint_eq(id.groups[2], 50);
    ck_assert_uint_eq(id.groups[83], 500);
    identity_free(&id);
}
END_TEST

START_TEST(bad_specs_are_rejected)
{
    struct identity id;
    char why[256];
    const char *bad[] = {"",    "nosuchuser", "app:",   "app:nosuchgroup", "app:1:2",
                         "-1",  "+5",         "1000x",  "4294967295",      "99999999999999999999",
                         "12 ", " 12",        "app:-1", "app: staff",      "0day"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(identity_resolve(bad[i], NULL, 0, &files, &id, why, sizeof(why)) == -1,
                      "accepted '%s'", bad[i]);
    ck_assert_int_eq(identity_resolve("4294967294:1", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 4294967294u);
    identity_free(&id);
}
END_TEST

START_TEST(long_lines_and_many_groups)
{
    /* A 100 kB comment field, and a user who is in 3,000 groups. */
    FILE *f = fopen(passwd_path, "a");
    fputs("big:x:5000:5000:", f);
    for (int i = 0; i < 100000; i++)
        fputc('c', f);
    fputs(":/home/big:/bin/sh\n", f);
    fclose(f);
    f = fopen(group_path, "a");
    for (int i = 0; i < 3000; i++)
        fprintf(f, "g%d:x:%d:someone,big\n", i, 10000 + i);
    fclose(f);
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("big", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 5000);
    ck_assert_str_eq(id.home, "/home/big");
    ck_assert_uint_eq(id.group_count, 3001);
    identity_free(&id);
}
END_TEST

START_TEST(missing_files)
{
    struct account_files none = {"/nonexistent/passwd", "/nonexistent/group"};
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("app", NULL, 0, &none, &id, why, sizeof(why)), -1);
    ck_assert_int_eq(identity_resolve("10:10", NULL, 0, &none, &id, why, sizeof(why)), 0);
    identity_free(&id);
}
END_TEST

START_TEST(nis_compat_lines_are_not_users)
{
    /* Found by fuzz_users: glibc returns NULL fields for these lines. */
    write_file(passwd_path, "+\n+app\n-bad:x:5:5::/:\napp:x:1000:1000::/home/app:/bin/sh\n");
    write_file(group_path, "+\n+:x:50:app\nstaff:x:51:app\n");
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve("+", NULL, 0, &files, &id, why, sizeof(why)), -1);
    ck_assert_int_eq(identity_resolve("7", NULL, 0, &files, &id, why, sizeof(why)), -1);
    ck_assert_int_eq(identity_resolve("app", NULL, 0, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.group_count, 2);
    identity_free(&id);
}
END_TEST

START_TEST(gosu_and_su_exec_rules)
{
    struct identity id;
    char why[256];
    ck_assert_int_eq(identity_resolve_gosu("app", 0, 0, false, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.group_count, 2); /* staff and video; not the primary group */
    identity_free(&id);
    ck_assert_int_eq(identity_resolve_gosu("app", 0, 0, true, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.group_count, 3); /* su-exec adds the primary group */
    identity_free(&id);
    ck_assert_int_eq(identity_resolve_gosu("12345", 0, 7, false, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.gid, 7); /* their rule: the caller's gid */
    ck_assert_uint_eq(id.group_count, 0);
    identity_free(&id);
    ck_assert_int_eq(identity_resolve_gosu("app:video", 0, 0, true, &files, &id, why, sizeof(why)),
                     0);
    ck_assert_uint_eq(id.gid, 44);
    ck_assert_uint_eq(id.group_count, 1);
    identity_free(&id);
    ck_assert_int_eq(identity_resolve_gosu("0day", 0, 0, false, &files, &id, why, sizeof(why)), -1);
    /* gosu reads USER[:GROUP] as docker --user does: an empty part is no part. */
    ck_assert_int_eq(identity_resolve_gosu("app:", 0, 0, false, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 1000);
    ck_assert_uint_eq(id.group_count, 2);
    identity_free(&id);
    ck_assert_int_eq(identity_resolve_gosu("", 0, 0, false, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.uid, 0);
    identity_free(&id);
    ck_assert_int_eq(
        identity_resolve_gosu("app:video:x", 0, 0, false, &files, &id, why, sizeof(why)), 0);
    ck_assert_uint_eq(id.gid, 44);
    identity_free(&id);
    ck_assert_int_eq(identity_resolve_gosu("app:", 0, 0, true, &files, &id, why, sizeof(why)), -1);
}
END_TEST

START_TEST(id_numbers)
{
    unsigned int v;
    ck_assert_int_eq(parse_id_number("0", &v), 0);
    ck_assert_int_eq(parse_id_number("4294967294", &v), 0);
    ck_assert_uint_eq(v, 4294967294u);
    ck_assert_int_eq(parse_id_number("4294967295", &v), -1);
    ck_assert_int_eq(parse_id_number("", &v), -1);
}
END_TEST

Suite *users_suite(void)
{
    Suite *s = suite_create("users");
    TCase *tc = tcase_create("resolve");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, name_gives_ids_home_and_groups);
    tcase_add_test(tc, number_with_entry_uses_it);
    tcase_add_test(tc, name_is_tried_before_number);
    tcase_add_test(tc, number_without_entry_needs_a_group);
    tcase_add_test(tc, user_and_group_forms);
    tcase_add_test(tc, explicit_group_list_replaces);
    tcase_add_test(tc, groups_are_kept_sorted_and_once);
    tcase_add_test(tc, bad_specs_are_rejected);
    tcase_add_test(tc, long_lines_and_many_groups);
    tcase_add_test(tc, missing_files);
    tcase_add_test(tc, id_numbers);
    tcase_add_test(tc, gosu_and_su_exec_rules);
    tcase_add_test(tc, nis_compat_lines_are_not_users);
    suite_add_tcase(s, tc);
    return s;
}
