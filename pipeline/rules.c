/* rules.c - rule id strings. */
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
