/* fuzz_message.c - libFuzzer target for the message parser (PROTOCOL.md §4.2,
 * §5): every frame a peer sends goes through gf_frame_each, so no byte string
 * may crash it, hang it or leak.
 *
 * Beyond "does not crash", each input checks invariants: a refused line
 * always says why; an accepted message emits again (gf_msg_emit) and that
 * line parses back to the same type, id and name; the catalog helpers accept
 * whatever event or action name a peer sends; and the input read as one line
 * with GF_PARSE_VALUES_TEXT is accepted or refused as without it, with the
 * same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gf/catalog.h"
#include "gf/message.h"
#include "gf/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_name(const gf_msg *m)
{
    switch (m->type) {
    case GF_MSG_ACTION:
        return m->action_type;
    case GF_MSG_EVENT:
        return m->event;
    case GF_MSG_PROGRESS:
        return m->progress;
    case GF_MSG_LOG:
    default:
        return m->log;
    }
}

/* What a service or a machine does next with a message's names. */
static void fuzz_catalog(const gf_msg *m)
{
    char type[64];
    int full;
    if (m->type == GF_MSG_ACTION)
        (void)gf_action_stage_of(gf_action_lookup(m->action_type), "x:y");
    if (m->type != GF_MSG_EVENT)
        return;
    (void)gf_outcome_name(gf_event_outcome(m->event));
    if (gf_event_action_type(m->event, type, sizeof type) == GF_OK)
        (void)gf_action_stage_of(gf_action_lookup(type), m->event);
    if (m->settings)
        (void)gf_settings_report_form(m->settings, &full);
}

/* Emit `m` again and parse the line: it must come back the same. */
static void fuzz_reemit(const gf_msg *m)
{
    char *line = gf_msg_emit(m);
    gf_msg back;
    size_t len;
    int rc;
    if (!line)
        abort(); /* a parsed message has every required field */
    len = strlen(line);
    if (len == 0 || line[len - 1] != '\n')
        abort();
    rc = gf_msg_parse(line, len - 1, &back, NULL, 0);
    if (rc == GF_ETOOBIG && len - 1 > GF_MSG_MAX_BYTES) {
        free(line); /* reals can print longer than they were written */
        return;
    }
    if (rc != GF_OK || back.type != m->type || back.id != m->id ||
        strcmp(fuzz_name(&back), fuzz_name(m)) != 0)
        abort();
    gf_msg_clear(&back);
    free(line);
}

static void fuzz_line(void *ud, const gf_msg *msg, int err, const char *errtext)
{
    (void)ud;
    if (err) {
        if (msg || !errtext || !errtext[0])
            abort(); /* a refusal must say why */
        return;
    }
    fuzz_catalog(msg);
    fuzz_reemit(msg);
}

/* The two ways of reading one line agree (message.h, GF_PARSE_VALUES_TEXT). */
static void fuzz_values_text(const char *text, size_t len)
{
    gf_msg a, b;
    int ra = gf_msg_parse(text, len, &a, NULL, 0);
    int rb = gf_msg_parse_ex(text, len, GF_PARSE_VALUES_TEXT, &b, NULL, 0);
    if (ra != rb)
        abort();
    if (rb == GF_OK && b.values_text) {
        json_t *got = json_loadb(b.values_text, b.values_len, 0, NULL);
        if (!got || !json_equal(got, json_object_get(a.settings, "values")))
            abort();
        json_decref(got);
    }
    gf_msg_clear(&a);
    gf_msg_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)gf_frame_each((const char *)data, size, fuzz_line, NULL);
    fuzz_values_text((const char *)data, size);
    return 0;
}
