/*
 * commands.h - the subcommands of `afmt`, one file each (cmd_<name>.c).
 * Each takes the arguments after `afmt` (argv[0] is the command name) and
 * returns an exit status (cli_util.h).
 */
#ifndef AFMT_COMMANDS_H
#define AFMT_COMMANDS_H

int cmd_keygen(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_withhold(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_cosign(int argc, char **argv);
int cmd_timestamp(int argc, char **argv);

/* Long-only options use values above any byte, so they never clash with a
 * short option letter. */
enum {
    OPT_HELP = 256,
    OPT_JSON,
    OPT_TITLE,
    OPT_FORMAT,
    OPT_POSTS,
    OPT_MAX_SIZE,
    OPT_PASSPHRASE_FILE,
    OPT_AUTHOR,
    OPT_IDS_FROM
};

#endif
