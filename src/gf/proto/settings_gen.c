/* settings_gen.c - build-time generator: data/machine-settings.tsv -> C table.
 *
 * The settings catalog (PROTOCOL.md §12.3, §18) lives in a TSV file so that
 * it can be read and edited as data. CMake runs this program on every build
 * where the TSV changed and compiles its output into gf_proto, so the library
 * never parses the TSV at run time and editing the TSV changes the table.
 *
 * The generator is strict: a row with the wrong column count, an unknown
 * type, a non-numeric bound or default, or a code out of ASCII order fails
 * the build with the line number, because gf_setting_lookup() relies on the
 * order for its binary search.
 *
 * Usage: gf_settings_gen IN.tsv OUT.c */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_MAX_LINE 4096
#define GEN_COLUMNS  7

typedef struct gen_row {
    char *col[GEN_COLUMNS];
} gen_row;

static int gen_fail(const char *path, int line, const char *what)
{
    fprintf(stderr, "%s:%d: %s\n", path, line, what);
    return -1;
}

/* Split `line` in place on tabs; returns the number of columns found. */
static int gen_split(char *line, gen_row *row)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *tab = strchr(p, '\t');
        if (n < GEN_COLUMNS)
            row->col[n] = p;
        n++;
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

/* A decimal int64 the compiler reads as a literal: INT64_MIN is refused
 * because "-9223372036854775808LL" overflows before the minus applies. */
static int gen_is_int(const char *s)
{
    char *end;
    long long v;
    if (!*s)
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0' && v != LLONG_MIN;
}

/* A decimal number the C compiler will read as a literal (no inf/nan/hex). */
static int gen_is_float(const char *s)
{
    char *end;
    if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
        return 0;
    errno = 0;
    (void)strtod(s, &end);
    return errno == 0 && *end == '\0';
}

/* Write `s` as a C string literal. */
static void gen_cstr(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\%03o", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static const char *gen_type_enum(const char *type)
{
    if (strcmp(type, "int") == 0)
        return "GF_SETTING_INT";
    if (strcmp(type, "str") == 0)
        return "GF_SETTING_STR";
    if (strcmp(type, "float") == 0)
        return "GF_SETTING_FLOAT";
    return NULL;
}

/* Check one data row; returns NULL when it is fine, or what is wrong. */
static const char *gen_check(const gen_row *r, const char *prev_code)
{
    const char *type = r->col[1];
    const char *def = r->col[5];
    if (strlen(r->col[0]) != 4)
        return "code is not four characters";
    if (prev_code[0] && strcmp(prev_code, r->col[0]) >= 0)
        return "code is not in ASCII order (or repeated)";
    if (!gen_type_enum(type))
        return "type is not int, str or float";
    if (strcmp(r->col[2], "0") != 0 && strcmp(r->col[2], "1") != 0)
        return "in_report is not 0 or 1";
    if ((*r->col[3] && !gen_is_int(r->col[3])) ||
        (*r->col[4] && !gen_is_int(r->col[4])))
        return "min or max is not an integer";
    if (*def && strcmp(type, "int") == 0 && !gen_is_int(def))
        return "default of an int code is not an integer";
    if (*def && strcmp(type, "float") == 0 && !gen_is_float(def))
        return "default of a float code is not a number";
    return NULL;
}

static void gen_emit_row(FILE *out, const gen_row *r)
{
    const char *type = r->col[1];
    const char *def = r->col[5];
    fprintf(out, "    {");
    gen_cstr(out, r->col[0]);
    fprintf(out, ", %s, %s, %d, %d, %sLL, %sLL, ", gen_type_enum(type),
            r->col[2], *r->col[3] != '\0', *r->col[4] != '\0',
            *r->col[3] ? r->col[3] : "0", *r->col[4] ? r->col[4] : "0");
    if (*def)
        gen_cstr(out, def);
    else
        fprintf(out, "NULL");
    fprintf(out, ", ");
    gen_cstr(out, r->col[6]);
    fprintf(out, ", %sLL, %s},\n", *def && strcmp(type, "int") == 0 ? def : "0",
            *def && strcmp(type, "float") == 0 ? def : "0.0");
}

static int gen_rows(const char *path, FILE *in, FILE *out)
{
    char line[GEN_MAX_LINE];
    char prev[8] = "";
    int lineno = 0;
    int rows = 0;
    while (fgets(line, sizeof line, in)) {
        gen_row r;
        const char *bad;
        size_t len = strlen(line);
        lineno++;
        if (len == sizeof line - 1 && line[len - 1] != '\n')
            return gen_fail(path, lineno, "line too long");
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1 || len == 0)
            continue; /* the header row, or a trailing blank line */
        if (gen_split(line, &r) != GEN_COLUMNS)
            return gen_fail(path, lineno, "expected 7 tab-separated columns");
        bad = gen_check(&r, prev);
        if (bad)
            return gen_fail(path, lineno, bad);
        snprintf(prev, sizeof prev, "%s", r.col[0]);
        gen_emit_row(out, &r);
        rows++;
    }
    return ferror(in) ? gen_fail(path, lineno, "read error") : rows;
}

int main(int argc, char **argv)
{
    FILE *in = NULL, *out = NULL;
    int rows, rc = 1;
    if (argc != 3) {
        fprintf(stderr, "usage: %s IN.tsv OUT.c\n", argv[0]);
        return 2;
    }
    in = fopen(argv[1], "r");
    out = fopen(argv[2], "w");
    if (!in || !out) {
        perror(in ? argv[2] : argv[1]);
        goto done;
    }
    fprintf(out,
            "/* Generated by gf_settings_gen from %s: do not edit. */\n"
            "#include \"settings_table.h\"\n\n"
            "const gf_setting gf_settings_table[] = {\n",
            "data/machine-settings.tsv");
    rows = gen_rows(argv[1], in, out);
    if (rows <= 0) {
        if (rows == 0)
            fprintf(stderr, "%s: no rows\n", argv[1]);
        goto done;
    }
    fprintf(out, "};\n\nconst size_t gf_settings_table_len = %d;\n", rows);
    rc = 0;
done:
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = 1;
    if (rc != 0 && out)
        remove(argv[2]); /* never leave a half table for the next build */
    return rc;
}
