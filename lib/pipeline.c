/* pipeline.c: child processes joined by pipes, one process group each
 * (see pipeline.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "buf.h"
#include "pipeline.h"

/* cloexec_close: close fd when it is close-on-exec. */
static void cloexec_close(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	if (fl >= 0 && (fl & FD_CLOEXEC))
		close(fd);
}

/* close_cloexec: close every close-on-exec descriptor above 2, as an exec
 * would: the open ones as /proc lists them, else every possible one. */
static void close_cloexec(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 3; fd < (max > 0 && max < INT_MAX ? max : 1024); fd++)
			cloexec_close((int)fd);
		return;
	}
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);      /* "." and ".." are 0 */
		if (fd > 2 && fd != self)
			cloexec_close(fd);
	}
	closedir(d);
}

/* run_linked: in the child, run the linked-in program s->main as an exec
 * would start it, and exit with its status. */
static _Noreturn void run_linked(const struct pipe_stage *s)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL)
			signal(sig, SIG_DFL);
	}
	close_cloexec();
	optind = 0;                    /* glibc: a full reset of getopt_long */
	int argc = 0;
	while (s->argv[argc])
		argc++;
	exit(s->main(argc, s->argv));
}

/* child_setup: in the child, before exec: own process group, die with the
 * parent, default signal dispositions, the given stdin/stdout/stderr. */
static void child_exec(const struct pipe_stage *s, pid_t pgid, pid_t parent, int in, int out)
{
	setpgid(0, pgid);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)       /* the parent died before prctl */
		_exit(75);
#else
	(void)parent;
#endif
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(71);
	if (s->log) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
	}
	if (s->main)
		run_linked(s);
	execvp(s->argv[0], s->argv);
	fprintf(stderr, "%s: cannot run: %s\n", s->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* pipe_cloexec: a pipe whose ends no other child inherits. */
static int pipe_cloexec(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static void kill_started(struct pipeline *p)
{
	pipeline_signal(p, SIGKILL);
	pipeline_wait(p);
}

int pipeline_start(struct pipeline *p, const struct pipe_stage *st, int n, const char *out,
                   char *err, size_t errn)
{
	memset(p, 0, sizeof *p);
	if (n < 1 || n > PIPELINE_MAX) {
		snprintf(err, errn, "a pipeline has 1 to %d stages", PIPELINE_MAX);
		return -1;
	}
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int last = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || last < 0) {
		snprintf(err, errn, "%s: %s", out ? out : "/dev/null", strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);                  /* no child writes the parent's buffers */
	for (int i = 0; i < n; i++) {
		int fds[2] = { -1, last };
		if (i < n - 1 && pipe_cloexec(fds) < 0) {
			snprintf(err, errn, "pipe: %s", strerror(errno));
			break;
		}
		pid_t pid = fork();
		if (pid == 0)
			child_exec(&st[i], p->pgid, parent, in, i < n - 1 ? fds[1] : last);
		if (pid < 0) {
			snprintf(err, errn, "fork: %s", strerror(errno));
			if (i < n - 1) {
				close(fds[0]);
				close(fds[1]);
			}
			break;
		}
		if (!p->pgid)
			p->pgid = pid;
		setpgid(pid, p->pgid);     /* both sides: no race with the exec */
		p->pid[p->n++] = pid;
		p->left++;
		close(in);
		if (i < n - 1) {
			close(fds[1]);
			in = fds[0];
		} else {
			in = -1;
		}
	}
	if (in >= 0)
		close(in);
	close(last);
	if (p->n < n) {
		kill_started(p);
		return -1;
	}
	return 0;
}

int pipeline_reap(struct pipeline *p, pid_t pid, int wstatus)
{
	for (int i = 0; i < p->n; i++)
		if (p->pid[i] == pid && !p->reaped[i]) {
			p->wstatus[i] = wstatus;
			p->reaped[i] = 1;
			p->left--;
			return 1;
		}
	return 0;
}

void pipeline_wait(struct pipeline *p)
{
	for (int i = 0; i < p->n; i++) {
		while (!p->reaped[i]) {
			int ws;
			pid_t r = waitpid(p->pid[i], &ws, 0);
			if (r == p->pid[i])
				pipeline_reap(p, r, ws);
			else if (r < 0 && errno != EINTR)
				pipeline_reap(p, p->pid[i], 0x7f00);   /* lost: count as 127 */
		}
	}
}

void pipeline_signal(struct pipeline *p, int sig)
{
	if (p->pgid > 0 && p->left > 0)
		kill(-p->pgid, sig);
}

int pipeline_code(const struct pipeline *p, int i)
{
	int ws = p->wstatus[i];
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 127;
}

char *prog_path(const char *name)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			struct buf b = BUF_INIT;
			buf_printf(&b, "%.*s/%s", (int)(slash - self), self, name);
			if (access(buf_cstr(&b), X_OK) == 0)
				return (char *)buf_cstr(&b);
			buf_free(&b);
		}
	}
	return xstrdup(name);
}
