#include "leftovers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "procfile.h"

struct proc_entry {
    pid_t pid;
    pid_t ppid;
    pid_t pgrp;
    bool descendant;
};

struct proc_table {
    struct proc_entry *entries;
    size_t count, capacity;
};

/* The parent and the process group of a process; -1 when it is gone or unreadable. */
static pid_t read_parent(int proc_fd, const char *pid_name, pid_t *pgrp)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "%s/stat", pid_name);
    if (procfile_read(proc_fd, path, buf, sizeof(buf)) < 0)
        return -1;
    /* "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses. */
    char *close_paren = strrchr(buf, ')');
    if (!close_paren || close_paren[1] != ' ' || !close_paren[2] || close_paren[3] != ' ')
        return -1;
    char *end;
    long ppid = strtol(close_paren + 4, &end, 10);
    *pgrp = (pid_t)strtol(end, NULL, 10);
    return (pid_t)ppid;
}

static int table_add(struct proc_table *table, pid_t pid, pid_t ppid, pid_t pgrp)
{
    if (table->count == table->capacity) {
        size_t capacity = table->capacity ? table->capacity * 2 : 256;
        struct proc_entry *grown = realloc(table->entries, capacity * sizeof(*grown));
        if (!grown)
            return -1;
        table->entries = grown;
        table->capacity = capacity;
    }
    table->entries[table->count++] = (struct proc_entry){pid, ppid, pgrp, false};
    return 0;
}

static int compare_pid(const void *a, const void *b)
{
    pid_t x = ((const struct proc_entry *)a)->pid, y = ((const struct proc_entry *)b)->pid;
    return (x > y) - (x < y);
}

static struct proc_entry *table_find(struct proc_table *table, pid_t pid)
{
    struct proc_entry key = {.pid = pid};
    return bsearch(&key, table->entries, table->count, sizeof(key), compare_pid);
}

static int list_processes(struct proc_table *table)
{
    int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd < 0)
        return -1;
    DIR *dir = fdopendir(proc_fd);
    if (!dir) {
        close(proc_fd);
        return -1;
    }
    struct dirent *entry;
    /* readdir says an error only through errno. */
    while ((errno = 0, entry = readdir(dir))) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        pid_t pgrp = 0, ppid = read_parent(proc_fd, entry->d_name, &pgrp);
        if (ppid >= 0 && table_add(table, (pid_t)pid, ppid, pgrp) != 0) {
            closedir(dir);
            return -1;
        }
    }
    int err = errno;
    closedir(dir);
    errno = err;
    return err ? -1 : 0;
}

/* Marks descendants by repeated passes: each pass reaches one generation further. As PID
 * 1 everything in the namespace counts (docker exec's processes have a parent outside). */
static void mark_descendants(struct proc_table *table, pid_t self, bool everything)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < table->count; i++) {
            struct proc_entry *e = &table->entries[i];
            if (e->descendant || e->pid == self)
                continue;
            struct proc_entry *parent = table_find(table, e->ppid);
            if (everything || e->ppid == self || (parent && parent->descendant)) {
                e->descendant = true;
                changed = true;
            }
        }
    }
}

static int signal_descendants(int sig, bool everything, pid_t except_pgrp, bool quiet)
{
    struct proc_table table = {NULL, 0, 0};
    pid_t self = getpid();
    if (list_processes(&table) != 0) {
        if (!quiet)
            log_warn("unable to list processes in /proc: %s: what the program left cannot be "
                     "found without it; mount /proc in the container",
                     strerror(errno));
        free(table.entries);
        return -1;
    }
    if (table.count == 0) {
        free(table.entries);
        return 0;
    }
    qsort(table.entries, table.count, sizeof(table.entries[0]), compare_pid);
    mark_descendants(&table, self, everything);
    int signalled = 0;
    for (size_t i = 0; i < table.count; i++) {
        const struct proc_entry *e = &table.entries[i];
        if (e->descendant && (except_pgrp == 0 || e->pgrp != except_pgrp) && kill(e->pid, sig) == 0)
            signalled++;
    }
    free(table.entries);
    return signalled;
}

int leftovers_signal(int sig, bool is_pid1, pid_t except_pgrp, bool quiet)
{
    if (except_pgrp != 0)
        return signal_descendants(sig, is_pid1, except_pgrp, quiet);
    if (is_pid1) {
        /* From a namespace's init, kill(-1) reaches every process in the namespace but
         * warden itself, and the kernel makes it race-free against concurrent forks. */
        if (kill(-1, sig) == 0)
            return 1;
        return errno == ESRCH ? 0 : -1;
    }
    return signal_descendants(sig, false, 0, quiet);
}

int leftovers_count(bool is_pid1)
{
    /* Signal 0: only whether it exists. Quiet: the kill message says "everything". */
    return signal_descendants(0, is_pid1, 0, true);
}
