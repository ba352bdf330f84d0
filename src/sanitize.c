/* Only in the ASan+UBSan build: LeakSanitizer stops the world with ptrace, which a setuid
 * (AT_SECURE) process does not allow, so it would turn warden's refusal to run setuid into
 * a sanitizer failure. Leak checks stay on everywhere else. */
#include <sys/auxv.h>

int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void)
{
    return getauxval(AT_SECURE) != 0;
}
