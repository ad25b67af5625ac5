/* Who is asking: the one table of roles, a leaf every part may include.
 * Customers are anonymous; staff (agent, writer, admin) sign in. */
#ifndef KB_ROLE_H
#define KB_ROLE_H

#ifdef __cplusplus
extern "C" {
#endif

enum kb_role { KB_ROLE_CUSTOMER = 0, KB_ROLE_AGENT, KB_ROLE_WRITER, KB_ROLE_ADMIN };

/* "customer" | "agent" | "writer" | "admin"; -1 when unknown. */
int kb_role_parse(const char *s);
/* The role's name; "customer" for anything unknown (the least it may see). */
const char *kb_role_name(int role);
/* 1 for agent, writer and admin. */
int kb_role_staff(int role);

#ifdef __cplusplus
}
#endif
#endif
