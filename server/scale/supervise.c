/* The xapian-replicate(-server) children (see scale_int.h): started here,
 * restarted when they exit, stopped with the server. A replica runs one
 * xapian-replicate per database; a primary one xapian-replicate-server
 * (primary.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kb/base/log.h"
#include "server/scale/scale_int.h"

struct child {
    const char *what;
    char *argv[16];
    pid_t pid;
    long long started;
};
/* Written on the main thread before the supervisor starts; then its own. */
static struct child children[3];
static size_t nchildren;

size_t scale_child_add(const char *what, const char *const *argv)
{
    struct child *c = &children[nchildren];
    c->what = what;
    for (size_t i = 0; argv[i] && i < 15; i++)
        c->argv[i] = strdup(argv[i]);
    return nchildren++;
}

int scale_child_spawn(size_t i)
{
    struct child *c = &children[i];
    pid_t pid = fork();
    if (pid == 0) {
        /* Dies with the supervisor thread (the server), never outlives it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        /* Its own process group: xapian-replicate-server and xapian-tcpsrv
         * signal their whole group (kill(0, ...)) when told to stop. */
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        execvp(c->argv[0], c->argv);
        /* Only async-signal-safe calls between fork and exec. */
        static const char msg[] = "kb-server: cannot run a replication program (is xapian-tools "
                                  "installed?)\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    c->pid = pid;
    c->started = scale_mono_ms();
    return pid < 0 ? -1 : 0;
}

int scale_child_exited(size_t i)
{
    struct child *c = &children[i];
    int st;
    if (c->pid > 0 && waitpid(c->pid, &st, WNOHANG) == c->pid) {
        c->pid = 0;
        return 1;
    }
    return 0;
}

/* Restarts children that exit, waiting 1 s, then longer (up to 30 s) while
 * they keep dying young, so a wrong address does not flood the log. The
 * first start is from the main thread (see srv_scale_start). */
static void *supervise(void *arg)
{
    (void)arg;
    long long delay[3] = {1000, 1000, 1000};
    while (!atomic_load(&scale.stop)) {
        scale_sleep_ms(200);
        for (size_t i = 0; i < nchildren; i++) {
            struct child *c = &children[i];
            int st;
            if (c->pid > 0 && waitpid(c->pid, &st, WNOHANG) == c->pid) {
                kb_log(KB_LOG_WARN, "replica: %s exited (%s %d); restarting it", c->what,
                       WIFEXITED(st) ? "status" : "signal",
                       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
                delay[i] = scale_mono_ms() - c->started < 5000 ? delay[i] * 2 : 1000;
                if (delay[i] > 30000)
                    delay[i] = 30000;
                c->pid = 0;
                c->started = scale_mono_ms();
            }
            if (c->pid <= 0 && scale_mono_ms() - c->started >= delay[i] &&
                !atomic_load(&scale.stop))
                scale_child_spawn(i);
        }
    }
    for (size_t i = 0; i < nchildren; i++)
        if (children[i].pid > 0)
            kill(children[i].pid, SIGTERM);
    for (size_t i = 0; i < nchildren; i++)
        if (children[i].pid > 0)
            waitpid(children[i].pid, NULL, 0);
    return NULL;
}

int scale_supervise_start(struct kb_err *err)
{
    if (pthread_create(&scale.supervisor, NULL, supervise, NULL) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the replication supervisor");
    scale.threads |= SCALE_T_SUPERVISOR;
    return 0;
}

int scale_replicate_start(struct srv *s, int up, int have_copy, struct kb_err *err)
{
    char host[256], port[16];
    if (scale_split_hostport(srv_scale.replicate_from, host, sizeof host, port, sizeof port) != 0)
        return kb_err_set(err, KB_EINVAL, "--replicate-from needs HOST:PORT, not '%s'",
                          srv_scale.replicate_from);
    /* -i 1: ask every second; -r 1: readers get a second before the
     * copy is changed again in place (they reopen sooner anyway). */
    static const char *const dbs[] = {"public", "internal"};
    for (size_t i = 0; i < 2; i++) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/%s", s->index_dir, dbs[i]);
        const char *argv[] = {"xapian-replicate", "-h", host, "-p", port, "-m", dbs[i],
                              "-i", "1", "-r", "0", "-q", dir, NULL};
        scale_child_add("xapian-replicate", argv);
    }
    for (size_t i = 0; i < nchildren; i++)
        if (scale_child_spawn(i) < 0)
            return kb_err_set(err, KB_EIO, "cannot start xapian-replicate: %s", strerror(errno));
    int rc = scale_supervise_start(err);
    if (rc != 0)
        return rc;
    /* Serve once a first copy is here; a new replica with none after
     * 15 s is misconfigured, and says where it looked. */
    struct kb_index *ix = NULL;
    int have_index = 0;
    for (int waited = 0; waited < 15000 && !have_index; waited += 100) {
        /* A read handle opens public and internal: both copies exist. */
        if (kb_index_open(s->index_dir, KB_INDEX_READ, &ix, NULL) == 0) {
            kb_index_close(ix);
            have_index = 1;
        } else if (!up && have_copy) {
            break;
        } else {
            scale_sleep_ms(100);
        }
    }
    if (!have_index && !have_copy)
        return kb_err_set(err, KB_EIO, "no index copy came from xapian-replicate-server at %s "
                          "within 15 s (is the primary run with --replication-port %s?)",
                          srv_scale.replicate_from, srv_scale.replicate_from);
    return 0;
}
