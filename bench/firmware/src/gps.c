/* NMEA 0183 receiver on USART1: parses GGA and RMC sentences with checksum validation into a
 * fix (1e-7 degrees, centimetres). Built only with FEATURE_GPS. */
#include "app.h"
#include "board.h"
#include "config.h"
#include <string.h>

#ifdef FEATURE_GPS
#define NMEA_MAX 96
#define FIELDS_MAX 20

static char sentence[NMEA_MAX];
static uint8_t sentence_len;
static int32_t fix_lat_e7, fix_lon_e7, fix_alt_cm;
static uint8_t fix_sats, fix_quality;
static uint32_t fix_time_ms;
static uint32_t sentences_ok, sentences_bad;

void gps_init(void) {
  USART1->CR1 = 0;
  USART1->BRR = CORE_CLOCK_HZ / 9600u;
  USART1->CR1 = (1u << 0) | (1u << 2);
  sentence_len = 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool checksum_ok(const char *s, size_t len) {
  if (len < 4 || s[0] != '$' || s[len - 3] != '*') return false;
  uint8_t sum = 0;
  for (size_t i = 1; i < len - 3; i++) sum ^= (uint8_t)s[i];
  int hi = hexval(s[len - 2]), lo = hexval(s[len - 1]);
  return hi >= 0 && lo >= 0 && sum == (uint8_t)(hi << 4 | lo);
}

static uint8_t split(char *s, char **fields) {
  uint8_t n = 0;
  fields[n++] = s;
  for (; *s && *s != '*'; s++) {
    if (*s == ',' && n < FIELDS_MAX) {
      *s = '\0';
      fields[n++] = s + 1;
    }
  }
  *s = '\0';
  return n;
}

/* ddmm.mmmm -> 1e-7 degrees */
static int32_t parse_coord(const char *f, const char *hemi, int deg_digits) {
  int32_t deg = 0;
  for (int i = 0; i < deg_digits; i++) {
    if (f[i] < '0' || f[i] > '9') return 0;
    deg = deg * 10 + (f[i] - '0');
  }
  f += deg_digits;
  int32_t min_e5 = 0;
  int frac = -1;
  for (; *f; f++) {
    if (*f == '.') {
      frac = 0;
      continue;
    }
    if (*f < '0' || *f > '9') break;
    if (frac >= 5) continue;
    min_e5 = min_e5 * 10 + (*f - '0');
    if (frac >= 0) frac++;
  }
  while (frac < 5) {
    min_e5 *= 10;
    frac = frac < 0 ? 1 : frac + 1;
  }
  int32_t value = deg * 10000000 + (min_e5 * 10) / 60 * 10 / 10;
  return (*hemi == 'S' || *hemi == 'W') ? -value : value;
}

static int32_t parse_decimal_cm(const char *f) {
  int32_t whole = 0, frac = 0, digits = 0;
  bool neg = *f == '-';
  if (neg) f++;
  while (*f >= '0' && *f <= '9') whole = whole * 10 + (*f++ - '0');
  if (*f == '.') {
    f++;
    while (*f >= '0' && *f <= '9' && digits < 2) {
      frac = frac * 10 + (*f++ - '0');
      digits++;
    }
  }
  while (digits++ < 2) frac *= 10;
  int32_t v = whole * 100 + frac;
  return neg ? -v : v;
}

static void handle_sentence(char *s, size_t len) {
  if (!checksum_ok(s, len)) {
    sentences_bad++;
    return;
  }
  sentences_ok++;
  char *f[FIELDS_MAX];
  uint8_t n = split(s, f);
  if (n >= 10 && strcmp(f[0] + 3, "GGA") == 0) {
    fix_quality = (uint8_t)(f[6][0] - '0');
    fix_sats = (uint8_t)((f[7][0] - '0') * 10 + (f[7][1] ? f[7][1] - '0' : 0));
    if (fix_quality > 0) {
      fix_lat_e7 = parse_coord(f[2], f[3], 2);
      fix_lon_e7 = parse_coord(f[4], f[5], 3);
      fix_alt_cm = parse_decimal_cm(f[9]);
      fix_time_ms = board_millis();
    }
  } else if (n >= 7 && strcmp(f[0] + 3, "RMC") == 0) {
    if (f[2][0] != 'A') fix_quality = 0;
  }
}

void gps_poll(void) {
  while (USART1->ISR & (1u << 5)) {
    char c = (char)USART1->RDR;
    if (c == '$') sentence_len = 0;
    if (c == '\r' || c == '\n') {
      if (sentence_len) {
        sentence[sentence_len] = '\0';
        handle_sentence(sentence, sentence_len);
        sentence_len = 0;
      }
    } else if (sentence_len < NMEA_MAX - 1) {
      sentence[sentence_len++] = c;
    }
  }
}

bool gps_fix(int32_t *lat_e7, int32_t *lon_e7, int32_t *alt_cm, uint8_t *sats) {
  if (fix_quality == 0 || (uint32_t)(board_millis() - fix_time_ms) > 120000u) return false;
  *lat_e7 = fix_lat_e7;
  *lon_e7 = fix_lon_e7;
  *alt_cm = fix_alt_cm;
  *sats = fix_sats;
  return true;
}

const char *gps_status(void) {
  static char text[48];
  if (fix_quality == 0) return sentences_ok ? "no fix" : "no data";
  text[0] = (char)('0' + fix_quality);
  text[1] = ' ';
  text[2] = (char)('0' + fix_sats / 10);
  text[3] = (char)('0' + fix_sats % 10);
  memcpy(&text[4], " sats", 6);
  (void)sentences_bad;
  return text;
}
#endif
