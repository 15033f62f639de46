/* seg-backfill: the whole job in one command. Lists the archive's units (a
 * source's day folder in Segment's layout, or one object), and per unit runs
 *   seg-fetch | seg-validate | seg-dedup | seg-flatten | seg-batch | s2-load
 * as child processes (lib/pipeline), reads every stage's exit status and
 * --stats, and journals a unit as done (lib/journal) only when every stage
 * succeeded and s2-load committed every batch. One state directory holds
 * the id set, checkpoints, journal, rejects, failed batches, quarantine and
 * logs, under a lock (lib/statelock). Safe to kill and to run from cron. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dapiquery.h"
#include "dayspec.h"
#include "fetch.h"
#include "fsutil.h"
#include "idcheck.h"
#include "idhash.h"
#include "idset.h"
#include "sqlid.h"
#include "warehouse.h"
#include "chain.h"
#include "journal.h"
#include "json.h"
#include "pipeline.h"
#include "profile.h"
#include "s2conn.h"
#include "segarchive.h"
#include "statelock.h"
#include "stats.h"
#include "strv.h"
#include "tablelayout.h"

enum { ST_FETCH, ST_VALIDATE, ST_DEDUP, ST_FLATTEN, ST_BATCH, ST_LOAD, NSTAGES };
static const char *const stage_prog[NSTAGES] = {
	"seg-fetch", "seg-validate", "seg-dedup", "seg-flatten", "seg-batch", "s2-load" };
static const char *const stage_short[NSTAGES] = { "fetch", "validate", "dedup", "flatten", "batch", "load" };
/* The stages a unit runs in one process (lib/chain), CHAIN_FIRST to
 * CHAIN_LAST; the others run as their own programs before and after it. */
enum { CHAIN_FIRST = ST_FETCH, CHAIN_LAST = ST_LOAD, CHAIN_N = CHAIN_LAST - CHAIN_FIRST + 1 };

struct opts {
	struct strv sources, cfg_sources, cfg_values, stage[NSTAGES];
	const char *state_dir, *job, *config, *profile, *stats_file;
	unsigned window, lookback, jobs, shard_k, shard_n, interval;
	int64_t since, until;
	int skip_damaged, allow_empty, dry_run, wait, quiet, force_progress, ranged;
	int have_layout, verify;
	int separate;            /* --separate-stages: one process per stage */
	int with_source;         /* --with names source_id: each unit passes its source */
};

enum ustate { U_NEW, U_CHANGED, U_DONE };

struct unit {
	char *name;              /* the day folder, or the object */
	char *key;               /* its folder under units/ */
	int64_t day;             /* INT64_MIN outside the layout */
	struct jobject *obj;
	unsigned char *changed;  /* per object, for U_CHANGED */
	size_t nobj;
	uint64_t bytes;
	enum ustate state;
	struct pipeline pl;
	int chained;             /* pl runs CHAIN_FIRST..CHAIN_LAST in one process */
	int scode[NSTAGES];      /* each stage's exit status, once all ended */
	int chain_died;          /* the chain ended without saying which stage */
	int running;
	int reading;             /* a stage before s2-load still runs */
	unsigned gen;            /* the id set generation it started from */
	off_t res_off;
	uint64_t rows_live;
	char *dir;
	/* its outcome, for --stats: code -1 while not run */
	int code;
	uint64_t t0, ms, rows, rejects, failed;
	char *look, *why;        /* the file to look at, the message */
};

struct job {
	struct unit *u;
	size_t n, cap;
	struct journal jn;
	char *dir;               /* the state directory */
	int status, halt;
	unsigned idgen;
	size_t running, reading, todo, finished;
	uint64_t start_ms, bytes_todo, bytes_done, rows, last_draw;
	struct stats st;
	int tty;
};

static struct opts O;
static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* A stage's exit wakes the driver's loop at once (a byte in this pipe)
 * rather than at its next 50 ms tick: the next unit starts, and the run
 * ends, without waiting (bench-backfill: about 4% of a -j 1 run was these
 * ticks, a unit boundary and the end). */
static int chld_pipe[2] = { -1, -1 };

static void on_child(int sig)
{
	int e = errno;
	(void)sig;
	if (chld_pipe[1] >= 0)
		(void)!write(chld_pipe[1], "", 1);
	errno = e;
}

/* wait_child: until a child may have ended, or ms passed. */
static void wait_child(int ms)
{
	struct pollfd p = { chld_pipe[0], POLLIN, 0 };
	char tmp[64];
	if (poll(&p, chld_pipe[0] >= 0 ? 1 : 0, ms) > 0)
		while (read(chld_pipe[0], tmp, sizeof tmp) > 0)
			;
}

static void usage(void)
{
	printf("usage: seg-backfill [options] SOURCE...\n"
	       "Load a Segment archive into SingleStore, unit by unit, journaled and resumable.\n\n"
	       "Job and state:\n"
	       "      --config FILE        config file (default $XDG_CONFIG_HOME/segpipe/config)\n"
	       "      --profile NAME       use [profile NAME] of the config ($SEGPIPE_PROFILE)\n"
	       "      --job NAME           job name for the default state dir (default: profile or default)\n"
	       "      --state-dir DIR      state (default $XDG_STATE_HOME/segpipe/JOB)\n"
	       "      --window DAYS        days of ids the saved id set keeps (default 7)\n"
	       "      --wait               wait for a run holding the state dir instead of exiting 75\n"
	       "Days (Segment layout; default: catch up from the last journaled day):\n"
	       "      --day D              only day D\n"
	       "      --since D, --until D received days from D on (inclusive) / before D (exclusive)\n"
	       "      --yesterday          the day before today (UTC)\n"
	       "                           D: YYYY-MM-DD, 13-digit folder name, today, yesterday, -Nd\n"
	       "      --lookback N         also look at the N days before the start for new objects\n"
	       "Units:\n"
	       "  -j, --jobs N             units in parallel (default 1)\n"
	       "      --shard K/N          only the units whose name hashes to K of N\n"
	       "      --skip-damaged       accept damaged objects as counted losses\n"
	       "      --allow-empty        a day without objects is not an error\n"
	       "      --dry-run            list units, objects and bytes; change nothing\n"
	       "Stages (passed on):\n"
	       "      --source-id ID, --region R, --endpoint-url URL       (seg-fetch)\n"
	       "      --layout L, --table T, --with COLS                   (seg-flatten)\n"
	       "      --url URL, --host H, --port P, -d/--database DB, -u/--user U,\n"
	       "      --password-file F, --netrc-file F, --token-file F, --cacert F,\n"
	       "      --insecure, --load-jobs N                             (s2-load)\n"
	       "      --fetch-opt ARG, --validate-opt ARG, --dedup-opt ARG, --flatten-opt ARG,\n"
	       "      --batch-opt ARG, --load-opt ARG   one more argument for that stage\n"
	       "      --separate-stages    run validate, dedup, flatten and batch as four processes\n"
	       "                           (default: one, which parses each message once)\n"
	       "Output:\n"
	       "      --stats FILE         JSON summary of the run\n"
	       "      --progress-interval SECS  a progress line this often when not on a terminal (60)\n"
	       "  -q, --quiet              no progress, no summary\n"
	       "      --progress, --no-progress\n"
	       "  -h, --help, -V, --version\n\n"
	       "\nseg-backfill verify [options] SOURCE...: list the messageIds of the archive (after\n"
	       "seg-validate) that the table lacks, as NDJSON; exit 1 when any is missing.\n\n"
	       "Exit status: 0 all done, 1 done with rejects/losses or batches failed, 64 usage,\n"
	       "65 damaged object or empty day, 66 a source not found, 69 unavailable,\n"
	       "74 I/O error, 75 stopped or state dir in use (re-run continues), 77 refused,\n"
	       "78 configuration error.\n");
}

/* ---- options and config ------------------------------------------------ */

enum { O_STATE = 256, O_JOB, O_CONFIG, O_PROFILE, O_WINDOW, O_WAIT, O_DAY, O_SINCE, O_UNTIL,
       O_YESTERDAY, O_LOOKBACK, O_SHARD, O_SKIPDMG, O_ALLOWEMPTY, O_DRYRUN, O_SOURCEID, O_REGION,
       O_ENDPOINT, O_LAYOUT, O_WITH, O_TABLE, O_URL, O_HOST, O_PORT, O_PWFILE, O_NETRC, O_TOKEN, O_CACERT,
       O_INSECURE, O_LOADJOBS, O_FETCHOPT, O_VALOPT, O_DEDUPOPT, O_FLATOPT, O_BATCHOPT, O_LOADOPT,
       O_INTERVAL, O_SOURCE, O_SEPARATE };

static const struct option longopts[] = {
	{ "state-dir", required_argument, 0, O_STATE }, { "job", required_argument, 0, O_JOB },
	{ "config", required_argument, 0, O_CONFIG }, { "profile", required_argument, 0, O_PROFILE },
	{ "window", required_argument, 0, O_WINDOW }, { "wait", no_argument, 0, O_WAIT },
	{ "day", required_argument, 0, O_DAY }, { "since", required_argument, 0, O_SINCE },
	{ "until", required_argument, 0, O_UNTIL }, { "yesterday", no_argument, 0, O_YESTERDAY },
	{ "lookback", required_argument, 0, O_LOOKBACK }, { "jobs", required_argument, 0, 'j' },
	{ "shard", required_argument, 0, O_SHARD }, { "skip-damaged", no_argument, 0, O_SKIPDMG },
	{ "allow-empty", no_argument, 0, O_ALLOWEMPTY }, { "dry-run", no_argument, 0, O_DRYRUN },
	{ "source-id", required_argument, 0, O_SOURCEID }, { "region", required_argument, 0, O_REGION },
	{ "endpoint-url", required_argument, 0, O_ENDPOINT }, { "layout", required_argument, 0, O_LAYOUT },
	{ "with", required_argument, 0, O_WITH },
	{ "table", required_argument, 0, O_TABLE }, { "url", required_argument, 0, O_URL },
	{ "host", required_argument, 0, O_HOST }, { "port", required_argument, 0, O_PORT },
	{ "database", required_argument, 0, 'd' }, { "user", required_argument, 0, 'u' },
	{ "password-file", required_argument, 0, O_PWFILE }, { "netrc-file", required_argument, 0, O_NETRC },
	{ "token-file", required_argument, 0, O_TOKEN }, { "cacert", required_argument, 0, O_CACERT },
	{ "insecure", no_argument, 0, O_INSECURE }, { "load-jobs", required_argument, 0, O_LOADJOBS },
	{ "fetch-opt", required_argument, 0, O_FETCHOPT }, { "validate-opt", required_argument, 0, O_VALOPT },
	{ "dedup-opt", required_argument, 0, O_DEDUPOPT }, { "flatten-opt", required_argument, 0, O_FLATOPT },
	{ "batch-opt", required_argument, 0, O_BATCHOPT }, { "load-opt", required_argument, 0, O_LOADOPT },
	{ "progress-interval", required_argument, 0, O_INTERVAL }, { "source", required_argument, 0, O_SOURCE },
	{ "separate-stages", no_argument, 0, O_SEPARATE },
	CLI_COMMON_LONGOPTS, { 0, 0, 0, 0 } };

static int64_t today_ms(void)
{
	return day_today(time(NULL));
}

static int64_t opt_day(const char *opt, const char *arg)
{
	int64_t ms;
	if (day_spec(arg, today_ms(), &ms) < 0)
		usage_error("%s: '%s' is not a day (YYYY-MM-DD, 13-digit ms, today, yesterday, -Nd)", opt, arg);
	return ms;
}

static void opt_shard(const char *arg)
{
	unsigned k, n;
	char extra;
	if (sscanf(arg, "%u/%u%c", &k, &n, &extra) != 2 || n == 0 || k >= n)
		usage_error("--shard: '%s' is not K/N with 0 <= K < N", arg);
	O.shard_k = k;
	O.shard_n = n;
}

/* pass: an option handed on to a stage as it is. */
static void pass(int st, const char *opt, const char *arg)
{
	strv_add(&O.stage[st], opt);
	if (arg)
		strv_add(&O.stage[st], arg);
}

/* take_option: one option, from argv or from the config file. */
static void take_option(int c, const char *arg, struct cli_common *cc)
{
	switch (c) {
	case O_STATE: O.state_dir = arg; break;
	case O_JOB: O.job = arg; break;
	case O_CONFIG: case O_PROFILE: break;       /* read in the first pass */
	case O_WINDOW: O.window = (unsigned)opt_uint("--window", arg, 1, 36500); break;
	case O_WAIT: O.wait = 1; break;
	case O_DAY: O.since = opt_day("--day", arg); O.until = O.since + SEG_DAY_MS; O.ranged = 1; break;
	case O_SINCE: O.since = opt_day("--since", arg); O.ranged = 1; break;
	case O_UNTIL: O.until = opt_day("--until", arg); O.ranged = 1; break;
	case O_YESTERDAY: O.until = today_ms(); O.since = O.until - SEG_DAY_MS; O.ranged = 1; break;
	case O_LOOKBACK: O.lookback = (unsigned)opt_uint("--lookback", arg, 0, 36500); break;
	case 'j': O.jobs = (unsigned)opt_uint("--jobs", arg, 1, 256); break;
	case O_SHARD: opt_shard(arg); break;
	case O_SKIPDMG: O.skip_damaged = 1; break;
	case O_ALLOWEMPTY: O.allow_empty = 1; break;
	case O_DRYRUN: O.dry_run = 1; break;
	case O_SOURCEID: pass(ST_FETCH, "--source-id", arg); break;
	case O_REGION: pass(ST_FETCH, "--region", arg); break;
	case O_ENDPOINT: pass(ST_FETCH, "--endpoint-url", arg); break;
	case O_LAYOUT: pass(ST_FLATTEN, "--layout", arg); O.have_layout = 1; break;
	case O_TABLE: pass(ST_FLATTEN, "--table", arg); break;
	case O_WITH: pass(ST_FLATTEN, "--with", arg); O.with_source = strstr(arg, "source_id") != NULL; break;
	case O_URL: pass(ST_LOAD, "--url", arg); break;
	case O_HOST: pass(ST_LOAD, "--host", arg); break;
	case O_PORT: pass(ST_LOAD, "--port", arg); break;
	case 'd': pass(ST_LOAD, "--database", arg); break;
	case 'u': pass(ST_LOAD, "--user", arg); break;
	case O_PWFILE: pass(ST_LOAD, "--password-file", arg); break;
	case O_NETRC: pass(ST_LOAD, "--netrc-file", arg); break;
	case O_TOKEN: pass(ST_LOAD, "--token-file", arg); break;
	case O_CACERT: pass(ST_LOAD, "--cacert", arg); break;
	case O_INSECURE: pass(ST_LOAD, "--insecure", NULL); pass(ST_FETCH, "--insecure", NULL); break;
	case O_LOADJOBS: pass(ST_LOAD, "-j", arg); break;
	case O_FETCHOPT: strv_add(&O.stage[ST_FETCH], arg); break;
	case O_VALOPT: strv_add(&O.stage[ST_VALIDATE], arg); break;
	case O_DEDUPOPT: strv_add(&O.stage[ST_DEDUP], arg); break;
	case O_FLATOPT: strv_add(&O.stage[ST_FLATTEN], arg); break;
	case O_BATCHOPT: strv_add(&O.stage[ST_BATCH], arg); break;
	case O_LOADOPT: strv_add(&O.stage[ST_LOAD], arg); break;
	case O_INTERVAL: O.interval = (unsigned)opt_uint("--progress-interval", arg, 1, 86400); break;
	case O_SOURCE: strv_add(&O.cfg_sources, arg); break;
	case O_SEPARATE: O.separate = 1; break;
	default: cli_common_option(c, arg, cc, usage);
	}
}

/* config_value: a config key as the option of the same name. A key ending
 * in "-options" (fetch-options = --strict --max-line 1M) is split on blanks. */
static void config_value(const char *path, const char *key, const char *val, struct cli_common *cc)
{
	static const char *const multi[NSTAGES] = { "fetch-options", "validate-options", "dedup-options",
	                                            "flatten-options", "batch-options", "load-options" };
	for (int s = 0; s < NSTAGES; s++)
		if (strcmp(key, multi[s]) == 0) {
			char *copy = xstrdup(val), *save = NULL;
			for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
				strv_add(&O.stage[s], t);
			free(copy);
			return;
		}
	for (const struct option *o = longopts; o->name; o++) {
		if (strcmp(o->name, key) != 0 || !strcmp(key, "config") || !strcmp(key, "profile"))
			continue;
		if (o->has_arg == no_argument) {
			if (strcmp(val, "true") == 0 || strcmp(val, "yes") == 0 || strcmp(val, "1") == 0)
				take_option(o->val, NULL, cc);
		} else {
			strv_add(&O.cfg_values, val);     /* kept: options point to it */
			take_option(o->val, O.cfg_values.v[O.cfg_values.n - 1], cc);
		}
		return;
	}
	die(EX_CONFIG, "%s: unknown key '%s'", path, key);
}

/* read_config: the config file's common keys and the profile's. */
static void read_config(const char *path, int explicit, const char *profile, struct cli_common *cc)
{
	struct buf dflt = BUF_INIT;
	if (!path) {
		const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
		if (x && *x)
			buf_printf(&dflt, "%s/segpipe/config", x);
		else if (h)
			buf_printf(&dflt, "%s/.config/segpipe/config", h);
		else
			return;
		path = buf_cstr(&dflt);
	}
	struct profile p;
	char err[300];
	int rc = profile_load(&p, path, profile, err, sizeof err);
	if (rc < 0) {
		if (explicit || profile)
			die(EX_CONFIG, "%s: cannot read config: %s", path, strerror(errno));
		buf_free(&dflt);
		return;
	}
	if (rc > 0)
		die(EX_CONFIG, "%s:%d: %s", path, rc, err);
	if (profile && !p.found)
		die(EX_CONFIG, "%s: no [profile %s] in the config", path, profile);
	for (size_t i = 0; i < p.n; i++)
		config_value(path, p.kv[i].key, p.kv[i].value, cc);
	profile_free(&p);
	buf_free(&dflt);
}

/* parse_args: --config and --profile first, then the config, then argv. */
static void parse_args(int argc, char **argv, struct cli_common *cc)
{
	const char *config = NULL, *profile = getenv("SEGPIPE_PROFILE");
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "j:d:u:qhV", longopts, NULL)) != -1)
		if (c == O_CONFIG)
			config = optarg;
		else if (c == O_PROFILE)
			profile = optarg;
	if (profile && !*profile)
		profile = NULL;
	O.profile = profile;
	read_config(config, config != NULL, profile, cc);
	optind = 0;
	while ((c = cli_getopt(argc, argv, "j:d:u:qhV", longopts)) != -1) {
		take_option(c, optarg, cc);
	}
	for (int i = optind; i < argc; i++)
		strv_add(&O.sources, argv[i]);
	if (!O.sources.n)
		for (size_t i = 0; i < O.cfg_sources.n; i++)
			strv_add(&O.sources, O.cfg_sources.v[i]);
	if (!O.sources.n)
		usage_error("no SOURCE given (and no source in the config)");
	if (O.ranged && O.since >= O.until)
		usage_error("the first day must be before the end (--until is exclusive)");
}

/* state_dir: --state-dir, else $XDG_STATE_HOME/segpipe/JOB. */
static char *state_dir(void)
{
	struct buf b = BUF_INIT;
	const char *job = O.job ? O.job : O.profile ? O.profile : "default";
	if (strchr(job, '/') || !*job || job[0] == '.')
		usage_error("--job: '%s' is not a job name", job);
	if (O.state_dir) {
		buf_adds(&b, O.state_dir);
	} else {
		const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
		if (x && *x)
			buf_printf(&b, "%s/segpipe/%s", x, job);
		else if (h)
			buf_printf(&b, "%s/.local/state/segpipe/%s", h, job);
		else
			die(EX_CONFIG, "no --state-dir, and neither XDG_STATE_HOME nor HOME is set");
	}
	char *s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* ---- listing and planning ---------------------------------------------- */

static int my_shard(const char *name)
{
	return !O.shard_n || fnv1a64(name, strlen(name)) % O.shard_n == O.shard_k;
}

/* unit_key: a folder name for a unit: readable, unique by a hash. */
static char *unit_key(const char *name, const char *object, int64_t day)
{
	struct buf b = BUF_INIT;
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	if (day != INT64_MIN) {
		const char *src = "";
		size_t srclen = 0;
		int64_t d;
		char ds[16];
		seg_path_split(object, &src, &srclen, &d);
		day_format(day, ds, sizeof ds);
		buf_printf(&b, "%.*s-%s-", (int)srclen, src, ds);
	} else {
		for (const char *p = base; *p && b.len < 40; p++)
			buf_addc(&b, (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			         *p == '.' || *p == '-' ? *p : '_');
		buf_addc(&b, '-');
	}
	buf_printf(&b, "%08llx", (unsigned long long)(fnv1a64(name, strlen(name)) & 0xffffffffULL));
	char *k = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return k;
}

/* add_object: put a listed object into its unit. */
static void add_object(struct job *J, struct jobject *o)
{
	const char *src;
	size_t srclen;
	int64_t day = INT64_MIN;
	const char *slash = strrchr(o->object, '/');
	size_t nlen = strlen(o->object);
	if (seg_path_split(o->object, &src, &srclen, &day) && slash)
		nlen = (size_t)(slash - o->object);
	else
		day = INT64_MIN;
	struct unit *u = NULL;
	for (size_t i = J->n; i-- > 0 && !u;)
		if (strlen(J->u[i].name) == nlen && strncmp(J->u[i].name, o->object, nlen) == 0)
			u = &J->u[i];
	if (!u) {
		if (J->n == J->cap) {
			J->cap = J->cap ? J->cap * 2 : 64;
			J->u = xrealloc(J->u, J->cap * sizeof *J->u);
		}
		u = &J->u[J->n++];
		memset(u, 0, sizeof *u);
		u->name = xmalloc(nlen + 1);
		memcpy(u->name, o->object, nlen);
		u->name[nlen] = 0;
		u->day = day;
		u->key = unit_key(u->name, o->object, day);
		u->code = -1;
	}
	u->obj = xrealloc(u->obj, (u->nobj + 1) * sizeof *u->obj);
	u->obj[u->nobj++] = *o;
	if (o->size > 0)
		u->bytes += (uint64_t)o->size;
}

/* run_one: run a single program to its end (no other children running);
 * main: the program linked in, run without an exec (lib/pipeline). */
static int run_one(struct strv *argv, int (*main)(int, char **), const char *out, const char *log)
{
	struct pipe_stage st = { argv->v, log, main };
	struct pipeline pl;
	char err[300];
	if (pipeline_start(&pl, &st, 1, out, err, sizeof err) < 0)
		die(EX_IOERR, "%s", err);
	pipeline_wait(&pl);
	return pipeline_code(&pl, 0);
}

/* list_units: seg-fetch --list over the sources and days, grouped in units. */
static void list_units(struct job *J, const char *tmpdir)
{
	struct strv a = { 0 };
	char *fetch = prog_path("seg-fetch");
	char *out = fs_join(tmpdir, "listing.ndjson"), *log = fs_join(tmpdir, "listing.log");
	char num[32];
	strv_add(&a, fetch);
	strv_add(&a, "--list");
	strv_add(&a, "-q");
	if (O.since != INT64_MIN) {
		snprintf(num, sizeof num, "%013lld", (long long)O.since);
		strv_add(&a, "--since");
		strv_add(&a, num);
	}
	if (O.until != INT64_MAX) {
		snprintf(num, sizeof num, "%013lld", (long long)O.until);
		strv_add(&a, "--until");
		strv_add(&a, num);
	}
	for (size_t i = 0; i < O.stage[ST_FETCH].n; i++)
		strv_add(&a, O.stage[ST_FETCH].v[i]);
	for (size_t i = 0; i < O.sources.n; i++)
		strv_add(&a, O.sources.v[i]);
	unlink(log);
	int code = run_one(&a, fetch_main, out, log);
	if (code != 0) {
		char msg[400];
		fs_first_line(log, msg, sizeof msg);
		die(code == 1 ? EX_DATAERR : code > 127 ? EX_TEMPFAIL : code,
		    "listing the sources failed (seg-fetch exit %d): %s", code, msg);
	}
	FILE *f = fopen(out, "r");
	if (!f)
		die(EX_IOERR, "%s: %s", out, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		struct jobject o;
		if (jobject_parse(line, (size_t)(line[n - 1] == '\n' ? n - 1 : n), &o) == 0)
			add_object(J, &o);
	}
	free(line);
	fclose(f);
	unlink(out);
	unlink(log);
	free(out);
	free(log);
	free(fetch);
	strv_free(&a);
}

/* plan_unit: new, changed since its journal entry, or done. */
static void plan_unit(struct job *J, struct unit *u)
{
	const struct junit *e = journal_find(&J->jn, u->name);
	u->changed = xcalloc(u->nobj ? u->nobj : 1, 1);
	if (!e) {
		u->state = U_NEW;
		return;
	}
	size_t nch = 0;
	for (size_t i = 0; i < u->nobj; i++) {
		const struct jobject *old = journal_find_obj(e, u->obj[i].object);
		if (!old || !jobject_same(old, &u->obj[i])) {
			u->changed[i] = 1;
			nch++;
			if (!O.quiet && !O.dry_run)
				diag(u->obj[i].object, 0, "%s since %s was loaded; loading it",
				     old ? "changed" : "added", u->name);
		}
	}
	u->state = nch ? U_CHANGED : U_DONE;
}

/* check_empty: every source seen has objects on every day of the range. */
static void check_empty(struct job *J, int64_t lo, int64_t hi)
{
	for (size_t i = 0; i < J->n; i++) {
		struct unit *u = &J->u[i];
		if (u->day == INT64_MIN)
			continue;
		size_t plen = strrchr(u->name, '/') - u->name;
		int first = 1;           /* only the first unit of each source checks */
		for (size_t k = 0; k < i && first; k++)
			if (J->u[k].day != INT64_MIN && strncmp(J->u[k].name, u->name, plen + 1) == 0)
				first = 0;
		if (!first || (hi - lo) / SEG_DAY_MS > 36600)
			continue;
		for (int64_t d = lo; d <= hi; d += SEG_DAY_MS) {
			struct buf nm = BUF_INIT;
			buf_printf(&nm, "%.*s/%013lld", (int)plen, u->name, (long long)d);
			int seen = 0;
			for (size_t k = 0; k < J->n && !seen; k++)
				seen = strcmp(J->u[k].name, buf_cstr(&nm)) == 0;
			if (!seen && my_shard(buf_cstr(&nm))) {
				char ds[16];
				day_format(d, ds, sizeof ds);
				diag(buf_cstr(&nm), 0, "no objects for %s: an empty day%s", ds,
				     O.allow_empty ? " (allowed)" : " (--allow-empty accepts it)");
				if (!O.allow_empty && J->status == EX_DONE)
					J->status = EX_DATAERR;
			}
			buf_free(&nm);
		}
	}
}

static void unit_free(struct unit *u)
{
	for (size_t i = 0; i < u->nobj; i++)
		jobject_free(&u->obj[i]);
	free(u->obj);
	free(u->changed);
	free(u->name);
	free(u->key);
	free(u->dir);
	free(u->look);
	free(u->why);
	memset(u, 0, sizeof *u);
}

/* job_free: everything, so that leak checkers see a clean exit. */
static void job_free(struct job *J)
{
	for (size_t i = 0; i < J->n; i++)
		unit_free(&J->u[i]);
	free(J->u);
	free(J->dir);
	journal_close(&J->jn);
	stats_free(&J->st);
	strv_free(&O.sources);
	strv_free(&O.cfg_sources);
	strv_free(&O.cfg_values);
	for (int i = 0; i < NSTAGES; i++)
		strv_free(&O.stage[i]);
}

/* plan: shard, journal and empty days. */
static void plan(struct job *J)
{
	size_t keep = 0, total = J->n;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = 0; i < J->n; i++) {
		struct unit *u = &J->u[i];
		if (u->day != INT64_MIN) {
			lo = u->day < lo ? u->day : lo;
			hi = u->day > hi ? u->day : hi;
		}
		if (!my_shard(u->name)) {
			unit_free(u);        /* another shard's */
			continue;
		}
		plan_unit(J, u);
		J->u[keep++] = *u;
	}
	J->n = keep;
	if (O.since != INT64_MIN)
		lo = O.since;
	if (O.until != INT64_MAX)
		hi = O.until - SEG_DAY_MS;
	if (lo != INT64_MAX && hi != INT64_MIN && lo <= hi)
		check_empty(J, lo, hi);
	if (O.ranged && !total && !O.allow_empty) {
		diag(NULL, 0, "no objects in the chosen days (--allow-empty accepts it)");
		J->status = EX_DATAERR;
	}
}

/* ---- one unit ----------------------------------------------------------- */

static char *ufile(const struct unit *u, const char *name)
{
	return fs_join(u->dir, name);
}

/* fetch_operands: what seg-fetch reads for u: the day folder (an S3
 * prefix ends in '/'), or only the objects added or changed since the unit
 * was loaded. */
static void fetch_operands(const struct unit *u, struct strv *a)
{
	if (u->state == U_CHANGED) {
		for (size_t i = 0; i < u->nobj; i++)
			if (u->changed[i])
				strv_add(a, u->obj[i].object);
	} else if (u->day != INT64_MIN && strncmp(u->name, "s3://", 5) == 0) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s/", u->name);
		strv_add(a, buf_cstr(&b));
		buf_free(&b);
	} else {
		strv_add(a, u->name);
	}
}

/* stage_argv: a stage's command line for unit u. */
/* source_arg: --source-id and the unit's source, read from its path (a day
 * folder or an object in Segment's layout); nothing outside the layout. */
static void source_arg(const struct unit *u, struct strv *a)
{
	const char *src;
	size_t srclen;
	int64_t day;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/", u->name);   /* a day folder's name has no slash after the day */
	if (seg_path_split(buf_cstr(&b), &src, &srclen, &day)) {
		char *id = xmalloc(srclen + 1);
		memcpy(id, src, srclen);
		id[srclen] = '\0';
		strv_add(a, "--source-id");
		strv_add(a, id);
		free(id);
	}
	buf_free(&b);
}

/* warehouse_layout: 1 when seg-flatten maps to the warehouse layout, whose
 * known schema the job carries from unit to unit (see promote_schema). */
static int warehouse_layout(void)
{
	const struct strv *f = &O.stage[ST_FLATTEN];
	const char *l = strv_last(f, "--layout") ? strv_last(f, "--layout") : strv_last(f, "-l");
	return l && strcmp(l, "warehouse") == 0;
}

/* state_args: --state FROM (when the job has it) and --save-state TO. */
static void state_args(struct job *J, struct unit *u, const char *from, const char *to, struct strv *a)
{
	char *f = fs_join(J->dir, from);
	if (access(f, F_OK) == 0) {
		strv_add(a, "--state");
		strv_add(a, f);
	}
	free(f);
	strv_add(a, "--save-state");
	strv_add(a, f = ufile(u, to));
	free(f);
}

static void stage_argv(struct job *J, struct unit *u, int st, struct strv *a)
{
	char *f = prog_path(stage_prog[st]);
	strv_add(a, f);
	free(f);
	strv_add(a, "-q");
	strv_add(a, "--no-progress");
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s.stats", stage_short[st]);
	strv_add(a, "--stats");
	strv_add(a, f = ufile(u, buf_cstr(&b)));
	free(f);
	buf_free(&b);
	if (st != ST_DEDUP && st != ST_LOAD) {
		static const char *const rej[NSTAGES] = { "fetch-rejects.ndjson", "rejects.ndjson", NULL,
		                                          "flatten-rejects.ndjson", "batch-rejects.ndjson", NULL };
		strv_add(a, "--rejects");
		strv_add(a, f = ufile(u, rej[st]));
		free(f);
	}
	if (st == ST_FETCH) {
		strv_add(a, "--keep-going");
		strv_add(a, "--exact");            /* an object is that key, not a prefix */
		strv_add(a, "--require-objects");  /* planned objects that are gone: an error */
	}
	if (st == ST_DEDUP) {
		state_args(J, u, "ids", "ids.new", a);
		char w[16];
		snprintf(w, sizeof w, "%u", O.window);
		strv_add(a, "--window");
		strv_add(a, w);
	}
	if (st == ST_FLATTEN && !O.have_layout) {
		strv_add(a, "--layout");
		strv_add(a, "segment_data");
	}
	if (st == ST_FLATTEN && warehouse_layout())
		state_args(J, u, "schema", "schema.new", a);
	if (st == ST_FLATTEN && O.with_source)
		source_arg(u, a);
	if (st == ST_LOAD) {
		strv_add(a, "--checkpoint");
		strv_add(a, f = ufile(u, "load.ckpt"));
		free(f);
		strv_add(a, "--failed");
		strv_add(a, f = ufile(u, "failed.ndjson"));
		free(f);
	}
	for (size_t i = 0; i < O.stage[st].n; i++)
		strv_add(a, O.stage[st].v[i]);
	if (st == ST_FETCH)
		fetch_operands(u, a);
}

/* clear_unit: remove the files of an attempt from u's folder (not the
 * checkpoint). */
static void clear_unit(const struct unit *u)
{
	static const char *const files[] = { "ids.new", "schema.new", "fetch.stats", "validate.stats", "dedup.stats",
		"flatten.stats", "batch.stats", "load.stats", "fetch.log", "validate.log", "dedup.log",
		"flatten.log", "batch.log", "load.log", "chain.log", "chain.status", "chain.status" CHAIN_READ_SUFFIX, "fetch-rejects.ndjson", "rejects.ndjson",
		"flatten-rejects.ndjson", "batch-rejects.ndjson", "failed.ndjson", "quarantine.ndjson",
		"results.ndjson", NULL };
	for (int i = 0; files[i]; i++) {
		char *f = ufile(u, files[i]);
		unlink(f);
		free(f);
	}
}

/* start_pipeline: the stages st[0..n) of u, the last writing its results;
 * 0, or -1 after saying why. */
static int start_pipeline(struct unit *u, const struct pipe_stage *st, int n)
{
	char err[300], *res = ufile(u, "results.ndjson");
	int rc = pipeline_start(&u->pl, st, n, res, err, sizeof err);
	free(res);
	if (rc < 0)
		diag(u->name, 0, "cannot start the pipeline: %s", err);
	return rc;
}

/* stage_log: where stage name's stderr goes in u's folder (malloc'd). */
static char *stage_log(const struct unit *u, const char *name)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s/%s.log", u->dir, name);
	return (char *)buf_cstr(&b);
}

/* start_separate: every stage its own process (--separate-stages). */
static int start_separate(struct unit *u, struct strv *argv)
{
	struct pipe_stage st[NSTAGES];
	char *logs[NSTAGES];
	for (int i = 0; i < NSTAGES; i++) {
		logs[i] = stage_log(u, stage_short[i]);
		st[i] = (struct pipe_stage){ argv[i].v, logs[i], NULL };
	}
	int rc = start_pipeline(u, st, NSTAGES);
	for (int i = 0; i < NSTAGES; i++)
		free(logs[i]);
	return rc;
}

/* chain_argv: into ch, the command line of this program re-executed as
 * the chain (lib/chain) of u's stages mid[0..n), whose argv are in argv:
 * each keeps its own log; chain.status gets their exit codes. */
static void chain_argv(const struct unit *u, const struct strv *argv, const int *mid, int n, struct strv *ch)
{
	char **sv[NSTAGES];
	char *logs[NSTAGES], *status = ufile(u, "chain.status"), *self = prog_path("seg-backfill");
	for (int i = 0; i < n; i++) {
		sv[i] = argv[mid[i]].v;
		logs[i] = stage_log(u, stage_short[mid[i]]);
	}
	strv_add(ch, self);
	chain_args(ch, status, n, sv, (const char *const *)logs);
	for (int i = 0; i < n; i++)
		free(logs[i]);
	free(status);
	free(self);
}

/* start_chained: the stages CHAIN_FIRST to CHAIN_LAST in one process,
 * the others as their own programs around it. Each in-process stage keeps
 * its own log, --stats, rejects and exit status; chain.log gets only what
 * the process says outside any stage. */
static int start_chained(struct unit *u, struct strv *argv)
{
	int mid[CHAIN_N], n = 0;
	struct pipe_stage st[NSTAGES];
	char *logs[NSTAGES];
	struct strv ch = { 0 };
	for (int i = 0; i < CHAIN_N; i++)
		mid[i] = CHAIN_FIRST + i;
	chain_argv(u, argv, mid, CHAIN_N, &ch);
	for (int i = 0; i < NSTAGES; i++) {
		if (i > CHAIN_FIRST && i <= CHAIN_LAST)
			continue;
		logs[n] = stage_log(u, i == CHAIN_FIRST ? "chain" : stage_short[i]);
		st[n] = (struct pipe_stage){ i == CHAIN_FIRST ? ch.v : argv[i].v, logs[n], NULL };
		n++;
	}
	int rc = start_pipeline(u, st, n);
	for (int i = 0; i < n; i++)
		free(logs[i]);
	strv_free(&ch);
	return rc;
}

/* start_unit: clear the files of an earlier attempt (not the checkpoint)
 * and start the unit's pipeline. */
static int start_unit(struct job *J, struct unit *u)
{
	char *units = fs_join(J->dir, "units");
	u->dir = fs_join(units, u->key);
	free(units);
	if (fs_mkdir_p(u->dir) < 0) {
		diag(u->dir, 0, "cannot create: %s", strerror(errno));
		return EX_IOERR;
	}
	clear_unit(u);
	struct strv argv[NSTAGES] = { { 0 } };
	for (int i = 0; i < NSTAGES; i++)
		stage_argv(J, u, i, &argv[i]);
	u->chained = !O.separate;
	int rc = u->chained ? start_chained(u, argv) : start_separate(u, argv);
	for (int i = 0; i < NSTAGES; i++)
		strv_free(&argv[i]);
	if (rc < 0)
		return EX_IOERR;
	u->running = 1;
	u->gen = J->idgen;
	u->res_off = 0;
	u->rows_live = 0;
	u->t0 = now_ms();
	u->reading = 1;
	J->running++;
	J->reading++;
	return 0;
}

/* read_results: the rows of the batches s2-load reported since last time. */
static void read_results(struct unit *u)
{
	char *f = ufile(u, "results.ndjson");
	int fd = open(f, O_RDONLY | O_CLOEXEC);
	free(f);
	if (fd < 0)
		return;
	char tmp[65536];
	ssize_t n;
	while ((n = pread(fd, tmp, sizeof tmp, u->res_off)) > 0) {
		char *p = tmp, *end = tmp + n, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			struct json_members m = { 0 };
			struct json_error e;
			struct json_slice st, rows;
			if (json_parse(p, (size_t)(nl - p), 0, &m, &e) == 0 && json_members_get(&m, "status", &st) &&
			    json_key_eq(st, "loaded") && json_members_get(&m, "rows", &rows))
				u->rows_live += strtoull(rows.p, NULL, 10);
			json_members_free(&m);
			p = nl + 1;
		}
		if (p == tmp)
			break;                /* a line longer than tmp: stop counting */
		u->res_off += p - tmp;
	}
	close(fd);
}

/* quarantine: list the damaged objects of u (seg-fetch's diagnostics
 * "seg-fetch: OBJECT: ..., at byte N") in its quarantine file. Returns how
 * many were listed; names them into msg. */
static int quarantine(struct unit *u, struct buf *msg)
{
	char *log = ufile(u, "fetch.log"), *qf = ufile(u, "quarantine.ndjson");
	FILE *f = fopen(log, "r"), *q = fopen(qf, "w");
	int count = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (f && q && (n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = 0;
		for (size_t i = 0; i < u->nobj; i++) {
			const char *o = u->obj[i].object;
			size_t ol = strlen(o);
			if (strncmp(line, "seg-fetch: ", 11) || strncmp(line + 11, o, ol) || strncmp(line + 11 + ol, ": ", 2))
				continue;
			const char *why = line + 11 + ol + 2, *at = strstr(why, "at byte ");
			struct buf b = BUF_INIT;
			buf_adds(&b, "{\"object\":");
			json_write_str(&b, o, ol);
			buf_printf(&b, ",\"offset\":%lld,\"error\":", at ? strtoll(at + 8, NULL, 10) : -1LL);
			json_write_str(&b, why, strlen(why));
			buf_adds(&b, "}\n");
			fwrite(b.p, 1, b.len, q);
			buf_free(&b);
			buf_printf(msg, "%s%s (%s)", count ? ", " : "", o, why);
			count++;
			break;
		}
	}
	free(line);
	if (f)
		fclose(f);
	if (q && fclose(q) != 0)
		diag(qf, 0, "cannot write: %s", strerror(errno));
	free(log);
	free(qf);
	return count;
}

static void schema_conflict(void *ctx, const char *table, const char *column, const char *kept,
                            const char *dropped)
{
	diag((const char *)ctx, 0, "%s.%s: known as %s and as %s: keeping %s", table, column, kept,
	     dropped, kept);
}

/* promote_schema: make the unit's saved warehouse schema the job's, as
 * promote_ids does the id set: a rename, or when another unit promoted
 * since this one started a merge, the job's schema first (its types win). */
static int promote_schema(struct job *J, struct unit *u)
{
	char *fresh = ufile(u, "schema.new"), *cur = fs_join(J->dir, "schema");
	char why[300] = "";
	int rc = 0;
	if (access(fresh, F_OK) != 0) {
		rc = 0;
	} else if (u->gen == J->idgen || access(cur, F_OK) != 0) {
		if ((rc = rename(fresh, cur)) < 0)
			snprintf(why, sizeof why, "%s", strerror(errno));
	} else {
		struct warehouse *w = warehouse_new("", SQLID_MAX);
		rc = -1;
		if (warehouse_load(w, cur, why, sizeof why) == 0 &&
		    warehouse_merge(w, fresh, schema_conflict, u->name, why, sizeof why) == 0) {
			if ((rc = warehouse_save(w, cur)) < 0)
				snprintf(why, sizeof why, "%s", strerror(errno));
		}
		warehouse_free(w);
		unlink(fresh);
	}
	if (rc < 0)
		diag(cur, 0, "cannot promote the warehouse schema: %s", why);
	free(fresh);
	free(cur);
	return rc;
}

/* promote_ids: make the unit's saved id set the job's. A plain rename when
 * no other unit promoted since this one started; else a merge, so the ids
 * of units that ran beside it stay. */
static int promote_ids(struct job *J, struct unit *u)
{
	char *fresh = ufile(u, "ids.new"), *cur = fs_join(J->dir, "ids");
	int rc = 0;
	char why[300];
	if (access(fresh, F_OK) != 0) {
		rc = 0;                            /* nothing saved: nothing to keep */
	} else if (u->gen == J->idgen || access(cur, F_OK) != 0) {
		rc = rename(fresh, cur) < 0 ? -1 : 0;
		if (rc)
			snprintf(why, sizeof why, "%s", strerror(errno));
	} else {
		struct idset a, b;
		uint64_t saved, expired;
		rc = -1;
		if (idset_load(&a, cur, 0, why, sizeof why) == IDSET_OK) {
			if (idset_load(&b, fresh, 0, why, sizeof why) == IDSET_OK) {
				if (idset_merge(&a, &b) < 0) {   /* another seed: keep the unit's */
					idset_free(&a);
					a = b;
					memset(&b, 0, sizeof b);
				}
				uint16_t keep = a.newest > O.window ? (uint16_t)(a.newest - O.window) : 0;
				a.window = (uint16_t)O.window;
				rc = idset_save(&a, cur, keep, &saved, &expired, why, sizeof why) == IDSET_OK ? 0 : -1;
				idset_free(&b);
			}
			idset_free(&a);
		}
		unlink(fresh);
	}
	if (rc < 0)
		diag(cur, 0, "cannot promote the id set: %s", why);
	else
		J->idgen++;
	free(fresh);
	free(cur);
	return rc;
}

/* journal_unit: the unit's entry: what was listed for it, with counts. */
static int journal_unit(struct job *J, struct unit *u, struct stats *st)
{
	struct buf b = BUF_INIT;
	char ds[16], now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_adds(&b, "{\"unit\":");
	json_write_str(&b, u->name, strlen(u->name));
	if (u->day != INT64_MIN) {
		day_format(u->day, ds, sizeof ds);
		buf_printf(&b, ",\"day\":\"%s\"", ds);
	} else {
		buf_adds(&b, ",\"day\":null");
	}
	buf_adds(&b, ",\"objects\":[");
	for (size_t i = 0; i < u->nobj; i++) {
		if (i)
			buf_addc(&b, ',');
		jobject_write(&b, &u->obj[i]);
	}
	buf_printf(&b, "],\"rows\":%llu,\"rejected\":%llu,\"duplicates\":%llu,\"damaged\":%llu,\"finished\":\"%s\"}",
	           (unsigned long long)stats_get(&st[ST_LOAD], "rows"),
	           (unsigned long long)(stats_get(&st[ST_FETCH], "rejected") + stats_get(&st[ST_VALIDATE], "rejected") +
	                                stats_get(&st[ST_FLATTEN], "rejected") + stats_get(&st[ST_BATCH], "rejected")),
	           (unsigned long long)stats_get(&st[ST_DEDUP], "dups"),
	           (unsigned long long)stats_get(&st[ST_FETCH], "damaged"), now);
	int rc = journal_add(&J->jn, b.p, b.len);
	if (rc < 0)
		diag("journal", 0, "cannot append: %s", strerror(errno));
	buf_free(&b);
	return rc;
}

/* cause_stage: of the exit codes code[0..n), the stage whose exit explains
 * the run: the first one that neither succeeded (0, 1) nor was stopped by a
 * closed pipe; -1 if none. */
static int cause_stage(const int *code, int n)
{
	int piped = -1;
	for (int i = 0; i < n; i++) {
		int c = code[i];
		if (c == 0 || c == 1)
			continue;
		if (c == 128 + SIGPIPE) {
			if (piped < 0)
				piped = i;
			continue;
		}
		return i;
	}
	return piped;
}

/* worse: the exit status that says more (design.md's table). */
static int worse(int a, int b)
{
	static const int rank[] = { 0, 1, 75, 69, 66, 65, 74, 77, 78, 64 };
	int ra = a ? 6 : 0, rb = b ? 6 : 0;       /* an unknown code ranks as 74 */
	for (int i = 0; i < (int)(sizeof rank / sizeof *rank); i++) {
		if (rank[i] == a)
			ra = i;
		if (rank[i] == b)
			rb = i;
	}
	return rb > ra ? b : a;
}

/* unit_codes: each stage's exit code into u->code once u's processes all
 * ended. The stages in the chain's process report theirs in chain.status; when
 * the process could not write it (killed), each reads the process's code. */
static void unit_codes(struct unit *u)
{
	if (!u->chained) {
		for (int i = 0; i < NSTAGES; i++)
			u->scode[i] = pipeline_code(&u->pl, i);
		return;
	}
	int k = 0;                          /* the process of stage i */
	for (int i = 0; i < NSTAGES; i++) {
		if (i < CHAIN_FIRST || i > CHAIN_LAST)
			u->scode[i] = pipeline_code(&u->pl, k++);
		else if (i == CHAIN_LAST)
			k++;
	}
	int chain_at = CHAIN_FIRST;         /* the chain's process: after the stages before it */
	char *f = ufile(u, "chain.status");
	u->chain_died = chain_status_read(f, CHAIN_N, u->scode + CHAIN_FIRST) < 0;
	for (int i = CHAIN_FIRST; u->chain_died && i <= CHAIN_LAST; i++)
		u->scode[i] = pipeline_code(&u->pl, chain_at);
	free(f);
}

/* triage: done (0, or 1 with rejects or accepted losses), failed (its
 * code) or temporary (75), with a message saying which stage and file. */
static int triage(struct unit *u, struct stats *st, struct buf *msg)
{
	free(u->look);
	u->look = NULL;
	unit_codes(u);
	int cause = cause_stage(u->scode, NSTAGES);
	if (cause >= 0) {
		int c = u->scode[cause];
		int whole = u->chained && u->chain_died && cause >= CHAIN_FIRST && cause <= CHAIN_LAST;
		char chain_who[80];
		snprintf(chain_who, sizeof chain_who, "the in-process chain (%s to %s)", stage_prog[CHAIN_FIRST],
		         stage_prog[CHAIN_LAST]);
		const char *who = whole ? chain_who : stage_prog[cause];
		char *log = ufile(u, whole ? "chain" : stage_short[cause]), line[300];
		struct buf lf = BUF_INIT;
		buf_printf(&lf, "%s.log", log);
		fs_first_line(buf_cstr(&lf), line, sizeof line);
		if (c > 128)
			buf_printf(msg, "%s stopped by signal %d", who, c - 128);
		else
			buf_printf(msg, "%s exited %d: %s (log %s)", who, c, line[0] ? line : "no message",
			           buf_cstr(&lf));
		u->look = xstrdup(buf_cstr(&lf));
		free(log);
		buf_free(&lf);
		if (c > 128 || c == EX_TEMPFAIL || stop_sig)
			return EX_TEMPFAIL;
		if (c == 126 || c == 127)
			return EX_CONFIG;          /* a stage that cannot be run: the installation */
		return c < EX_USAGE || c > EX_CONFIG ? EX_IOERR : c;
	}
	uint64_t failed = stats_get(&st[ST_LOAD], "failed");
	if (u->scode[ST_LOAD] != 0 || failed) {
		char *f = ufile(u, "failed.ndjson");
		buf_printf(msg, "s2-load: %llu batches failed; they are in %s", (unsigned long long)failed, f);
		u->look = f;
		return EX_REJECTED;
	}
	if (stats_get(&st[ST_FETCH], "damaged")) {
		struct buf names = BUF_INIT;
		int n = quarantine(u, &names);
		char *q = ufile(u, "quarantine.ndjson");
		buf_printf(msg, "%llu damaged object%s: %s; listed in %s%s",
		           (unsigned long long)stats_get(&st[ST_FETCH], "damaged"), n == 1 ? "" : "s",
		           buf_cstr(&names), q, O.skip_damaged ? " (skipped: counted as lost)" : "");
		u->look = q;
		buf_free(&names);
		if (!O.skip_damaged)
			return EX_DATAERR;
	}
	return EX_DONE;
}

/* ---- the run ------------------------------------------------------------ */

static void clear_line(struct job *J)
{
	if (J->tty && J->last_draw)
		fputs("\r\033[K", stderr);
}

/* finish_unit: triage a unit whose stages all ended; journal it if done. */
static void finish_unit(struct job *J, struct unit *u)
{
	struct stats st[NSTAGES];
	struct buf msg = BUF_INIT;
	u->running = 0;
	J->running--;
	if (u->reading) {
		u->reading = 0;
		J->reading--;
	}
	J->finished++;
	read_results(u);
	for (int i = 0; i < NSTAGES; i++) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s/%s.stats", u->dir, stage_short[i]);
		stats_load(&st[i], buf_cstr(&b));
		buf_free(&b);
	}
	int code = triage(u, st, &msg);
	if (code == EX_DONE && (promote_schema(J, u) < 0 || promote_ids(J, u) < 0 || journal_unit(J, u, st) < 0))
		code = EX_IOERR;
	uint64_t rej = stats_get(&st[ST_FETCH], "rejected") + stats_get(&st[ST_VALIDATE], "rejected") +
	               stats_get(&st[ST_FLATTEN], "rejected") + stats_get(&st[ST_BATCH], "rejected");
	u->code = code;
	u->ms = now_ms() - u->t0;
	u->rows = stats_get(&st[ST_LOAD], "rows");
	u->rejects = rej;
	u->failed = stats_get(&st[ST_LOAD], "failed");
	u->why = msg.len ? xstrdup(buf_cstr(&msg)) : NULL;
	stats_add(&J->st, "rows", stats_get(&st[ST_LOAD], "rows"));
	stats_add(&J->st, "rejected", rej);
	stats_add(&J->st, "duplicates", stats_get(&st[ST_DEDUP], "dups"));
	stats_add(&J->st, "bytes", u->bytes);
	J->bytes_done += u->bytes;
	clear_line(J);
	if (code == EX_DONE) {
		char *ck = ufile(u, "load.ckpt");
		unlink(ck);                        /* the journal says it all now */
		free(ck);
		stats_add(&J->st, "done", 1);
		stats_add(&J->st, "damaged", stats_get(&st[ST_FETCH], "damaged"));
		if (rej || stats_get(&st[ST_FETCH], "damaged"))
			J->status = worse(J->status, EX_REJECTED);
		if (!O.quiet)
			diag(u->name, 0, "done: %llu rows, %llu rejected, %llu duplicates%s%s",
			     (unsigned long long)stats_get(&st[ST_LOAD], "rows"), (unsigned long long)rej,
			     (unsigned long long)stats_get(&st[ST_DEDUP], "dups"), msg.len ? "; " : "", buf_cstr(&msg));
	} else {
		stats_add(&J->st, code == EX_TEMPFAIL ? "temporary" : "failed", 1);
		J->status = worse(J->status, code);
		diag(u->name, 0, "%s: %s (not journaled; a re-run redoes it)",
		     code == EX_TEMPFAIL ? "stopped" : "failed", buf_cstr(&msg));
		if (code == EX_USAGE || code == EX_NOPERM || code == EX_CONFIG || code == EX_IOERR)
			J->halt = 1;               /* every other unit would fail the same way */
	}
	for (int i = 0; i < NSTAGES; i++)
		stats_free(&st[i]);
	buf_free(&msg);
}

/* progress: one line redrawn on a terminal, or a line every --progress-interval. */
static void progress(struct job *J, int final)
{
	if (O.quiet || O.force_progress == 0)
		return;
	uint64_t now = now_ms(), every = J->tty ? 500 : (uint64_t)O.interval * 1000;
	if (!final && now - J->last_draw < every)
		return;
	if (final && !J->tty)
		return;
	uint64_t rows = stats_get(&J->st, "rows");
	for (size_t i = 0; i < J->n; i++)
		if (J->u[i].running) {
			read_results(&J->u[i]);
			rows += J->u[i].rows_live;
		}
	double secs = (double)(now - J->start_ms) / 1000.0;
	if (secs <= 0)
		secs = 0.001;
	char eta[32] = "?";
	if (J->bytes_done && J->bytes_todo >= J->bytes_done) {
		uint64_t left = (uint64_t)(secs * (double)(J->bytes_todo - J->bytes_done) / (double)J->bytes_done);
		snprintf(eta, sizeof eta, "%llu:%02llu", (unsigned long long)left / 60, (unsigned long long)left % 60);
	}
	fprintf(stderr, "%sseg-backfill: units %zu/%zu, %llu rows, %.0f rows/s, %.1f MB/s, ETA %s%s",
	        J->tty ? "\r\033[K" : "", J->finished, J->todo, (unsigned long long)rows, (double)rows / secs,
	        (double)J->bytes_done / 1e6 / secs, eta, J->tty ? "" : "\n");
	if (final)
		fputs("\r\033[K", stderr);
	J->last_draw = now;
}

/* reading: does a stage before s2-load still run? */
static int reading(const struct pipeline *pl)
{
	for (int i = 0; i < pl->n - 1; i++)
		if (!pl->reaped[i])
			return 1;
	return 0;
}

/* chain_read: has u's in-process chain read all its input (lib/chain's
 * STATUS.read)? Its last batches may still be in flight. */
static int chain_read(const struct unit *u)
{
	char *f = ufile(u, "chain.status" CHAIN_READ_SUFFIX);
	int done = access(f, F_OK) == 0;
	free(f);
	return done;
}

/* note_read: units whose reading ended, though a process still runs (the
 * chain's s2-load, or with --separate-stages s2-load alone), stop counting
 * against -j, so the next unit starts reading while their last batches are
 * in flight and the database never waits for a unit's start. */
static void note_read(struct job *J)
{
	for (size_t i = 0; i < J->n; i++) {
		struct unit *u = &J->u[i];
		if (u->running && u->reading && (u->chained ? chain_read(u) : !reading(&u->pl))) {
			u->reading = 0;
			J->reading--;
		}
	}
}

/* reap: collect the stages that ended; finish units whose stages all did. */
static void reap(struct job *J)
{
	int ws;
	pid_t pid;
	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
		for (size_t i = 0; i < J->n; i++)
			if (J->u[i].running && pipeline_reap(&J->u[i].pl, pid, ws)) {
				if (J->u[i].reading && J->u[i].pl.left == 0) {
					J->u[i].reading = 0;
					J->reading--;
				}
				if (J->u[i].pl.left == 0)
					finish_unit(J, &J->u[i]);
				break;
			}
}

/* stop_all: on SIGINT/SIGTERM, ask every stage to stop; after 10 s, kill. */
static void stop_all(struct job *J, uint64_t *asked)
{
	if (!stop_sig)
		return;
	int sig = 0;
	if (!*asked) {
		*asked = now_ms();
		sig = SIGTERM;
		clear_line(J);
		diag(NULL, 0, "stopping (%s): the running units are not journaled", strsignal(stop_sig));
	} else if (now_ms() - *asked > 10000) {
		sig = SIGKILL;
		*asked = now_ms();
	}
	if (sig)
		for (size_t i = 0; i < J->n; i++)
			if (J->u[i].running)
				pipeline_signal(&J->u[i].pl, sig);
}

static void run_units(struct job *J)
{
	size_t next = 0;
	uint64_t asked = 0;
	for (;;) {
		/* -j N units read at once; a unit that read all its input and
		 * whose s2-load still runs (its last batches in flight) does not
		 * count (note_read), so the next one starts reading meanwhile and
		 * the database never waits for a unit's start (bench-backfill: -j
		 * 1 was slower than the hand-written pipeline by that gap). At
		 * most N draining.
		 * The warehouse layout runs units one after another: a unit's
		 * seg-flatten must know the columns (and their types) every
		 * earlier unit created, or it would create them again with
		 * another type. */
		while (J->reading < O.jobs && J->running < 2 * (size_t)O.jobs && next < J->n && !J->halt && !stop_sig &&
		       (!warehouse_layout() || J->running == 0)) {
			struct unit *u = &J->u[next++];
			if (u->state == U_DONE)
				continue;
			int rc = start_unit(J, u);
			if (rc) {
				u->code = rc;
				J->status = worse(J->status, rc);
				J->halt = 1;
			}
		}
		if (!J->running)
			break;
		wait_child(50);
		reap(J);
		note_read(J);
		stop_all(J, &asked);
		progress(J, 0);
	}
	progress(J, 1);
}

/* seed_ids: units overlap (-j, and a unit starts while the one before
 * drains its load), so the id set must exist before they start: every
 * unit's saved set then has the same hash seed to merge. */
static void seed_ids(struct job *J)
{
	char *cur = fs_join(J->dir, "ids");
	if (access(cur, F_OK) != 0) {
		struct idset s;
		uint64_t saved, expired;
		char why[300];
		idset_init(&s, 0, idset_random_seed());
		s.window = (uint16_t)O.window;
		if (idset_save(&s, cur, 0, &saved, &expired, why, sizeof why) != IDSET_OK)
			die(EX_IOERR, "%s: %s", cur, why);
		idset_free(&s);
	}
	free(cur);
}

/* sample_unit: the first unit to load with an object of known size, and
 * that object's index in *k; NULL when there is none. */
static struct unit *sample_unit(struct job *J, size_t *k)
{
	for (size_t i = 0; i < J->n; i++) {
		struct unit *u = &J->u[i];
		for (size_t j = 0; j < u->nobj && u->state != U_DONE; j++)
			if (u->obj[j].size > 0 && (u->state != U_CHANGED || u->changed[j])) {
				*k = j;
				return u;
			}
	}
	return NULL;
}

/* sample_time: seconds to fetch, validate, flatten and batch one object of
 * the first unit (in processes as the run would: the chain's stages in one)
 * to load into /dev/null (nothing is loaded, no id set is
 * read or written), its name and size in *obj and *bytes; -1 when there is
 * nothing to sample or the sample failed. */
static double sample_time(struct job *J, const char *tmp, const char **obj, uint64_t *bytes)
{
	static const int timed[] = { ST_FETCH, ST_VALIDATE, ST_FLATTEN, ST_BATCH };
	enum { NT = sizeof timed / sizeof timed[0] };
	struct strv argv[NSTAGES] = { { 0 } }, ch = { 0 };
	struct pipe_stage st[NT];
	struct pipeline pl;
	char *logs[NT] = { NULL }, err[300];
	size_t k;
	int n = 0, mid[NT], nmid = 0, at = 0;
	struct unit *u = sample_unit(J, &k);
	if (!u)
		return -1;
	enum ustate was = u->state;
	unsigned char *changed = u->changed;
	u->changed = xcalloc(u->nobj, 1);
	u->changed[k] = 1;
	u->state = U_CHANGED;               /* fetch_operands: that object only */
	u->dir = fs_join(tmp, u->key);
	if (fs_mkdir_p(u->dir) < 0)
		die(EX_IOERR, "%s: %s", u->dir, strerror(errno));
	for (int i = 0; i < NT; i++)        /* the stages as the run will run them */
		stage_argv(J, u, timed[i], &argv[timed[i]]);
	for (int i = 0; i < NT; i++) {
		int s = timed[i], in_chain = !O.separate && s >= CHAIN_FIRST && s <= CHAIN_LAST;
		if (in_chain)
			mid[nmid++] = s;
		if (in_chain && nmid > 1)
			continue;               /* in the chain's process, placed at its first stage */
		if (in_chain)
			at = n;
		logs[n] = stage_log(u, in_chain ? "chain" : stage_short[s]);
		st[n] = (struct pipe_stage){ argv[s].v, logs[n], NULL };
		n++;
	}
	if (nmid) {
		chain_argv(u, argv, mid, nmid, &ch);
		st[at].argv = ch.v;
	}
	uint64_t t0 = now_ms();
	int rc = pipeline_start(&pl, st, n, NULL, err, sizeof err);
	if (rc == 0)
		pipeline_wait(&pl);
	double secs = (double)(now_ms() - t0) / 1000.0;
	for (int i = 0; i < n && rc == 0; i++)
		if (pipeline_code(&pl, i) > 1)
			rc = -1;
	for (int i = 0; i < NSTAGES; i++)
		strv_free(&argv[i]);
	for (int i = 0; i < n; i++)
		free(logs[i]);
	strv_free(&ch);
	clear_unit(u);
	rmdir(u->dir);
	free(u->changed);
	u->changed = changed;
	u->state = was;
	*obj = u->obj[k].object;
	*bytes = (uint64_t)u->obj[k].size;
	return rc == 0 ? secs : -1;
}

/* estimate: the time the load would take, from a timed sample scaled by
 * bytes, as the dry run's last line ({"estimate":{..}}) and in its summary.
 * The sample leaves out s2-load (it would write): the estimate is the
 * reading side's, a lower bound when the database is the slower end. */
static void estimate(struct job *J, uint64_t bytes, struct buf *said)
{
	char *tmp = fs_mkdtemp("seg-backfill-sample");
	const char *obj = NULL;
	uint64_t sbytes = 0;
	if (!tmp)
		die(EX_IOERR, "mkdtemp: %s", strerror(errno));
	double secs = sample_time(J, tmp, &obj, &sbytes);
	rmdir(tmp);
	free(tmp);
	struct buf b = BUF_INIT;
	if (secs < 0 && !obj && !bytes) {
		buf_adds(&b, "{\"estimate\":{\"bytes\":0,\"seconds\":0}}\n");   /* nothing to load */
	} else if (secs < 0) {
		buf_adds(&b, "{\"estimate\":null}\n");
		buf_adds(said, obj ? "; no estimate: the sample failed" : "");
	} else {
		double all = secs * (double)bytes / (double)sbytes;
		unsigned long long s = (unsigned long long)(all + 0.5);
		buf_adds(&b, "{\"estimate\":{\"sample\":");
		json_write_str(&b, obj, strlen(obj));
		buf_printf(&b, ",\"sample_bytes\":%llu,\"sample_seconds\":%.3f,\"bytes\":%llu,\"seconds\":%.0f}}\n",
		           (unsigned long long)sbytes, secs, (unsigned long long)bytes, all);
		buf_printf(said, "; estimated %llu:%02llu:%02llu (a %.1f s sample of %llu bytes, without the load)",
		           s / 3600, s / 60 % 60, s % 60, secs, (unsigned long long)sbytes);
	}
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
}

/* dry_run: the plan as JSON lines on stdout; nothing is written. */
static void dry_run(struct job *J)
{
	static const char *const names[] = { "new", "changed", "done" };
	uint64_t objs = 0, bytes = 0, units = 0;
	for (size_t i = 0; i < J->n; i++) {
		struct unit *u = &J->u[i];
		struct buf b = BUF_INIT;
		char ds[16];
		buf_adds(&b, "{\"unit\":");
		json_write_str(&b, u->name, strlen(u->name));
		if (u->day != INT64_MIN) {
			day_format(u->day, ds, sizeof ds);
			buf_printf(&b, ",\"day\":\"%s\"", ds);
		}
		size_t n = 0;
		uint64_t by = 0;
		for (size_t k = 0; k < u->nobj; k++)
			if (u->state != U_CHANGED || u->changed[k]) {
				n++;
				by += u->obj[k].size > 0 ? (uint64_t)u->obj[k].size : 0;
			}
		if (u->state == U_DONE)
			n = 0, by = 0;
		buf_printf(&b, ",\"state\":\"%s\",\"objects\":%zu,\"bytes\":%llu}\n", names[u->state], n,
		           (unsigned long long)by);
		fwrite(b.p, 1, b.len, stdout);
		buf_free(&b);
		objs += n;
		bytes += by;
		units += u->state != U_DONE;
	}
	struct buf said = BUF_INIT;
	estimate(J, bytes, &said);
	fflush(stdout);
	if (!O.quiet)
		diag(NULL, 0, "dry run: %llu of %zu units to load, %llu objects, %llu bytes%s; nothing changed",
		     (unsigned long long)units, J->n, (unsigned long long)objs, (unsigned long long)bytes, buf_cstr(&said));
	buf_free(&said);
}

/* ---- verify ------------------------------------------------------------- */

/* print_missing: one id of the archive the table lacks, on stdout. */
static void print_missing(void *ctx, const char *id, size_t n)
{
	const struct unit *u = ctx;
	struct buf b = BUF_INIT;
	char ds[16];
	buf_adds(&b, "{\"day\":");
	if (u->day != INT64_MIN) {
		day_format(u->day, ds, sizeof ds);
		buf_printf(&b, "\"%s\"", ds);
	} else {
		buf_adds(&b, "null");
	}
	buf_adds(&b, ",\"messageId\":");
	json_write_str(&b, id, n);
	buf_adds(&b, ",\"unit\":");
	json_write_str(&b, u->name, strlen(u->name));
	buf_adds(&b, "}\n");
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
}

/* verify_target: the query/rows endpoint and credentials, from the options
 * the load gives s2-load (and S2_USER, S2_PASSWORD as s2-load reads them). */
static void verify_target(struct dapi_config *conf, struct s2conn *conn)
{
	const struct strv *l = &O.stage[ST_LOAD];
	const char *port = strv_last(l, "--port");
	memset(conf, 0, sizeof *conf);
	*conn = (struct s2conn)S2CONN_INIT;
	conn->url = strv_last(l, "--url");
	conn->host = strv_last(l, "--host");
	if (port)
		conn->port = (unsigned)opt_uint("--port", port, 1, 65535);
	conn->pwfile = strv_last(l, "--password-file");
	conn->tokfile = strv_last(l, "--token-file");
	conf->database = strv_last(l, "--database") ? strv_last(l, "--database") : strv_last(l, "-d");
	conf->user = strv_last(l, "--user") ? strv_last(l, "--user") : strv_last(l, "-u");
	conf->cacert = strv_last(l, "--cacert");
	for (size_t i = 0; i < l->n; i++)
		conf->insecure |= strcmp(l->v[i], "--insecure") == 0;
	conf->netrc = 1;
	conf->netrc_file = strv_last(l, "--netrc-file");
	conf->connect_timeout_ms = 10000;
	conf->timeout_ms = 300000;
	conf->max_conns = 1;
	s2conn_setup(conn, conf, "query/rows");
}

/* verify_table: the table the load writes: --table, else the layout's. */
static const char *verify_table(void)
{
	const struct strv *f = &O.stage[ST_FLATTEN];
	const char *t = strv_last(f, "--table") ? strv_last(f, "--table") : strv_last(f, "-t");
	const char *l = strv_last(f, "--layout") ? strv_last(f, "--layout") : strv_last(f, "-l");
	struct tablelayout tl;
	if (t)
		return t;
	if (tablelayout_get(l ? l : "segment_data", SEG_DDL_RECOMMENDED, &tl) < 0)
		usage_error("--layout: '%s' is not one of %s", l, tablelayout_names());
	return tl.table;
}

/* message_id: the id bytes of one validated message, as seg-flatten loads
 * them: a string decoded, a number as its digits. 0, or -1 if none. */
static int message_id(const char *line, size_t n, struct buf *id)
{
	struct json_members m = { 0 };
	struct json_error e;
	struct json_slice v;
	int rc = -1;
	buf_reset(id);
	if (json_parse(line, n, 0, &m, &e) == 0 && json_members_get(&m, "messageId", &v)) {
		if (v.type == JSON_STRING && v.n > 2) {
			json_str_decode(v, id);
			rc = 0;
		} else if (v.type == JSON_NUMBER) {
			buf_add(id, v.p, v.n);
			rc = 0;
		}
	}
	json_members_free(&m);
	return rc;
}

static int dapi_exit(enum dapi_outcome o)
{
	switch (o) {
	case DAPI_OK: return EX_DONE;
	case DAPI_AUTH: return EX_NOPERM;
	case DAPI_TRANSIENT: case DAPI_BAD_ANSWER: return EX_UNAVAILABLE;
	case DAPI_TOO_LARGE: return EX_IOERR;
	default: return EX_CONFIG;     /* a query every id would fail: no table, column, database */
	}
}

/* verify_start: seg-fetch | seg-validate of the whole unit, as the load
 * runs them, into a FIFO the driver reads. The read end, or -1. */
static int verify_start(struct job *J, struct unit *u, const char *tmp)
{
	struct strv argv[2] = { { 0 } };
	struct pipe_stage st[2];
	char err[300], *fifo;
	int fd = -1;
	u->state = U_NEW;                  /* every object, not only changed ones */
	u->dir = fs_join(tmp, u->key);
	fifo = ufile(u, "validated.fifo");
	if (fs_mkdir_p(u->dir) < 0 || mkfifo(fifo, 0600) < 0 ||
	    (fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		die(EX_IOERR, "%s: %s", fifo, strerror(errno));
	char *logs[2] = { ufile(u, "fetch.log"), ufile(u, "validate.log") };
	for (int i = 0; i < 2; i++) {
		stage_argv(J, u, i, &argv[i]);
		st[i] = (struct pipe_stage){ argv[i].v, logs[i], NULL };
	}
	if (pipeline_start(&u->pl, st, 2, fifo, err, sizeof err) < 0)
		die(EX_IOERR, "%s", err);
	fcntl(fd, F_SETFL, 0);             /* a writer is there: block from now on */
	for (int i = 0; i < 2; i++) {
		strv_free(&argv[i]);
		free(logs[i]);
	}
	unlink(fifo);
	free(fifo);
	return fd;
}

/* verify_read: every distinct id the pipeline yields, to the check. The id
 * set costs at most 24 bytes a distinct id (lib/idset.h); that and one
 * chunk of the check are the memory of a day. */
static enum dapi_outcome verify_read(int fd, struct idcheck *k, uint64_t *ids)
{
	FILE *f = fdopen(fd, "r");
	struct idset seen;
	struct buf id = BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	enum dapi_outcome o = DAPI_OK;
	if (!f)
		die(EX_IOERR, "fdopen: %s", strerror(errno));
	idset_init(&seen, 0, idset_random_seed());
	while (o == DAPI_OK && !stop_sig && (n = getline(&line, &cap, f)) > 0) {
		if (message_id(line, (size_t)(line[n - 1] == '\n' ? n - 1 : n), &id) < 0)
			continue;
		if (idset_add(&seen, idset_key(&seen, id.p, id.len), 0) == 1) {
			(*ids)++;
			o = idcheck_add(k, id.p, id.len);
		}
	}
	if (o == DAPI_OK && !stop_sig)
		o = idcheck_flush(k);
	fclose(f);                          /* a stopped reader: the stages get SIGPIPE */
	free(line);
	buf_free(&id);
	idset_free(&seen);
	return o;
}

/* verify_unit: compare one unit; its exit status (0 when nothing is
 * missing, 1 when ids are, else why it could not be compared). */
static int verify_unit(struct job *J, struct unit *u, struct idcheck *k, const char *tmp)
{
	uint64_t ids = 0, absent = k->absent;
	k->ctx = u;
	int fd = verify_start(J, u, tmp);
	enum dapi_outcome o = verify_read(fd, k, &ids);
	if (stop_sig || o != DAPI_OK)
		pipeline_signal(&u->pl, SIGTERM);   /* no one reads them any more */
	pipeline_wait(&u->pl);
	struct buf msg = BUF_INIT;
	int codes[2] = { pipeline_code(&u->pl, 0), pipeline_code(&u->pl, 1) };
	int code = EX_DONE, cause = cause_stage(codes, 2);
	if (stop_sig) {
		code = EX_TEMPFAIL;
		buf_adds(&msg, "stopped");
	} else if (o != DAPI_OK) {
		code = dapi_exit(o);
		buf_printf(&msg, "the table could not be read: %s", k->err);
	} else if (cause >= 0) {
		char line[300], *log = ufile(u, cause == ST_FETCH ? "fetch.log" : "validate.log");
		int c = codes[cause];
		fs_first_line(log, line, sizeof line);
		buf_printf(&msg, "%s exited %d: %s", stage_prog[cause], c, line[0] ? line : "no message");
		code = c > 128 ? EX_TEMPFAIL : c < EX_USAGE || c > EX_CONFIG ? EX_IOERR : c;
		free(log);
	}
	if (code != EX_DONE)
		diag(u->name, 0, "not verified: %s", buf_cstr(&msg));
	else if (!O.quiet)
		diag(u->name, 0, "%llu ids after validation, %llu missing from %s", (unsigned long long)ids,
		     (unsigned long long)(k->absent - absent), k->table);
	buf_free(&msg);
	return code == EX_DONE && k->absent > absent ? EX_REJECTED : code;
}

/* verify_clean: the temporary files of verify. */
static void verify_clean(struct job *J)
{
	for (size_t i = 0; i < J->n; i++)
		if (J->u[i].dir) {
			clear_unit(&J->u[i]);
			rmdir(J->u[i].dir);
		}
}

/* verify: every unit's ids against the table (see seg-backfill(1),
 * VERIFY). Reads the archive and the table; writes only a temporary folder. */
static int verify(struct job *J)
{
	struct dapi_config conf;
	struct s2conn conn;
	struct dapi_client api;
	struct retry_policy rp;
	struct idcheck k;
	char err[300], *tmp = fs_mkdtemp("seg-backfill-verify");
	if (!tmp)
		die(EX_IOERR, "mkdtemp: %s", strerror(errno));
	verify_target(&conf, &conn);
	if (dapi_client_init(&api, &conf, err, sizeof err) < 0)
		die(EX_CONFIG, "%s", err);
	retry_policy_defaults(&rp);
	rp.max_time_ms = 120000;
	idcheck_init(&k, &api, &rp, verify_table(), "messageId", print_missing, NULL);
	list_units(J, tmp);
	plan(J);
	int status = J->status;
	for (size_t i = 0; i < J->n && !stop_sig; i++) {
		int c = verify_unit(J, &J->u[i], &k, tmp);
		status = worse(status, c);
		fflush(stdout);
		if (c != EX_DONE && c != EX_REJECTED && c != EX_DATAERR)
			break;                     /* the target or the installation: every day would fail */
	}
	if (stop_sig)
		status = EX_TEMPFAIL;
	if (!O.quiet)
		diag(NULL, 0, "verified %zu units: %llu ids present, %llu missing", J->n,
		     (unsigned long long)k.present, (unsigned long long)k.absent);
	idcheck_free(&k);
	dapi_client_free(&api);
	s2conn_free(&conn, &conf);
	verify_clean(J);
	rmdir(tmp);
	free(tmp);
	return status;
}

/* open_state: the state directory, its lock and its journal. A dry run
 * only reads what is there. */
static void open_state(struct job *J)
{
	char *jp;
	if (!O.dry_run) {
		pid_t holder;
		if (fs_mkdir_p(J->dir) < 0)
			die(EX_IOERR, "%s: cannot create the state directory: %s", J->dir, strerror(errno));
		int rc = statelock_take(J->dir, O.wait, &holder);
		if (rc < 0)
			die(EX_IOERR, "%s/lock: %s", J->dir, strerror(errno));
		if (rc > 0 && O.wait)
			die(EX_TEMPFAIL, "%s: stopped while waiting for the lock", J->dir);
		if (rc > 0)
			die(EX_TEMPFAIL, "%s is in use by another run (process %ld); --wait waits for it",
			    J->dir, (long)holder);
	}
	jp = fs_join(J->dir, "journal");  /* after the lock's exits: LeakSanitizer saw it lost */
	if (journal_open(&J->jn, jp, O.dry_run) < 0)
		die(EX_IOERR, "%s: %s", jp, strerror(errno));
	if (J->jn.ignored)
		diag(jp, 0, "%llu unreadable lines ignored", (unsigned long long)J->jn.ignored);
	free(jp);
}

/* choose_days: catch up from the last journaled day when no day was
 * named; --lookback widens the start. */
static void choose_days(struct job *J)
{
	if (!O.ranged) {
		int64_t newest = journal_newest_day(&J->jn);
		if (newest != INT64_MIN)
			O.since = newest;
	}
	if (O.lookback && O.since != INT64_MIN)
		O.since -= (int64_t)O.lookback * SEG_DAY_MS;
}

/* unit_status: a unit's outcome in one word. */
static const char *unit_status(const struct unit *u)
{
	if (u->state == U_DONE)
		return "skipped";              /* journaled by an earlier run */
	switch (u->code) {
	case -1: return "not run";
	case EX_DONE: return "done";
	case EX_TEMPFAIL: return "stopped";
	default: return "failed";
	}
}

/* units_json: the "per_unit" member of --stats: one object per unit. */
static void units_json(const struct job *J, struct buf *b)
{
	buf_adds(b, ",\"per_unit\":[");
	for (size_t i = 0; i < J->n; i++) {
		const struct unit *u = &J->u[i];
		char ds[16];
		buf_adds(b, i ? ",{\"unit\":" : "{\"unit\":");
		json_write_str(b, u->name, strlen(u->name));
		if (u->day != INT64_MIN) {
			day_format(u->day, ds, sizeof ds);
			buf_printf(b, ",\"day\":\"%s\"", ds);
		} else {
			buf_adds(b, ",\"day\":null");
		}
		buf_printf(b, ",\"status\":\"%s\",\"exit\":", unit_status(u));
		if (u->state == U_DONE || u->code < 0)
			buf_adds(b, "null");
		else
			buf_printf(b, "%d", u->code);
		buf_printf(b, ",\"rows\":%llu,\"rejects\":%llu,\"failed_batches\":%llu,\"seconds\":%.3f,\"look\":",
		           (unsigned long long)u->rows, (unsigned long long)u->rejects, (unsigned long long)u->failed,
		           (double)u->ms / 1000.0);
		if (u->look && u->code != EX_DONE)
			json_write_str(b, u->look, strlen(u->look));
		else
			buf_adds(b, "null");
		buf_adds(b, ",\"message\":");
		if (u->why)
			json_write_str(b, u->why, strlen(u->why));
		else
			buf_adds(b, "null");
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

static void summary(struct job *J)
{
	stats_add(&J->st, "status", (uint64_t)J->status);
	if (!O.quiet)
		diag(NULL, 0, "%zu units: %llu done, %llu failed, %llu stopped, %llu already done; "
		     "%llu rows, %llu rejected, %llu duplicates, %llu damaged",
		     J->n, (unsigned long long)stats_get(&J->st, "done"), (unsigned long long)stats_get(&J->st, "failed"),
		     (unsigned long long)stats_get(&J->st, "temporary"), (unsigned long long)stats_get(&J->st, "skipped"),
		     (unsigned long long)stats_get(&J->st, "rows"), (unsigned long long)stats_get(&J->st, "rejected"),
		     (unsigned long long)stats_get(&J->st, "duplicates"), (unsigned long long)stats_get(&J->st, "damaged"));
	if (O.stats_file) {
		struct buf b = BUF_INIT;
		units_json(J, &b);
		if (stats_write_with(&J->st, O.stats_file, b.p, b.len) < 0)
			die(EX_IOERR, "%s: cannot write stats: %s", O.stats_file, strerror(errno));
		buf_free(&b);
	}
}

/* install_signals: the stop signals as in every program; SIGCHLD writes to
 * a self-pipe, so the main loop wakes as soon as a stage exits. */
static void install_signals(void)
{
	cli_on_stop(on_signal);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	if (pipe(chld_pipe) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(chld_pipe[i], F_SETFD, FD_CLOEXEC);
			fcntl(chld_pipe[i], F_SETFL, O_NONBLOCK);
		}
		sa.sa_handler = on_child;
		sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
	} else {
		chld_pipe[0] = chld_pipe[1] = -1;
	}
}

/* setup: options, config, counters, the state directory's path, signals. */
static void setup(struct job *J, int argc, char **argv)
{
	static const char *const keys[] = { "units", "done", "failed", "temporary", "skipped", "rows",
	                                    "rejected", "duplicates", "damaged", "bytes", NULL };
	struct cli_common cc = CLI_COMMON_INIT;
	cli_init(argv[0]);
	if (argc > 1 && strcmp(argv[1], CHAIN_FLAG) == 0)
		exit(chain_main(argc, argv));
	if (argc > 1 && strcmp(argv[1], "verify") == 0) {
		O.verify = 1;
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	O.window = 7;
	O.jobs = 1;
	O.interval = 60;
	O.since = INT64_MIN;
	O.until = INT64_MAX;
	parse_args(argc, argv, &cc);
	O.quiet = cc.quiet;
	O.force_progress = cc.force_progress;
	O.stats_file = cc.stats_file;
	stats_init(&J->st);
	for (int i = 0; keys[i]; i++)
		stats_add(&J->st, keys[i], 0);
	J->start_ms = now_ms();
	J->last_draw = J->start_ms;
	J->dir = state_dir();
	J->jn.fd = -1;
	install_signals();
}

/* listing: the units of the chosen days, planned against the journal. A
 * dry run lists into a temporary folder: it writes nothing in the state. */
static void listing(struct job *J)
{
	char *tmp = O.dry_run ? fs_mkdtemp("seg-backfill") : NULL;
	if (O.dry_run && !tmp)
		die(EX_IOERR, "mkdtemp: %s", strerror(errno));
	list_units(J, tmp ? tmp : J->dir);
	if (tmp)
		rmdir(tmp);
	free(tmp);
	plan(J);
	stats_add(&J->st, "units", J->n);
}

int main(int argc, char **argv)
{
	static struct job J;
	int status;
	setup(&J, argc, argv);
	if (O.verify) {
		status = verify(&J);
		job_free(&J);
		return status;
	}
	open_state(&J);
	choose_days(&J);
	listing(&J);
	if (O.dry_run) {
		dry_run(&J);
		job_free(&J);
		return J.status;
	}
	for (size_t i = 0; i < J.n; i++)
		if (J.u[i].state == U_DONE) {
			stats_add(&J.st, "skipped", 1);
		} else {
			J.todo++;
			J.bytes_todo += J.u[i].bytes;
		}
	J.tty = progress_wanted(O.force_progress, O.quiet);
	seed_ids(&J);
	run_units(&J);
	if (stop_sig)
		J.status = EX_TEMPFAIL;
	summary(&J);
	status = J.status;
	job_free(&J);
	return status;
}
