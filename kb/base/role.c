/* The role table: see role.h. */
#include "kb/base/role.h"

#include <string.h>

static const char *const role_names[] = {"customer", "agent", "writer", "admin"};

int kb_role_parse(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, role_names[i]) == 0)
            return i;
    return -1;
}

const char *kb_role_name(int role)
{
    return role >= 0 && role < 4 ? role_names[role] : "customer";
}

int kb_role_staff(int role)
{
    return role >= KB_ROLE_AGENT && role <= KB_ROLE_ADMIN;
}
