/* Tests for staff accounts, sessions, API tokens and login lockout
 * (kb/store/auth.c): input rules, users, last-admin protection, login and session
 * rotation, expiry (through the test clock), lockout per account and per
 * address, and that no secret is stored in the clear. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/store/auth.h"
#include "kb/base/err.h"
#include "kb/base/log.h"
#include "kb/search/search.h"
#include "kb/store/store.h"

static char dir[64];
static char db_path[128];

static struct kb_store *open_store(void)
{
    struct kb_store *st = NULL;
    struct kb_err err;
    if (kb_store_open(db_path, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", db_path, err.msg);
        exit(1);
    }
    return st;
}

static int64_t count_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* 1 when the store's files contain needle anywhere. */
static int file_contains(const char *needle)
{
    static const char *const suffix[] = {"", "-wal"};
    size_t nl = strlen(needle);
    for (size_t k = 0; k < 2; k++) {
        char p[160];
        snprintf(p, sizeof p, "%s%s", db_path, suffix[k]);
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *b = malloc((size_t)n + 1);
        size_t got = fread(b, 1, (size_t)n, f);
        fclose(f);
        int found = 0;
        for (size_t i = 0; !found && i + nl <= got; i++)
            found = memcmp(b + i, needle, nl) == 0;
        free(b);
        if (found)
            return 1;
    }
    return 0;
}

static int login(struct kb_store *st, const char *user, const char *pw, const char *client,
                 const char *old, char *session, int64_t *retry, struct kb_err *err)
{
    struct kb_auth_user u;
    return kb_auth_login(st, user, pw, client, old, session, &u, retry, err);
}

static void test_rules(void)
{
    struct kb_err err;
    static const struct {
        const char *name;
        int ok;
    } names[] = {
        {"alice", 1}, {"a", 1}, {"Bob.Smith-2_x", 1},
        {"0123456789012345678901234567890123456789012345678901234567890123", 1}, /* 64 */
        {"01234567890123456789012345678901234567890123456789012345678901234", 0}, /* 65 */
        {"", 0}, {"al ice", 0}, {"al/ice", 0}, {"alice@example", 0}, {"\xc3\xa9lise", 0},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        int rc = kb_auth_check_username(names[i].name, &err);
        CHECK_INT(rc == 0, names[i].ok);
        if (rc)
            CHECK_CONTAINS(err.msg, "username");
    }
    CHECK_INT(kb_auth_check_username(NULL, &err), KB_EINVAL);

    CHECK_INT(kb_auth_check_password("12345678", &err), 0);
    CHECK_INT(kb_auth_check_password("1234567", &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "password");
    /* Eight characters, more bytes. */
    CHECK_INT(kb_auth_check_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &err), 0);
    CHECK_INT(kb_auth_check_password("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &err), KB_EINVAL);
    char big[KB_AUTH_PASSWORD_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(kb_auth_check_password(big, &err), KB_EINVAL);
    big[KB_AUTH_PASSWORD_MAX] = '\0';
    CHECK_INT(kb_auth_check_password(big, &err), 0);

    CHECK_INT(kb_auth_role_parse("agent"), KB_ROLE_AGENT);
    CHECK_INT(kb_auth_role_parse("writer"), KB_ROLE_WRITER);
    CHECK_INT(kb_auth_role_parse("admin"), KB_ROLE_ADMIN);
    CHECK_INT(kb_auth_role_parse("customer"), -1);
    CHECK_INT(kb_auth_role_parse("Admin"), -1);
    CHECK_INT(kb_auth_role_parse(NULL), -1);
}

static void test_users(struct kb_store *st)
{
    struct kb_err err;
    struct kb_auth_user u;
    int64_t id = 0, n = 0;

    CHECK(count_sql(st, "SELECT count(*) FROM sqlite_master WHERE name IN "
                        "('users', 'sessions', 'api_tokens', 'login_failures')") == 4);
    CHECK_INT(kb_auth_user_add(st, "root", "rootpassword", KB_ROLE_ADMIN, &id, &err), 0);
    CHECK(id > 0);
    CHECK_INT(kb_auth_user_add(st, "ROOT", "otherpassword", KB_ROLE_AGENT, NULL, &err), KB_EEXIST);
    CHECK_CONTAINS(err.msg, "already exists");
    CHECK_INT(kb_auth_user_add(st, "bad name", "password1", KB_ROLE_AGENT, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "username");
    CHECK_INT(kb_auth_user_add(st, "carol", "short", KB_ROLE_AGENT, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "password");
    CHECK_INT(kb_auth_user_add(st, "carol", "password1", KB_ROLE_CUSTOMER, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "role");
    CHECK_INT(kb_auth_user_add(st, "writer1", "writerpassword", KB_ROLE_WRITER, NULL, &err), 0);
    CHECK_INT(kb_auth_user_add(st, "agent1", "agentpassword", KB_ROLE_AGENT, NULL, &err), 0);

    CHECK_INT(kb_auth_user_get(st, "Root", &u, &err), 0);
    CHECK_STR(u.username, "root");
    CHECK_INT(u.role, KB_ROLE_ADMIN);
    CHECK_INT(u.id, id);
    CHECK_INT(u.last_login, 0);
    CHECK_INT(kb_auth_user_get(st, "nobody", &u, &err), KB_ENOTFOUND);

    struct kb_auth_user *list = NULL;
    size_t nl = 0;
    CHECK_INT(kb_auth_user_list(st, &list, &nl, &err), 0);
    CHECK_INT(nl, 3);
    if (nl == 3) {
        CHECK_STR(list[0].username, "agent1");
        CHECK_STR(list[1].username, "root");
        CHECK_STR(list[2].username, "writer1");
    }
    free(list);

    /* The password hash is argon2id, never the password. */
    CHECK(count_sql(st, "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'") == 3);
    CHECK(!file_contains("rootpassword"));

    /* The last admin stays. */
    CHECK_INT(kb_auth_admin_count(st, &n, &err), 0);
    CHECK_INT(n, 1);
    CHECK_INT(kb_auth_user_delete(st, "root", &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "last admin");
    CHECK_INT(kb_auth_user_set_role(st, "root", KB_ROLE_WRITER, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "last admin");
    CHECK_INT(kb_auth_user_set_role(st, "root", KB_ROLE_ADMIN, &err), 0);
    CHECK_INT(kb_auth_user_set_role(st, "writer1", KB_ROLE_ADMIN, &err), 0);
    CHECK_INT(kb_auth_user_set_role(st, "root", KB_ROLE_AGENT, &err), 0);
    CHECK_INT(kb_auth_user_set_role(st, "root", KB_ROLE_ADMIN, &err), 0);
    CHECK_INT(kb_auth_user_set_role(st, "writer1", KB_ROLE_WRITER, &err), 0);
    CHECK_INT(kb_auth_user_set_role(st, "nobody", KB_ROLE_WRITER, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_user_set_role(st, "agent1", 7, &err), KB_EINVAL);
    CHECK_INT(kb_auth_user_delete(st, "nobody", &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_user_set_password(st, "nobody", "password1", NULL, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_user_set_password(st, "agent1", "short", NULL, &err), KB_EINVAL);
}

static void test_login_sessions(struct kb_store *st)
{
    struct kb_err err, err2;
    struct kb_auth_user u;
    char s1[KB_AUTH_SESSION_LEN + 1], s2[KB_AUTH_SESSION_LEN + 1], s3[KB_AUTH_SESSION_LEN + 1];
    int64_t retry = -1;

    CHECK_INT(kb_auth_login(st, "Agent1", "agentpassword", "10.0.0.1", NULL, s1, &u, &retry,
                            &err), 0);
    CHECK_INT(strlen(s1), KB_AUTH_SESSION_LEN);
    CHECK_STR(u.username, "agent1");
    CHECK_INT(u.role, KB_ROLE_AGENT);
    CHECK_INT(retry, 0);
    CHECK(u.last_login > 0);
    CHECK(!file_contains(s1)); /* only its hash is stored */

    CHECK_INT(kb_auth_session_check(st, s1, &u, &err), 0);
    CHECK_STR(u.username, "agent1");

    /* A new id on every login; the one presented at login ends. */
    CHECK_INT(login(st, "agent1", "agentpassword", "10.0.0.1", NULL, s2, &retry, &err), 0);
    CHECK(strcmp(s1, s2) != 0);
    CHECK_INT(kb_auth_session_check(st, s1, &u, &err), 0);
    CHECK_INT(login(st, "agent1", "agentpassword", "10.0.0.1", s1, s3, &retry, &err), 0);
    CHECK(strcmp(s3, s1) != 0 && strcmp(s3, s2) != 0);
    CHECK_INT(kb_auth_session_check(st, s1, &u, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_session_check(st, s2, &u, &err), 0);
    CHECK_INT(kb_auth_session_check(st, s3, &u, &err), 0);

    /* Logout ends exactly that session. */
    CHECK_INT(kb_auth_logout(st, s2, &err), 0);
    CHECK_INT(kb_auth_session_check(st, s2, &u, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_session_check(st, s3, &u, &err), 0);
    CHECK_INT(kb_auth_logout(st, s2, &err), 0); /* again: nothing */
    CHECK_INT(kb_auth_logout(st, NULL, &err), 0);

    /* Malformed ids. */
    CHECK_INT(kb_auth_session_check(st, "", &u, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_session_check(st, NULL, &u, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_session_check(st, "zz", &u, &err), KB_ENOTFOUND);
    char upper[KB_AUTH_SESSION_LEN + 1];
    for (size_t i = 0; i <= KB_AUTH_SESSION_LEN; i++)
        upper[i] = (char)(s3[i] >= 'a' && s3[i] <= 'f' ? s3[i] - 32 : s3[i]);
    if (strcmp(upper, s3) != 0)
        CHECK_INT(kb_auth_session_check(st, upper, &u, &err), KB_ENOTFOUND);

    /* Wrong password and unknown user: the same error and message. */
    CHECK_INT(login(st, "agent1", "wrongpassword", "10.0.0.2", NULL, s1, &retry, &err),
              KB_ENOTFOUND);
    CHECK_INT(login(st, "nobody", "wrongpassword", "10.0.0.2", NULL, s1, &retry, &err2),
              KB_ENOTFOUND);
    CHECK_STR(err.msg, "wrong username or password");
    CHECK_STR(err.msg, err2.msg);
    CHECK_STR(s1, "");
    CHECK_INT(login(st, "not valid!", "wrongpassword", "10.0.0.2", NULL, s1, &retry, &err),
              KB_ENOTFOUND);
    CHECK_STR(err.msg, "wrong username or password");
    CHECK_INT(login(st, "agent1", "", "10.0.0.2", NULL, s1, &retry, &err), KB_ENOTFOUND);

    /* Changing the password ends other sessions, keeping the given one. */
    CHECK_INT(login(st, "agent1", "agentpassword", "10.0.0.1", NULL, s1, &retry, &err), 0);
    CHECK_INT(login(st, "agent1", "agentpassword", "10.0.0.1", NULL, s2, &retry, &err), 0);
    CHECK_INT(kb_auth_user_set_password(st, "agent1", "newagentpassword", s1, &err), 0);
    CHECK_INT(kb_auth_session_check(st, s1, &u, &err), 0);
    CHECK_INT(kb_auth_session_check(st, s2, &u, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_session_check(st, s3, &u, &err), KB_ENOTFOUND);
    CHECK_INT(login(st, "agent1", "agentpassword", "10.0.0.1", NULL, s2, &retry, &err),
              KB_ENOTFOUND);
    CHECK_INT(login(st, "agent1", "newagentpassword", "10.0.0.1", NULL, s2, &retry, &err), 0);

    /* A role change shows on the next check. */
    CHECK_INT(kb_auth_user_set_role(st, "agent1", KB_ROLE_WRITER, &err), 0);
    CHECK_INT(kb_auth_session_check(st, s2, &u, &err), 0);
    CHECK_INT(u.role, KB_ROLE_WRITER);
    CHECK_INT(kb_auth_user_set_role(st, "agent1", KB_ROLE_AGENT, &err), 0);

    /* Deleting a user ends their sessions. */
    CHECK_INT(kb_auth_user_add(st, "temp", "temppassword", KB_ROLE_AGENT, NULL, &err), 0);
    CHECK_INT(login(st, "temp", "temppassword", "10.0.0.1", NULL, s3, &retry, &err), 0);
    CHECK_INT(kb_auth_user_delete(st, "temp", &err), 0);
    CHECK_INT(kb_auth_session_check(st, s3, &u, &err), KB_ENOTFOUND);
    CHECK_INT(login(st, "temp", "temppassword", "10.0.0.1", NULL, s3, &retry, &err),
              KB_ENOTFOUND);

    /* Over-long passwords are refused before any work. */
    char big[KB_AUTH_PASSWORD_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(login(st, "agent1", big, "10.0.0.1", NULL, s3, &retry, &err), KB_EINVAL);
    sqlite3_exec(kb_store_db(st), "DELETE FROM login_failures", NULL, NULL, NULL);
}

static void test_expiry(struct kb_store *st)
{
    struct kb_err err;
    struct kb_auth_user u;
    char s[KB_AUTH_SESSION_LEN + 1], s2[KB_AUTH_SESSION_LEN + 1];
    int64_t retry;

    /* Idle: unused for 12 hours. */
    CHECK_INT(login(st, "writer1", "writerpassword", "10.0.1.1", NULL, s, &retry, &err), 0);
    kb_auth_set_clock_offset(KB_AUTH_SESSION_IDLE - 60);
    CHECK_INT(kb_auth_session_check(st, s, &u, &err), 0); /* used: the idle time restarts */
    kb_auth_set_clock_offset(2 * KB_AUTH_SESSION_IDLE - 120);
    CHECK_INT(kb_auth_session_check(st, s, &u, &err), 0);
    kb_auth_set_clock_offset(3 * KB_AUTH_SESSION_IDLE);
    CHECK_INT(kb_auth_session_check(st, s, &u, &err), KB_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "expired");
    CHECK_INT(kb_auth_session_check(st, s, &u, &err), KB_ENOTFOUND); /* and gone */
    kb_auth_set_clock_offset(0);

    /* Absolute: 7 days even when used all along. */
    CHECK_INT(login(st, "writer1", "writerpassword", "10.0.1.1", NULL, s, &retry, &err), 0);
    int64_t t = 0;
    int ok = 1;
    for (; t + 11 * 3600 < KB_AUTH_SESSION_MAX; t += 11 * 3600) {
        kb_auth_set_clock_offset(t);
        ok = ok && kb_auth_session_check(st, s, &u, &err) == 0;
    }
    CHECK(ok);
    kb_auth_set_clock_offset(KB_AUTH_SESSION_MAX);
    CHECK_INT(kb_auth_session_check(st, s, &u, &err), KB_ENOTFOUND);

    /* Logins prune expired sessions of everyone. */
    kb_auth_set_clock_offset(0);
    CHECK_INT(login(st, "writer1", "writerpassword", "10.0.1.1", NULL, s, &retry, &err), 0);
    kb_auth_set_clock_offset(KB_AUTH_SESSION_MAX + 10);
    CHECK_INT(login(st, "root", "rootpassword", "10.0.1.1", NULL, s2, &retry, &err), 0);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                            "WHERE u.username = 'writer1'"), 0);
    kb_auth_set_clock_offset(0);
}

static int login_dev(struct kb_store *st, const char *user, const char *pw, const char *client,
                     const char *dev_in, char *dev_out, int64_t *retry, struct kb_err *err)
{
    struct kb_auth_user u;
    char s[KB_AUTH_SESSION_LEN + 1];
    return kb_auth_login_device(st, user, pw, client, dev_in, NULL, s, dev_out, &u, retry, err);
}

/* A guesser that comes back exactly when told to: how many guesses are
 * heard within `seconds` (the clock is shifted, nothing sleeps). */
static int guesses_heard(struct kb_store *st, const char *user, const char *addr, int64_t seconds)
{
    struct kb_err err;
    int64_t t = 0, retry = 0;
    int heard = 0;
    while (t < seconds) {
        kb_auth_set_clock_offset(t);
        int rc = login_dev(st, user, "wrong-password", addr, NULL, NULL, &retry, &err);
        if (rc == KB_ENOTFOUND)
            heard++;
        else
            CHECK_INT(rc, KB_EBUSY);
        t += rc == KB_EBUSY ? retry : 0;
    }
    kb_auth_set_clock_offset(0);
    return heard;
}

static void test_lockout(struct kb_store *st)
{
    struct kb_err err;
    char s[KB_AUTH_SESSION_LEN + 1], dev[KB_AUTH_DEVICE_LEN + 1], other[KB_AUTH_DEVICE_LEN + 1];
    int64_t retry = 0;
    sqlite3_exec(kb_store_db(st), "DELETE FROM login_failures", NULL, NULL, NULL);

    /* A browser that signed in keeps a device cookie for the account. */
    CHECK_INT(login_dev(st, "Root", "rootpassword", "192.0.2.200", NULL, dev, &retry, &err), 0);
    CHECK(strncmp(dev, "d1.root.", 8) == 0 && strlen(dev) == 8 + 32 + 1 + 64);
    CHECK_INT(login_dev(st, "writer1", "writerpassword", "192.0.2.200", NULL, other, &retry, &err),
              0);

    /* Per account: strangers' failures from many addresses add up... */
    for (int i = 0; i < KB_AUTH_FREE_ACCOUNT; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "192.0.2.%d", i + 1);
        CHECK_INT(login(st, "root", "wrong-password", addr, NULL, s, &retry, &err), KB_ENOTFOUND);
    }
    /* ...so a stranger waits, even with the right password... */
    CHECK_INT(login(st, "root", "rootpassword", "198.51.100.7", NULL, s, &retry, &err), KB_EBUSY);
    CHECK(retry > 0 && retry <= KB_AUTH_DELAY_ACCOUNT);
    int64_t waited = retry;
    CHECK_CONTAINS(err.msg, "try again");
    CHECK_STR(s, "");
    /* ...and so does another account's cookie, or a forged one... */
    CHECK_INT(login_dev(st, "root", "rootpassword", "198.51.100.7", other, NULL, &retry, &err),
              KB_EBUSY);
    char forged[KB_AUTH_DEVICE_LEN + 1];
    snprintf(forged, sizeof forged, "%s", dev);
    forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
    CHECK_INT(login_dev(st, "root", "rootpassword", "198.51.100.7", forged, NULL, &retry, &err),
              KB_EBUSY);
    /* ...but the owner's browser gets in at once, from any address. */
    CHECK_INT(login_dev(st, "root", "rootpassword", "203.0.113.77", dev, NULL, &retry, &err), 0);
    /* Others are not affected. */
    CHECK_INT(login(st, "writer1", "writerpassword", "192.0.2.1", NULL, s, &retry, &err), 0);
    /* The wait doubles with each failure heard; early attempts are not counted. */
    kb_auth_set_clock_offset(waited);
    CHECK_INT(login(st, "root", "wrong-password", "198.51.100.8", NULL, s, &retry, &err),
              KB_ENOTFOUND);
    int64_t first = 0;
    CHECK_INT(login(st, "root", "rootpassword", "198.51.100.9", NULL, s, &first, &err), KB_EBUSY);
    CHECK_INT(login(st, "root", "rootpassword", "198.51.100.9", NULL, s, &retry, &err), KB_EBUSY);
    /* Whole seconds: one may tick between the failure (its password
     * hashing takes a while) and each answer. */
    CHECK(first >= 2 * KB_AUTH_DELAY_ACCOUNT - 1 && first <= 2 * KB_AUTH_DELAY_ACCOUNT);
    CHECK(retry >= first - 1 && retry <= first);
    /* Everything is forgotten after the window. */
    kb_auth_set_clock_offset(KB_AUTH_FAIL_WINDOW + 10);
    CHECK_INT(login(st, "root", "rootpassword", "198.51.100.9", NULL, s, &retry, &err), 0);
    kb_auth_set_clock_offset(0);
    sqlite3_exec(kb_store_db(st), "DELETE FROM login_failures", NULL, NULL, NULL);

    /* Per account and address: an office behind one NAT address is not
     * locked out by one guesser there. */
    for (int i = 0; i < KB_AUTH_FREE_ADDRESS; i++)
        CHECK_INT(login(st, "writer1", "wrong-password", "203.0.113.9", NULL, s, &retry, &err),
                  KB_ENOTFOUND);
    CHECK_INT(login(st, "writer1", "writerpassword", "203.0.113.9", NULL, s, &retry, &err),
              KB_EBUSY);
    CHECK(retry > 0 && retry <= KB_AUTH_DELAY_ADDRESS);
    CHECK_INT(login(st, "agent1", "newagentpassword", "203.0.113.9", NULL, s, &retry, &err), 0);
    CHECK_INT(login(st, "writer1", "writerpassword", "203.0.113.10", NULL, s, &retry, &err), 0);
    /* Success clears the client's own count. */
    kb_auth_set_clock_offset(KB_AUTH_DELAY_ADDRESS);
    CHECK_INT(login(st, "writer1", "writerpassword", "203.0.113.9", NULL, s, &retry, &err), 0);
    CHECK_INT(login(st, "writer1", "wrong-password", "203.0.113.9", NULL, s, &retry, &err),
              KB_ENOTFOUND);
    CHECK_INT(login(st, "writer1", "writerpassword", "203.0.113.9", NULL, s, &retry, &err), 0);
    kb_auth_set_clock_offset(0);
    sqlite3_exec(kb_store_db(st), "DELETE FROM login_failures", NULL, NULL, NULL);

    /* One guesser at one address: a few guesses in the first minute, then
     * fewer and fewer. */
    int minute = guesses_heard(st, "agent1", "198.51.100.66", 60);
    sqlite3_exec(kb_store_db(st), "DELETE FROM login_failures", NULL, NULL, NULL);
    int hour = guesses_heard(st, "agent1", "198.51.100.66", 3600);
    printf("lockout: one address guessing: %d guesses heard in the first minute, %d in an hour\n",
           minute, hour);
    CHECK(minute >= KB_AUTH_FREE_ADDRESS && minute <= 5);
    CHECK(hour <= 15);
    sqlite3_exec(kb_store_db(st), "DELETE FROM login_failures", NULL, NULL, NULL);

    /* A device's failures are its own: they slow it, not the account. */
    CHECK_INT(login_dev(st, "root", "rootpassword", "192.0.2.200", NULL, dev, &retry, &err), 0);
    for (int i = 0; i < KB_AUTH_FREE_DEVICE; i++)
        CHECK_INT(login_dev(st, "root", "wrong-password", "192.0.2.200", dev, NULL, &retry, &err),
                  KB_ENOTFOUND);
    CHECK_INT(login_dev(st, "root", "rootpassword", "192.0.2.200", dev, NULL, &retry, &err),
              KB_EBUSY);
    CHECK(retry > 0 && retry <= KB_AUTH_DELAY_DEVICE);
    CHECK_INT(login(st, "root", "rootpassword", "192.0.2.201", NULL, s, &retry, &err), 0);
    /* Old records are pruned by later failures. */
    kb_auth_set_clock_offset(KB_AUTH_FAIL_WINDOW + 1);
    CHECK_INT(login(st, "agent1", "wrong-password", "203.0.113.11", NULL, s, &retry, &err),
              KB_ENOTFOUND);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM login_failures"), 2);
    kb_auth_set_clock_offset(0);
    sqlite3_exec(kb_store_db(st), "DELETE FROM login_failures", NULL, NULL, NULL);
}

static void test_tokens(struct kb_store *st)
{
    struct kb_err err;
    struct kb_auth_token t;
    char tok[KB_AUTH_TOKEN_LEN + 1], tok2[KB_AUTH_TOKEN_LEN + 1];
    int64_t id = 0, id2 = 0;

    CHECK_INT(kb_auth_token_create(st, "zendesk sync", KB_ROLE_AGENT, "root", tok, &id, &err), 0);
    CHECK(id > 0);
    CHECK_INT(strlen(tok), KB_AUTH_TOKEN_LEN);
    CHECK(strncmp(tok, "kbt_", 4) == 0);
    CHECK_INT(kb_auth_token_create(st, "ci", KB_ROLE_WRITER, NULL, tok2, &id2, &err), 0);
    CHECK(strcmp(tok, tok2) != 0);
    CHECK(file_contains("zendesk sync")); /* the check itself works */
    CHECK(!file_contains(tok));
    CHECK(!file_contains(tok + 4));
    CHECK(!file_contains(tok2 + 4));

    CHECK_INT(kb_auth_token_check(st, tok, &t, &err), 0);
    CHECK_INT(t.id, id);
    CHECK_STR(t.name, "zendesk sync");
    CHECK_INT(t.role, KB_ROLE_AGENT);
    CHECK_STR(t.created_by, "root");
    CHECK_INT(kb_auth_token_check(st, tok2, &t, &err), 0);
    CHECK_INT(t.role, KB_ROLE_WRITER);
    CHECK_STR(t.created_by, "");

    /* Listing: names and prefixes, never secrets. */
    struct kb_auth_token *list = NULL;
    size_t n = 0;
    CHECK_INT(kb_auth_token_list(st, &list, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(list[0].id, id);
        CHECK(strncmp(list[0].prefix, tok, strlen(list[0].prefix)) == 0);
        CHECK(strlen(list[0].prefix) < 16);
        CHECK(list[0].last_used > 0);
        CHECK_STR(list[1].name, "ci");
    }
    free(list);

    /* Wrong, malformed, revoked. */
    char bad[KB_AUTH_TOKEN_LEN + 1];
    memcpy(bad, tok, sizeof bad);
    bad[10] = bad[10] == 'a' ? 'b' : 'a';
    CHECK_INT(kb_auth_token_check(st, bad, &t, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_token_check(st, "kbt_", &t, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_token_check(st, "", &t, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_token_check(st, NULL, &t, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_token_revoke(st, id, &err), 0);
    CHECK_INT(kb_auth_token_check(st, tok, &t, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_token_revoke(st, id, &err), KB_ENOTFOUND);
    CHECK_INT(kb_auth_token_check(st, tok2, &t, &err), 0);

    /* Bad input. */
    CHECK_INT(kb_auth_token_create(st, "", KB_ROLE_AGENT, NULL, tok, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "name");
    CHECK_INT(kb_auth_token_create(st, "a\nb", KB_ROLE_AGENT, NULL, tok, NULL, &err), KB_EINVAL);
    CHECK_INT(kb_auth_token_create(st, "bad \xff utf8", KB_ROLE_AGENT, NULL, tok, NULL, &err),
              KB_EINVAL);
    CHECK_INT(kb_auth_token_create(st, "ok", KB_ROLE_CUSTOMER, NULL, tok, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "role");
    CHECK_STR(tok, "");
}

/* A second handle (another thread in the server) sees the same state. */
static void test_reopen(void)
{
    struct kb_store *st = open_store();
    struct kb_err err;
    struct kb_auth_user u;
    CHECK_INT(kb_auth_user_get(st, "root", &u, &err), 0);
    CHECK(u.last_login > 0);
    kb_store_close(st);
}

int main(void)
{
    kb_log_level = KB_LOG_WARN;
    snprintf(dir, sizeof dir, "/tmp/kb-test-auth-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(db_path, sizeof db_path, "%s/kb.sqlite3", dir);
    struct kb_store *st = open_store();

    test_rules();
    test_users(st);
    test_login_sessions(st);
    test_expiry(st);
    test_lockout(st);
    test_tokens(st);
    kb_store_close(st);
    test_reopen();

    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_report("test_auth");
}
