/* statelock.c: the state directory's lock (statelock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "statelock.h"

static pid_t read_holder(int fd)
{
	char tmp[32];
	ssize_t n = pread(fd, tmp, sizeof tmp - 1, 0);
	if (n <= 0)
		return 0;
	tmp[n] = 0;
	return (pid_t)strtol(tmp, NULL, 10);
}

int statelock_take(const char *dir, int wait, pid_t *holder)
{
	struct buf p = BUF_INIT;
	buf_printf(&p, "%s/lock", dir);
	int fd = open(buf_cstr(&p), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	buf_free(&p);
	*holder = 0;
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK || e == EINTR) {
			*holder = e == EINTR ? 0 : read_holder(fd);
			close(fd);
			return 1;
		}
		close(fd);
		errno = e;
		return -1;
	}
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, tmp, (size_t)n, 0) != n)
		return -1;
	return 0;          /* fd stays open: the lock lives as long as we do */
}
