/* test-wgkey.c: unit tests of src/engine/wgkey (X25519 keys as wg prints them). */
#include "system.h"

#include <check.h>

#include "engine/recover/wgkey.h"
#include "testlib.h"

/* Hex text into n bytes. */
static void
unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t		i;
	unsigned int	v;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

/* RFC 7748 section 6.1: Alice's and Bob's private keys give their public keys. */
START_TEST(test_rfc7748_vectors)
{
	static const struct { const char *priv, *pub; } v[] = {
		{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
		  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" },
		{ "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
		  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" },
	};
	unsigned char	priv[WGKEY_LEN], want[WGKEY_LEN], got[WGKEY_LEN];
	char		priv64[WGKEY_B64_SIZE], want64[WGKEY_B64_SIZE], got64[WGKEY_B64_SIZE];
	char		*cause = NULL;
	size_t		i;

	for (i = 0; i < nitems(v); i++) {
		unhex(v[i].priv, priv, sizeof priv);
		unhex(v[i].pub, want, sizeof want);
		ck_assert_int_eq(wgkey_public_raw(priv, got, &cause), 0);
		ck_assert_mem_eq(got, want, WGKEY_LEN);
		/* The same through base64, as `wg pubkey` takes and prints it. */
		wgkey_encode(priv, priv64);
		wgkey_encode(want, want64);
		ck_assert_int_eq(wgkey_public(priv64, got64, &cause), 0);
		ck_assert_str_eq(got64, want64);
	}
	/* Alice's public key in the base64 wg prints. */
	unhex(v[0].pub, want, sizeof want);
	wgkey_encode(want, want64);
	ck_assert_str_eq(want64, "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=");
}
END_TEST

/* base64: 44 characters with '=', decode(encode(x)) == x for every byte value. */
START_TEST(test_base64_round_trip)
{
	unsigned char	raw[WGKEY_LEN], back[WGKEY_LEN];
	char		b64[WGKEY_B64_SIZE];
	int		i, j;

	for (i = 0; i < 256; i++) {
		for (j = 0; j < WGKEY_LEN; j++)
			raw[j] = (unsigned char)(i * 31 + j * 7);
		wgkey_encode(raw, b64);
		ck_assert_uint_eq(strlen(b64), WGKEY_B64_LEN);
		ck_assert_int_eq(b64[WGKEY_B64_LEN - 1], '=');
		ck_assert_int_eq(wgkey_decode(b64, back), 0);
		ck_assert_mem_eq(raw, back, WGKEY_LEN);
	}
}
END_TEST

/* Malformed keys are refused, including a non-canonical last character. */
START_TEST(test_decode_refuses)
{
	static const char *const bad[] = {
		"",
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo",		/* no padding */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo==",	/* too long */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTm==",		/* 31 bytes */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmp=",		/* low bits set */
		"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo=",		/* URL alphabet */
		"hSDwCYkwp1R0i33ctD73Wg2 Og0mOBr066SpjqqbTmo=",		/* space */
		"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n",	/* newline */
	};
	unsigned char	raw[WGKEY_LEN];
	char		pub[WGKEY_B64_SIZE], *cause;
	size_t		i;

	for (i = 0; i < nitems(bad); i++) {
		ck_assert_msg(wgkey_decode(bad[i], raw) == -1, "accepted \"%s\"", bad[i]);
		cause = NULL;
		ck_assert_int_eq(wgkey_public(bad[i], pub, &cause), -1);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
	ck_assert_int_eq(wgkey_decode("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=", raw), 0);
}
END_TEST

/* Generated pairs: clamped, the public key derived from the private, new each time. */
START_TEST(test_generate)
{
	char		priv[WGKEY_B64_SIZE], pub[WGKEY_B64_SIZE], again[WGKEY_B64_SIZE];
	char		priv2[WGKEY_B64_SIZE], pub2[WGKEY_B64_SIZE], *cause = NULL;
	unsigned char	raw[WGKEY_LEN];

	ck_assert_int_eq(wgkey_generate(priv, pub, &cause), 0);
	ck_assert_uint_eq(strlen(priv), WGKEY_B64_LEN);
	ck_assert_uint_eq(strlen(pub), WGKEY_B64_LEN);
	ck_assert_int_eq(wgkey_decode(priv, raw), 0);
	ck_assert_int_eq(raw[0] & 7, 0);
	ck_assert_int_eq(raw[31] & 0xc0, 0x40);
	ck_assert_int_eq(wgkey_public(priv, again, &cause), 0);
	ck_assert_str_eq(again, pub);
	ck_assert_int_eq(wgkey_generate(priv2, pub2, &cause), 0);
	ck_assert_str_ne(priv, priv2);
	ck_assert_str_ne(pub, pub2);
}
END_TEST

/* The suite. */
static Suite *
wgkey_suite(void)
{
	Suite	*s = suite_create("wgkey");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_rfc7748_vectors);
	tcase_add_test(tc, test_base64_round_trip);
	tcase_add_test(tc, test_decode_refuses);
	tcase_add_test(tc, test_generate);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(wgkey_suite(), NULL));
}
