/* `kb-server --data DIR user ...`: staff accounts and API tokens from the
 * command line. There is no default account: the first admin is made here
 * (`kb-server user add --role admin NAME`). Passwords are asked twice on a
 * terminal with echo off, or read as one line from standard input. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kb/store/auth.h"
#include "kb/base/datadir.h"
#include "srv.h"

#define PROG "kb-server user"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kb-server [--data DIR] user COMMAND [ARGS]\n\n"
            "Staff accounts and API tokens in DIR/kb.sqlite3 (DIR defaults to ./data).\n\n"
            "  add [--role ROLE] NAME      add a user (ROLE: agent (default), writer, admin);\n"
            "                              the password is asked for, or read from stdin\n"
            "  list                        list users\n"
            "  delete NAME                 delete a user and end their sessions\n"
            "  passwd NAME                 set a new password and end their sessions\n"
            "  role NAME ROLE              change a user's role\n"
            "  token [--role ROLE] NAME    create an API token named NAME for an integration\n"
            "                              (ROLE: agent (default), writer, admin) and print it;\n"
            "                              only its hash is kept, so it is shown this once\n"
            "  tokens                      list API tokens (without secrets)\n"
            "  revoke ID                   revoke an API token\n\n"
            "Names are 1 to %d characters of A-Z a-z 0-9 . _ -; passwords %d to %d.\n"
            "Use it as: Authorization: Bearer kbt_...\n",
            KB_AUTH_USERNAME_MAX, KB_AUTH_PASSWORD_MIN, KB_AUTH_PASSWORD_MAX);
}

static int is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

/* ---- reading a password ------------------------------------------------ */

static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty(void)
{
    if (tty_changed) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
        tty_changed = 0;
    }
}

static void on_signal(int sig)
{
    restore_tty();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads one line into buf (without its line end). Returns 0, or -1 at end
 * of input, or -2 when the line is too long for buf. */
static int read_line(char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin))
        return -1;
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n') {
        buf[--n] = '\0';
    } else if (n == size - 1) {
        int ch;
        while ((ch = getchar()) != EOF && ch != '\n')
            ;
        return -2;
    }
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return 0;
}

/* One line read on the terminal with echo off. */
static int read_hidden(const char *prompt, char *buf, size_t size)
{
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    struct termios t;
    int hidden = 0;
    if (tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL);
        t = saved_tty;
        t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
        tty_changed = 1;
        hidden = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
        if (!hidden)
            tty_changed = 0;
    }
    int rc = read_line(buf, size);
    if (hidden) {
        restore_tty();
        fputc('\n', stderr);
    }
    return rc;
}

/* The new password for name into buf: asked twice on a terminal, else one
 * line of standard input. Checked against the rules. Returns 0 or 1. */
static int get_password(const char *name, char *buf, size_t size)
{
    struct kb_err err;
    int rc;
    if (isatty(STDIN_FILENO)) {
        char again[KB_AUTH_PASSWORD_MAX + 2], prompt[128];
        snprintf(prompt, sizeof prompt, "New password for '%s': ", name);
        rc = read_hidden(prompt, buf, size);
        if (rc == 0 && kb_auth_check_password(buf, &err) != 0) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            return 1;
        }
        if (rc == 0)
            rc = read_hidden("Repeat it: ", again, sizeof again);
        if (rc == 0 && strcmp(buf, again) != 0) {
            fprintf(stderr, PROG ": the passwords differ\n");
            memset(again, 0, sizeof again);
            return 1;
        }
        memset(again, 0, sizeof again);
    } else {
        rc = read_line(buf, size);
    }
    if (rc == -1) {
        fprintf(stderr, PROG ": no password given (expected one line on standard input)\n");
        return 1;
    }
    if (rc == -2) {
        fprintf(stderr, PROG ": password: longer than %d bytes\n", KB_AUTH_PASSWORD_MAX);
        return 1;
    }
    if (kb_auth_check_password(buf, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* ---- the store --------------------------------------------------------- */

static struct kb_store *open_store(const char *data, int create)
{
    char path[4096];
    struct stat sb;
    struct kb_err derr;
    if (kb_datadir_prepare(data, create, &derr) != 0) {
        fprintf(stderr, PROG ": %s\n", derr.msg);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/kb.sqlite3", data);
    if (!create && stat(path, &sb) != 0) {
        fprintf(stderr, PROG ": no store '%s': add a user first\n", path);
        return NULL;
    }
    struct kb_store *st = NULL;
    struct kb_err err;
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return NULL;
    }
    return st;
}

static const char *when(int64_t t, char *buf, size_t size)
{
    if (!t)
        return "never";
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

/* ---- commands ---------------------------------------------------------- */

/* Options and positional arguments of one command. */
struct args {
    const char *role;
    const char *pos[2];
    int npos;
};

/* Parses [--role ROLE] and up to two positional arguments. Returns 0, 1
 * when --help was asked, or 2 after a usage error. */
static int parse(int argc, char **argv, int allow_role, struct args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (is_help(s)) {
            usage(stdout);
            return 1;
        } else if (allow_role && strcmp(s, "--role") == 0 && i + 1 < argc) {
            a->role = argv[++i];
        } else if (allow_role && strncmp(s, "--role=", 7) == 0) {
            a->role = s + 7;
        } else if (strcmp(s, "--") == 0) {
            for (i++; i < argc && a->npos < 2; i++)
                a->pos[a->npos++] = argv[i];
            if (i < argc)
                goto extra;
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, PROG " %s: unknown option '%s'\n", argv[0], s);
            return 2;
        } else if (a->npos < 2) {
            a->pos[a->npos++] = s;
        } else {
            goto extra;
        }
    }
    return 0;
extra:
    fprintf(stderr, PROG " %s: too many arguments\n", argv[0]);
    return 2;
}

static int want(const struct args *a, int n, const char *cmd, const char *what)
{
    if (a->npos != n) {
        fprintf(stderr, PROG " %s: expected %s (see 'kb-server user --help')\n", cmd, what);
        return 2;
    }
    return 0;
}

static int role_arg(const char *s, int *role)
{
    *role = kb_auth_role_parse(s ? s : "agent");
    if (*role < 0) {
        fprintf(stderr, PROG ": role must be agent, writer or admin, not '%s'\n", s);
        return 2;
    }
    return 0;
}

static int fail(struct kb_err *err)
{
    fprintf(stderr, PROG ": %s\n", err->msg);
    return 1;
}

static int cmd_add(struct kb_store **st, const char *data, const struct args *a)
{
    struct kb_err err;
    char pw[KB_AUTH_PASSWORD_MAX + 2];
    int role, rc;
    if ((rc = role_arg(a->role, &role)) != 0)
        return rc;
    if (kb_auth_check_username(a->pos[0], &err) != 0)
        return fail(&err);
    if (!(*st = open_store(data, 1)))
        return 1;
    struct kb_auth_user u;
    if (kb_auth_user_get(*st, a->pos[0], &u, &err) == 0) {
        fprintf(stderr, PROG ": user '%s' already exists\n", u.username);
        return 1;
    }
    if (get_password(a->pos[0], pw, sizeof pw) != 0)
        return 1;
    rc = kb_auth_user_add(*st, a->pos[0], pw, role, NULL, &err);
    memset(pw, 0, sizeof pw);
    if (rc)
        return fail(&err);
    printf("added user '%s' (%s)\n", a->pos[0], kb_role_name(role));
    return 0;
}

static int cmd_list(struct kb_store *st)
{
    struct kb_auth_user *u = NULL;
    size_t n = 0;
    struct kb_err err;
    char b1[32], b2[32];
    if (kb_auth_user_list(st, &u, &n, &err) != 0)
        return fail(&err);
    if (n == 0)
        fprintf(stderr, "no users: add one with 'kb-server user add --role admin NAME'\n");
    else
        printf("%-24s %-7s %-21s %s\n", "USERNAME", "ROLE", "CREATED", "LAST LOGIN");
    for (size_t i = 0; i < n; i++)
        printf("%-24s %-7s %-21s %s\n", u[i].username, kb_role_name(u[i].role),
               when(u[i].created, b1, sizeof b1), when(u[i].last_login, b2, sizeof b2));
    free(u);
    return 0;
}

static int cmd_passwd(struct kb_store *st, const char *name)
{
    struct kb_err err;
    struct kb_auth_user u;
    char pw[KB_AUTH_PASSWORD_MAX + 2];
    if (kb_auth_user_get(st, name, &u, &err) != 0)
        return fail(&err);
    if (get_password(u.username, pw, sizeof pw) != 0)
        return 1;
    int rc = kb_auth_user_set_password(st, u.username, pw, NULL, &err);
    memset(pw, 0, sizeof pw);
    if (rc)
        return fail(&err);
    printf("changed the password of '%s' and ended their sessions\n", u.username);
    return 0;
}

static int cmd_token(struct kb_store **st, const char *data, const struct args *a)
{
    struct kb_err err;
    char token[KB_AUTH_TOKEN_LEN + 1];
    int64_t id = 0;
    int role, rc;
    if ((rc = role_arg(a->role, &role)) != 0)
        return rc;
    if (!(*st = open_store(data, 1)))
        return 1;
    if (kb_auth_token_create(*st, a->pos[0], role, NULL, token, &id, &err) != 0)
        return fail(&err);
    printf("%s\n", token);
    memset(token, 0, sizeof token);
    fprintf(stderr, "created API token %lld '%s' (%s): keep it now, it is not shown again\n",
            (long long)id, a->pos[0], kb_role_name(role));
    return 0;
}

static int cmd_tokens(struct kb_store *st)
{
    struct kb_auth_token *t = NULL;
    size_t n = 0;
    struct kb_err err;
    char b1[32], b2[32];
    if (kb_auth_token_list(st, &t, &n, &err) != 0)
        return fail(&err);
    if (n == 0)
        fprintf(stderr, "no API tokens\n");
    else
        printf("%-5s %-24s %-7s %-15s %-21s %s\n", "ID", "NAME", "ROLE", "PREFIX", "CREATED",
               "LAST USED");
    for (size_t i = 0; i < n; i++)
        printf("%-5lld %-24s %-7s %-15s %-21s %s\n", (long long)t[i].id, t[i].name,
               kb_role_name(t[i].role), t[i].prefix, when(t[i].created, b1, sizeof b1),
               when(t[i].last_used, b2, sizeof b2));
    free(t);
    return 0;
}

int srv_cli_user(const char *data, int argc, char **argv)
{
    /* argv[0] is "user". */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (is_help(argv[1])) {
        usage(stdout);
        return 0;
    }
    if (!data || !*data)
        data = "data";
    const char *cmd = argv[1];
    int with_role = strcmp(cmd, "add") == 0 || strcmp(cmd, "token") == 0;
    struct args a;
    int rc = parse(argc - 1, argv + 1, with_role, &a);
    if (rc)
        return rc == 1 ? 0 : rc;

    struct kb_store *st = NULL;
    struct kb_err err;
    if (strcmp(cmd, "add") == 0) {
        if (!(rc = want(&a, 1, cmd, "one user name")))
            rc = cmd_add(&st, data, &a);
    } else if (strcmp(cmd, "token") == 0) {
        if (!(rc = want(&a, 1, cmd, "a name for the token")))
            rc = cmd_token(&st, data, &a);
    } else if (strcmp(cmd, "list") == 0 || strcmp(cmd, "tokens") == 0) {
        if (!(rc = want(&a, 0, cmd, "no arguments")))
            rc = !(st = open_store(data, 0)) ? 1
               : strcmp(cmd, "list") == 0 ? cmd_list(st) : cmd_tokens(st);
    } else if (strcmp(cmd, "delete") == 0) {
        if (!(rc = want(&a, 1, cmd, "one user name")) && !(rc = !(st = open_store(data, 0)))) {
            if (kb_auth_user_delete(st, a.pos[0], &err) != 0)
                rc = fail(&err);
            else
                printf("deleted user '%s'\n", a.pos[0]);
        }
    } else if (strcmp(cmd, "passwd") == 0) {
        if (!(rc = want(&a, 1, cmd, "one user name")) && !(rc = !(st = open_store(data, 0))))
            rc = cmd_passwd(st, a.pos[0]);
    } else if (strcmp(cmd, "role") == 0) {
        int role;
        if (!(rc = want(&a, 2, cmd, "a user name and a role")) &&
            !(rc = role_arg(a.pos[1], &role)) && !(rc = !(st = open_store(data, 0)))) {
            if (kb_auth_user_set_role(st, a.pos[0], role, &err) != 0)
                rc = fail(&err);
            else
                printf("'%s' is now %s\n", a.pos[0], kb_role_name(role));
        }
    } else if (strcmp(cmd, "revoke") == 0) {
        char *end = NULL;
        long long id = a.npos == 1 ? strtoll(a.pos[0], &end, 10) : 0;
        if (!(rc = want(&a, 1, cmd, "one token id")) && (id <= 0 || *end)) {
            fprintf(stderr, PROG " revoke: '%s' is not a token id (see 'kb-server user tokens')\n",
                    a.pos[0]);
            rc = 2;
        }
        if (!rc && !(rc = !(st = open_store(data, 0)))) {
            if (kb_auth_token_revoke(st, id, &err) != 0)
                rc = fail(&err);
            else
                printf("revoked API token %lld\n", id);
        }
    } else {
        fprintf(stderr, PROG ": unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 2;
    }
    kb_store_close(st);
    return rc;
}
