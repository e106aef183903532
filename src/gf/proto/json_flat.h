/* json_flat.h - reading a settings report's values without building them
 * (gf_proto's private header; the API is gf_msg_parse_ex in gf/message.h).
 *
 * A full settings report (§12.3) is one flat object of about 549 codes,
 * each a number or a string. A service that only stores it as text need
 * not build a JSON tree of it and dump it again: these functions check the
 * text against the JSON grammar and find it in a message line. They accept
 * a subset of what jansson accepts (anything unusual is left to jansson),
 * so a line read this way is one that jansson would have read too. */
#ifndef GF_JSON_FLAT_H
#define GF_JSON_FLAT_H

#include <stddef.h>

/* Whether p[0..len) starts with a JSON object whose every member is a
 * string or a number, written as jansson would accept it (valid UTF-8, no
 * control characters or \u0000 in strings, no lone surrogates, integers
 * within int64, finite reals). On 1, *end is the offset just past the
 * closing brace and *count the number of members as written (a repeated
 * key counts each time). 0 means "not known to
 * be such an object" (it may still be valid JSON). */
int gf_json_flat_object(const char *p, size_t len, size_t *end, size_t *count);

/* Where, in one event line (top-level `type` "event"), the value of the
 * top-level `settings` object's `values` member is, when it is a flat
 * object (as above) of at least one member: 1 and [*start, *end) and
 * *count; 0 when there is none, or when the line is anything but plain (an
 * escaped key or type, a repeated `settings` or `values`, text that ends
 * early), and then the line is left to jansson whole. The rest of the line
 * is not validated here. */
int gf_json_find_values(const char *line, size_t len, size_t *start,
                        size_t *end, size_t *count);

#endif
