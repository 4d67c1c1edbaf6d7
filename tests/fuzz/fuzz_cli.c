// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the command line parser (user/cli/cli.c) with every
 * verb's real option table, in process. Each verb's run is replaced by a
 * stub: the tables, getopt_long, the value conversions and the messages are
 * under test, not the commands (nothing touches a store, a pin or a
 * namespace). main.c's global options are not covered (its main() is the
 * program's).
 *
 * Input: one byte picking the command of main's table (mod 11), then the
 * arguments separated by NUL bytes (at most 32). Control characters in them
 * become 'x': they are the operator's own argv. Checks besides ASan/UBSan:
 *   - cli_run returns 0, 1 or 2;
 *   - a verb reached its run only with 0 and nothing on stderr;
 *   - 0 without running: help went to stdout, nothing on stderr;
 *   - 1 or 2: exactly one "vxnet: " line on stderr (fuzz.h).
 * Seeds: tests/fuzz/corpus/cli/.
 */
#include "fuzz.h"
#include "cli.h"

/* main.c's, which is not linked: nothing here reads them. */
struct vx_opts vx_opts = {
	.state = "/nonexistent/vxnet-fuzz/state.json",
	.pin_dir = "/nonexistent/vxnet-fuzz/pins",
};

#define MAX_VERBS 16
#define MAX_ARGS 32

static int ran;

static int stub_run(void *arg)
{
	ran = 1;
	return 0;
}

static struct cli_verb node_v[MAX_VERBS], network_v[MAX_VERBS], endpoint_v[MAX_VERBS];
static struct cli_verb plain_v[8];
static struct cli_cmd cmds[11];

/* src's verbs with the stub for run, ending with {}. */
static const struct cli_verb *stubbed(struct cli_verb *dst, const struct cli_verb *src)
{
	int i;

	for (i = 0; src[i].names; i++) {
		if (i == MAX_VERBS - 1)
			abort();
		dst[i] = src[i];
		dst[i].run = stub_run;
	}
	dst[i] = (struct cli_verb){};
	return dst;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct cli_verb *plain[] = { &up_verb, &down_verb, &attach_verb, &detach_verb,
					   &sync_verb, &agent_verb, &status_verb, &stats_verb };

	fz_init();
	cmds[0] = (struct cli_cmd){ "node", stubbed(node_v, node_verbs) };
	cmds[1] = (struct cli_cmd){ "network", stubbed(network_v, network_verbs) };
	cmds[2] = (struct cli_cmd){ "endpoint", stubbed(endpoint_v, endpoint_verbs) };
	for (int i = 0; i < 8; i++) {
		plain_v[i] = *plain[i];
		plain_v[i].run = stub_run;
		cmds[3 + i] = (struct cli_cmd){ .verb = &plain_v[i] };
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cli_cmd *cmd;
	char *args, *argv[MAX_ARGS + 2];
	int argc = 0, ret;
	size_t i;

	if (size < 1)
		return 0;
	cmd = &cmds[data[0] % 11];
	args = fz_strndup(data + 1, size - 1);
	for (i = 0; i < size - 1; i++)
		if (((unsigned char)args[i] < 0x20 && args[i]) || args[i] == 0x7f)
			args[i] = 'x';
	/* argv[0]: the command's word, as main hands it over. */
	argv[argc++] = (char *)(cmd->object ?: cmd->verb->names);
	for (i = 0; i < size - 1 && argc <= MAX_ARGS; i += strlen(args + i) + 1)
		argv[argc++] = args + i;
	argv[argc] = NULL;

	ran = 0;
	fz_begin();
	ret = cli_run(cmd, argc, argv);
	fz_end();
	if (ret < 0 || ret > 2)
		fz_fail("cli_run returned %d", ret);
	if (ran && ret)
		fz_fail("the verb ran, then cli_run returned %d", ret);
	fz_expect_lines("cli_run", ret != 0, ret != 0);
	free(args);
	fz_free();
	return 0;
}
