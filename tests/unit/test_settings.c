/* test_settings.c - the settings catalog and report against PROTOCOL.md §12
 * and §18.
 *
 * The table is generated from data/machine-settings.tsv at build time; these
 * tests read the TSV again on their own and check the table row by row, so a
 * generator bug cannot hide behind its own output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gf/message.h"
#include "gf/settings.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const gf_setting *code(const char *c)
{
    const gf_setting *s = gf_setting_lookup(c);
    if (!s)
        fail_msg("no setting %s", c);
    return s;
}

static void catalog_has_549_codes_in_ascii_order(void **st)
{
    size_t n = 0;
    const gf_setting *all = gf_settings_all(&n);
    assert_int_equal(n, 549);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(all[i].code), 4);
        if (i > 0)
            assert_true(strcmp(all[i - 1].code, all[i].code) < 0);
    }
    assert_non_null(gf_settings_all(NULL));
}

static void lookup_finds_every_code(void **st)
{
    size_t n = 0;
    const gf_setting *all = gf_settings_all(&n);
    for (size_t i = 0; i < n; i++)
        assert_ptr_equal(gf_setting_lookup(all[i].code), &all[i]);
}

static void lookup_of_unknown_codes(void **st)
{
    static const char *const bad[] = {"ZZZZ", "AAd",  "AAdcX", "",
                                      "aadc", "AAdC", "0000",  "~~~~"};
    for (size_t i = 0; i < N(bad); i++)
        assert_null(gf_setting_lookup(bad[i]));
    assert_null(gf_setting_lookup(NULL));
}

/* Split a TSV line in place into 7 columns. */
static int split7(char *line, char **col)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < 7) {
        char *tab = strchr(p, '\t');
        col[n++] = p;
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static void check_row(char **col)
{
    static const char *const types[] = {"", "int", "str", "float"};
    const gf_setting *s = code(col[0]);
    assert_string_equal(types[s->type], col[1]);
    assert_int_equal(s->in_report, atoi(col[2]));
    assert_int_equal(s->has_min, col[3][0] != '\0');
    assert_int_equal(s->has_max, col[4][0] != '\0');
    if (s->has_min)
        assert_true(s->min == strtoll(col[3], NULL, 10));
    if (s->has_max)
        assert_true(s->max == strtoll(col[4], NULL, 10));
    if (col[5][0] == '\0')
        assert_null(s->def);
    else
        assert_string_equal(s->def, col[5]);
    if (s->def && s->type == GF_SETTING_INT)
        assert_true(s->def_int == strtoll(col[5], NULL, 10));
    if (s->def && s->type == GF_SETTING_FLOAT)
        assert_true(s->def_float == strtod(col[5], NULL));
    assert_string_equal(s->note, col[6]);
}

/* The generated table says what the TSV in the repo says, row by row. */
static void table_matches_the_tsv(void **st)
{
    FILE *f = fopen(GF_SOURCE_DIR "/data/machine-settings.tsv", "r");
    char line[4096];
    int rows = 0;
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    assert_memory_equal(line, "code\ttype\tin_report\t", 18);
    while (fgets(line, sizeof line, f)) {
        char *col[7] = {0};
        if (line[0] == '\n')
            continue;
        assert_int_equal(split7(line, col), 7);
        check_row(col);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 549);
}

/* §12.3: 534 int, 6 str, 9 float; only HCil and STfr stay out. */
static void types_and_report_membership(void **st)
{
    static const char *const strs[] = {"AShw", "MCdv", "MCip",
                                       "MCov", "MCsv", "NIma"};
    static const char *const floats[] = {"MCla", "MClb", "MClc", "MCut", "NIrb",
                                         "NIrr", "NItb", "NItr", "PRcp"};
    size_t n, ints = 0, nstr = 0, nfloat = 0, reported = 0;
    const gf_setting *all = gf_settings_all(&n);
    for (size_t i = 0; i < n; i++) {
        ints += all[i].type == GF_SETTING_INT;
        nstr += all[i].type == GF_SETTING_STR;
        nfloat += all[i].type == GF_SETTING_FLOAT;
        reported += all[i].in_report != 0;
    }
    assert_int_equal(ints, 534);
    assert_int_equal(nstr, 6);
    assert_int_equal(nfloat, 9);
    assert_int_equal(reported, 547);
    for (size_t i = 0; i < N(strs); i++)
        assert_int_equal(code(strs[i])->type, GF_SETTING_STR);
    for (size_t i = 0; i < N(floats); i++)
        assert_int_equal(code(floats[i])->type, GF_SETTING_FLOAT);
    assert_false(code("HCil")->in_report);
    assert_false(code("STfr")->in_report);
}

static void codes_without_default(void **st)
{
    assert_null(code("MCsn")->def);
    assert_null(code("MCdt")->def);
    assert_null(code("HCil")->def);
    assert_true(code("AAfc")->def_int == 536870912);
    assert_true(code("NIrr")->def_float == 19.5);
    assert_string_equal(code("MCov")->def, "2.6.0-2228");
}

/* §18: exactly these codes carry a clamp, with these ranges. */
static void clamp_ranges_of_section_18(void **st)
{
    static const struct {
        const char *code;
        int64_t min, max;
    } ranges[] = {
        {"AAdc", 0, 1023},      {"AAid", 0, 1023},  {"AArd", 0, 1023},
        {"EFid", 0, 65535},     {"EFrd", 0, 65535}, {"IFid", 0, 65535},
        {"IFrd", 0, 65535},     {"IFwd", 0, 65535}, {"HChf", 0, 1},
        {"HCvf", 0, 1},         {"LChf", 0, 1},     {"LCvf", 0, 1},
        {"WPon", 0, 1},         {"ZSen", 0, 1},     {"ZSmd", 0, 1},
        {"STfr", 1000, 200000}, {"XSdm", 0, 2},     {"YSdm", 0, 2},
        {"XShc", 0, 1023},      {"XSrc", 0, 1023},  {"YShc", 0, 1023},
        {"YSrc", 0, 1023},      {"XSmm", 1, 32},    {"YSmm", 1, 32},
    };
    size_t n, with_range = 0;
    const gf_setting *all = gf_settings_all(&n);
    for (size_t i = 0; i < N(ranges); i++) {
        const gf_setting *s = code(ranges[i].code);
        assert_true(s->has_min && s->has_max);
        assert_true(s->min == ranges[i].min && s->max == ranges[i].max);
        assert_true(gf_setting_clamp(s, ranges[i].min - 1) == ranges[i].min);
        assert_true(gf_setting_clamp(s, ranges[i].max + 1) == ranges[i].max);
        assert_true(gf_setting_clamp(s, INT64_MIN) == ranges[i].min);
        assert_true(gf_setting_clamp(s, INT64_MAX) == ranges[i].max);
        assert_true(gf_setting_clamp(s, ranges[i].min) == ranges[i].min);
        assert_true(gf_setting_clamp(s, ranges[i].max) == ranges[i].max);
    }
    for (size_t i = 0; i < n; i++)
        with_range += all[i].has_min || all[i].has_max;
    assert_int_equal(with_range, N(ranges));
}

static void clamp_examples_and_no_op(void **st)
{
    assert_int_equal(gf_setting_clamp(code("STfr"), 999), 1000);
    assert_int_equal(gf_setting_clamp(code("STfr"), 10000), 10000);
    assert_int_equal(gf_setting_clamp(code("STfr"), 200001), 200000);
    assert_int_equal(gf_setting_clamp(code("XSrc"), 4000), 1023);
    assert_int_equal(gf_setting_clamp(code("XSmm"), 0), 1);
    assert_int_equal(gf_setting_clamp(code("AAfc"), -5), -5); /* no range */
    assert_int_equal(gf_setting_clamp(NULL, 77), 77);
}

static const gf_identity ident = {
    10000042,
    "2.6.1-9",
    "0123456789abcdef0123456789abcdef01234567",
    108,
    3,
    555,
    "192.0.2.15",
    "02:00:00:aa:bb:cc",
};

/* §12.3: 547 keys, catalog order, typed per the catalog. */
static void report_has_547_typed_keys_in_order(void **st)
{
    json_t *rep = gf_settings_report(&ident, 1700000123, 1600000101);
    json_t *values, *v;
    const char *key;
    size_t n, i = 0;
    const gf_setting *all = gf_settings_all(&n);
    assert_non_null(rep);
    assert_int_equal(json_object_size(rep), 1);
    values = json_object_get(rep, "values");
    assert_int_equal(json_object_size(values), 547);
    json_object_foreach(values, key, v)
    {
        const gf_setting *s;
        while (!all[i].in_report)
            i++;
        s = &all[i++];
        assert_string_equal(key, s->code);
        if (s->type == GF_SETTING_INT)
            assert_true(json_is_integer(v));
        else if (s->type == GF_SETTING_STR)
            assert_true(json_is_string(v));
        else
            assert_true(json_is_real(v));
    }
    assert_null(json_object_get(values, "HCil"));
    assert_null(json_object_get(values, "STfr"));
    json_decref(rep);
}

static int64_t ival(json_t *values, const char *k)
{
    json_t *v = json_object_get(values, k);
    assert_true(json_is_integer(v));
    return (int64_t)json_integer_value(v);
}

static const char *sval(json_t *values, const char *k)
{
    json_t *v = json_object_get(values, k);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

/* §12.4: identity, clock and request values. */
static void report_fills_identity_clock_and_request(void **st)
{
    json_t *rep = gf_settings_report(&ident, 1700000123, 1600000101);
    json_t *values = json_object_get(rep, "values");
    assert_true(ival(values, "MCsn") == 10000042);
    assert_string_equal(sval(values, "MCov"), "2.6.1-9");
    assert_string_equal(sval(values, "MCdv"),
                        "0123456789abcdef0123456789abcdef01234567");
    assert_true(ival(values, "HEfv") == 108);
    assert_true(ival(values, "HEid") == 3);
    assert_true(ival(values, "HEsn") == 555);
    assert_true(ival(values, "MCdt") == 1700000123);
    assert_true(ival(values, "SAid") == 1600000101);
    assert_string_equal(sval(values, "MCip"), "192.0.2.15");
    assert_string_equal(sval(values, "NIma"), "02:00:00:aa:bb:cc");
    /* and the rest from the catalog */
    assert_true(ival(values, "AAfc") == 536870912);
    assert_string_equal(sval(values, "MCsv"), "2.6.0");
    assert_true(json_real_value(json_object_get(values, "PRcp")) == 2.875);
    json_decref(rep);
}

static void report_keeps_defaults_for_unset_identity(void **st)
{
    gf_identity id = {42, NULL, NULL, -1, -1, -1, NULL, NULL};
    json_t *rep = gf_settings_report(&id, 5, 6);
    json_t *values = json_object_get(rep, "values");
    assert_true(ival(values, "MCsn") == 42);
    assert_string_equal(sval(values, "MCov"), code("MCov")->def);
    assert_string_equal(sval(values, "MCdv"), code("MCdv")->def);
    assert_string_equal(sval(values, "MCip"), "127.0.0.1");
    assert_string_equal(sval(values, "NIma"), "de:ad:be:ef:00:00");
    assert_true(ival(values, "HEfv") == code("HEfv")->def_int);
    assert_true(ival(values, "HEid") == code("HEid")->def_int);
    assert_true(ival(values, "HEsn") == code("HEsn")->def_int);
    json_decref(rep);
    rep = gf_settings_report(NULL, 5, 6);
    assert_true(ival(json_object_get(rep, "values"), "MCsn") == 0);
    json_decref(rep);
}

static void report_refuses_a_serial_past_int64(void **st)
{
    gf_identity id = ident;
    id.serial = (uint64_t)INT64_MAX + 1;
    assert_null(gf_settings_report(&id, 1, 2));
}

/* About 6 KB on the wire (§12.3), floats with a fraction. */
static void report_on_the_wire(void **st)
{
    json_t *rep = gf_settings_report(&ident, 1700000123, 1600000101);
    char *line =
        gf_emit_event(33, 4125, 1600000101, "settings:completed", NULL, rep);
    size_t len = strlen(line);
    assert_true(len > 4000 && len < 12000);
    assert_non_null(strstr(line, "\"PRcp\":2.875,"));
    assert_non_null(strstr(line, "\"NIrr\":19.5,"));
    assert_non_null(strstr(line, "\"MCut\":0.26666668,"));
    assert_non_null(strstr(line, "\"MCsn\":10000042,"));
    assert_non_null(strstr(line, "{\"values\":{\"AAdc\":204,"));
    free(line);
    json_decref(rep);
}

static int form_of(const char *text, int *full)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    int rc;
    assert_non_null(j);
    rc = gf_settings_report_form(j, full);
    json_decref(j);
    return rc;
}

/* §12.2: the full form, the empty form, and everything else refused. */
static void report_forms(void **st)
{
    int full = -1;
    json_t *empty = json_object();
    json_t *rep = gf_settings_report(&ident, 1, 2);
    assert_int_equal(gf_settings_report_form(rep, &full), GF_OK);
    assert_int_equal(full, 1);
    json_decref(rep);
    assert_int_equal(form_of("{}", &full), GF_OK);
    assert_int_equal(full, 0);
    assert_int_equal(form_of("{\"values\":{\"AAdc\":204}}", &full), GF_OK);
    assert_int_equal(full, 1);
    assert_int_equal(
        form_of("{\"values\":{\"MCip\":\"x\"},\"extra\":1}", &full), GF_OK);
    assert_int_equal(full, 1);
    assert_int_equal(form_of("{\"values\":{}}", &full), GF_EFIELD);
    assert_int_equal(full, 0);
    assert_int_equal(form_of("{\"values\":[1]}", &full), GF_EFIELD);
    assert_int_equal(form_of("{\"values\":null}", &full), GF_EFIELD);
    assert_int_equal(form_of("{\"values\":{\"A\":{}}}", &full), GF_EFIELD);
    assert_int_equal(form_of("{\"values\":{\"A\":true}}", &full), GF_EFIELD);
    assert_int_equal(form_of("{\"other\":1}", &full), GF_EFIELD);
    assert_int_equal(form_of("[]", &full), GF_EFIELD);
    assert_int_equal(form_of("\"values\"", &full), GF_EFIELD);
    assert_int_equal(gf_settings_report_form(NULL, &full), GF_EINVAL);
    assert_int_equal(gf_settings_report_form(empty, NULL), GF_EINVAL);
    json_decref(empty);
}

/* ---- the build-time generator (settings_gen.c) ------------------------- */

#define GEN_HEADER "code\ttype\tin_report\tmin\tmax\tdefault\tnote\n"

typedef struct gen_run {
    char dir[64];
    char in[96], out[96], err[96];
    int status; /* exit status, -1 if it did not exit */
} gen_run;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Run the generator on `tsv`; the caller reads the results, then calls
 * gen_clean. */
static void gen(gen_run *r, const char *tsv)
{
    char cmd[512];
    int rc;
    snprintf(r->dir, sizeof r->dir, "/tmp/gf_settings_gen_XXXXXX");
    assert_non_null(mkdtemp(r->dir));
    snprintf(r->in, sizeof r->in, "%s/in.tsv", r->dir);
    snprintf(r->out, sizeof r->out, "%s/out.c", r->dir);
    snprintf(r->err, sizeof r->err, "%s/err.txt", r->dir);
    write_file(r->in, tsv);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' 2>'%s'", GF_SETTINGS_GEN, r->in,
             r->out, r->err);
    rc = system(cmd);
    r->status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int file_has(const char *path, const char *needle)
{
    char buf[8192];
    size_t n;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static void gen_clean(gen_run *r)
{
    unlink(r->in);
    unlink(r->out);
    unlink(r->err);
    rmdir(r->dir);
}

static void generator_writes_a_table_from_a_good_tsv(void **st)
{
    gen_run r;
    gen(&r, GEN_HEADER "AAaa\tint\t1\t0\t9\t5\ta \"quoted\" note\n"
                       "BBbb\tfloat\t0\t\t\t2.5\t\n"
                       "CCcc\tstr\t1\t\t\t\\x\tback\\slash\n");
    assert_int_equal(r.status, 0);
    assert_true(file_has(r.out, "gf_settings_table_len = 3;"));
    assert_true(file_has(r.out, "\"a \\\"quoted\\\" note\""));
    assert_true(file_has(r.out, "\"back\\\\slash\""));
    gen_clean(&r);
}

/* A TSV the catalog cannot trust fails the build, names the line, and
 * leaves no half-written table behind. */
static void generator_refuses_bad_rows(void **st)
{
    static const struct {
        const char *tsv;
        const char *why;
    } bad[] = {
        {GEN_HEADER "BBbb\tint\t1\t\t\t0\tx\nAAaa\tint\t1\t\t\t0\tx\n",
         "in.tsv:3: code is not in ASCII order"},
        {GEN_HEADER "AAaa\tint\t1\t\t\t0\tx\nAAaa\tint\t1\t\t\t0\tx\n",
         "in.tsv:3: code is not in ASCII order (or repeated)"},
        {GEN_HEADER "AAaa\tint\t1\t\t\t0\n", "in.tsv:2: expected 7"},
        {GEN_HEADER "AAaa\tbool\t1\t\t\t0\tx\n", "in.tsv:2: type"},
        {GEN_HEADER "AAaa\tint\t2\t\t\t0\tx\n", "in.tsv:2: in_report"},
        {GEN_HEADER "AAaa\tint\t1\tlow\t\t0\tx\n", "in.tsv:2: min or max"},
        {GEN_HEADER "AAaa\tint\t1\t\t\t12x\tx\n",
         "in.tsv:2: default of an int"},
        {GEN_HEADER "AAaa\tfloat\t1\t\t\tnan\tx\n", "in.tsv:2: default of a"},
        {GEN_HEADER "AAaa\tint\t1\t\t\t-9223372036854775808\tx\n",
         "in.tsv:2: default of an int"},
        {GEN_HEADER "AAa\tint\t1\t\t\t0\tx\n", "in.tsv:2: code is not four"},
        {GEN_HEADER, "no rows"},
    };
    for (size_t i = 0; i < N(bad); i++) {
        gen_run r;
        gen(&r, bad[i].tsv);
        assert_int_not_equal(r.status, 0);
        if (!file_has(r.err, bad[i].why))
            fail_msg("case %zu: stderr lacks \"%s\"", i, bad[i].why);
        assert_int_not_equal(access(r.out, F_OK), 0);
        gen_clean(&r);
    }
}

static void generator_refuses_a_missing_file(void **st)
{
    char cmd[512];
    int rc;
    snprintf(cmd, sizeof cmd, "'%s' /nonexistent/x.tsv /tmp/x.c 2>/dev/null",
             GF_SETTINGS_GEN);
    rc = system(cmd);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) != 0);
    snprintf(cmd, sizeof cmd, "'%s' 2>/dev/null", GF_SETTINGS_GEN);
    rc = system(cmd);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) != 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalog_has_549_codes_in_ascii_order),
        cmocka_unit_test(lookup_finds_every_code),
        cmocka_unit_test(lookup_of_unknown_codes),
        cmocka_unit_test(table_matches_the_tsv),
        cmocka_unit_test(types_and_report_membership),
        cmocka_unit_test(codes_without_default),
        cmocka_unit_test(clamp_ranges_of_section_18),
        cmocka_unit_test(clamp_examples_and_no_op),
        cmocka_unit_test(report_has_547_typed_keys_in_order),
        cmocka_unit_test(report_fills_identity_clock_and_request),
        cmocka_unit_test(report_keeps_defaults_for_unset_identity),
        cmocka_unit_test(report_refuses_a_serial_past_int64),
        cmocka_unit_test(report_on_the_wire),
        cmocka_unit_test(report_forms),
        cmocka_unit_test(generator_writes_a_table_from_a_good_tsv),
        cmocka_unit_test(generator_refuses_bad_rows),
        cmocka_unit_test(generator_refuses_a_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
