/* --require-env, --secret-env, --umask, --wait-for and --wait-timeout into the config;
 * nothing acts while parsing (secrets.c, spawn.c and wait_for.c do, in main.c's order). */
#include "start_options.h"

#include <string.h>

#include "log.h"
#include "parse.h"
#include "secrets.h"
#include "url.h"

enum option_result on_require_env(struct config *cfg, const char *value, char *why, size_t why_size)
{
    if (*value == '\0' || strchr(value, '='))
        return say_why(why, why_size,
                       "'%s' is not a variable name: give the NAME alone, without "
                       "=VALUE",
                       value);
    return option_append(cfg->required_env, &cfg->required_env_count, value, why, why_size);
}

void reset_require_env(struct config *cfg)
{
    cfg->required_env_count = 0;
}

enum option_result on_secret_env(struct config *cfg, const char *value, char *why, size_t why_size)
{
    if (env_is_warden(value))
        return say_why(why, why_size,
                       "'%s': warden's own WARDEN_* variables are not secrets: give the "
                       "program's variable, as in DB_PASSWORD",
                       value);
    if (!secret_name_valid(value) && !secret_directory_length(value))
        return say_why(why, why_size,
                       "'%s' is neither a variable name nor DIR/*: give NAME (letters, "
                       "digits, _), as in DB_PASSWORD, or a directory and /*, as in "
                       "/run/secrets/*",
                       value);
    return option_append(cfg->secret_env, &cfg->secret_env_count, value, why, why_size);
}

void reset_secret_env(struct config *cfg)
{
    cfg->secret_env_count = 0;
}

/* Octal only, as the shell's umask: 1 to 4 digits, at most 0777. */
enum option_result on_umask(struct config *cfg, const char *value, char *why, size_t why_size)
{
    size_t len = strspn(value, "01234567");
    unsigned mask = 0;
    for (size_t i = 0; i < len && len <= 4; i++)
        mask = mask * 8 + (unsigned)(value[i] - '0');
    if (len == 0 || len > 4 || value[len] != '\0' || mask > 0777)
        return say_why(why, why_size,
                       "'%s' is not a umask: give 1 to 4 octal digits up to 0777, as in "
                       "0002 or 027",
                       value);
    cfg->umask = mask;
    cfg->umask_given = true;
    return OPTION_SET;
}

enum option_result on_wait_for(struct config *cfg, const char *value, char *why, size_t why_size)
{
    struct url u;
    if (url_parse_explained(value, &u, why, why_size) != 0)
        return OPTION_FAILED;
    return option_append(cfg->wait_for, &cfg->wait_for_count, value, why, why_size);
}

void reset_wait_for(struct config *cfg)
{
    cfg->wait_for_count = 0;
}

enum option_result on_wait_timeout(struct config *cfg, const char *value, char *why,
                                   size_t why_size)
{
    if (parse_seconds(value, 86400, true, &cfg->wait_timeout_ns, why, why_size) != 0)
        return OPTION_FAILED;
    return OPTION_SET;
}
