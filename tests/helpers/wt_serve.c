/* wt serve: the endpoint of the --health tests, as the program warden runs. An HTTP server
 * on a unix socket (or tcp:PORT on 127.0.0.1) whose answer a state file decides, read at
 * every request, so that a test can turn it bad and a restarted server reads the same:
 *   ok (or no file)  200, body "pid N"
 *   bad              503
 *   hang             accept, print "hanging N", never answer
 *   close            accept and close at once
 * Prints "serving N" once listening; on TERM, INT or QUIT prints "got SIGxxx N" and exits
 * 3; on USR1 prints "got SIGUSR1 N" (N: its pid). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int cmd_serve(const char *where, const char *state_file);

static void fail(const char *what)
{
    fprintf(stderr, "wt serve: %s: %s\n", what, strerror(errno));
    exit(99);
}

static int listen_on(const char *where)
{
    struct sockaddr_storage addr;
    socklen_t len;
    memset(&addr, 0, sizeof(addr));
    if (strncmp(where, "tcp:", 4) == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *)&addr;
        in->sin_family = AF_INET;
        in->sin_port = htons((unsigned short)atoi(where + 4));
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*in);
    } else {
        struct sockaddr_un *un = (struct sockaddr_un *)&addr;
        un->sun_family = AF_UNIX;
        snprintf(un->sun_path, sizeof(un->sun_path), "%s", where);
        unlink(where); /* the socket of the server this one replaces */
        len = sizeof(*un);
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        fail("socket");
    if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 64) != 0)
        fail(where);
    return fd;
}

static const char *name_of(int sig)
{
    return sig == SIGTERM ? "TERM" : sig == SIGINT ? "INT" : sig == SIGQUIT ? "QUIT" : "USR1";
}

static void read_state(const char *path, char *state, size_t size)
{
    snprintf(state, size, "ok");
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    if (fgets(state, (int)size, f))
        state[strcspn(state, " \n")] = '\0';
    fclose(f);
}

static void answer(int fd, const char *state)
{
    char request[4096], reply[256];
    /* Enough of the request to have its first line; the checker sends it in one piece. */
    if (recv(fd, request, sizeof(request), 0) <= 0)
        return;
    char body[32];
    int body_len = snprintf(body, sizeof(body), "pid %d\n", getpid());
    int code = strcmp(state, "bad") == 0 ? 503 : 200;
    int n = snprintf(reply, sizeof(reply),
                     "HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", code,
                     code == 200 ? "OK" : "Service Unavailable", body_len, body);
    if (send(fd, reply, (size_t)n, MSG_NOSIGNAL) < 0)
        return;
}

int cmd_serve(const char *where, const char *state_file)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        fail("sigprocmask");
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0)
        fail("signalfd");
    struct pollfd fds[2] = {{.fd = listen_on(where), .events = POLLIN},
                            {.fd = sfd, .events = POLLIN}};
    printf("serving %d\n", getpid());
    fflush(stdout);
    for (bool hung = false;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            fail("poll");
        }
        if (fds[1].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) != sizeof(si))
                fail("read signalfd");
            printf("got SIG%s %d\n", name_of((int)si.ssi_signo), getpid());
            fflush(stdout);
            if (si.ssi_signo != SIGUSR1)
                return 3;
        }
        if (!fds[0].revents)
            continue;
        int conn = accept4(fds[0].fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
            continue;
        char state[32];
        read_state(state_file, state, sizeof(state));
        if (strcmp(state, "hang") == 0) {
            if (!hung) /* kept open, never answered */
                printf("hanging %d\n", getpid());
            fflush(stdout);
            hung = true;
            continue;
        }
        if (strcmp(state, "close") != 0)
            answer(conn, state);
        close(conn);
    }
}
