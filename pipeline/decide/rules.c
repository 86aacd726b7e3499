/* rules.c - rule id and severity strings. */
#include "rules.h"

#include <string.h>

#define ESR_RULE_NAME(name, id) id,
static const char *const rule_ids[ESR_RULE_COUNT] = {ESR_RULES(ESR_RULE_NAME)};

/* Stable id of a rule. */
const char *rule_id(esr_rule r)
{
    return (unsigned)r < ESR_RULE_COUNT ? rule_ids[r] : "";
}

/* Rule for an id, or -1. */
int rule_parse(const char *id)
{
    for (int i = 0; i < ESR_RULE_COUNT; i++)
        if (!strcmp(rule_ids[i], id))
            return i;
    return -1;
}

static const char *const severity_names[] = {"error", "warning", "info"};

/* Name of a severity (see rules.h). */
const char *rule_severity_name(esr_severity s)
{
    return (unsigned)s < 3 ? severity_names[s] : "";
}

/* Severity for a name, or -1. */
int rule_severity_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(severity_names[i], name))
            return i;
    return -1;
}
