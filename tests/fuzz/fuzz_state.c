// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the state file decoder and the whole-state validator,
 * what `vxnet` does with /var/lib/vxnet/state.json (user/lib/state_json.c,
 * user/lib/validate.c).
 *
 * The input is the file's text. Checks besides ASan/UBSan (fuzz.h):
 *   - state_from_json_text: 0 and no output, or one error line;
 *   - state_validate: 0 and no output, or one error line;
 *   - a decoded state, valid or not, written with state_to_json_text reads
 *     back, gets the same verdict from state_validate and is written out
 *     byte for byte the same (what `vxnet` writes, it can read).
 * Seeds: tests/fuzz/corpus/state/.
 */
#include "fuzz.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_init();
	return 0;
}

/* text, written by us from a state that validate judged valid (or not),
 * must read back to the same text and the same judgement.
 */
static void check_round_trip(const char *text, int was_valid)
{
	struct vx_state again;
	char *text2;
	int valid;

	fz_begin();
	if (state_from_json_text(&again, text, "round-trip"))
		fz_fail("state_to_json_text wrote what state_from_json_text refuses:\n%s", text);
	valid = state_validate(&again, "round-trip") == 0;
	fz_end();
	fz_expect_lines("state_validate after the round trip", !valid, !valid);
	if (valid != was_valid)
		fz_fail("state_validate says %s before the round trip, %s after:\n%s",
			was_valid ? "valid" : "invalid", valid ? "valid" : "invalid", text);
	text2 = state_to_json_text(&again);
	if (!text2)
		fz_fail("state_to_json_text failed on the round trip");
	if (strcmp(text, text2))
		fz_fail("written twice, different:\n%s\n---\n%s", text, text2);
	free(text2);
	state_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size), *out;
	struct vx_state st;
	int err, valid;

	fz_begin();
	err = state_from_json_text(&st, text, "fuzz.json");
	fz_end();
	fz_expect_lines("state_from_json_text", err != 0, err != 0);
	if (err)
		goto cleanup;

	fz_begin();
	valid = state_validate(&st, "fuzz.json") == 0;
	fz_end();
	fz_expect_lines("state_validate", !valid, !valid);

	out = state_to_json_text(&st);
	if (!out)
		fz_fail("state_to_json_text failed on a decoded state");
	check_round_trip(out, valid);
	free(out);
	state_free(&st);
cleanup:
	fz_free();
	free(text);
	return 0;
}
