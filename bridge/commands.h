/* The subcommands of bin/bridge: each takes its own argv (argv[0] is the
 * command's name) and returns the process's exit status. */
#ifndef BRIDGELAB_BRIDGE_COMMANDS_H
#define BRIDGELAB_BRIDGE_COMMANDS_H

int cmd_cdc(int argc, char **argv);
int cmd_replicate(int argc, char **argv);
int cmd_offsets(int argc, char **argv);
int cmd_sink(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
