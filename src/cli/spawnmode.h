/* How the CLI spawns its workers: through the spawn helper found beside
 * the uvsup program (a build tree) or where it was installed, or
 * in-process when UVSUP_SPAWN=in-process. */
#ifndef UVSUP_CLI_SPAWNMODE_H
#define UVSUP_CLI_SPAWNMODE_H

#include <stddef.h>
#include <uvsup.h>

/* Sets opts' spawning from the environment; path (len bytes) holds the
 * helper's path when one is found beside the program. Returns 0, or -1
 * with a message in err for a value of UVSUP_SPAWN it does not know. */
int cli_spawn_setup(
    uvsup_options_t* opts, char* path, size_t len, char* err, size_t errlen);

#endif
