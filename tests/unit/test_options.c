/* The option table against man/warden.1: every option has its entry under OPTIONS (same
 * letter, same long name), and every entry there is an option. */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "suites.h"

struct man_entry {
    char letter;
    char name[64];
};

/* "\-u", "\-\-user" in a .B/.BR line: the first short and long option named there. */
static void read_entry(const char *line, struct man_entry *entry)
{
    entry->letter = 0;
    entry->name[0] = '\0';
    for (const char *p = strstr(line, "\\-"); p; p = strstr(p + 1, "\\-")) {
        if (strncmp(p, "\\-\\-", 4) == 0 && entry->name[0] == '\0') {
            size_t used = 0;
            for (const char *q = p + 4; used + 1 < sizeof(entry->name);) {
                if (strncmp(q, "\\-", 2) == 0) {
                    entry->name[used++] = '-';
                    q += 2;
                } else if ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9')) {
                    entry->name[used++] = *q++;
                } else {
                    break;
                }
            }
            entry->name[used] = '\0';
            return;
        }
        if (entry->letter == 0 && p[2] != '\\' && p[2] != '\0')
            entry->letter = p[2];
    }
}

/* The entries of the OPTIONS section: the line after each .TP. */
static size_t read_man_options(struct man_entry *entries, size_t max)
{
    FILE *man = fopen(WARDEN_MAN_PAGE, "re");
    ck_assert_msg(man != NULL, "cannot open %s", WARDEN_MAN_PAGE);
    char line[1024];
    bool in_options = false, after_tp = false;
    size_t count = 0;
    while (fgets(line, sizeof(line), man)) {
        if (strncmp(line, ".SH", 3) == 0)
            in_options = strncmp(line, ".SH OPTIONS", 11) == 0;
        else if (in_options && after_tp && strncmp(line, ".B", 2) == 0 && count < max)
            read_entry(line, &entries[count++]);
        after_tp = in_options && strncmp(line, ".TP", 3) == 0;
    }
    fclose(man);
    return count;
}

START_TEST(every_option_is_in_the_man_page_and_back)
{
    struct man_entry entries[128];
    size_t count = read_man_options(entries, 128);
    ck_assert_uint_eq(count, option_row_count);
    for (size_t i = 0; i < option_row_count; i++) {
        const struct option_row *row = &option_rows[i];
        bool found = false;
        for (size_t j = 0; j < count && !found; j++)
            found = strcmp(entries[j].name, row->name) == 0 && entries[j].letter == row->letter;
        ck_assert_msg(found, "--%s (-%c) has no entry under OPTIONS in the man page", row->name,
                      row->letter ? row->letter : ' ');
        ck_assert_msg(row->help && row->help[0], "--%s has no --help text", row->name);
    }
}
END_TEST

Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, every_option_is_in_the_man_page_and_back);
    suite_add_tcase(s, tc);
    return s;
}
