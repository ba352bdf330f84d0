#include "exit_status.h"

#include <sys/wait.h>

int exit_code_for_status(int wait_status)
{
    if (WIFEXITED(wait_status))
        return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return EXIT_WARDEN_FAILED;
}
