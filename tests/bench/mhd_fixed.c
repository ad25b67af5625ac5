/* The HTTP ceiling of the benchmark: libmicrohttpd set up as kb-server sets it
 * up (internal polling thread pool, epoll), answering every request with a
 * fixed 1 KB JSON body. The response is queued on the second call of the
 * access handler, not the first, so keep-alive connections stay open.
 *
 *   mhd_fixed PORT THREADS     (runs until SIGTERM or SIGINT)
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char body[1024];
static volatile sig_atomic_t done;

static void on_signal(int sig)
{
    (void)sig;
    done = 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    static int marker;
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls != &marker) {
        *req_cls = &marker; /* first call: headers only */
        return MHD_YES;
    }
    *upload_data_size = 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mhd_fixed PORT THREADS\n");
        return 2;
    }
    /* {"hits":[{"title":"xxxx..."}]} padded to exactly 1024 bytes. */
    const char *head = "{\"hits\":[{\"title\":\"", *tail = "\"}]}";
    size_t hl = strlen(head), tl = strlen(tail);
    memcpy(body, head, hl);
    memset(body + hl, 'x', sizeof body - hl - tl);
    memcpy(body + sizeof body - tl, tail, tl);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, (uint16_t)atoi(argv[1]),
        NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]),
        MHD_OPTION_CONNECTION_LIMIT, 10000u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mhd_fixed: cannot listen on port %s\n", argv[1]);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!done)
        pause();
    MHD_stop_daemon(d);
    return 0;
}
