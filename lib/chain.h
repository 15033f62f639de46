/* chain.h: filter stages run in one process, as "a | b | c" runs them in
 * three: each stage set up from its program's own command line by the same
 * library code the program runs (lib/fetch first only, lib/validate,
 * lib/dedup, lib/flatten, lib/batch, lib/load last only), each output line
 * handed to the next stage by a call, with what the stage already proved
 * about it (lib/frame), instead of written to a pipe and parsed again.
 * Every stage keeps its own --stats, rejects, state files and exit status;
 * its diagnostics go to its own log file. The first stage reads stdin (or
 * its operands), or is a source (seg-fetch) that reads its own; the last
 * writes stdout. When the last stage is s2-load, its engine turns while the
 * first stage waits for input (requests in flight progress), and a first
 * SIGINT or SIGTERM stops the reading cleanly: what was not sent is left
 * for a re-run (75).
 *
 * seg-backfill runs a unit's stages this way by re-executing itself
 * as "seg-backfill CHAIN_FLAG STATUS [LOG N ARG...]..." (chain_args builds
 * it, chain_main runs it). STATUS is written at the end, or when a stage
 * exits the process (die, a closed output): one exit code per stage,
 * space-separated, in order; a stage that never finished reads 0. When the
 * first stage has read all its input, the process creates the empty file
 * STATUS.read (CHAIN_READ_SUFFIX): the rest is the last stages finishing
 * (s2-load's last requests), so a driver may start reading other work. */
#ifndef SEG_CHAIN_H
#define SEG_CHAIN_H
#include "strv.h"

#define CHAIN_FLAG "--in-process-chain"
#define CHAIN_MAX 8
#define CHAIN_READ_SUFFIX ".read"

/* chain_args: append CHAIN_FLAG, status, and for each of the n stages its
 * log file, its argument count and its argv (argv[0] the program, by path
 * or name: seg-fetch (first only), seg-validate, seg-dedup, seg-flatten,
 * seg-batch, or s2-load (last only)). */
void chain_args(struct strv *a, const char *status, int n, char **const *argv, const char *const *log);

/* chain_main: run the chain argv[2..] describes (argv[1] is CHAIN_FLAG);
 * the process's exit status: the first stage's code that is neither 0 nor
 * 1, else the largest. Exits 64 on a malformed command line. */
int chain_main(int argc, char **argv);

/* chain_status_read: the n codes of a STATUS file into code; -1 when it is
 * missing or malformed (the process died before it could write it). */
int chain_status_read(const char *path, int n, int *code);
#endif
