/* cli.c - the esrpipe command line: parse options, call a command, print
 * its messages on stderr, exit with a sysexits code. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "checkmap.h"
#include "compare.h"
#include "consolidate.h"
#include "explain.h"
#include "mappings.h"
#include "run.h"
#include "schema.h"
#include "source.h"
#include "stage.h"
#include "title.h"
#include "training.h"
#include "trend.h"
#include "status.h"
#include "text.h"
#include "validate.h"

#ifndef ESRPIPE_VERSION
#define ESRPIPE_VERSION "0.0.0"
#endif

static const char usage_text[] =
    "usage: esrpipe run [options] EXPORT...\n"
    "       esrpipe consolidate [-o DIR] [--region NAME] [-m DIR] [--wait S] [-q] RETURN_DIR...\n"
    "       esrpipe compare [-o DIR] [--exit-code] [--mixed] [-q] BASE_DIR NEW_DIR\n"
    "       esrpipe trend [-o DIR] [--mixed] [-q] RETURN_DIR...\n"
    "       esrpipe check-mappings [--bump] [DIR]\n"
    "       esrpipe explain [-m DIR] [--org CODE] [--classify MODE] [--training FILE]\n"
    "                       [--encoding ENC] EXPORT LINE...\n"
    "       esrpipe explain-title [-m DIR] [--titles FILE] TITLE...\n"
    "       esrpipe stage schema|classify|aggregate [options] [FILE]\n"
    "       esrpipe --help | --version\n"
    "\n"
    "Turn ESR staff-in-post exports (CSV/TSV, gzip or not, UTF-8/UTF-16/Windows-1252)\n"
    "into a standardised support-workforce return: DIR/return.xlsx, records.csv,\n"
    "summary.csv, rejects.csv and run.json, written atomically.\n"
    "\n"
    "run options:\n"
    "  -o, --output DIR          output directory (default: output)\n"
    "  -m, --mappings DIR        mapping tables (default: mappings/ next to the\n"
    "                            binary's project, else ./mappings)\n"
    "      --org CODE            organisation code for rows that have none\n"
    "      --snapshot YYYY-MM-DD snapshot date (default: a date in the file name)\n"
    "      --classify MODE       evidence (default) or code-only (national statistics)\n"
    "      --max-reject-rate PCT fail, writing nothing, above PCT% rejected (default 5)\n"
    "      --split-by-org        write DIR/<org_code>/ returns, one per organisation\n"
    "      --training FILE       join an ESR competence / learning-record export\n"
    "                            (Care Certificate, qualifications, apprenticeships)\n"
    "      --titles FILE         the trust's own job titles (job_titles.csv columns),\n"
    "                            over the shipped table; recorded with its checksum\n"
    "      --learn-min-rows N    evidence mode learns a title from the export's rows\n"
    "                            with valid, specific codes when at least N of them\n"
    "      --learn-agreement PCT (default 3) and PCT% of them (default 90) agree;\n"
    "                            uncoded rows with that title take it\n"
    "      --learn-max-titles N  distinct titles remembered (default 100000)\n"
    "      --no-learn            do not learn titles from coded rows\n"
    "      --dry-run             read, classify and check only; write nothing\n"
    "      --no-workbook         write the CSV outputs and run.json, not return.xlsx\n"
    "                            (for loading into a warehouse; removes an old one)\n"
    "      --pseudonymise KEYFILE  replace employee and assignment numbers everywhere\n"
    "                            by HMAC-SHA-256 pseudonyms under the trust's key\n"
    "      --max-sheet-rows N    rows on the Support workforce and Data quality sheets\n"
    "                            (default 100000, 0 = all that fit; records.csv has all)\n"
    "      --encoding ENC        auto (default), utf-8, windows-1252 (= latin-1), utf-16le\n"
    "      --delimiter D         comma, semicolon, tab, pipe or one character\n"
    "                            (default: sniffed from the header row)\n"
    "      --header-line N       the header is on line N (default: the first of lines\n"
    "                            1-20 naming the columns; lines above are titles)\n"
    "      --full-time-hours H   weekly hours of one FTE, for FTE = contracted hours / H\n"
    "                            when an export has no FTE value (default 37.5)\n"
    "      --max-field-bytes N   reject a row with a larger field (default 1048576)\n"
    "      --max-columns N       reject a row with more fields (default 1024)\n"
    "      --max-field-lines N   a quoted field open past N lines is a stray quote:\n"
    "                            its row is rejected, reading resumes (default 3)\n"
    "      --max-fte X           reject an assignment with FTE above X (default 2.0)\n"
    "      --max-ratio N         refuse gzip expanding more than N:1 (default 200)\n"
    "      --wait SECONDS        wait up to SECONDS for another run writing DIR\n"
    "                            (default 0), then exit 75\n"
    "  -q, --quiet               no messages except errors\n"
    "\n"
    "explain: why the rows starting on input lines LINE... of EXPORT landed where\n"
    "they did (the line numbers rejects.csv and records.csv give): the columns read,\n"
    "each decision and the mapping row or rule behind it, the findings, the fate.\n"
    "It reads the whole export, as run does, and writes nothing.\n"
    "\n"
    "stage: one step of run alone, as a filter writing CSV to standard output:\n"
    "  stage schema EXPORT     columns mapped: canonical.csv (options -m, --encoding,\n"
    "                          --delimiter, --max-field-bytes, --max-columns, --max-ratio)\n"
    "  stage classify [FILE]   canonical.csv (default: standard input) to\n"
    "                          classified.csv (-m, --classify, --org, --training)\n"
    "  stage aggregate [FILE]  classified.csv to summary.csv (-m)\n"
    "  esrpipe stage schema x.csv.gz | esrpipe stage classify | esrpipe stage aggregate\n"
    "  gives run's summary.csv.\n"
    "\n"
    "exit status: 0 ok (warnings allowed), 64 usage, 65 data error, 66 input missing,\n"
    "70 internal, 73 cannot create output, 74 I/O error, 75 DIR busy (another run\n"
    "holds its lock: try again later or give --wait); compare --exit-code: 1 when\n"
    "the returns differ (esrpipe compare --help).\n";

typedef struct log_ctx {
    int quiet;
    int progress; /* a progress line may be on screen: clear it first */
} log_ctx;

static void msg_print(const char *pre, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print pre (a terminal control of esrpipe's own, or ""), then "esrpipe: "
 * and the printf-style message with every control character escaped
 * (text_escape), and a newline, on stderr: the one path every message
 * takes, so no value from an input can forge a line or drive the terminal. */
static void msg_print(const char *pre, const char *fmt, ...)
{
    esr_buf raw = {0}, esc = {0};
    char small[1024]; /* out of memory: the message, cut to this, still shows */
    const char *text = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    va_start(ap, fmt);
    if (n >= 0 && !esr_buf_reserve(&raw, (size_t)n + 1)) {
        vsnprintf(raw.data, (size_t)n + 1, fmt, ap);
        raw.len = (size_t)n;
        text = raw.data;
    } else {
        vsnprintf(small, sizeof small, fmt, ap);
    }
    va_end(ap);
    if (!text_escape(text, &esc)) {
        fprintf(stderr, "%sesrpipe: %s\n", pre, esr_buf_str(&esc));
    } else {
        fprintf(stderr, "%sesrpipe: ", pre);
        text_escape_write(text, stderr);
        fputc('\n', stderr);
    }
    esr_buf_free(&raw);
    esr_buf_free(&esc);
}

/* Log callback: print msg on stderr unless --quiet. */
static void log_stderr(void *vctx, const char *msg)
{
    log_ctx *l = vctx;
    if (!l->quiet)
        msg_print(l->progress ? "\r\033[K" : "", "%s", msg);
}

/* A progress line on stderr: rows, MB/s and ETA from bytes consumed. */
static void progress_line(void *vctx, const esr_progress *p)
{
    (void)vctx;
    if (p->done) {
        fputs("\r\033[K", stderr);
        return;
    }
    double secs = p->elapsed_ms / 1000.0;
    double mbs = secs > 0 ? (double)p->consumed / 1e6 / secs : 0;
    double left = p->consumed && p->size > p->consumed
                      ? secs * (double)(p->size - p->consumed) / (double)p->consumed
                      : 0;
    esr_buf src = {0};
    text_escape(p->source, &src);
    fprintf(stderr, "\r\033[Kesrpipe: %s: %llu rows, %.1f MB/s, %3.0f%%, ETA %d:%02d",
            esr_buf_str(&src), p->rows, mbs,
            p->size ? 100.0 * (double)p->consumed / (double)p->size : 0, (int)left / 60,
            (int)left % 60);
    esr_buf_free(&src);
    fflush(stderr);
}

/* Print a usage error (fmt with arg) on stderr; returns 64. */
static int usage_error(const char *fmt, const char *arg)
{
    esr_buf b = {0};
    esr_buf_printf(&b, fmt, arg);
    msg_print("", "%s", esr_buf_str(&b));
    esr_buf_free(&b);
    fputs("(esrpipe --help for usage)\n", stderr);
    return 64;
}

/* Parse a positive decimal number into *out; 0 or -1. */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v == 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Print a command's error (err's message, else the status's) on stderr;
 * returns its exit code. */
static int report(esr_status st, const esr_err *err)
{
    msg_print("", "error: %s", err->msg[0] ? err->msg : esr_strerror(st));
    return esr_exit_code(st);
}

/* Non-zero if ch is in the 0-terminated list. */
static int in_list(const int *list, int ch)
{
    for (; *list; list++)
        if (*list == ch)
            return 1;
    return 0;
}

/* Long options without a short form (the table below says which commands take each). */
enum {
    O_ORG = 256,
    O_SNAPSHOT,
    O_CLASSIFY,
    O_MAXREJ,
    O_SPLIT,
    O_ENC,
    O_MAXFIELD,
    O_MAXCOL,
    O_RATIO,
    O_DRY,
    O_NOBOOK,
    O_PSEUDO,
    O_SHEETROWS,
    O_TRAINING,
    O_WAIT,
    O_DELIM,
    O_HEADERLINE,
    O_FULLTIME,
    O_TITLES,
    O_NOLEARN,
    O_LEARNMIN,
    O_LEARNAGREE,
    O_LEARNMAX,
    O_MAXLINES,
    O_MAXFTE,
    O_REGION,
    O_EXIT,
    O_MIXED
};

/* --wait SECONDS into *out; 0, or -1 after printing a usage error. */
static int parse_wait(const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (!*arg || *end || !(v >= 0) || v > 86400)
        return usage_error("--wait %s: expected seconds, 0-86400", arg), -1;
    *out = v;
    return 0;
}

/* The reading and classifying options run, explain and stage share: 1 if
 * ch was one and is stored, 0 if it is not one of them, -1 after printing
 * a usage error. */
static int shared_option(int ch, const char *arg, esr_classify_mode *mode, esr_source_opts *src,
                         size_t *max_field, size_t *max_cols)
{
    size_t r;
    switch (ch) {
    case O_CLASSIFY:
        if (!strcmp(arg, "evidence"))
            *mode = ESR_CLASSIFY_EVIDENCE;
        else if (!strcmp(arg, "code-only"))
            *mode = ESR_CLASSIFY_CODE_ONLY;
        else
            return usage_error("--classify %s: expected evidence or code-only", arg), -1;
        return 1;
    case O_ENC:
        if (source_encoding_parse(arg, &src->encoding))
            return usage_error("--encoding %s: expected utf-8, windows-1252, latin-1 or utf-16le",
                               arg),
                   -1;
        return 1;
    case O_MAXFIELD:
        if (parse_size(arg, max_field))
            return usage_error("--max-field-bytes %s: expected a positive number", arg), -1;
        return 1;
    case O_MAXCOL:
        if (parse_size(arg, max_cols))
            return usage_error("--max-columns %s: expected a positive number", arg), -1;
        return 1;
    case O_RATIO:
        if (parse_size(arg, &r))
            return usage_error("--max-ratio %s: expected a positive number", arg), -1;
        src->max_ratio = r;
        return 1;
    case O_DELIM:
        if (!(src->delim = schema_delim_parse(arg)))
            return usage_error("--delimiter %s: expected comma, semicolon, tab, pipe or one "
                               "character",
                               arg),
                   -1;
        return 1;
    default: return 0;
    }
}

/* The commands, as bits of cli_opts[].cmds. */
enum { C_RUN = 1, C_EXPLAIN = 2, C_STAGE = 4, C_CONS = 8, C_COMPARE = 16, C_TREND = 32 };
#define C_READS (C_RUN | C_EXPLAIN | C_STAGE)    /* the commands that read exports */
#define C_RETURNS (C_CONS | C_COMPARE | C_TREND) /* the commands that read returns */

/* Every option of every command: its name, getopt value and the commands
 * taking it (explain takes run's writing options only to refuse them). */
typedef struct cli_opt {
    const char *name;
    int has_arg;
    int val;
    unsigned cmds;
} cli_opt;

static const cli_opt cli_opts[] = {
    {"output", required_argument, 'o', C_RUN | C_EXPLAIN | C_RETURNS},
    {"mappings", required_argument, 'm', C_READS | C_CONS},
    {"region", required_argument, O_REGION, C_CONS},
    {"exit-code", no_argument, O_EXIT, C_COMPARE},
    {"mixed", no_argument, O_MIXED, C_TREND | C_COMPARE},
    {"org", required_argument, O_ORG, C_READS},
    {"snapshot", required_argument, O_SNAPSHOT, C_RUN | C_EXPLAIN},
    {"classify", required_argument, O_CLASSIFY, C_READS},
    {"max-reject-rate", required_argument, O_MAXREJ, C_RUN | C_EXPLAIN},
    {"split-by-org", no_argument, O_SPLIT, C_RUN | C_EXPLAIN},
    {"encoding", required_argument, O_ENC, C_READS},
    {"max-field-bytes", required_argument, O_MAXFIELD, C_READS},
    {"max-columns", required_argument, O_MAXCOL, C_READS},
    {"max-ratio", required_argument, O_RATIO, C_READS},
    {"dry-run", no_argument, O_DRY, C_RUN | C_EXPLAIN},
    {"no-workbook", no_argument, O_NOBOOK, C_RUN | C_EXPLAIN},
    {"pseudonymise", required_argument, O_PSEUDO, C_RUN | C_EXPLAIN},
    {"pseudonymize", required_argument, O_PSEUDO, C_RUN | C_EXPLAIN},
    {"max-sheet-rows", required_argument, O_SHEETROWS, C_RUN | C_EXPLAIN | C_COMPARE},
    {"training", required_argument, O_TRAINING, C_READS},
    {"wait", required_argument, O_WAIT, C_RUN | C_EXPLAIN | C_CONS},
    {"delimiter", required_argument, O_DELIM, C_READS},
    {"header-line", required_argument, O_HEADERLINE, C_RUN | C_EXPLAIN},
    {"full-time-hours", required_argument, O_FULLTIME, C_RUN | C_EXPLAIN},
    {"titles", required_argument, O_TITLES, C_RUN | C_EXPLAIN},
    {"no-learn", no_argument, O_NOLEARN, C_RUN | C_EXPLAIN},
    {"learn-min-rows", required_argument, O_LEARNMIN, C_RUN | C_EXPLAIN},
    {"learn-agreement", required_argument, O_LEARNAGREE, C_RUN | C_EXPLAIN},
    {"learn-max-titles", required_argument, O_LEARNMAX, C_RUN | C_EXPLAIN},
    {"max-field-lines", required_argument, O_MAXLINES, C_RUN | C_EXPLAIN},
    {"max-fte", required_argument, O_MAXFTE, C_RUN | C_EXPLAIN},
    {"quiet", no_argument, 'q', C_RUN | C_EXPLAIN | C_RETURNS},
    {"help", no_argument, 'h', C_RUN | C_EXPLAIN | C_CONS | C_COMPARE},
};
#define CLI_NOPTS (sizeof cli_opts / sizeof cli_opts[0])

/* The options every command shares: -o and --wait go straight into the
 * command's own options (outdir, wait_s: NULL if it takes none), the rest
 * are kept here as given (NULL or 0 when not). */
typedef struct cli_common {
    const char **outdir;
    double *wait_s;
    const char *mappings;
    int quiet;
    int rows_given;
    unsigned long long max_sheet_rows;
} cli_common;

/* A command's option parsing: its bit, its -h text, whether it says its
 * own getopt errors ("NAME: unknown option X") or lets getopt say them,
 * and its own options: fn gets each option first and returns 1 if it
 * took it, 0 if not, -1 after a usage error. */
typedef struct cli_cmd {
    const char *name;
    unsigned bit;
    const char *help;
    int own_errors;
    int (*fn)(void *ctx, int ch, const char *arg);
    void *ctx;
} cli_cmd;

/* A shared option into *com: 1 if ch was one, 0 if not, -1 after a usage error. */
static int common_option(int ch, const char *arg, cli_common *com)
{
    char *end;
    switch (ch) {
    case 'o':
        if (!com->outdir)
            return 0;
        *com->outdir = arg;
        return 1;
    case 'm': com->mappings = arg; return 1;
    case 'q': com->quiet = 1; return 1;
    case O_WAIT: return !com->wait_s ? 0 : parse_wait(arg, com->wait_s) ? -1 : 1;
    case O_SHEETROWS:
        com->max_sheet_rows = strtoull(arg, &end, 10);
        if (!*arg || *end)
            return usage_error("--max-sheet-rows %s: expected a number (0 = no cap)", arg), -1;
        com->rows_given = 1;
        return 1;
    default: return 0;
    }
}

/* getopt_long's tables for command bit: the long options and the short
 * ones (":" first when the command says its own errors). */
static void cli_tables(const cli_cmd *c, struct option *lo, char *so)
{
    size_t n = 0;
    char *p = so;
    if (c->own_errors)
        *p++ = ':';
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        if (!(cli_opts[i].cmds & c->bit))
            continue;
        lo[n++] = (struct option){cli_opts[i].name, cli_opts[i].has_arg, NULL, cli_opts[i].val};
        if (cli_opts[i].val < 256 && !strchr(so, cli_opts[i].val)) {
            *p++ = (char)cli_opts[i].val;
            if (cli_opts[i].has_arg)
                *p++ = ':';
            *p = '\0';
        }
    }
    lo[n] = (struct option){NULL, 0, NULL, 0};
    *p = '\0';
}

/* Parse the options of argv from argv[first] on for command c into *com
 * and c's own: -1 to go on (optind at the operands), else the exit code
 * (0 after -h, 64 after a usage error). */
static int cli_parse(const cli_cmd *c, int argc, char **argv, int first, cli_common *com)
{
    struct option lo[CLI_NOPTS + 1];
    char so[2 * CLI_NOPTS + 2] = "";
    cli_tables(c, lo, so);
    optind = first;
    opterr = !c->own_errors;
    int ch;
    while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        if (c->own_errors && (ch == ':' || ch == '?')) {
            char fmt[64];
            snprintf(fmt, sizeof fmt,
                     ch == ':' ? "%s: %%s needs a value" : "%s: unknown option %%s", c->name);
            return usage_error(fmt, argv[optind - 1]);
        }
        int r = c->fn ? c->fn(c->ctx, ch, optarg) : 0;
        if (!r && ch == 'h' && c->help) {
            fputs(c->help, stdout);
            return 0;
        }
        if (!r)
            r = common_option(ch, optarg, com);
        if (r < 0)
            return 64;
        if (!r)
            return usage_error("%s", "unknown option");
    }
    return -1;
}

/* What `explain` was asked for, and what it has found. */
typedef struct explain_ctx {
    const esr_mappings *m;
    unsigned long long *lines;
    int *found;
    size_t nlines;
    int failed;
} explain_ctx;

/* Record callback of explain: print the rows asked for. */
static void explain_print(void *vctx, const esr_record *r, const esr_schema *s)
{
    explain_ctx *x = vctx;
    for (size_t i = 0; i < x->nlines; i++) {
        if (x->lines[i] != r->line)
            continue;
        esr_buf b = {0};
        if (explain_record(x->m, s, r, &b))
            x->failed = 1;
        else
            printf("%s%s", x->found[i] || i == 0 ? "" : "\n", esr_buf_str(&b));
        x->found[i] = 1;
        esr_buf_free(&b);
        return;
    }
}

/* explain's own setup around a dry run: preloaded mappings, the lines
 * asked for, rows printed as they are decided; exit code. */
static int explain_rows(esr_run_opts *o, int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "explain: give an export and at least one line number");
    explain_ctx x = {0};
    x.nlines = (size_t)argc - 1;
    x.lines = calloc(x.nlines, sizeof *x.lines);
    x.found = calloc(x.nlines, sizeof *x.found);
    if (!x.lines || !x.found) {
        free(x.lines);
        free(x.found);
        msg_print("", "%s", "error: out of memory");
        return 70;
    }
    for (size_t i = 0; i < x.nlines; i++) {
        char *end;
        x.lines[i] = strtoull(argv[i + 1], &end, 10);
        if (!*argv[i + 1] || *end || x.lines[i] < 2) {
            free(x.lines);
            free(x.found);
            return usage_error("explain: %s: expected the line number of a data row (2 or more)",
                               argv[i + 1]);
        }
    }
    esr_err err = {0};
    esr_mappings *m = NULL;
    esr_status st = mappings_open(o->mappings_dir, &m, &err);
    if (!st) {
        x.m = o->mappings = m;
        o->inputs = (const char *const *)argv;
        o->ninputs = 1;
        o->dry_run = 1;
        o->max_reject_pct = 100; /* explain the rejects, however many */
        o->record_fn = explain_print;
        o->record_ctx = &x;
        st = run_pipeline(o, NULL, &err);
    }
    int rc = st ? report(st, &err) : 0;
    if (!st && x.failed) {
        msg_print("", "%s", "error: out of memory");
        rc = 70;
    }
    for (size_t i = 0; !st && i < x.nlines; i++)
        if (!x.found[i]) {
            msg_print("", "explain: %s: no data row starts on line %llu", argv[0], x.lines[i]);
            rc = 65;
        }
    mappings_close(m);
    free(x.lines);
    free(x.found);
    return rc;
}

_Static_assert(ESR_SNIFF_LINES == 20, "the help text and messages say lines 1-20");

/* How run and explain read an export: --header-line and --full-time-hours.
 * 1 if ch was one, 0 if not, -1 after a usage error. */
static int reading_option(int ch, const char *arg, esr_run_opts *o)
{
    char *end;
    long long h;
    switch (ch) {
    case O_HEADERLINE:
        o->header_line = strtoull(arg, &end, 10);
        if (!*arg || *end || !o->header_line || o->header_line > ESR_SNIFF_LINES)
            return usage_error("--header-line %s: expected a line number 1-20", arg), -1;
        return 1;
    case O_FULLTIME:
        if (text_parse_e5(arg, &h) || h <= 0 || h > 16800000)
            return usage_error("--full-time-hours %s: expected weekly hours above 0 (e.g. 37.5)",
                               arg),
                   -1;
        o->full_time_hours_e5 = h;
        return 1;
    default: return 0;
    }
}

/* Parse a --learn-* option's value into o (which: n min rows, a agreement
 * percent, x max titles); 0, or -1 after a usage error. */
static int learn_option(esr_learn_opts *o, int which, const char *arg)
{
    char *end;
    unsigned long long v = strtoull(arg, &end, 10);
    if (!*arg || *end || *arg == '-' || (which == 'a' && (v < 1 || v > 100)) ||
        (which != 'a' && v < 1)) {
        usage_error(which == 'n' ? "--learn-min-rows %s: expected a number of rows, 1 or more"
                    : which == 'a'
                        ? "--learn-agreement %s: expected a percentage 1-100"
                        : "--learn-max-titles %s: expected a number of titles, 1 or more",
                    arg);
        return -1;
    }
    if (which == 'n')
        o->min_rows = v > 1000000 ? 1000000 : (unsigned)v;
    else if (which == 'a')
        o->agreement = (unsigned)v;
    else
        o->max_titles = (size_t)v;
    return 0;
}

/* What run and explain parse their options into. */
typedef struct run_cli {
    esr_run_opts o;
    int explain;
} run_cli;

/* An option of run or explain's own into rc->o (see cli_cmd.fn). */
static int run_option(void *ctx, int ch, const char *arg)
{
    run_cli *rc = ctx;
    esr_run_opts *o = &rc->o;
    /* options that only shape what run writes */
    static const int writing[] = {'o',         O_SPLIT,  O_DRY,      O_NOBOOK, O_PSEUDO,
                                  O_SHEETROWS, O_MAXREJ, O_SNAPSHOT, O_WAIT,   0};
    if (rc->explain && in_list(writing, ch))
        return usage_error("%s", "explain writes nothing: -o, --split-by-org, --dry-run, "
                                 "--no-workbook, --pseudonymise, --max-sheet-rows, "
                                 "--max-reject-rate, --snapshot and --wait do not apply"),
               -1;
    int r = shared_option(ch, arg, &o->mode, &o->source, &o->max_field_bytes, &o->max_columns);
    if (!r)
        r = reading_option(ch, arg, o);
    if (r)
        return r;
    char *end;
    switch (ch) {
    case O_ORG: o->org = arg; return 1;
    case O_SNAPSHOT: o->snapshot = arg; return 1;
    case O_MAXREJ:
        o->max_reject_pct = strtod(arg, &end);
        if (!*arg || *end || o->max_reject_pct < 0 || o->max_reject_pct > 100)
            return usage_error("--max-reject-rate %s: expected a percentage 0-100", arg), -1;
        return 1;
    case O_SPLIT: o->split_by_org = 1; return 1;
    case O_DRY: o->dry_run = 1; return 1;
    case O_NOBOOK: o->no_workbook = 1; return 1;
    case O_PSEUDO: o->pseudonymise_key = arg; return 1;
    case O_TRAINING: o->training = arg; return 1;
    case O_TITLES: o->titles = arg; return 1;
    case O_NOLEARN: o->no_learn = 1; return 1;
    case O_LEARNMIN: return learn_option(&o->learn, 'n', arg) ? -1 : 1;
    case O_LEARNAGREE: return learn_option(&o->learn, 'a', arg) ? -1 : 1;
    case O_LEARNMAX: return learn_option(&o->learn, 'x', arg) ? -1 : 1;
    case O_MAXLINES:
        if (parse_size(arg, &o->max_field_lines) || o->max_field_lines > 1000)
            return usage_error("--max-field-lines %s: expected a number 1-1000", arg), -1;
        return 1;
    case O_MAXFTE:
        if (text_parse_e5(arg, &o->max_fte_e5) || o->max_fte_e5 <= 0 ||
            o->max_fte_e5 > ESR_FTE_MAX_LIMIT_E5)
            return usage_error("--max-fte %s: expected a number above 0, at most 100", arg), -1;
        return 1;
    default: return 0;
    }
}

/* Run the pipeline over the exports with options o, then say what came of
 * it unless quiet; exit code. */
static int run_exports(esr_run_opts *o, log_ctx *lc)
{
    if (!lc->quiet && isatty(STDERR_FILENO)) {
        o->progress_fn = progress_line;
        lc->progress = 1;
    }
    esr_err err = {0};
    esr_run_counts n = {0};
    esr_status st = run_pipeline(o, &n, &err);
    if (st)
        return report(st, &err);
    if (!lc->quiet)
        msg_print("", "%llu rows: %llu in scope, %llu out of scope, %llu rejected; %s", n.read,
                  n.in_scope, n.out_of_scope, n.rejected,
                  o->dry_run ? "nothing written (--dry-run)" : "return written");
    if (!lc->quiet && !o->dry_run)
        msg_print("", "outputs in %s/", o->outdir);
    return 0;
}

/* run [options] EXPORT... (or explain [options] EXPORT LINE...): classify
 * the exports and write the return, or explain rows; exit code. */
static int cmd_run(int argc, char **argv, int explain)
{
    run_cli rc = {.explain = explain};
    run_opts_default(&rc.o);
    esr_run_opts *o = &rc.o;
    o->tool_version = "esrpipe " ESRPIPE_VERSION;
    cli_cmd c = {
        explain ? "explain" : "run", explain ? C_EXPLAIN : C_RUN, usage_text, 0, run_option, &rc};
    cli_common com = {.outdir = &o->outdir, .wait_s = &o->wait_s};
    int code = cli_parse(&c, argc, argv, 1, &com);
    if (code >= 0)
        return code;
    if (com.rows_given)
        o->max_sheet_rows = com.max_sheet_rows;
    if (optind >= argc)
        return usage_error("%s", explain ? "explain: no export file given"
                                         : "run: no export files given");
    char mbuf[4300];
    o->mappings_dir = com.mappings ? com.mappings : mappings_default_dir(mbuf, sizeof mbuf);
    log_ctx lc = {.quiet = com.quiet};
    o->log = log_stderr;
    o->log_ctx = &lc;
    if (explain)
        return explain_rows(o, argc - optind, argv + optind);
    o->inputs = (const char *const *)argv + optind;
    o->ninputs = (size_t)(argc - optind);
    return run_exports(o, &lc);
}

static const char cons_usage[] =
    "usage: esrpipe consolidate [-o DIR] [--region NAME] [-m DIR] [--wait SECONDS] [-q]\n"
    "                           RETURN_DIR...\n"
    "\n"
    "Consolidate trusts' returns (directories written by `esrpipe run`, one per\n"
    "organisation: `run --split-by-org` writes DIR/<org_code>/) into a regional\n"
    "return: DIR/return.xlsx, summary.csv and run.json, written atomically.\n"
    "\n"
    "  -o, --output DIR     output directory (default: output/region)\n"
    "      --region NAME    the region to consolidate (default: the region of the\n"
    "                       returns, from mappings/organisations.csv); returns of\n"
    "                       other regions are left out\n"
    "  -m, --mappings DIR   mapping tables (default: as for run)\n"
    "      --wait SECONDS   wait up to SECONDS for another run writing DIR (default 0)\n"
    "  -q, --quiet          no messages except errors\n"
    "\n"
    "An organisation with two returns keeps the latest snapshot. Regional FTE is\n"
    "the exact sum; regional headcount is the sum of the trusts' headcounts.\n"
    "exit status: 0 ok (warnings allowed), 64 usage, 65 a return is unusable,\n"
    "66 a return directory missing, 73 cannot create output, 74 I/O error,\n"
    "75 DIR busy (another run holds its lock).\n"
    "Each return is checked against the sizes and SHA-256 its run.json lists: a\n"
    "mixed or changed return is refused (65, naming the file).\n";

/* consolidate's own option, --region, into the esr_cons_opts ctx (see cli_cmd.fn). */
static int cons_option(void *ctx, int ch, const char *arg)
{
    if (ch != O_REGION)
        return 0;
    if (!*arg)
        return usage_error("%s", "consolidate: --region needs a region name"), -1;
    ((esr_cons_opts *)ctx)->region = arg;
    return 1;
}

/* consolidate [-o DIR] [--region NAME] [-m DIR] [-q] RETURN_DIR...: a regional return. */
static int cmd_consolidate(int argc, char **argv)
{
    esr_cons_opts o;
    consolidate_opts_default(&o);
    o.tool_version = "esrpipe " ESRPIPE_VERSION;
    cli_cmd c = {"consolidate", C_CONS, cons_usage, 1, cons_option, &o};
    cli_common com = {.outdir = &o.outdir, .wait_s = &o.wait_s};
    int code = cli_parse(&c, argc, argv, 1, &com);
    if (code >= 0)
        return code;
    if (optind >= argc)
        return usage_error("%s", "consolidate: no return directories given");
    char mbuf[4300];
    o.mappings_dir = com.mappings ? com.mappings : mappings_default_dir(mbuf, sizeof mbuf);
    o.returns = (const char *const *)argv + optind;
    o.nreturns = (size_t)(argc - optind);
    log_ctx lc = {.quiet = com.quiet};
    o.log = log_stderr;
    o.log_ctx = &lc;
    esr_err err = {0};
    esr_cons_result res = {0};
    esr_status st = consolidate_run(&o, &res, &err);
    if (st) {
        msg_print("", "consolidate: error: %s", err.msg[0] ? err.msg : esr_strerror(st));
        return esr_exit_code(st);
    }
    if (!lc.quiet)
        msg_print("",
                  "consolidate: %s: %zu return%s included, %zu expected organisation%s "
                  "missing%s; outputs in %s/",
                  res.region, res.included, res.included == 1 ? "" : "s", res.missing,
                  res.missing == 1 ? "" : "s",
                  res.skipped ? " (some returns left out: see run.json)" : "", o.outdir);
    return 0;
}

/* check-mappings [--bump] [DIR]: validate the tables (65 with file:line
 * messages); --bump records a new version of consistent tables. */
static int cmd_check_mappings(int argc, char **argv)
{
    char mbuf[4300];
    int bump = argc > 1 && !strcmp(argv[1], "--bump");
    if (argc > 2 + bump)
        return usage_error("%s", "check-mappings: expected at most one directory");
    const char *dir = argc > 1 + bump ? argv[1 + bump] : mappings_default_dir(mbuf, sizeof mbuf);
    esr_buf msgs = {0};
    size_t n = 0;
    esr_status st = bump ? checkmap_tables(dir, &msgs, &n) : checkmap_run(dir, &msgs, &n);
    if (st) {
        /* one escaped line per finding: table values cannot forge lines either */
        for (char *line = msgs.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
            if ((nl = strchr(line, '\n')))
                *nl = '\0';
            esr_buf esc = {0};
            text_escape(line, &esc);
            fprintf(stderr, "%s\n", esr_buf_str(&esc));
            esr_buf_free(&esc);
        }
        msg_print("", "check-mappings: %zu error%s in %s", n, n == 1 ? "" : "s", dir);
    } else if (bump) {
        char from[64], to[64];
        esr_err err = {0};
        if ((st = checkmap_bump(dir, from, to, sizeof from, &err))) {
            esr_buf_free(&msgs);
            return report(st, &err);
        }
        if (strcmp(from, to))
            printf("esrpipe: check-mappings: %s/VERSION: %s -> %s (the tables' checksum "
                   "recorded); commit it with the tables, then re-accept the golden outputs\n",
                   dir, *from ? from : "(none)", to);
        else
            printf("esrpipe: check-mappings: %s/VERSION %s already records these tables\n", dir,
                   to);
    } else {
        printf("esrpipe: check-mappings: %s is consistent\n", dir);
    }
    esr_buf_free(&msgs);
    return st ? esr_exit_code(st) : 0;
}

/* explain-title [-m DIR] TITLE...: every normalisation step and the match. */
static int cmd_explain_title(int argc, char **argv)
{
    char mbuf[4300];
    const char *dir = NULL, *titles = NULL;
    int i = 1;
    while (i + 1 < argc && (!strcmp(argv[i], "-m") || !strcmp(argv[i], "--titles"))) {
        *(argv[i][1] == 'm' ? &dir : &titles) = argv[i + 1];
        i += 2;
    }
    if (i >= argc)
        return usage_error("%s", "explain-title: no title given");
    if (!dir)
        dir = mappings_default_dir(mbuf, sizeof mbuf);
    esr_mappings *m = NULL;
    esr_table *local = NULL;
    char sha[65];
    esr_err err = {0};
    esr_status st = mappings_open(dir, &m, &err);
    if (!st && titles)
        st = mappings_load_titles(m, titles, &local, sha, &err);
    if (st) {
        mappings_close(m);
        return report(st, &err);
    }
    const char *slash = titles ? strrchr(titles, '/') : NULL;
    esr_titler *t;
    if (title_new_local(m, local, slash ? slash + 1 : titles, ESR_TITLE_THRESHOLD_DEFAULT, &t)) {
        table_free(local);
        mappings_close(m);
        msg_print("", "%s", "error: out of memory");
        return 70;
    }
    for (; i < argc; i++) {
        esr_buf trace = {0};
        esr_title_match tm;
        if (title_explain(t, argv[i], &tm, &trace)) {
            esr_buf_free(&trace);
            title_free(t);
            table_free(local);
            mappings_close(m);
            msg_print("", "%s", "error: out of memory");
            return 70;
        }
        fputs(esr_buf_str(&trace), stdout);
        printf("lineage:      %s\n%s", *tm.rule ? tm.rule : "(none)", i + 1 < argc ? "\n" : "");
        esr_buf_free(&trace);
    }
    title_free(t);
    table_free(local);
    mappings_close(m);
    return 0;
}

/* What stage parses its options into, and which options the stage named takes. */
typedef struct stage_cli {
    esr_stage_opts o;
    const char *name, *training;
    const int *allowed; /* getopt values, 0-terminated */
} stage_cli;

/* A stage option (see cli_cmd.fn): refused unless the stage takes it. */
static int stage_option(void *ctx, int ch, const char *arg)
{
    stage_cli *sc = ctx;
    if (!in_list(sc->allowed, ch))
        return usage_error("stage %s: option not taken here (esrpipe --help)", sc->name), -1;
    int r = shared_option(ch, arg, &sc->o.mode, &sc->o.source, &sc->o.max_field_bytes,
                          &sc->o.max_columns);
    if (r)
        return r;
    switch (ch) {
    case O_ORG: sc->o.org = arg; return 1;
    case O_TRAINING: sc->training = arg; return 1;
    default: return 0;
    }
}

/* Run stage sc->name over path ("-": standard input) with the mapping
 * tables in dir, writing CSV to standard output; exit code. */
static int stage_exec(stage_cli *sc, const char *dir, const char *path)
{
    int is_schema = !strcmp(sc->name, "schema");
    FILE *in = NULL;
    if (!is_schema && strcmp(path, "-") && !(in = fopen(path, "rb"))) {
        msg_print("", "error: %s: cannot open", path);
        return 66;
    }
    esr_err err = {0};
    esr_mappings *m = NULL;
    esr_training *t = NULL;
    esr_stage_opts *o = &sc->o;
    esr_status st = mappings_open(dir, &m, &err);
    if (!st && sc->training)
        st = training_load(sc->training, m, &o->source, &t, &err);
    if (!st) {
        o->m = m;
        o->training = t;
        const char *shown = strcmp(path, "-") ? path : "standard input";
        if (is_schema)
            st = stage_schema(o, path, stdout, &err);
        else if (!strcmp(sc->name, "classify"))
            st = stage_classify(o, in ? in : stdin, shown, stdout, &err);
        else
            st = stage_aggregate(o, in ? in : stdin, shown, stdout, &err);
    }
    if (!st && fflush(stdout))
        st = esr_err_set(&err, ESR_ERR_IO, "standard output: write failed");
    if (in)
        fclose(in);
    training_free(t);
    mappings_close(m);
    return st ? report(st, &err) : 0;
}

/* stage NAME [options] [FILE]: one stage as a filter to standard output. */
static int cmd_stage(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "stage: name one: schema, classify or aggregate");
    stage_cli sc = {.name = argv[1]};
    /* which options each stage takes, by getopt value */
    static const int schema_opts[] = {'m', O_ENC, O_MAXFIELD, O_MAXCOL, O_RATIO, O_DELIM, 0};
    static const int classify_opts[] = {'m', O_CLASSIFY, O_ORG, O_TRAINING, O_ENC, O_RATIO, 0};
    static const int aggregate_opts[] = {'m', 0};
    sc.allowed = !strcmp(sc.name, "schema")      ? schema_opts
                 : !strcmp(sc.name, "classify")  ? classify_opts
                 : !strcmp(sc.name, "aggregate") ? aggregate_opts
                                                 : NULL;
    if (!sc.allowed)
        return usage_error("stage %s: expected schema, classify or aggregate", sc.name);
    stage_opts_default(&sc.o);
    cli_cmd c = {"stage", C_STAGE, NULL, 0, stage_option, &sc};
    cli_common com = {0};
    int code = cli_parse(&c, argc, argv, 2, &com);
    if (code >= 0)
        return code;
    int is_schema = sc.allowed == schema_opts;
    if (argc - optind > 1 || (is_schema && argc - optind != 1))
        return usage_error("stage %s: expected one input file", sc.name);
    char mbuf[4300];
    return stage_exec(&sc, com.mappings ? com.mappings : mappings_default_dir(mbuf, sizeof mbuf),
                      optind < argc ? argv[optind] : "-");
}

static const char compare_usage[] =
    "usage: esrpipe compare [-o DIR] [--exit-code] [--mixed] [-q] BASE_DIR NEW_DIR\n"
    "\n"
    "What changed from the return in BASE_DIR to the one in NEW_DIR (two trust\n"
    "returns or two regional returns): DIR/changes.csv (summary cells that moved),\n"
    "moves.csv (joiners, leavers, moves into and out of scope with the reason,\n"
    "changed fields of each assignment), compare.xlsx and compare.json, written\n"
    "atomically. Records are matched by organisation and assignment number, or\n"
    "pseudonym when both returns used the same key. Give the per-organisation\n"
    "directories of a --split-by-org run (DIR/ORG), not DIR itself.\n"
    "\n"
    "  -o, --output DIR     output directory (default: output/compare)\n"
    "      --exit-code      exit 1 when anything differs, 0 when nothing does\n"
    "      --max-sheet-rows N  rows on the two record sheets (default 100000, 0 = all that fit)\n"
    "      --mixed          compare returns of two organisations (or regions); refused\n"
    "                       without it\n"
    "  -q, --quiet          no messages except errors\n"
    "\n"
    "exit status: 0 ok (with --exit-code: no difference), 1 a difference (--exit-code),\n"
    "64 usage, 65 a return is unusable or the two cannot be compared, 66 a return\n"
    "directory missing, 73 cannot create output, 74 I/O error.\n";

/* What compare parses its options into. */
typedef struct compare_cli {
    esr_compare_opts o;
    int exit_code; /* --exit-code */
} compare_cli;

/* compare's own options into the compare_cli ctx (see cli_cmd.fn). */
static int compare_option(void *ctx, int ch, const char *arg)
{
    compare_cli *cc = ctx;
    (void)arg;
    switch (ch) {
    case O_EXIT: cc->exit_code = 1; return 1;
    case O_MIXED: cc->o.allow_mixed = 1; return 1;
    default: return 0;
    }
}

/* compare [-o DIR] [--exit-code] [--mixed] [-q] BASE_DIR NEW_DIR: what changed. */
static int cmd_compare(int argc, char **argv)
{
    compare_cli cc = {0};
    esr_compare_opts *o = &cc.o;
    compare_opts_default(o);
    o->tool_version = "esrpipe " ESRPIPE_VERSION;
    cli_cmd c = {"compare", C_COMPARE, compare_usage, 1, compare_option, &cc};
    cli_common com = {.outdir = &o->outdir};
    int code = cli_parse(&c, argc, argv, 1, &com);
    if (code >= 0)
        return code;
    if (com.rows_given)
        o->max_sheet_rows = com.max_sheet_rows;
    if (argc - optind != 2)
        return usage_error("%s", "compare: give two return directories, BASE_DIR NEW_DIR");
    o->base_dir = argv[optind];
    o->new_dir = argv[optind + 1];
    log_ctx lc = {.quiet = com.quiet};
    o->log = log_stderr;
    o->log_ctx = &lc;
    esr_err err = {0};
    esr_compare_counts n = {0};
    esr_status st = compare_run(o, &n, &err);
    if (st)
        return report(st, &err);
    int changed = n.moves || n.cells_changed;
    if (!lc.quiet)
        fprintf(stderr,
                "esrpipe: compare: %llu summary cells changed; %llu joiners, %llu leavers, %llu "
                "moved into and %llu out of scope, %llu records with a changed field; outputs "
                "in %s/\n",
                (unsigned long long)n.cells_changed, (unsigned long long)n.joiners,
                (unsigned long long)n.leavers, (unsigned long long)n.scope_in,
                (unsigned long long)n.scope_out, (unsigned long long)n.moved_records, o->outdir);
    return cc.exit_code && changed ? 1 : 0;
}

/* trend's own option, --mixed, into the esr_trend_opts ctx (see cli_cmd.fn). */
static int trend_option(void *ctx, int ch, const char *arg)
{
    (void)arg;
    if (ch != O_MIXED)
        return 0;
    ((esr_trend_opts *)ctx)->allow_mixed = 1;
    return 1;
}

/* trend [-o DIR] [--mixed] [-q] RETURN_DIR...: snapshots side by side. */
static int cmd_trend(int argc, char **argv)
{
    esr_trend_opts o;
    trend_opts_default(&o);
    o.tool_version = "esrpipe " ESRPIPE_VERSION;
    cli_cmd c = {"trend", C_TREND, NULL, 1, trend_option, &o};
    cli_common com = {.outdir = &o.outdir};
    int code = cli_parse(&c, argc, argv, 1, &com);
    if (code >= 0)
        return code;
    if (optind >= argc)
        return usage_error("%s", "trend: no return directories given");
    o.returns = (const char *const *)argv + optind;
    o.nreturns = (size_t)(argc - optind);
    esr_err err = {0};
    esr_trend_result res = {0};
    esr_status st = trend_run(&o, &res, &err);
    if (st)
        return report(st, &err);
    if (!com.quiet)
        fprintf(stderr, "esrpipe: trend: %zu snapshots of %zu organisation%s; outputs in %s/\n",
                res.snapshots, res.organisations, res.organisations == 1 ? "" : "s", o.outdir);
    return 0;
}

/* Entry point: dispatch on the command word. */
int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("esrpipe %s\n", ESRPIPE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1, 0);
    if (!strcmp(cmd, "explain"))
        return cmd_run(argc - 1, argv + 1, 1);
    if (!strcmp(cmd, "stage"))
        return cmd_stage(argc - 1, argv + 1);
    if (!strcmp(cmd, "consolidate"))
        return cmd_consolidate(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "trend"))
        return cmd_trend(argc - 1, argv + 1);
    if (!strcmp(cmd, "check-mappings"))
        return cmd_check_mappings(argc - 1, argv + 1);
    if (!strcmp(cmd, "explain-title"))
        return cmd_explain_title(argc - 1, argv + 1);
    return usage_error("unknown command \"%s\"", cmd);
}
