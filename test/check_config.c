/* Tests for supervisord.conf files (-C), without processes: each key read
 * into the job it makes, against a table of what supervisord means, and
 * the message for each value uvsup cannot use. */
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "jobs.h"
#include "svconf.h"
#include "testutil.h"

/* What a test built: the jobs, the warnings, the error. */
typedef struct {
  char* dir;  /* a fresh directory holding the files */
  char* path; /* its supervisord.conf */
  cli_svconf_t conf;
  cli_jobs_t jobs;
  char err[512];
  int rc;
} built_t;

/* Reads text as dir/supervisord.conf and builds its jobs (only the named
 * programs, when names follow). */
static void build(built_t* b, const char* text, ...) {
  memset(b, 0, sizeof(*b));
  b->dir = tu_tmpdir_new();
  b->path = tu_write_file(b->dir, "supervisord.conf", text);
  char* types[8];
  size_t ntypes = 0;
  va_list ap;
  va_start(ap, text);
  for (const char* t; (t = va_arg(ap, const char*)) != NULL && ntypes < 8;) {
    types[ntypes++] = (char*)t;
  }
  va_end(ap);
  b->rc = cli_svconf_load(b->path, &b->conf, b->err, sizeof(b->err));
  if (b->rc == 0) {
    b->rc = cli_config_jobs(&b->conf, types, ntypes, &b->jobs, b->err,
                            sizeof(b->err));
  }
}

static void built_free(built_t* b) {
  cli_jobs_free(&b->jobs);
  cli_svconf_free(&b->conf);
  free(b->path);
  tu_tmpdir_free(b->dir);
}

static const cli_job_t* job_named(const built_t* b, const char* name) {
  for (size_t i = 0; i < b->jobs.count; i++) {
    if (strcmp(b->jobs.fixed[i].name, name) == 0) {
      return &b->jobs.fixed[i];
    }
  }
  ck_abort_msg("no job %s", name);
  return NULL;
}

static const char* env_of(const cli_job_t* job, const char* key) {
  size_t n = strlen(key);
  for (size_t i = 0; job->env[i] != NULL; i++) {
    if (strncmp(job->env[i], key, n) == 0 && job->env[i][n] == '=') {
      return job->env[i] + n + 1;
    }
  }
  return NULL;
}

/* The error is "DIR/supervisord.conf:" + want. */
static void assert_error(const built_t* b, const char* want) {
  ck_assert_msg(b->rc == -1, "built %zu jobs", b->jobs.count);
  char* full = tu_fmt("%s:%s", b->path, want);
  ck_assert_str_eq(b->err, full);
  ck_assert_uint_eq(b->jobs.count, 0);
  free(full);
}

static int has_warning(const built_t* b, const char* want) {
  char* full = tu_fmt("%s:%s", b->path, want);
  int found = 0;
  for (size_t i = 0; i < b->conf.nwarnings; i++) {
    found |= strcmp(b->conf.warnings[i], full) == 0;
  }
  free(full);
  return found;
}

START_TEST(test_config_defaults) {
  built_t b;
  build(&b, "[program:app]\ncommand = /bin/echo  hi 'a b'\n", NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  ck_assert_uint_eq(b.jobs.count, 1);
  const cli_job_t* j = job_named(&b, "app");
  ck_assert_str_eq(j->argv[0], "/bin/echo");
  ck_assert_str_eq(j->argv[1], "hi");
  ck_assert_str_eq(j->argv[2], "a b");
  ck_assert_ptr_null(j->argv[3]);
  ck_assert_ptr_null(j->cwd);
  const cli_job_opts_t* o = j->opts;
  /* supervisord's defaults: autorestart=unexpected, exitcodes=0,
   * startsecs=1, startretries=3, stopsignal=TERM, stopwaitsecs=10,
   * priority=999, logs shown. */
  ck_assert_int_eq(o->supervise.restart, CLI_RESTART_ON_FAILURE);
  ck_assert_uint_eq(o->supervise.nsuccess, 0);
  /* startsecs is the minimum uptime; a run that got there forgives. */
  ck_assert_uint_eq(o->supervise.reset_ms, 1);
  ck_assert_uint_eq(b.jobs.workers[0].min_uptime_ms, 1000);
  ck_assert_uint_eq(b.jobs.workers[0].kill_after_ms, 10000);
  ck_assert_int_eq(b.jobs.workers[0].stop_signal, SIGTERM);
  /* startretries=3 is the worker's failed starts, and the restart limit
   * that gives up a crash loop when startsecs=0 lets no start fail. */
  ck_assert_int_eq(b.jobs.workers[0].start_retries, 3);
  ck_assert_uint_eq(o->supervise.limit, 3);
  ck_assert_uint_eq(o->supervise.period_ms, 0);
  ck_assert_int_eq(o->stop_signal, SIGTERM);
  ck_assert_uint_eq(o->kill_after_ms, 10000);
  ck_assert_int_eq(o->priority, 999);
  ck_assert_int_eq(o->log_kind[0], CLI_LOG_SHOWN);
  ck_assert_int_eq(o->log_kind[1], CLI_LOG_SHOWN);
  ck_assert_int_eq(o->redirect_stderr, 0);
  ck_assert_int_eq(o->set_user, 0);
  ck_assert_str_eq(env_of(j, "SUPERVISOR_ENABLED"), "1");
  ck_assert_str_eq(env_of(j, "SUPERVISOR_PROCESS_NAME"), "app");
  ck_assert_str_eq(env_of(j, "SUPERVISOR_GROUP_NAME"), "app");
  ck_assert_uint_eq(b.conf.nwarnings, 0);
  built_free(&b);
}
END_TEST

/* One key per row: the value and what the job must hold after it. */
typedef struct {
  const char* line;
  void (*check)(const cli_job_t* j);
} key_case_t;

static void is_always(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->supervise.restart, CLI_RESTART_ALWAYS);
}
static void is_never(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->supervise.restart, CLI_RESTART_NO);
}
static void is_unexpected(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->supervise.restart, CLI_RESTART_ON_FAILURE);
}
static void codes_2_3(const cli_job_t* j) {
  ck_assert_uint_eq(j->opts->supervise.nsuccess, 2);
  ck_assert_int_eq(j->opts->supervise.success[0], 2);
  ck_assert_int_eq(j->opts->supervise.success[1], 3);
}
static void reset_5s(const cli_job_t* j) {
  ck_assert_uint_eq(j->opts->supervise.reset_ms, 1); /* once up: forgiven */
}
static void reset_default(const cli_job_t* j) {
  /* 0: uvsup's own (twice the delay cap), so a crash loop gives up. */
  ck_assert_uint_eq(j->opts->supervise.reset_ms, 0);
}
static void sigint(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->stop_signal, SIGINT);
}
static void sigquit(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->stop_signal, SIGQUIT);
}
static void grace_3s(const cli_job_t* j) {
  ck_assert_uint_eq(j->opts->kill_after_ms, 3000);
}
static void prio_minus_5(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->priority, -5);
}
static void redirected(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->redirect_stderr, 1);
}
static void out_none(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->log_kind[0], CLI_LOG_DISCARD);
}
static void err_shown(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->log_kind[1], CLI_LOG_SHOWN);
}
static void env_set(const cli_job_t* j) {
  ck_assert_str_eq(env_of(j, "A"), "1, 2");
  ck_assert_str_eq(env_of(j, "B"), "x");
}
static void in_tmp(const cli_job_t* j) {
  ck_assert_str_eq(j->cwd, "/tmp");
}
static void uvsup_keys(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->supervise.restart, CLI_RESTART_ALWAYS);
  ck_assert_uint_eq(j->opts->supervise.delay_ms, 2000);
  ck_assert_uint_eq(j->opts->supervise.limit, 5);
  ck_assert_uint_eq(j->opts->supervise.period_ms, 60000);
}
static void uvsup_stop_keys(const cli_job_t* j) {
  ck_assert_int_eq(j->opts->stop_signal, SIGINT);
  ck_assert_uint_eq(j->opts->kill_after_ms, 1500); /* over stopwaitsecs */
  ck_assert_uint_eq(j->opts->timeout_ms, 60000);
  ck_assert_uint_eq(j->opts->supervise.nsuccess, 1);
  ck_assert_int_eq(j->opts->supervise.success[0], 9);
}
static void group_on(const cli_job_t* j) {
  (void)j; /* accepted: always on */
}

static const key_case_t key_cases[] = {
  { "autorestart = true", is_always },
  { "autorestart = false", is_never },
  { "autorestart = unexpected", is_unexpected },
  { "autorestart = Yes", is_always },
  { "exitcodes = 0,2, 3", codes_2_3 },
  { "startsecs = 5", reset_5s },
  { "startsecs = 0", reset_default },
  { "stopsignal = INT", sigint },
  { "stopsignal = SIGQUIT", sigquit },
  { "stopwaitsecs = 3", grace_3s },
  { "priority = -5", prio_minus_5 },
  { "redirect_stderr = true", redirected },
  { "stdout_logfile = NONE", out_none },
  { "stderr_logfile = AUTO", err_shown },
  { "stderr_logfile = /dev/stdout", err_shown },
  { "environment = A=\"1, 2\",B=x", env_set },
  { "directory = /tmp", in_tmp },
  { "stopasgroup = true", group_on },
  { "killasgroup = true", group_on },
  { "restart = always\nrestart-delay = 2s\nrestart-limit = 5/1m", uvsup_keys },
  { "kill-after = 1.5s\nstopwaitsecs = 20\nstop-signal = INT\ntimeout = 1m\n"
    "exitcodes = 0,3\nsuccess-exit = 9",
    uvsup_stop_keys },
};

START_TEST(test_config_each_key) {
  const key_case_t* c = &key_cases[_i];
  char* text = tu_fmt("[program:p]\ncommand=/bin/true\n%s\n", c->line);
  built_t b;
  build(&b, text, NULL);
  ck_assert_msg(b.rc == 0, "%s: %s", c->line, b.err);
  ck_assert_uint_eq(b.jobs.count, 1);
  c->check(&b.jobs.fixed[0]);
  ck_assert_msg(b.conf.nwarnings == 0, "%s: warned %s", c->line,
                b.conf.warnings[0]);
  built_free(&b);
  free(text);
}
END_TEST

/* startretries is the worker's limit of failed starts in a row, 0
 * included, without a warning, and the restart limit (at least 1) unless
 * a restart-limit key says otherwise. */
START_TEST(test_config_startretries) {
  static const struct {
    const char* lines;
    int start_retries;
    unsigned limit;
  } cases[] = {
    { "startretries = 7", 7, 7 },
    { "startretries = 0", 0, 1 },
    { "restart-limit = 5", 3, 5 },
    { "startretries = 0\nrestart-limit = 2", 0, 2 },
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char* text = tu_fmt("[program:p]\ncommand=/bin/true\n%s\n", cases[i].lines);
    built_t b;
    build(&b, text, NULL);
    ck_assert_msg(b.rc == 0, "%s: %s", cases[i].lines, b.err);
    ck_assert_int_eq(b.jobs.workers[0].start_retries, cases[i].start_retries);
    ck_assert_uint_eq(b.jobs.fixed[0].opts->supervise.limit, cases[i].limit);
    ck_assert_msg(b.conf.nwarnings == 0, "%s: warned %s", cases[i].lines,
                  b.conf.warnings[0]);
    built_free(&b);
    free(text);
  }
}
END_TEST

START_TEST(test_config_autostart_false) {
  static const char text[] =
      "[program:on]\ncommand=/bin/true\n"
      "[program:off]\ncommand=/bin/true\nautostart=false\n";
  built_t b;
  build(&b, text, NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  ck_assert_uint_eq(b.jobs.count, 1);
  ck_assert_str_eq(b.jobs.fixed[0].name, "on");
  ck_assert(has_warning(&b,
                        "3: [program:off] autostart = false: not started "
                        "(name it after -C to start it)"));
  built_free(&b);
  /* Named after -C, it starts, as supervisorctl start would. */
  build(&b, text, "off", NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  ck_assert_uint_eq(b.jobs.count, 1);
  ck_assert_str_eq(b.jobs.fixed[0].name, "off");
  built_free(&b);
}
END_TEST

START_TEST(test_config_numprocs_names) {
  built_t b;
  build(&b,
        "[program:w]\n"
        "command=/bin/echo %(process_num)d of %(numprocs)d\n"
        "process_name=%(program_name)s_%(process_num)02d\n"
        "numprocs=3\n"
        "numprocs_start=8\n",
        NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  ck_assert_uint_eq(b.jobs.count, 3);
  ck_assert_str_eq(b.jobs.fixed[0].name, "w_08");
  ck_assert_str_eq(b.jobs.fixed[1].name, "w_09");
  ck_assert_str_eq(b.jobs.fixed[2].name, "w_10");
  ck_assert_str_eq(b.jobs.fixed[2].argv[1], "10");
  ck_assert_str_eq(b.jobs.fixed[2].argv[3], "3");
  ck_assert_str_eq(env_of(&b.jobs.fixed[1], "SUPERVISOR_PROCESS_NAME"), "w_09");
  built_free(&b);
}
END_TEST

START_TEST(test_config_priority_order) {
  built_t b;
  build(&b,
        "[program:last]\ncommand=/bin/true\npriority=900\n"
        "[program:first]\ncommand=/bin/true\npriority=1\n"
        "[program:default_a]\ncommand=/bin/true\n"
        "[program:mid]\ncommand=/bin/true\npriority=50\n"
        "[program:default_b]\ncommand=/bin/true\n",
        NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  const char* want[] = { "first", "mid", "last", "default_a", "default_b" };
  ck_assert_uint_eq(b.jobs.count, 5);
  for (size_t i = 0; i < 5; i++) {
    ck_assert_str_eq(b.jobs.fixed[i].name, want[i]);
  }
  built_free(&b);
}
END_TEST

START_TEST(test_config_include_and_here) {
  built_t b;
  memset(&b, 0, sizeof(b));
  b.dir = tu_tmpdir_new();
  char* sub = tu_fmt("%s/conf.d", b.dir);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  free(tu_write_file(sub, "b.conf",
                     "[program:b]\ncommand=/bin/echo %(here)s\n"));
  free(tu_write_file(sub, "a.conf", "[program:a]\ncommand=/bin/true\n"));
  free(tu_write_file(sub, "skip.ini", "[program:skip]\ncommand=/bin/true\n"));
  b.path = tu_write_file(b.dir, "main.conf",
                         "[include]\nfiles = conf.d/*.conf nothing/*.conf\n"
                         "[program:main]\ncommand=/bin/echo %(here)s\n");
  ck_assert_int_eq(cli_svconf_load(b.path, &b.conf, b.err, sizeof(b.err)), 0);
  ck_assert_int_eq(
      cli_config_jobs(&b.conf, NULL, 0, &b.jobs, b.err, sizeof(b.err)), 0);
  /* File order: the main file, then the globs' files sorted. */
  ck_assert_uint_eq(b.jobs.count, 3);
  ck_assert_str_eq(b.jobs.fixed[0].name, "main");
  ck_assert_str_eq(b.jobs.fixed[1].name, "a");
  ck_assert_str_eq(b.jobs.fixed[2].name, "b");
  ck_assert_str_eq(b.jobs.fixed[0].argv[1], b.dir);
  ck_assert_str_eq(b.jobs.fixed[2].argv[1], sub);
  char* warning =
      tu_fmt("%s:2: [include] 'nothing/*.conf' matches no file", b.path);
  ck_assert_uint_eq(b.conf.nwarnings, 1);
  ck_assert_str_eq(b.conf.warnings[0], warning);
  free(warning);
  free(sub);
  built_free(&b);
}
END_TEST

START_TEST(test_config_supervisord_and_groups) {
  built_t b;
  build(&b,
        "[supervisord]\n"
        "environment = STAGE=\"prod\",ROOT=/srv\n"
        "directory = %(ENV_ROOT)s\n"
        "[group:front]\n"
        "programs = web,api\n"
        "[program:web]\n"
        "command=/bin/echo %(group_name)s %(ENV_STAGE)s\n"
        "environment=STAGE=override\n"
        "[program:api]\ncommand=/bin/true\ndirectory=/tmp\n"
        "[program:solo]\ncommand=/bin/true\n",
        NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  const cli_job_t* web = job_named(&b, "web");
  ck_assert_str_eq(web->argv[1], "front");
  ck_assert_str_eq(web->argv[2], "prod"); /* [supervisord]'s, for %(ENV_) */
  ck_assert_str_eq(env_of(web, "STAGE"), "override");
  ck_assert_str_eq(env_of(web, "ROOT"), "/srv");
  ck_assert_str_eq(env_of(web, "SUPERVISOR_GROUP_NAME"), "front");
  ck_assert_str_eq(web->cwd, "/srv");
  ck_assert_str_eq(job_named(&b, "api")->cwd, "/tmp");
  built_free(&b);
  /* A group's name after -C selects its programs. */
  build(&b,
        "[group:front]\nprograms = web,api\n"
        "[program:web]\ncommand=/bin/true\n"
        "[program:api]\ncommand=/bin/true\n"
        "[program:solo]\ncommand=/bin/true\n",
        "front", NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  ck_assert_uint_eq(b.jobs.count, 2);
  built_free(&b);
}
END_TEST

START_TEST(test_config_warnings_name_file_line_key) {
  built_t b;
  build(&b,
        "[unix_http_server]\n"
        "file=/tmp/supervisor.sock\n"
        "\n"
        "[supervisord]\n"
        "nodaemon=true\n"
        "logfile=/var/log/supervisord.log\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = x\n"
        "[program:a]\n"
        "command=/bin/true\n"
        "stdout_logfile_maxbytes=0\n"
        "stopasgroup=false\n"
        "colour=blue\n"
        "ready=tcp:80\n",
        NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  const char* want[] = {
    "5: [supervisord] nodaemon: not acted on",
    "6: [supervisord] logfile: not acted on",
    "1: [unix_http_server]: section not acted on",
    "7: [rpcinterface:supervisor]: section not acted on",
    "11: [program:a] stdout_logfile_maxbytes: not acted on (uvsup does not "
    "rotate logs)",
    "12: [program:a] stopasgroup = false: uvsup always stops and kills the "
    "whole process group",
    "13: [program:a] colour: not acted on (unknown key)",
  };
  size_t n = sizeof(want) / sizeof(want[0]);
  for (size_t i = 0; i < n; i++) {
    ck_assert_msg(has_warning(&b, want[i]), "no warning '%s'", want[i]);
  }
  ck_assert_uint_eq(b.conf.nwarnings, n); /* one each, no more */
  built_free(&b);
}
END_TEST

typedef struct {
  const char* text;
  const char* error; /* after "PATH:" */
} bad_case_t;

static const bad_case_t bad_cases[] = {
  { "[program:a]\ncommand=/bin/true\nstartsecs=soon\n",
    "3: [program:a] startsecs = soon: not a whole number of seconds" },
  { "[program:a]\ncommand=/bin/true\nautorestart=maybe\n",
    "3: [program:a] autorestart = maybe: use true, false or unexpected" },
  { "[program:a]\ncommand=/bin/true\nexitcodes=0,300\n",
    "3: [program:a] exitcodes = 0,300: use exit codes 0-255, "
    "comma-separated (e.g. 0,2)" },
  { "[program:a]\ncommand=/bin/true\nstopsignal=STOP\n",
    "3: [program:a] stopsignal = STOP: not a signal that stops a program "
    "(e.g. TERM, INT, QUIT)" },
  { "[program:a]\ncommand=/bin/true\nstartretries=-1\n",
    "3: [program:a] startretries = -1: not a whole number from 0" },
  { "[program:a]\ncommand=/bin/true\nnumprocs=0\n",
    "3: [program:a] numprocs = 0: not a whole number in range" },
  { "[program:a]\ncommand=/bin/true\nnumprocs=2\n",
    "1: [program:a] process_name = %(program_name)s: with numprocs > 1 the "
    "name needs %(process_num)d" },
  { "[program:a]\ncommand=/bin/echo %(nope)s\n",
    "2: [program:a] command = /bin/echo %(nope)s: unknown name in %(...): "
    "use program_name, process_num, group_name, numprocs, here, "
    "host_node_name or ENV_X for a set variable X" },
  { "[program:a]\ncommand=/bin/echo 'open\n",
    "2: [program:a] command = /bin/echo 'open: a single quote not closed" },
  { "[program:a]\nautorestart=true\n", "1: [program:a]: no command" },
  { "[program:a]\ncommand=/bin/true\nenvironment=A\n",
    "3: [program:a] environment = A: expected '=' after the key" },
  { "[program:a]\ncommand=/bin/true\nredirect_stderr=sometimes\n",
    "3: [program:a] redirect_stderr = sometimes: use true or false" },
  { "[program:a]\ncommand=/bin/true\nstdout_logfile=/nonexistent/x.log\n",
    "3: [program:a] stdout_logfile = /nonexistent/x.log: No such file or "
    "directory" },
  { "[program:a]\ncommand=/bin/true\nstdout_logfile=/dev/null/x\n",
    "3: [program:a] stdout_logfile = /dev/null/x: Not a directory" },
  { "[program:a]\ncommand=/bin/true\nstderr_logfile=/tmp\n",
    "3: [program:a] stderr_logfile = /tmp: Is a directory" },
  { "[program:a]\ncommand=/bin/true\nstderr_logfile=/dev/zero\n",
    "3: [program:a] stderr_logfile = /dev/zero: not a regular file (AUTO or "
    "/dev/stdout shows the output)" },
  { "[program:a]\ncommand=/bin/true\ntimeout=0\n",
    "3: [program:a] timeout = 0: not a duration (e.g. 500ms, 2s, 1m) above "
    "0" },
  { "[program:a]\ncommand=/bin/true\nuser=no_such_user_here\n",
    "3: [program:a] user = no_such_user_here: no such user" },
  { "[program:a]\ncommand=/bin/true\nrestart=sometimes\n",
    "3: [program:a] restart = sometimes: restart 'sometimes': use no, "
    "on-failure, on-abnormal or always" },
  { "command=/bin/true\n", "1: 'command' before any [section]" },
  { "[program:a]\nthis line has no equals\n",
    "2: not a [section] or a 'key = value' line" },
  { "[group:g]\nprograms=a,ghost\n[program:a]\ncommand=/bin/true\n",
    "2: [group:g] programs: no [program:ghost]" },
  { "[program:a]\nprocess_name=b\ncommand=/bin/true\n"
    "[program:b]\ncommand=/bin/true\n",
    "4: [program:b]: process name 'b' is taken by another program" },
};

START_TEST(test_config_bad_values) {
  built_t b;
  build(&b, bad_cases[_i].text, NULL);
  assert_error(&b, bad_cases[_i].error);
  built_free(&b);
}
END_TEST

START_TEST(test_config_comments_and_repeats) {
  built_t b;
  build(&b,
        "; a comment\n"
        "# another\n"
        "[program:a]\n"
        "command=/bin/echo one ; two\n"
        "priority=5 # five\n"
        "environment=A=\"x#y\",B=z #not a value\n"
        "priority=7\n",
        NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  const cli_job_t* j = &b.jobs.fixed[0];
  ck_assert_str_eq(j->argv[1], "one");
  ck_assert_ptr_null(j->argv[2]);
  ck_assert_int_eq(j->opts->priority, 7); /* the later one, as supervisord */
  ck_assert_str_eq(env_of(j, "A"), "x#y");
  ck_assert_str_eq(env_of(j, "B"), "z");
  ck_assert_uint_eq(b.conf.nwarnings, 1);
  ck_assert(has_warning(&b,
                        "7: [program:a] priority: given again (first on line "
                        "5); the later value is used"));
  built_free(&b);
}
END_TEST

START_TEST(test_config_long_line) {
  char* text = tu_fmt("[program:a]\ncommand=/bin/echo %0250d\n", 0);
  built_t b;
  build(&b, text, NULL);
  assert_error(&b,
               "2: line longer than 198 bytes (libinih's limit): continue "
               "the value on indented lines");
  built_free(&b);
  free(text);
  /* The way out: an indented line continues the value. */
  build(&b, "[program:a]\ncommand=/bin/echo one\n  two\n", NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  ck_assert_str_eq(b.jobs.fixed[0].argv[2], "two");
  built_free(&b);
}
END_TEST

START_TEST(test_config_user) {
  built_t b;
  build(&b, "[program:a]\ncommand=/bin/true\nuser=nobody\n", NULL);
  struct passwd* pw = getpwnam("nobody");
  ck_assert_ptr_nonnull(pw);
  if (geteuid() == 0) {
    ck_assert_msg(b.rc == 0, "%s", b.err);
    ck_assert_int_eq(b.jobs.fixed[0].opts->set_user, 1);
    ck_assert_uint_eq(b.jobs.fixed[0].opts->uid, pw->pw_uid);
    ck_assert_uint_eq(b.jobs.fixed[0].opts->gid, pw->pw_gid);
  } else {
    assert_error(&b,
                 "3: [program:a] user = nobody: only root can run a program "
                 "as another user");
  }
  built_free(&b);
  /* Oneself is always allowed, and nothing is dropped. */
  char* me =
      tu_fmt("[program:a]\ncommand=/bin/true\nuser=%u\n", (unsigned)getuid());
  build(&b, me, NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  ck_assert_int_eq(b.jobs.fixed[0].opts->set_user, 0);
  built_free(&b);
  free(me);
}
END_TEST

START_TEST(test_config_log_files) {
  built_t b;
  build(&b,
        "[program:a]\ncommand=/bin/true\n"
        "stdout_logfile=%(here)s/%(program_name)s.out\n"
        "stderr_logfile=%(here)s/err.log\n",
        NULL);
  ck_assert_msg(b.rc == 0, "%s", b.err);
  const cli_job_opts_t* o = b.jobs.fixed[0].opts;
  char* out = tu_fmt("%s/a.out", b.dir);
  ck_assert_int_eq(o->log_kind[0], CLI_LOG_FILE);
  ck_assert_str_eq(o->log_path[0], out);
  /* Checked, not made: --check leaves no trace; the first output makes
   * it. */
  ck_assert_int_eq(access(out, F_OK), -1);
  ck_assert_int_eq(o->log_kind[1], CLI_LOG_FILE);
  free(out);
  built_free(&b);
}
END_TEST

START_TEST(test_config_unknown_type) {
  built_t b;
  build(&b, "[program:a]\ncommand=/bin/true\n", "b", NULL);
  ck_assert_int_eq(b.rc, -1);
  char* want = tu_fmt("'b': no [program:b] or [group:b] in %s", b.path);
  ck_assert_str_eq(b.err, want);
  free(want);
  built_free(&b);
}
END_TEST

static Suite* config_suite(void) {
  Suite* s = suite_create("config");
  TCase* core = tu_tcase_new(s, "core", 0);
  tcase_add_test(core, test_config_defaults);
  tcase_add_loop_test(core, test_config_each_key, 0,
                      sizeof(key_cases) / sizeof(key_cases[0]));
  tcase_add_test(core, test_config_startretries);
  tcase_add_test(core, test_config_autostart_false);
  tcase_add_test(core, test_config_numprocs_names);
  tcase_add_test(core, test_config_priority_order);
  tcase_add_test(core, test_config_include_and_here);
  tcase_add_test(core, test_config_supervisord_and_groups);
  tcase_add_test(core, test_config_user);
  tcase_add_test(core, test_config_log_files);
  tcase_add_test(core, test_config_comments_and_repeats);
  TCase* warnings = tu_tcase_new(s, "warnings", 0);
  tcase_add_test(warnings, test_config_warnings_name_file_line_key);
  TCase* errors = tu_tcase_new(s, "errors", 0);
  tcase_add_loop_test(errors, test_config_bad_values, 0,
                      sizeof(bad_cases) / sizeof(bad_cases[0]));
  tcase_add_test(errors, test_config_long_line);
  tcase_add_test(errors, test_config_unknown_type);
  return s;
}

int main(void) {
  return tu_run_suite(config_suite());
}
