#include "signames.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

struct signal_name {
    int number;
    const char *name;
};

static const struct signal_name signal_names[] = {
    {SIGHUP, "HUP"},       {SIGINT, "INT"},     {SIGQUIT, "QUIT"}, {SIGILL, "ILL"},
    {SIGTRAP, "TRAP"},     {SIGABRT, "ABRT"},   {SIGIOT, "IOT"},   {SIGBUS, "BUS"},
    {SIGFPE, "FPE"},       {SIGKILL, "KILL"},   {SIGUSR1, "USR1"}, {SIGSEGV, "SEGV"},
    {SIGUSR2, "USR2"},     {SIGPIPE, "PIPE"},   {SIGALRM, "ALRM"}, {SIGTERM, "TERM"},
    {SIGSTKFLT, "STKFLT"}, {SIGCHLD, "CHLD"},   {SIGCHLD, "CLD"},  {SIGCONT, "CONT"},
    {SIGSTOP, "STOP"},     {SIGTSTP, "TSTP"},   {SIGTTIN, "TTIN"}, {SIGTTOU, "TTOU"},
    {SIGURG, "URG"},       {SIGXCPU, "XCPU"},   {SIGXFSZ, "XFSZ"}, {SIGVTALRM, "VTALRM"},
    {SIGPROF, "PROF"},     {SIGWINCH, "WINCH"}, {SIGIO, "IO"},     {SIGPOLL, "POLL"},
    {SIGPWR, "PWR"},       {SIGSYS, "SYS"},
};

static int realtime_from_name(const char *name)
{
    /* RTMIN, RTMIN+N, RTMAX, RTMAX-N; the numbers differ between glibc and musl. */
    int base, sign;
    const char *rest;
    if (strncasecmp(name, "RTMIN", 5) == 0) {
        base = SIGRTMIN;
        sign = 1;
    } else if (strncasecmp(name, "RTMAX", 5) == 0) {
        base = SIGRTMAX;
        sign = -1;
    } else {
        return -1;
    }
    rest = name + 5;
    if (*rest == '\0')
        return base;
    if ((sign > 0 && *rest != '+') || (sign < 0 && *rest != '-'))
        return -1;
    unsigned long offset;
    if (parse_unsigned(rest + 1, (unsigned long)(SIGRTMAX - SIGRTMIN), &offset) != 0)
        return -1;
    return base + sign * (int)offset;
}

int signal_from_name(const char *text)
{
    unsigned long number;
    if (!text || !*text)
        return -1;
    if (text[0] >= '0' && text[0] <= '9') {
        if (parse_unsigned(text, (unsigned long)SIGRTMAX, &number) != 0 || number == 0)
            return -1;
        return (int)number;
    }
    const char *name = text;
    if (strncasecmp(name, "SIG", 3) == 0)
        name += 3;
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
        if (strcasecmp(name, signal_names[i].name) == 0)
            return signal_names[i].number;
    return realtime_from_name(name);
}

const char *signal_to_name(int sig, char *buf, size_t size)
{
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
        if (signal_names[i].number == sig) {
            snprintf(buf, size, "%s", signal_names[i].name);
            return buf;
        }
    }
    if (sig == SIGRTMIN)
        snprintf(buf, size, "RTMIN");
    else if (sig > SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, size, "RTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, size, "%d", sig);
    return buf;
}
