/* peak.c: the peak resident memory of every process of a run.
 *
 *   nc-bench-peak CMD [ARG...]
 *
 * Runs CMD (netconform) and, until it and everything it started have
 * ended, samples the VmHWM (peak resident set) of each process of its tree
 * every few milliseconds, classed by depth: the runner (CMD itself), its
 * supervisors (its children) and their roles (anything deeper). It is the
 * subreaper of the run, so supervisors that outlive the runner (they only
 * release their capture) stay in view until they end. Prints, on stderr
 * so that CMD's output stays apart:
 *
 *   wall SECONDS          until CMD exited
 *   status N              CMD's exit status
 *   peak runner KIB
 *   peak supervisor KIB   the largest of them
 *   peak role KIB         the largest of them
 *   processes N           how many were seen
 *   cpu SECONDS           user and system time of the whole tree
 *
 * A process that lives less than a sampling interval can be missed; the
 * processes that matter (a runner, a supervisor and roles moving bulk
 * data) live far longer.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 65536
#define INTERVAL_NS 5000000L

enum cls { RUNNER, SUPERVISOR, ROLE, NCLS };
static const char *cls_name[NCLS] = { "runner", "supervisor", "role" };

struct proc {
	pid_t pid;
	enum cls cls;
};

static struct proc procs[MAX_PROCS];
static size_t nprocs;
static long peak[NCLS];
static size_t seen_total;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long vm_hwm(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static struct proc *find(pid_t pid)
{
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/* Records pid (once) with its class, samples it, and walks its children. */
static void visit(pid_t pid, enum cls cls, int depth)
{
	struct proc *p = find(pid);
	if (!p && nprocs < MAX_PROCS) {
		p = &procs[nprocs++];
		p->pid = pid;
		p->cls = cls;
		seen_total++;
	}
	if (p)
		cls = p->cls;
	long kib = vm_hwm(pid);
	if (kib > peak[cls])
		peak[cls] = kib;
	if (depth > 8)
		return;
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	int child;
	while (fscanf(f, "%d", &child) == 1)
		visit(child, cls == RUNNER ? SUPERVISOR : ROLE, depth + 1);
	fclose(f);
}

/* Forgets processes that have ended, so that a reused pid is a new one. */
static void forget_ended(void)
{
	size_t k = 0;
	for (size_t i = 0; i < nprocs; i++)
		if (kill(procs[i].pid, 0) == 0 || errno == EPERM)
			procs[k++] = procs[i];
	nprocs = k;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nc-bench-peak CMD [ARG...]\n");
		return 2;
	}
	/* Orphans of the run (supervisors still releasing their capture when
	 * the runner exits) become our children, so they stay in view. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	double t0 = now_s();
	pid_t runner = fork();
	if (runner < 0) {
		perror("fork");
		return 2;
	}
	if (runner == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	double wall = 0;
	int status = -1;
	for (;;) {
		if (status < 0)
			visit(runner, RUNNER, 0);
		/* Orphans: our children other than the runner. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
		FILE *f = fopen(path, "re");
		if (f) {
			int child;
			while (fscanf(f, "%d", &child) == 1)
				if (child != runner)
					visit(child, SUPERVISOR, 1);
			fclose(f);
		}
		int st;
		pid_t w;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == runner) {
				wall = now_s() - t0;
				status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			}
		if (w < 0 && errno == ECHILD)
			break;
		forget_ended();
		struct timespec pause = { 0, INTERVAL_NS };
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "wall %.4f\nstatus %d\n", wall, status);
	for (int c = 0; c < NCLS; c++)
		fprintf(stderr, "peak %s %ld\n", cls_name[c], peak[c]);
	fprintf(stderr, "processes %zu\n", seen_total);
	/* Every process of the tree was reaped by its parent or by us. */
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	fprintf(stderr, "cpu %.3f\n", (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}
