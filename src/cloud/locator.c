/* locator.c - the locators gfcloud knows, found by the API's "method", and
 * the common part of making and freeing one (locator.h). A new kind joins
 * the registry here. */
#include "locator.h"

#include <stdlib.h>
#include <string.h>

static const locator_ops *const registry[] = {&locator_manual, &locator_camera};

const locator_ops *locator_find(const char *method)
{
    for (size_t i = 0; method && i < sizeof(registry) / sizeof(registry[0]);
         i++) {
        if (strcmp(registry[i]->name, method) == 0)
            return registry[i];
    }
    return NULL;
}

locator *locator_new(const locator_ops *ops, locator_host *host)
{
    locator *l = calloc(1, sizeof(*l));
    if (l) {
        l->ops = ops;
        l->host = host;
    }
    return l;
}

void locator_free(locator *l)
{
    if (!l)
        return;
    l->ops->free(l);
    free(l);
}
