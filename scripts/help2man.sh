#!/bin/sh
# Writes the manual page esrpipe(1) to standard output, made from the help
# text the binary prints (`esrpipe --help`, `esrpipe consolidate --help`), so
# the page always says what the program says. Run at build time (CMake
# target `manpage`); needs only sh and awk (no help2man).
#
#   scripts/help2man.sh build/esrpipe > esrpipe.1
set -eu
bin=$1
version=$("$bin" --version | awk '{print $NF; exit}')
{
    "$bin" --help
    printf '\n@section consolidate\n'
    "$bin" consolidate --help
} | awk -v version="$version" '
# roff text: backslashes, hyphens, and a leading dot or quote made literal
function esc(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    if (s ~ /^[.\047]/)
        s = "\\&" s
    return s
}
function flush() {
    if (entry != "") {
        print ".TP"
        print "\\fB" esc(entry) "\\fR"
        if (desc != "") print esc(desc)
    }
    entry = ""; desc = ""
}
BEGIN {
    print ".TH ESRPIPE 1 \"\" \"esrpipe " version "\" \"User Commands\""
    print ".SH NAME"
    print "esrpipe \\- turn ESR staff\\-in\\-post exports into support\\-workforce returns"
    mode = "synopsis"
    print ".SH SYNOPSIS"
    print ".nf"
}
{ this = prev; prev = $0; prev_was = this }
/^@section / { flush(); print ".SH " toupper($2); mode = "section"; prev = ""; next }
/^usage:/ {
    if (mode == "synopsis") { sub(/^usage: */, ""); print esc($0); next }
    sub(/^usage: */, ""); print ".PP"; print ".nf"; print esc($0); print ".fi"; next
}
mode == "synopsis" && /^ +esrpipe / { sub(/^ +/, ""); print esc($0); next }
mode == "synopsis" && /^ +\[/ { sub(/^ +/, "        "); print esc($0); next }
mode == "synopsis" && /^$/ { print ".fi"; print ".SH DESCRIPTION"; mode = "text"; next }
/^$/ { flush(); print ".PP"; next }
# a section, starting a paragraph: "run options:", or "explain: text..."
/^[a-z]+( [a-z]+)?:( |$)/ && prev_was == "" {
    flush()
    head = $0; sub(/:.*/, "", head)
    rest = $0; sub(/^[^:]*: */, "", rest)
    print ".SS \"" esc(head) "\""
    if (rest != "") print esc(rest)
    next
}
{ indent = match($0, /[^ ]/) - 1; line = substr($0, indent + 1) }
# an option: "-o, --output DIR", "--org CODE", then its text
indent >= 1 && indent <= 8 && match(line, /^(-[a-zA-Z], )?--[a-z-]+( [A-Z][A-Za-z_.-]*)?/) {
    flush()
    entry = substr(line, 1, RLENGTH)
    desc = substr(line, RLENGTH + 1); sub(/^ +/, "", desc)
    next
}
# a continuation of the entry above (deeply indented)
indent >= 10 && entry != "" { line = $0; sub(/^ +/, "", line); desc = desc " " line; next }
# an entry: "  -o, --output DIR    text", "      --org CODE   text", "  stage schema EXPORT   text"
indent >= 1 && indent <= 8 && substr($0, indent + 1) ~ /[^ ]  +[^ ]/ {
    flush()
    line = substr($0, indent + 1)
    n = match(line, /  +/)
    entry = substr(line, 1, n - 1)
    desc = substr(line, n); sub(/^ +/, "", desc)
    next
}
/^ +/ { flush(); line = $0; sub(/^ +/, "", line); print ".br"; print esc(line); next }
{ flush(); print esc($0) }
END {
    flush()
    print ".SH FILES"
    print ".TP"
    print ".I /usr/share/esrpipe/mappings/"
    print "the mapping tables (columns, occupation codes, job titles, bands, areas of work, rules);"
    print "checked by \\fBesrpipe check\\-mappings\\fR, chosen with \\fB\\-m\\fR"
    print ".TP"
    print ".I /usr/share/doc/esrpipe/examples/systemd/"
    print "a service and timer that build the return every night"
    print ".SH SEE ALSO"
    print "The README of the project: outputs, exit codes and the mapping tables."
}'
