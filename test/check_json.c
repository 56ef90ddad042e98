/* Tests for JSON string escaping: escapes, UTF-8 and what invalid bytes
 * become. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "json.h"
#include "testutil.h"

#define FFFD "\xEF\xBF\xBD"

/* cli_json_string(s) into a fresh buffer, checked against want. */
static void check_json(const char* s, const char* want) {
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_json_string(&b, s), 0);
  ck_assert_ptr_nonnull(b.data);
  ck_assert_str_eq(b.data, want);
  ck_assert_uint_eq(b.len, strlen(want));
  cli_buf_free(&b);
}

/* An independent check that out is one valid JSON string in valid UTF-8
 * with no raw control character: decodes every code point and checks its
 * range, rather than reusing the table the code under test uses. */
static int valid_json_string(const unsigned char* p, size_t len) {
  if (len < 2 || p[0] != '"' || p[len - 1] != '"') {
    return 0;
  }
  for (size_t i = 1; i < len - 1;) {
    unsigned c = p[i];
    if (c == '"' || c < 0x20 || c == 0x7F) {
      return 0;
    }
    if (c == '\\') {
      if (i + 1 >= len - 1) {
        return 0;
      }
      unsigned char e = p[i + 1];
      if (e == 'u') {
        if (i + 5 >= len - 1) {
          return 0;
        }
        for (size_t k = 2; k < 6; k++) {
          if (strchr("0123456789abcdefABCDEF", p[i + k]) == NULL) {
            return 0;
          }
        }
        i += 6;
      } else if (strchr("\"\\/bfnrt", e) != NULL && e != '\0') {
        i += 2;
      } else {
        return 0;
      }
      continue;
    }
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      n = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + n > len - 1) {
      return 0;
    }
    for (size_t k = 1; k < n; k++) {
      if ((p[i + k] & 0xC0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return 0;
    }
    if (cp >= 0x80 && cp <= 0x9F) {
      return 0; /* C1 controls are to be escaped */
    }
    i += n;
  }
  return 1;
}

START_TEST(test_json_plain_ascii) {
  check_json("", "\"\"");
  check_json("web", "\"web\"");
  check_json("a b/c:d{}[]'", "\"a b/c:d{}[]'\"");
}
END_TEST

START_TEST(test_json_null_is_null) {
  check_json(NULL, "null");
}
END_TEST

START_TEST(test_json_quotes_and_backslashes) {
  check_json("say \"hi\"", "\"say \\\"hi\\\"\"");
  check_json("C:\\dir\\", "\"C:\\\\dir\\\\\"");
  check_json("\\\"", "\"\\\\\\\"\"");
}
END_TEST

START_TEST(test_json_control_characters) {
  check_json("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
  check_json("\x01", "\"\\u0001\"");
  check_json("\x1b[31mred", "\"\\u001b[31mred\"");
  check_json("\x1f", "\"\\u001f\"");
  check_json("\x7f", "\"\\u007f\"");
  check_json(" ~", "\" ~\""); /* the edges of the printable range */
}
END_TEST

START_TEST(test_json_appends_to_existing_content) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_puts(&b, "{\"k\":");
  ck_assert_int_eq(cli_json_string(&b, "v"), 0);
  cli_buf_putc(&b, '}');
  ck_assert_str_eq(b.data, "{\"k\":\"v\"}");
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_json_valid_utf8_passes_through) {
  check_json("caf\xC3\xA9", "\"caf\xC3\xA9\"");           /* U+00E9 */
  check_json("\xC2\xA0", "\"\xC2\xA0\"");                 /* U+00A0 */
  check_json("\xE2\x82\xAC", "\"\xE2\x82\xAC\"");         /* U+20AC */
  check_json("\xE0\xA0\x80", "\"\xE0\xA0\x80\"");         /* U+0800 */
  check_json("\xED\x9F\xBF", "\"\xED\x9F\xBF\"");         /* U+D7FF */
  check_json("\xEE\x80\x80", "\"\xEE\x80\x80\"");         /* U+E000 */
  check_json(FFFD, "\"" FFFD "\"");                       /* U+FFFD */
  check_json("\xF0\x90\x80\x80", "\"\xF0\x90\x80\x80\""); /* U+10000 */
  check_json("\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\""); /* U+1F600 */
  check_json("\xF4\x8F\xBF\xBF", "\"\xF4\x8F\xBF\xBF\""); /* U+10FFFF */
  check_json("\xE6\x97\xA5\xE6\x9C\xAC", "\"\xE6\x97\xA5\xE6\x9C\xAC\"");
}
END_TEST

START_TEST(test_json_c1_controls_escaped) {
  check_json("\xC2\x80", "\"\\u0080\"");
  check_json("a\xC2\x85z", "\"a\\u0085z\"");
  check_json("\xC2\x9B", "\"\\u009b\"");
  check_json("\xC2\x9F", "\"\\u009f\"");
}
END_TEST

START_TEST(test_json_invalid_bytes_become_fffd_each) {
  check_json("\x80", "\"" FFFD "\""); /* lone continuation */
  check_json("a\xBFz", "\"a" FFFD "z\"");
  check_json("\xFF\xFE", "\"" FFFD FFFD "\""); /* never in UTF-8 */
  check_json("\xF5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
  check_json("\xC3", "\"" FFFD "\""); /* truncated at end */
  check_json("\xE2\x82", "\"" FFFD FFFD "\"");
  check_json("\xE2\x82\x41", "\"" FFFD FFFD "A\""); /* cut by 'A' */
  check_json("\xF0\x9F\x98", "\"" FFFD FFFD FFFD "\"");
  check_json("\xC3\xC3\xA9", "\"" FFFD "\xC3\xA9\""); /* bad then good */
  check_json("\xE2\x82\xAC\x80", "\"\xE2\x82\xAC" FFFD "\"");
}
END_TEST

START_TEST(test_json_overlongs_are_invalid) {
  check_json("\xC0\xAF", "\"" FFFD FFFD "\""); /* '/' in 2 bytes */
  check_json("\xC1\xBF", "\"" FFFD FFFD "\"");
  check_json("\xC0\x80", "\"" FFFD FFFD "\""); /* "modified" NUL */
  check_json("\xE0\x80\xAF", "\"" FFFD FFFD FFFD "\"");
  check_json("\xE0\x9F\xBF", "\"" FFFD FFFD FFFD "\"");
  check_json("\xF0\x80\x80\xAF", "\"" FFFD FFFD FFFD FFFD "\"");
  check_json("\xF0\x8F\xBF\xBF", "\"" FFFD FFFD FFFD FFFD "\"");
}
END_TEST

START_TEST(test_json_surrogates_are_invalid) {
  check_json("\xED\xA0\x80", "\"" FFFD FFFD FFFD "\""); /* D800 */
  check_json("\xED\xBF\xBF", "\"" FFFD FFFD FFFD "\""); /* DFFF */
  check_json("\xED\xA0\xBD\xED\xB8\x80",                /* CESU-8 */
             "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
}
END_TEST

START_TEST(test_json_above_10ffff_is_invalid) {
  check_json("\xF4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
  check_json("\xF7\xBF\xBF\xBF", "\"" FFFD FFFD FFFD FFFD "\"");
  check_json("\xF8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\"");
}
END_TEST

START_TEST(test_json_every_two_byte_string_is_valid_json) {
  /* Every string of one or two bytes, and those bytes followed by a valid
   * 3-byte character: whatever comes in, valid JSON comes out. */
  cli_buf_t b;
  cli_buf_init(&b);
  for (unsigned x = 1; x < 256; x++) {
    for (unsigned y = 0; y < 256; y++) {
      char s[6] = { (char)x, (char)y, 0, 0, 0, 0 };
      if (y != 0) {
        memcpy(s + 2, "\xE2\x82\xAC", 3);
      }
      for (int cut = 0; cut < 2; cut++) {
        if (cut == 1) {
          s[2] = '\0';
        }
        b.len = 0;
        ck_assert_int_eq(cli_json_string(&b, s), 0);
        if (!valid_json_string((const unsigned char*)b.data, b.len)) {
          ck_abort_msg("invalid JSON for bytes %02x %02x", x, y);
        }
      }
    }
  }
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_json_random_bytes_give_valid_json) {
  /* A fixed seed, so a failure is reproducible. */
  uint32_t state = 0x12345678;
  cli_buf_t b;
  cli_buf_init(&b);
  for (int round = 0; round < 20000; round++) {
    unsigned char s[16];
    size_t n = 1 + round % 15;
    for (size_t i = 0; i < n; i++) {
      /* xorshift32; the masks drop the bits the shifts would push out
       * anyway, so no sanitizer mistakes them for an overflow. */
      state ^= (state & 0x7FFFFu) << 13;
      state ^= state >> 17;
      state ^= (state & 0x7FFFFFFu) << 5;
      /* Mostly high bytes: that is where UTF-8 goes wrong. */
      s[i] = (unsigned char)(state % 4 == 0 ? state >> 8 : 0x80 | state >> 8);
      if (s[i] == 0) {
        s[i] = 'z';
      }
    }
    s[n] = '\0';
    b.len = 0;
    ck_assert_int_eq(cli_json_string(&b, (const char*)s), 0);
    ck_assert_msg(valid_json_string((const unsigned char*)b.data, b.len),
                  "invalid JSON in round %d", round);
  }
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_json_checker_rejects_bad_strings) {
  /* The property tests above are only as good as this checker. */
  const char* bad[] = {
    "\"\x01\"",
    "\"\x7f\"",
    "\"\xC0\xAF\"",
    "\"\xED\xA0\x80\"",
    "\"\xF4\x90\x80\x80\"",
    "\"\xC2\x85\"",
    "\"\xE2\x82\"",
    "\"a\\x\"",
    "\"a\"b\"",
    "\"\\u00g1\"",
    "abc",
    "\"",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_msg(
        !valid_json_string((const unsigned char*)bad[i], strlen(bad[i])),
        "checker accepted case %zu", i);
  }
  const char* good = "\"a\\n\\u001b\xC3\xA9\xF4\x8F\xBF\xBF\"";
  ck_assert(valid_json_string((const unsigned char*)good, strlen(good)));
}
END_TEST

START_TEST(test_json_failed_buffer_returns_error) {
  cli_buf_t b;
  cli_buf_init(&b);
  b.failed = 1;
  ck_assert_int_eq(cli_json_string(&b, "x"), -1);
  ck_assert_int_eq(cli_json_string(&b, NULL), -1);
  cli_buf_free(&b);
}
END_TEST

static Suite* json_suite(void) {
  Suite* s = suite_create("json");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_json_plain_ascii);
  tcase_add_test(tc, test_json_null_is_null);
  tcase_add_test(tc, test_json_quotes_and_backslashes);
  tcase_add_test(tc, test_json_control_characters);
  tcase_add_test(tc, test_json_appends_to_existing_content);
  suite_add_tcase(s, tc);
  tc = tcase_create("utf8");
  tcase_add_test(tc, test_json_valid_utf8_passes_through);
  tcase_add_test(tc, test_json_c1_controls_escaped);
  tcase_add_test(tc, test_json_invalid_bytes_become_fffd_each);
  tcase_add_test(tc, test_json_overlongs_are_invalid);
  tcase_add_test(tc, test_json_surrogates_are_invalid);
  tcase_add_test(tc, test_json_above_10ffff_is_invalid);
  suite_add_tcase(s, tc);
  tc = tcase_create("property");
  tcase_add_test(tc, test_json_checker_rejects_bad_strings);
  tcase_add_test(tc, test_json_every_two_byte_string_is_valid_json);
  tcase_add_test(tc, test_json_random_bytes_give_valid_json);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_test(tc, test_json_failed_buffer_returns_error);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(json_suite());
}
