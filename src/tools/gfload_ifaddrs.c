/* gfload_ifaddrs.c - one list of the host's interfaces per gfload process.
 *
 * libwebsockets 4.1 binds a client socket to `iface` (gfload's --source
 * address) by calling getifaddrs(3) and walking the list for an interface
 * of that name, then reading the string as a numeric address when none
 * matches. getifaddrs asks the kernel over netlink each time: with 8,000
 * machines connecting it was 16% of gfload's CPU, for an answer that does
 * not change while the tool runs.
 *
 * So gfload defines getifaddrs and freeifaddrs itself (the executable's
 * definitions come before libc's in the dynamic linker's search order, and
 * the link exports them: gfload.cmake). The first call asks the C library
 * (the next definition, found with dlsym(RTLD_NEXT)); every later call
 * returns that same list, which freeifaddrs leaves alone. A list the tool
 * did not cache is freed by the C library's freeifaddrs as usual. */
#include <dlfcn.h>
#include <ifaddrs.h>
#include <pthread.h>

typedef int (*gl_getifaddrs_fn)(struct ifaddrs **);
typedef void (*gl_freeifaddrs_fn)(struct ifaddrs *);

static pthread_once_t gl_if_once = PTHREAD_ONCE_INIT;
static struct ifaddrs *gl_if_list;
static int gl_if_rc = -1;
static gl_getifaddrs_fn gl_real_get;
static gl_freeifaddrs_fn gl_real_free;

static void gl_if_load(void)
{
    gl_real_get = (gl_getifaddrs_fn)dlsym(RTLD_NEXT, "getifaddrs");
    gl_real_free = (gl_freeifaddrs_fn)dlsym(RTLD_NEXT, "freeifaddrs");
    if (gl_real_get)
        gl_if_rc = gl_real_get(&gl_if_list);
}

/* When the first call failed nothing is cached, and every call asks the C
 * library again (and sets errno as it does). */
int getifaddrs(struct ifaddrs **ifap)
{
    pthread_once(&gl_if_once, gl_if_load);
    if (gl_if_rc == 0) {
        *ifap = gl_if_list;
        return 0;
    }
    if (!gl_real_get) {
        *ifap = NULL;
        return -1;
    }
    return gl_real_get(ifap);
}

void freeifaddrs(struct ifaddrs *ifa)
{
    if (!ifa || ifa == gl_if_list)
        return;
    if (gl_real_free)
        gl_real_free(ifa);
}
