/* Only in the ASan+UBSan build: LeakSanitizer stops the world with ptrace, which a setuid
 * (AT_SECURE) process does not allow, and it walks /proc/PID/task, which a container with
 * no /proc lacks; either would turn a working warden into a sanitizer failure. Leak checks
 * stay on everywhere else. */
#include <sys/auxv.h>
#include <unistd.h>

int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void)
{
    return getauxval(AT_SECURE) != 0 || access("/proc/self/task", F_OK) != 0;
}
