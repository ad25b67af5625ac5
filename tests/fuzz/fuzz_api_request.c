/* Requests without sockets: the route matcher (srv_route_find and its
 * {captures}), query arguments, headers, cookies, bearer tokens and
 * sessions (srv_auth_resolve), and each handler's use of them, on a scratch
 * knowledge base (srv_harness.c). Input: a request as text,
 *     GET /api/v1/search?q=router&page=2
 *     Authorization: Bearer @TOKEN@
 *     Cookie: kb_session=@SESSION@
 *
 *     body...
 * where @TOKEN@ and @SESSION@ stand for a real admin token and session. */
#include <string.h>

#include "server/routes.h"
#include "srv_harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_srv_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    fuzz_srv_run_text(data, size, 1);

    /* The matcher alone, with the first line as the path under each method:
     * captures must be NUL-terminated and fit. */
    char path[1024];
    size_t n = size < sizeof path - 1 ? size : sizeof path - 1;
    memcpy(path, data, n);
    path[n] = '\0';
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        struct srv_match m;
        const struct srv_route *r = srv_route_find(methods[i], path, &m);
        if (r && (m.nparams < 0 || m.nparams > SRV_MAX_PARAMS))
            __builtin_trap();
        for (int k = 0; r && k < m.nparams; k++)
            if (strlen(m.params[k]) >= sizeof m.params[k])
                __builtin_trap();
    }
    return 0;
}
