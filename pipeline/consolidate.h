/* consolidate.h - `esrpipe consolidate`: many trusts' returns in, one
 * regional return out. */
#ifndef ESR_CONSOLIDATE_H
#define ESR_CONSOLIDATE_H

/* Parse the consolidate command line (argv[0] = "consolidate"), run it,
 * print its messages on stderr; returns the process exit code. */
int consolidate_cli(int argc, char **argv);

#endif
