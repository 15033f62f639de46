/* pipeline.h: run programs as child processes joined by pipes, as a shell
 * runs "a | b | c", and supervise them: one process group per pipeline (so a
 * signal reaches every stage), the stages die with their parent on Linux
 * (PR_SET_PDEATHSIG), each stage's stderr goes to a log file, and every
 * stage's wait status is kept for the caller's triage. */
#ifndef SEG_PIPELINE_H
#define SEG_PIPELINE_H
#include <sys/types.h>

#define PIPELINE_MAX 8

struct pipe_stage {
	char **argv;             /* argv[0] is run through execvp */
	const char *log;         /* stderr appended to this file; NULL: inherited */
	int (*main)(int argc, char **argv);  /* when set, the child runs main(argv)
	                          * itself instead of exec'ing argv[0] (a program
	                          * linked in: the cost of loading it again is
	                          * saved); it starts as from an exec: every caught
	                          * signal back to its default, every close-on-exec
	                          * descriptor closed, getopt reset, and it exits
	                          * with what main returns */
};

struct pipeline {
	int n;
	pid_t pid[PIPELINE_MAX];
	int wstatus[PIPELINE_MAX];
	int reaped[PIPELINE_MAX];
	pid_t pgid;
	int left;                /* stages not yet reaped */
};

/* pipeline_start: flush stdio, then fork the stages, stdin of the first from /dev/null, stdout
 * of the last to out (created/truncated; NULL: /dev/null). 0, or -1 with err
 * filled (the stages already started are killed and reaped). */
int pipeline_start(struct pipeline *p, const struct pipe_stage *st, int n, const char *out,
                   char *err, size_t errn);
/* pipeline_reap: if pid is one of p's stages, record its status; 1 if so. */
int pipeline_reap(struct pipeline *p, pid_t pid, int wstatus);
/* pipeline_wait: block until every stage is reaped (children of other
 * pipelines reaped meanwhile are lost: use it only when p is the only one). */
void pipeline_wait(struct pipeline *p);
/* pipeline_signal: send sig to the whole process group. */
void pipeline_signal(struct pipeline *p, int sig);
/* pipeline_code: a stage's exit code, or 128 + signal when it was killed. */
int pipeline_code(const struct pipeline *p, int i);

/* prog_path: where to run a sibling program from: the folder of this
 * executable when it holds an executable name, else name itself (PATH).
 * The result is malloc'd. */
char *prog_path(const char *name);
#endif
