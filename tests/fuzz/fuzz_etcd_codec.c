// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the small decoders of the etcd client
 * (user/lib/etcd_http.c): base64 (every key and value the gateway sends)
 * and the etcd:// store URL (store_open, the public entry to its parser).
 *
 * Input: one selector byte (mod 4), then the data:
 *   0  b64_decode of the data as a string: NULL, or len bytes followed by a
 *      NUL, and encoding them decodes back to the same bytes;
 *   1  b64_encode of the data: decodes back to the same bytes;
 *   2, 3  store_open("etcd://" or "etcds://" + data, allow_plain): 0 and
 *      quiet (then closed), or one error line (fuzz.h). Control characters
 *      in the data become 'x': the URL is the operator's own --store
 *      argument, not outside input.
 * Seeds: tests/fuzz/corpus/etcd_codec/.
 */
#include "fuzz.h"
#include "etcd_http.h"
#include "store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_init();
	return 0;
}

static void check_decode(const char *s)
{
	size_t len, len2;
	char *dec = b64_decode(s, &len), *enc, *dec2;

	if (!dec)
		return;
	if (dec[len] != '\0')
		fz_fail("b64_decode('%s'): no NUL after the %zu bytes", s, len);
	enc = b64_encode(dec, len);
	dec2 = enc ? b64_decode(enc, &len2) : NULL;
	if (!dec2 || len2 != len || memcmp(dec, dec2, len))
		fz_fail("b64_decode('%s') then encode '%s' does not decode back", s, enc ? enc : "(NULL)");
	free(dec);
	free(enc);
	free(dec2);
}

static void check_encode(const uint8_t *data, size_t size)
{
	char *enc = b64_encode(data, size), *dec;
	size_t len;

	if (!enc)
		fz_fail("b64_encode of %zu bytes failed", size);
	if (strlen(enc) != (size + 2) / 3 * 4)
		fz_fail("b64_encode of %zu bytes: %zu characters", size, strlen(enc));
	dec = b64_decode(enc, &len);
	if (!dec || len != size || memcmp(dec, data, size))
		fz_fail("b64_encode of %zu bytes does not decode back", size);
	free(enc);
	free(dec);
}

static void check_url(const char *scheme, const uint8_t *data, size_t size)
{
	static const struct vx_store_opts opts = { .allow_plain = 1 };
	size_t n = strlen(scheme);
	char *url = malloc(n + size + 1);
	struct vx_store *s = NULL;
	int err;

	if (!url)
		abort();
	memcpy(url, scheme, n);
	for (size_t i = 0; i < size; i++)
		url[n + i] = data[i] < 0x20 || data[i] == 0x7f ? 'x' : data[i];
	url[n + size] = '\0';
	fz_begin();
	err = store_open(url, &opts, &s);
	fz_end();
	fz_expect_lines("store_open", err != 0, err != 0);
	if (!err == !s)
		fz_fail("store_open returned %d with store %p", err, (void *)s);
	store_close(s);
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		s = fz_strndup(data + 1, size - 1);
		check_decode(s);
		free(s);
		break;
	case 1:
		check_encode(data + 1, size - 1);
		break;
	default:
		check_url(data[0] % 4 == 2 ? "etcd://" : "etcds://", data + 1, size - 1);
		break;
	}
	fz_free();
	return 0;
}
