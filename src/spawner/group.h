/* Whether a process group still has a live member, zombies not counted. */
#ifndef UVSUP_GROUP_H
#define UVSUP_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* The last walk of /proc for live process groups. One per supervisor, so
 * two supervisors never share mutable state. */
typedef struct {
  int* pgids; /* sorted */
  size_t count;
  size_t capacity;
  uint64_t at_ms; /* uv_now() of the walk */
  uint64_t at_ns; /* uv_hrtime() when the walk began */
  int valid;
  int complete; /* 0: a file could not be read; the walk proves nothing */
} uvsup_group_scan_t;

/* 1 while a member of process group pgid runs (not a zombie). born_ns:
 * uv_hrtime() when the group was made; a walk older than that cannot know
 * it. fresh: walk /proc again whatever the age of the last walk. */
int uvsup__group_alive(uvsup_group_scan_t* scan,
                       uv_loop_t* loop,
                       int pgid,
                       uint64_t born_ns,
                       int fresh);
void uvsup__group_scan_free(uvsup_group_scan_t* scan);

/* The parts, for a walk off the loop (inproc.c runs it on the thread
 * pool): kill(-pgid, 0) says whether the group may live; a walk lists the
 * groups with a running member (touching only the scan, so another thread
 * may do it); then the walk answers for pgid. */
int uvsup__group_exists(int pgid);
void uvsup__group_walk(uvsup_group_scan_t* scan);
int uvsup__group_in_walk(const uvsup_group_scan_t* scan, int pgid);

/* 1 while pid, a child of this process, has not exited; it is not reaped
 * (waitid() with WNOWAIT), so its exit stays for whoever reaps it. */
int uvsup__child_running(int pid);

#endif
